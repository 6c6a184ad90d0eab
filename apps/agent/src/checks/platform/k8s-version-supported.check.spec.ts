import { describe, expect, test } from '@jest/globals';
import { builtInSupportDocument, type KubernetesSupportDocument } from '@watchpost/shared';
import { k8sVersionSupported, supportVerdict as verdictWith } from './k8s-version-supported.check.js';
import { compareMinor } from './version.js';
import { DEFAULT_CHECK_OPTIONS } from '../check.js';

const KUBERNETES_SUPPORT = builtInSupportDocument();

/**
 * The verdict rules are tested against a fixed document (the 2025-11 data, when 2510 was the newest AKS Arc
 * release), so they do not move when the shipped data is refreshed.
 */
const FIXED: KubernetesSupportDocument = {
  ...KUBERNETES_SUPPORT,
  dataVersion: '2025.11.0',
  compiledAt: '2025-11-15',
  upstream: KUBERNETES_SUPPORT.upstream.filter((e) => e.minor <= '1.36'),
  aks: [
    { minor: '1.27', gaMonth: '2023-06', endOfLifeMonth: '2024-07' },
    { minor: '1.28', gaMonth: '2023-10', endOfLifeMonth: '2025-03' },
    { minor: '1.29', gaMonth: '2024-03', endOfLifeMonth: '2025-03' },
    { minor: '1.30', gaMonth: '2024-07', endOfLifeMonth: '2025-07' },
    { minor: '1.31', gaMonth: '2024-11', endOfLifeMonth: '2025-11' },
    { minor: '1.32', gaMonth: '2025-04', endOfLifeMonth: '2026-03' },
    { minor: '1.33', gaMonth: '2025-06', endOfLifeMonth: '2026-06' },
    { minor: '1.34', gaMonth: '2025-11', endOfLifeMonth: '2026-11' },
    { minor: '1.35', gaMonth: '2026-03', endOfLifeMonth: '2027-03', projected: true },
  ],
  aksArc: [{ release: '2510', month: '2025-10', minors: ['1.32', '1.31', '1.30'] }],
};
const supportVerdict = (p: Parameters<typeof verdictWith>[0], m: string, now: Date) =>
  verdictWith(p, m, now, FIXED);

const at = (iso: string): Date => new Date(`${iso}T00:00:00Z`);

describe('support data file', () => {
  const isDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
  const isMonth = (s: string): boolean => /^\d{4}-(0[1-9]|1[0-2])$/.test(s);

  test('is versioned and dated', () => {
    expect(KUBERNETES_SUPPORT.dataVersion).toMatch(/^\d{4}\.\d{1,2}\.\d+$/);
    expect(isDay(KUBERNETES_SUPPORT.compiledAt)).toBe(true);
  });

  test('upstream minors are ordered, dated, and end after they start', () => {
    const minors = KUBERNETES_SUPPORT.upstream.map((e) => e.minor);
    expect([...minors].sort(compareMinor)).toEqual(minors);
    for (const e of KUBERNETES_SUPPORT.upstream) {
      expect([e.minor, isDay(e.released), isDay(e.endOfLife)]).toEqual([e.minor, true, true]);
      expect(e.endOfLife > e.released).toBe(true);
    }
  });

  test('AKS minors are ordered with GA before end of life', () => {
    const minors = KUBERNETES_SUPPORT.aks.map((e) => e.minor);
    expect([...minors].sort(compareMinor)).toEqual(minors);
    for (const e of KUBERNETES_SUPPORT.aks)
      expect([e.minor, isMonth(e.gaMonth), isMonth(e.endOfLifeMonth), e.endOfLifeMonth > e.gaMonth]).toEqual([
        e.minor,
        true,
        true,
        true,
      ]);
  });

  test('every AKS Arc release ships three consecutive minors (N-2) and its name is its month', () => {
    for (const r of KUBERNETES_SUPPORT.aksArc) {
      const sorted = [...r.minors].sort(compareMinor).map((m) => Number(m.split('.')[1]));
      expect(sorted).toEqual([sorted[0], sorted[0] + 1, sorted[0] + 2]);
      expect(`20${r.release.slice(0, 2)}-${r.release.slice(2)}`).toBe(r.month);
    }
    // The design's own example.
    expect(KUBERNETES_SUPPORT.aksArc.find((r) => r.release === '2510')?.minors).toEqual([
      '1.32',
      '1.31',
      '1.30',
    ]);
  });
});

