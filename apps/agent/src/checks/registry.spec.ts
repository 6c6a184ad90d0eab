// Catalogue, implementations and fixture folders must match one to one (STYLE.md "Checks as data").
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { ANNOTATION_EXEMPTABLE_CHECKS, AREAS, CATALOGUE, exemptableByAnnotation } from '@watchpost/shared';
import { IMPLEMENTATIONS, registeredChecks } from './registry.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/checks', import.meta.url));
const ids = CATALOGUE.map((c) => c.id);

describe('check registry', () => {
  test('ids are unique kebab-case', () => {
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  test('catalogue entries are complete', () => {
    for (const c of CATALOGUE) {
      expect([c.id, c.title.length > 0, c.description.length > 20, c.remediation.length > 10]).toEqual([
        c.id,
        true,
        true,
        true,
      ]);
      expect(AREAS).toContain(c.area);
    }
  });

  test('no annotation can exempt a certificate, encryption or RBAC check, nor a cluster-level one', () => {
    // A workload owner must not be able to silence these (docs/exemptions.md); the list names the few an
    // annotation may exempt, each a real check, none of them in these areas.
    expect(ANNOTATION_EXEMPTABLE_CHECKS.filter((id) => !ids.includes(id))).toEqual([]);
    const exemptable = CATALOGUE.filter((c) => exemptableByAnnotation(c.id));
    expect(exemptable.length).toBe(ANNOTATION_EXEMPTABLE_CHECKS.length);
    expect(
      exemptable.filter((c) => ['certificates', 'encryption', 'access', 'platform'].includes(c.area)),
    ).toEqual([]);
    expect(exemptableByAnnotation('netpol-imds-egress')).toBe(false);
    expect(exemptableByAnnotation('image-provenance')).toBe(false);
    expect(exemptableByAnnotation('cert-expiry')).toBe(false);
    expect(exemptableByAnnotation('pod-privileged')).toBe(true);
    expect(exemptableByAnnotation('no-such-check')).toBe(false);
  });

  test('catalogue is ordered by area', () => {
    const order = CATALOGUE.map((c) => AREAS.indexOf(c.area));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  test('every catalogue entry has exactly one implementation and vice versa', () => {
    expect(IMPLEMENTATIONS.map((i) => i.id).sort()).toEqual(
      ids.filter((id) => !CATALOGUE.find((c) => c.id === id)?.deprecated).sort(),
    );
    expect(registeredChecks().map((r) => r.definition.id)).toEqual(ids);
  });

  test('every check has pass, fail-or-warn and error fixtures, and no fixture folder is orphaned', () => {
    const folders = existsSync(FIXTURES) ? readdirSync(FIXTURES) : [];
    expect(folders.filter((f) => !ids.includes(f))).toEqual([]);
    const missing: string[] = [];
    for (const id of ids) {
      const cases = existsSync(join(FIXTURES, id)) ? readdirSync(join(FIXTURES, id)) : [];
      const has = (p: string) => cases.some((c) => c.startsWith(`${p}.`));
      if (!has('pass')) missing.push(`${id}: pass`);
      if (!has('fail') && !has('warn')) missing.push(`${id}: fail or warn`);
      if (!has('error')) missing.push(`${id}: error`);
    }
    expect(missing).toEqual([]);
  });
});
