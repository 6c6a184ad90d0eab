import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { builtInSupportDocument } from '@watchpost/shared';
import {
  adoptSupportData,
  heldSupportDataPath,
  newestHeldSupportData,
  readHeldSupportData,
} from './held-support-data.js';

const NEWER = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/support-data/kubernetes-support.2027.1.0.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

describe('the support data an agent holds', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'watchpost-support-data-'));
    path = heldSupportDataPath(join(dir, 'agent.sqlite'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('is kept beside the store', () => {
    expect(path).toBe(join(dir, 'kubernetes-support.json'));
  });

  test('with nothing received, the shipped document is the newest', () => {
    expect(newestHeldSupportData(path)).toEqual({ doc: builtInSupportDocument() });
  });

  test('a newer document from the hub is written and then chosen', () => {
    const r = adoptSupportData(path, NEWER);
    expect(r).toMatchObject({ adopted: true, previous: builtInSupportDocument().dataVersion });
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(newestHeldSupportData(path).doc.dataVersion).toBe('2027.1.0');
    // Nothing half-written is left behind.
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
  });

  test('the same or an older version is ignored (acks of in-flight reports repeat it)', () => {
    adoptSupportData(path, NEWER);
    expect(adoptSupportData(path, NEWER)).toEqual({
      adopted: false,
      reason: 'support data 2027.1.0 is not newer than 2027.1.0',
    });
    const older = { ...NEWER, dataVersion: '2026.1.0' };
    expect(adoptSupportData(path, older).adopted).toBe(false);
    expect(newestHeldSupportData(path).doc.dataVersion).toBe('2027.1.0');
  });

  test('a held file older than the shipped document loses to it (the agent was upgraded)', () => {
    writeFileSync(
      path,
      JSON.stringify({ ...builtInSupportDocument(), dataVersion: '2025.11.0', compiledAt: '2025-11-15' }),
    );
    expect(readHeldSupportData(path).doc?.dataVersion).toBe('2025.11.0');
    expect(newestHeldSupportData(path).doc.dataVersion).toBe(builtInSupportDocument().dataVersion);
  });

  test('an invalid document from the hub is refused with the field, and nothing is written', () => {
    const r = adoptSupportData(path, { ...NEWER, compiledAt: 'yesterday' });
    expect(r).toEqual({
      adopted: false,
      reason:
        'support data from the hub is invalid, kept the current data: compiledAt: must be a day, YYYY-MM-DD',
    });
    expect(existsSync(path)).toBe(false);
  });

  test('a damaged held file is reported and the shipped document used', () => {
    writeFileSync(path, '{"kind": "WatchpostKubernetesSupport", ');
    const r = newestHeldSupportData(path);
    expect(r.doc).toBe(builtInSupportDocument());
    expect(r.problem).toContain(`${path} is not readable JSON`);
  });
});
