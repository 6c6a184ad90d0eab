import { describe, expect, test } from '@jest/globals';
import { KUBERNETES_SUPPORT } from './data/kubernetes-support.js';
import { supportVerdict } from './k8s-version-supported.check.js';
import { compareMinor } from './version.js';

const at = (iso: string): Date => new Date(`${iso}T00:00:00Z`);

describe('support data file', () => {
  const isDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
  const isMonth = (s: string): boolean => /^\d{4}-(0[1-9]|1[0-2])$/.test(s);

  test('is versioned and dated', () => {
    expect(KUBERNETES_SUPPORT.dataVersion).toMatch(/^\d{4}\.\d{2}\.\d+$/);
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
    expect(v.message).toContain('refresh the support data');
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
