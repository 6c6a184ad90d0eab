import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarise, type Report } from '@watchpost/shared';
import { AgentStore } from './agent-store.js';
import {
  DAEMON_HEALTH_BYTES,
  daemonHealthPath,
  writeDaemonHealth,
  type DaemonHealth,
} from './daemon-health.js';
import { readAgentStatus, STATUS_EXIT } from './status.reader.js';

const scannedAt = new Date('2026-11-23T12:00:00Z');
const results: Report['results'] = [
  {
    checkId: 'rbac-wildcard',
    area: 'access',
    severity: 'medium',
    outcome: 'pass',
    resource: { kind: 'ClusterRole', name: 'view' },
    message: 'ok',
  },
];
const report: Report = {
  schemaVersion: 1,
  scannedAt: scannedAt.toISOString(),
  evaluatedAt: scannedAt.toISOString(),
  cluster: { name: 'hci-01', platform: 'aks-hci', role: 'workload' },
  summary: summarise(results),
  results,
  collectorErrors: [],
};
const after = (s: number) => new Date(scannedAt.getTime() + s * 1000);

describe('readAgentStatus: healthy, stale and failed daemons', () => {
  let dir: string;
  let path: string;
  const health = (h: Partial<DaemonHealth> = {}): DaemonHealth => ({
    pid: 4242,
    startedAt: scannedAt.toISOString(),
    intervalSeconds: 60,
    store: { state: 'ok', failedCommits: 0, scansSuperseded: 0 },
    ...h,
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-reader-'));
    path = join(dir, 'agent.sqlite');
    const store = await AgentStore.open({
      path,
      retention: { maxRows: 10, maxBytes: 1e6 },
      now: () => scannedAt,
    });
    await store.recordIdentity({ agentId: 'hci-01', brokerUrl: 'mqtts://hub:8883', intervalSeconds: 60 });
    await store.commitReport({ report, runId: 'r1', agentId: 'hci-01', agentVersion: '0.1.0' });
    await store.close();
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('is healthy within the interval, stale once a whole scan was missed (2 intervals + 60 s)', () => {
    writeDaemonHealth(path, health());
    expect(readAgentStatus(path, after(150)).health).toBe('healthy');
    const stale = readAgentStatus(path, after(181));
    expect(stale.health).toBe('stale');
    expect(STATUS_EXIT[stale.health]).toBe(4);
    expect(stale.problems[0]).toMatch(/STALE: last scan stored 3m ago, but scans run every 1m/);
  });

  it('is stale at once when the daemon was stopped, not HEALTHY', () => {
    writeDaemonHealth(path, health({ stoppedAt: after(10).toISOString() }));
    const s = readAgentStatus(path, after(20));
    expect(s.health).toBe('stale');
    expect(s.problems[0]).toContain('the daemon was stopped at');
  });

  it('is failed (exit 5) while the store cannot commit, whatever else holds', async () => {
    writeDaemonHealth(
      path,
      health({
        store: {
          state: 'failing',
          since: after(30).toISOString(),
          failedCommits: 4,
          scansSuperseded: 1,
          lastError: 'database or disk is full',
        },
      }),
    );
    const s = readAgentStatus(path, after(40));
    expect(s.health).toBe('failed');
    expect(STATUS_EXIT[s.health]).toBe(5);
    expect(s.problems[0]).toMatch(
      /^FAILED: the store cannot commit reports .*4 failed commit\(s\), 1 scan\(s\) replaced unsent; last error: database or disk is full/,
    );
    // Fixed size: rewritten in place, never grown (a full disk has no block to give it).
    expect((await stat(daemonHealthPath(path))).size).toBe(DAEMON_HEALTH_BYTES);
  });

  it('without a health file (no daemon yet, or an older one) judges from the store alone', () => {
    expect(readAgentStatus(path, after(100)).health).toBe('healthy');
    expect(readAgentStatus(path, after(1000)).health).toBe('stale');
  });
});

describe('readAgentStatus: exempted results', () => {
  it('lists exempted results apart from the failing ones, with the exemption', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'status-exempt-'));
    try {
      const path = join(dir, 'agent.sqlite');
      const fail = (
        name: string,
        exemption?: Report['results'][number]['exemption'],
      ): Report['results'][number] => ({
        checkId: 'pod-host-path',
        area: 'workload',
        severity: 'high',
        outcome: 'fail',
        resource: { kind: 'DaemonSet', namespace: 'monitoring', name },
        message: 'mounts /',
        ...(exemption ? { exemption } : {}),
      });
      const rs = [
        fail('node-exporter', {
          source: 'annotation',
          reason: 'reads host metrics',
          ref: 'DaemonSet monitoring/node-exporter',
        }),
        fail('log-shipper'),
      ];
      const store = await AgentStore.open({
        path,
        retention: { maxRows: 10, maxBytes: 1e6 },
        now: () => scannedAt,
      });
      await store.commitReport({
        report: { ...report, results: rs, summary: summarise(rs) },
        runId: 'r1',
        agentId: 'hci-01',
        agentVersion: '0.1.0',
      });
      await store.close();
      const s = readAgentStatus(path, after(10));
      expect(s.failing.map((f) => f.resource)).toEqual(['DaemonSet monitoring/log-shipper']);
      expect(s.exempted).toEqual([
        expect.objectContaining({
          resource: 'DaemonSet monitoring/node-exporter',
          exemption: {
            source: 'annotation',
            reason: 'reads host metrics',
            ref: 'DaemonSet monitoring/node-exporter',
          },
        }),
      ]);
      // The outcome counts stay the scan's own.
      expect(s.lastScan?.summary.fail).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