describe('supportVerdict', () => {
  test('AKS Arc: inside the newest release passes, the minor before fails, a fresh window is not called stale', () => {
    expect(supportVerdict('aks-hci', '1.30', at('2025-12-01')).outcome).toBe('pass');
    expect(supportVerdict('aks-hci', '1.29', at('2025-12-01')).outcome).toBe('fail');
    expect(supportVerdict('aks-hci', '1.33', at('2025-12-01')).outcome).toBe('warn');
  });

  test('AKS Arc: once the newest known release is old, "supported" becomes a warning to refresh', () => {
    const v = supportVerdict('aks-hci', '1.31', at('2026-11-23'));
    expect(v.outcome).toBe('warn');
    expect(v.message).toContain('that release is 418 days old, past the 180-day limit');
    expect(v.message).toContain('watchpost-hub data import');
    expect(v.message).not.toContain('likely');
  });

  test('AKS Arc before any known release falls back to the upstream calendar and says so', () => {
    const v = supportVerdict('aks-hci', '1.30', at('2025-03-01'));
    expect(v.outcome).toBe('pass');
    expect(v.message).toContain('judged by the upstream calendar');
  });

  test('AKS: month granularity, support through the last day of the end-of-life month', () => {
    expect(supportVerdict('aks', '1.31', at('2025-11-30')).outcome).toBe('warn');
    expect(supportVerdict('aks', '1.31', at('2025-12-01')).outcome).toBe('fail');
    expect(supportVerdict('aks', '1.31', at('2025-06-01')).outcome).toBe('pass');
    expect(supportVerdict('aks', '1.24', at('2025-06-01')).outcome).toBe('fail');
  });

  test('AKS: a minor before its GA month is a preview', () => {
    const v = supportVerdict('aks', '1.35', at('2026-01-10'));
    expect(v.outcome).toBe('warn');
    expect(v.message).toContain('preview');
  });

  test('upstream (kubeadm, Arc-enabled): end of life is the published day', () => {
    expect(supportVerdict('other', '1.33', at('2026-06-27')).outcome).toBe('warn');
    expect(supportVerdict('other', '1.33', at('2026-06-28')).outcome).toBe('fail');
    expect(supportVerdict('arc', '1.34', at('2026-06-01')).outcome).toBe('pass');
    expect(supportVerdict('other', '1.20', at('2026-06-01')).outcome).toBe('fail');
  });
});

describe('k8s-version-supported: which data, and how old', () => {
  const evidence = {
    cluster: {
      name: 'c1',
      platform: 'other' as const,
      role: 'workload' as const,
      kubernetesVersion: 'v1.34.2',
    },
    collectedAt: '2026-06-01T00:00:00Z',
    kube: {},
    host: {},
    probes: {},
    collectorErrors: [],
  } as unknown as Parameters<typeof k8sVersionSupported.run>[0]['evidence'];
  const run = (now: string, supportData = FIXED) =>
    k8sVersionSupported.run({ evidence, now: new Date(now), options: DEFAULT_CHECK_OPTIONS, supportData });

  test('the message names the data version, its compile day and its age', () => {
    const [f] = run('2025-12-15T00:00:00Z');
    expect(f?.message).toContain('judged with support data 2025.11.0 (compiled 2025-11-15, 30 days old)');
    expect(f?.evidence).toMatchObject({ supportDataVersion: '2025.11.0', supportDataAgeDays: 30 });
  });

  test('data past maxAgeDays is a warning of its own, with the refresh command', () => {
    const findings = run('2026-06-01T00:00:00Z');
    expect(findings).toHaveLength(2);
    expect(findings[1]).toMatchObject({ outcome: 'warn', resource: { kind: 'SupportData' } });
    expect(findings[1]?.message).toContain('compiled 2025-11-15, 198 days ago, past its 120-day limit');
    expect(findings[1]?.message).toContain('watchpost-hub data import');
  });

  test('newer data handed in by the agent is what the check uses', () => {
    const newer = { ...FIXED, dataVersion: '2026.5.0', compiledAt: '2026-05-20' };
    const findings = run('2026-06-01T00:00:00Z', newer);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toContain('support data 2026.5.0 (compiled 2026-05-20, 12 days old)');
  });
});
