import { describe, expect, test } from '@jest/globals';
import { allowedKubeletLag } from './kubelet-version-skew.check.js';
import { nodeImageDate } from './node-image-age.check.js';
import { compareMinor, parseKubeVersion } from './version.js';

describe('parseKubeVersion', () => {
  test.each([
    ['v1.31.5', 1, 31, 5],
    ['1.32.3', 1, 32, 3],
    ['v1.30.4+k3s1', 1, 30, 4],
    ['v1.29.9-aks.1', 1, 29, 9],
    ['v1.33', 1, 33, undefined],
  ])('%s', (raw, major, minor, patch) => {
    expect(parseKubeVersion(raw)).toEqual({ major, minor, raw, ...(patch !== undefined ? { patch } : {}) });
  });
  test.each(['1.31-latest', 'latest', 'v1', '', 'v1.31.x'])('rejects %p', (raw) => {
    expect(parseKubeVersion(raw)).toBeUndefined();
  });
  test('minors compare numerically, not as strings', () => {
    expect(compareMinor('1.9', '1.31')).toBeLessThan(0);
    expect(['1.31', '1.9', '1.30'].sort(compareMinor)).toEqual(['1.9', '1.30', '1.31']);
  });
});

describe('allowedKubeletLag', () => {
  test('three minors from 1.28, two before', () => {
    expect(allowedKubeletLag(28)).toBe(3);
    expect(allowedKubeletLag(33)).toBe(3);
    expect(allowedKubeletLag(27)).toBe(2);
  });
});

describe('nodeImageDate', () => {
  test.each([
    ['AKSUbuntu-2204gen2containerd-202410.09.0', '2024-10-09'],
    ['AKSAzureLinux-V3gen2-202501.12.0', '2025-01-12'],
    ['AKSWindows-2022-containerd-20348.2762.241009', '2024-10-09'],
    ['AKSWindows-2019-containerd-17763.6414.241009', '2024-10-09'],
  ])('%s -> %s', (label, date) => {
    expect(nodeImageDate(label)?.toISOString().slice(0, 10)).toBe(date);
  });
  test.each(['AKSUbuntu-2204gen2containerd-latest', 'AKSUbuntu-2204gen2containerd-202413.40.0', ''])(
    'no date in %p',
    (label) => {
      expect(nodeImageDate(label)).toBeUndefined();
    },
  );
});
