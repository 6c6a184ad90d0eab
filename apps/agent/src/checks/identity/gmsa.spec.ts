import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '@watchpost/shared';
import { parsePluginInput } from './gmsa-credspec-valid.check.js';
import { jsonEqual, pinnedOs, selectorMatches } from './gmsa.js';

describe('selectorMatches', () => {
  it('follows upstream label-selector semantics, NotIn matching an absent key', () => {
    const sel = { matchExpressions: [{ key: 'gmsa-webhook', operator: 'NotIn', values: ['disabled'] }] };
    expect(selectorMatches(sel, {})).toBe(true);
    expect(selectorMatches(sel, { 'gmsa-webhook': 'enabled' })).toBe(true);
    expect(selectorMatches(sel, { 'gmsa-webhook': 'disabled' })).toBe(false);
    expect(
      selectorMatches(
        { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'Exists' }] },
        { a: 'b' },
      ),
    ).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, { a: 'b' })).toBe(
      true,
    );
    expect(selectorMatches(undefined, { a: 'b' })).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'c', operator: 'Gt', values: ['1'] }] }, { c: '2' }),
    ).toBe(false);
  });
});

describe('pinnedOs', () => {
  const nodes: KubeObject[] = [{ metadata: { name: 'moc-w1', labels: { 'kubernetes.io/os': 'windows' } } }];
  const affinity = (terms: unknown[]) => ({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
  });
  it('reads the node selector, required affinity (every term), and nodeName', () => {
    expect(pinnedOs({ nodeSelector: { 'kubernetes.io/os': 'linux' } }, nodes)).toBe('linux');
    expect(pinnedOs({ nodeSelector: { 'beta.kubernetes.io/os': 'windows' } }, nodes)).toBe('windows');
    expect(
      pinnedOs(
        {
          affinity: affinity([
            { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'NotIn', values: ['windows'] }] },
          ]),
        },
        nodes,
      ),
    ).toBe('linux');
    // Terms are ORed: one unpinned term leaves the pod free to land anywhere.
    expect(
      pinnedOs(
        {
          affinity: affinity([
            { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows'] }] },
            { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          ]),
        },
        nodes,
      ),
    ).toBeUndefined();
    expect(pinnedOs({ nodeName: 'moc-w1' }, nodes)).toBe('windows');
    expect(pinnedOs({}, nodes)).toBeUndefined();
  });
});

describe('parsePluginInput', () => {
  it('recognises Key Vault, key=value and colon forms', () => {
    expect(
      parsePluginInput('ObjectId=/subscriptions/x/id;SecretUri=https://kv.vault.azure.net/secrets/s').kind,
    ).toBe('external');
    expect(parsePluginInput('SecretName=ccg;SecretNamespace=web')).toEqual({
      kind: 'kubernetes',
      tokens: ['ccg', 'web'],
    });
    expect(parsePluginInput('contoso.com:gmsa-ccg:web')).toEqual({
      kind: 'kubernetes',
      tokens: ['gmsa-ccg', 'web'],
      domain: 'contoso.com',
    });
    expect(parsePluginInput('CONTOSO:gmsa-ccg:web')).toEqual({
      kind: 'kubernetes',
      tokens: ['gmsa-ccg', 'web'],
      domain: 'CONTOSO',
    });
    expect(parsePluginInput('opaque').kind).toBe('unknown');
  });
});

describe('jsonEqual', () => {
  it('ignores key order but not values', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
