import { describe, expect, test } from '@jest/globals';
import {
  parseEncryptionConfig,
  redactEncryptionSecrets,
  ruleFor,
  describeProvider,
  type ParseResult,
} from './encryption-config.js';

// Test keys only: 32, 16 and 24 random bytes, and a 31-byte one that is the wrong length for every provider.
const K32 = 'Y9n2pD0vJq7XbK3sL5tR8uW1zA4cE6gH+iM/oN0pQ2s=';
const K16 = 'q83vEjRWeJASNFZ4kKvN7w==';
const K24 = 'ASNFZ4mrze8BI0VniavN7wEjRWeJq83v';
const K31 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==';

function cfg(body: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n${body}`;
}
function errorsOf(r: ParseResult): string[] {
  return r.ok ? [] : r.errors;
}

describe('parseEncryptionConfig: valid files', () => {
  test('kubeadm-style KMS v2 first, identity fallback; secrets matched exactly, configmaps not covered', () => {
    const r = parseEncryptionConfig(
      cfg(`  - resources:
      - secrets
    providers:
      - kms:
          apiVersion: v2
          name: kms-plugin
          endpoint: unix:///var/run/kmsplugin/kms.sock
          timeout: 3s
      - identity: {}
`),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(ruleFor(r.config, 'secrets')?.matchedBy).toBe('secrets');
    expect(describeProvider(ruleFor(r.config, 'secrets')!.rule.providers[0])).toBe('kms v2 "kms-plugin"');
    expect(ruleFor(r.config, 'configmaps')).toBeUndefined();
  });

  test('kms without apiVersion is v1; cachesize allowed for v1', () => {
    const r = parseEncryptionConfig(
      cfg(
        `  - resources: [secrets]\n    providers:\n      - kms: {name: p1, endpoint: "unix:///tmp/k.sock", cachesize: 1000}\n`,
      ),
    );
    expect(r.ok && r.config.rules[0].providers[0]).toMatchObject({
      type: 'kms',
      apiVersion: 'v1',
      cachesize: 1000,
    });
  });

  test('first matching entry wins: secrets. / *. / *.<group> / *.* in order', () => {
    const r = parseEncryptionConfig(
      cfg(`  - resources: [configmaps]
    providers: [{identity: {}}]
  - resources: ["*.apps"]
    providers: [{aesgcm: {keys: [{name: g1, secret: "${K16}"}]}}]
  - resources: ["*."]
    providers: [{secretbox: {keys: [{name: s1, secret: "${K32}"}]}}]
  - resources: ["*.*"]
    providers: [{aescbc: {keys: [{name: c1, secret: "${K24}"}]}}]
`),
    );
    expect(errorsOf(r)).toEqual([]);
    if (!r.ok) return;
    expect(ruleFor(r.config, 'secrets')).toMatchObject({ index: 2, matchedBy: '*.' });
    expect(ruleFor(r.config, 'secrets.')).toMatchObject({ index: 2 });
    expect(ruleFor(r.config, 'deployments.apps')).toMatchObject({ index: 1, matchedBy: '*.apps' });
    expect(ruleFor(r.config, 'roles.rbac.authorization.k8s.io')).toMatchObject({
      index: 3,
      matchedBy: '*.*',
    });
    expect(ruleFor(r.config, 'configmaps')).toMatchObject({ index: 0 });
    // Key lengths are kept, never the keys.
    expect(JSON.stringify(r.config)).not.toContain(K32);
    expect(r.config.rules[2].providers[0]).toEqual({ type: 'secretbox', keys: [{ name: 's1', bytes: 32 }] });
  });

  test('"secrets." in an entry covers the core secrets resource', () => {
    const r = parseEncryptionConfig(cfg(`  - resources: ["secrets."]\n    providers: [{identity: {}}]\n`));
    expect(r.ok && ruleFor(r.config, 'secrets')?.matchedBy).toBe('secrets.');
  });

  test('legacy kind EncryptionConfig apiVersion v1 is accepted and flagged legacy', () => {
    const r = parseEncryptionConfig(
      `kind: EncryptionConfig\napiVersion: v1\nresources:\n  - resources: [secrets]\n    providers:\n    - aescbc:\n        keys:\n        - name: key1\n          secret: ${K32}\n    - identity: {}\n`,
    );
    expect(r.ok && r.config.legacy).toBe(true);
  });

  test('JSON form parses too', () => {
    const r = parseEncryptionConfig(
      JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'EncryptionConfiguration',
        resources: [{ resources: ['secrets'], providers: [{ identity: {} }] }],
      }),
    );
    expect(r.ok).toBe(true);
  });
});

describe('parseEncryptionConfig: what the API server refuses', () => {
  const cases: [string, string, string][] = [
    [
      'unknown top-level field',
      `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresource: []\n`,
      'unknown field "resource"',
    ],
    [
      'unknown provider field',
      cfg(
        `  - resources: [secrets]\n    providers: [{kms: {apiVersion: v2, name: a, endpoint: "unix:///a", cachesize: 10, foo: 1}}]\n`,
      ),
      'unknown field "foo"',
    ],
    [
      'cachesize in v2',
      cfg(
        `  - resources: [secrets]\n    providers: [{kms: {apiVersion: v2, name: a, endpoint: "unix:///a", cachesize: 10}}]\n`,
      ),
      'cachesize is not supported in v2',
    ],
    [
      'unsupported KMS apiVersion',
      cfg(
        `  - resources: [secrets]\n    providers: [{kms: {apiVersion: v3, name: a, endpoint: "unix:///a"}}]\n`,
      ),
      'unsupported apiVersion "v3"',
    ],
    [
      'non-unix endpoint',
      cfg(
        `  - resources: [secrets]\n    providers: [{kms: {apiVersion: v2, name: a, endpoint: "tcp://10.0.0.1:80"}}]\n`,
      ),
      'only unix is supported',
    ],
    [
      'aescbc 31-byte key',
      cfg(`  - resources: [secrets]\n    providers: [{aescbc: {keys: [{name: k, secret: "${K31}"}]}}]\n`),
      'got 31, expected one of [16 24 32]',
    ],
    [
      'secretbox 16-byte key',
      cfg(`  - resources: [secrets]\n    providers: [{secretbox: {keys: [{name: k, secret: "${K16}"}]}}]\n`),
      'got 16, expected one of [32]',
    ],
    [
      'non-base64 key',
      cfg(
        `  - resources: [secrets]\n    providers: [{aesgcm: {keys: [{name: k, secret: "not base64!!"}]}}]\n`,
      ),
      'secrets must be base64 encoded',
    ],
    [
      'duplicate KMS names',
      cfg(
        `  - resources: [secrets]\n    providers: [{kms: {apiVersion: v2, name: a, endpoint: "unix:///a"}}]\n  - resources: [configmaps]\n    providers: [{kms: {apiVersion: v2, name: a, endpoint: "unix:///b"}}]\n`,
      ),
      'duplicate KMS provider name "a"',
    ],
    [
      'overlapping wildcard in one list',
      cfg(`  - resources: ["*.", secrets]\n    providers: [{identity: {}}]\n`),
      'overlapping resources',
    ],
    [
      'resource masked by an earlier wildcard',
      cfg(
        `  - resources: ["*.*"]\n    providers: [{identity: {}}]\n  - resources: [secrets]\n    providers: [{identity: {}}]\n`,
      ),
      'resource "secrets" is masked by earlier rule "*.*"',
    ],
    [
      'events.k8s.io group by name',
      cfg(`  - resources: [secrets, events.events.k8s.io]\n    providers: [{identity: {}}]\n`),
      `"events.events.k8s.io": '*.events.k8s.io' objects are stored using the 'events' API group`,
    ],
    [
      'events.k8s.io group wildcard',
      cfg(`  - resources: ["*.events.k8s.io"]\n    providers: [{identity: {}}]\n`),
      `resources[0].resources[0]: "*.events.k8s.io": '*.events.k8s.io' objects are stored`,
    ],
    ['bare star', cfg(`  - resources: ["*"]\n    providers: [{identity: {}}]\n`), "use '*.'"],
    [
      'two providers in one element',
      cfg(
        `  - resources: [secrets]\n    providers: [{identity: {}, aescbc: {keys: [{name: k, secret: "${K32}"}]}}]\n`,
      ),
      'more than one provider',
    ],
    ['no providers', cfg(`  - resources: [secrets]\n    providers: []\n`), 'at least one provider'],
    ['wrong kind', `apiVersion: v1\nkind: ConfigMap\n`, 'is not EncryptionConfiguration'],
    [
      'wrong apiVersion',
      `apiVersion: apiserver.config.k8s.io/v1beta1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{identity: {}}]}]\n`,
      'use apiserver.config.k8s.io/v1',
    ],
    [
      'duplicate YAML key',
      cfg(`  - resources: [secrets]\n    resources: [configmaps]\n    providers: [{identity: {}}]\n`),
      'not valid YAML',
    ],
    ['broken YAML', `kind: EncryptionConfiguration\nresources: [\n`, 'not valid YAML'],
    ['empty file', ``, 'empty'],
    [
      'capital letters',
      cfg(`  - resources: [Secrets]\n    providers: [{identity: {}}]\n`),
      'capital letters',
    ],
    [
      'kms v2 name with colon',
      cfg(
        `  - resources: [secrets]\n    providers: [{kms: {apiVersion: v2, name: "a:b", endpoint: "unix:///a"}}]\n`,
      ),
      "must not contain ':'",
    ],
  ];
  test.each(cases)('%s', (_name, text, expected) => {
    const r = parseEncryptionConfig(text);
    expect(r.ok).toBe(false);
    expect(errorsOf(r).join('\n')).toContain(expected);
  });

  test('errors never quote the secret', () => {
    const r = parseEncryptionConfig(
      cfg(
        `  - resources: [secrets]\n    providers: [{aescbc: {keys: [{name: k, secret: "${K31}"}]}}, {secretbox: {keys: [{name: k2, secret: "${K16}"}]}}]\n`,
      ),
    );
    const text = errorsOf(r).join('\n');
    expect(text).not.toContain(K31);
    expect(text).not.toContain(K16);
  });
});

describe('redactEncryptionSecrets', () => {
  const text = cfg(`  - resources: [secrets]   # comment kept
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${K32}
            - {name: key2, secret: "${K16}"}
      - secretbox:
          keys:
            - name: bad
              secret: 'not base64!'
      - identity: {}
`);

  test('keeps structure and validation facts, drops key material', () => {
    const out = redactEncryptionSecrets(text);
    expect(out).not.toContain(K32);
    expect(out).not.toContain(K16);
    expect(out).not.toContain('not base64!');
    expect(out).toContain('# comment kept');
    expect(out.split('\n').length).toBe(text.split('\n').length);
    const before = parseEncryptionConfig(text);
    const after = parseEncryptionConfig(out);
    // The same verdict (including the bad key) before and after redaction.
    expect(errorsOf(after)).toEqual(errorsOf(before));
    expect(errorsOf(after).join()).toContain('keys[0].secret: secrets must be base64 encoded');
  });

  test('redacted lengths still validate a good config', () => {
    const good = cfg(
      `  - resources: [secrets]\n    providers:\n      - aesgcm: {keys: [{name: k, secret: "${K24}"}]}\n`,
    );
    const r = parseEncryptionConfig(redactEncryptionSecrets(good));
    expect(r.ok && r.config.rules[0].providers[0]).toEqual({
      type: 'aesgcm',
      keys: [{ name: 'k', bytes: 24 }],
    });
  });

  test('a block-scalar key is redacted and its line break kept', () => {
    const block = cfg(
      `  - resources: [secrets]\n    providers:\n      - secretbox:\n          keys:\n            - name: k\n              secret: |\n                ${K32}\n      - identity: {}\n`,
    );
    const out = redactEncryptionSecrets(block);
    expect(out).not.toContain(K32);
    const r = parseEncryptionConfig(out);
    expect(r.ok && r.config.rules[0].providers).toEqual([
      { type: 'secretbox', keys: [{ name: 'k', bytes: 32 }] },
      { type: 'identity' },
    ]);
  });

  test('unparsable text is redacted line by line', () => {
    const broken = `kind: EncryptionConfiguration\nresources: [\n  - aescbc: {keys: [{name: k, secret: ${K32}}]}\n`;
    const out = redactEncryptionSecrets(broken);
    expect(out).not.toContain(K32);
    expect(out).toContain('watchpost-redacted:32-bytes');
  });

  test('other files come back unchanged', () => {
    const manifest = 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n';
    expect(redactEncryptionSecrets(manifest)).toBe(manifest);
  });
});
