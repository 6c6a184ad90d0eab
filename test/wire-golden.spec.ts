/* eslint-disable @nx/enforce-module-boundaries -- compares the agent store's envelope with the golden wire sample; apps have no package entry points. */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { reportEnvelopeV1Schema, type Report } from '@watchpost/shared';
import { AgentStore } from '../apps/agent/src/store/agent-store.js';

const GOLDEN = join(import.meta.dirname, 'fixtures', 'wire', 'report.v1.json');

/** The golden wire sample (hub tests parse it too) is valid v1, and it is what the agent actually sends. */
describe('golden wire sample report.v1.json', () => {
  it('parses with reportEnvelopeV1Schema', async () => {
    const golden = JSON.parse(await readFile(GOLDEN, 'utf8'));
    const parsed = reportEnvelopeV1Schema.parse(golden);
    expect(parsed.seq).toBe(42);
    expect(parsed.dropped).toBe(3);
  });

  it('the agent store produces envelopes of the same shape (same keys, schema-valid)', async () => {
    const golden = reportEnvelopeV1Schema.parse(JSON.parse(await readFile(GOLDEN, 'utf8')));
    const dir = await mkdtemp(join(tmpdir(), 'wire-golden-'));
    const store = await AgentStore.open({
      path: join(dir, 'a.sqlite'),
      retention: { maxRows: 10, maxBytes: 1e7 },
    });
    try {
      const report: Report = {
        schemaVersion: 1,
        scannedAt: golden.scannedAt,
        evaluatedAt: golden.evaluatedAt,
        cluster: golden.cluster as Report['cluster'],
        summary: golden.summary,
        results: golden.results,
        collectorErrors: golden.collectorErrors,
      };
      await store.commitReport({
        report,
        runId: golden.runId,
        agentId: golden.agentId,
        agentVersion: golden.agentVersion,
      });
      const [row] = await store.undelivered(0, 1);
      const sent = reportEnvelopeV1Schema.parse(JSON.parse(gunzipSync(row.payload).toString('utf8')));
      expect(Object.keys(sent).sort()).toEqual(Object.keys(golden).sort());
      expect({ ...sent, seq: 42, dropped: 3 }).toEqual(golden);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
