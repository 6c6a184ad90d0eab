import { describe, expect, test } from '@jest/globals';
import { isSystemNamespace, SYSTEM_NAMESPACES } from './system-namespaces.js';

describe('isSystemNamespace', () => {
  test('exact names and prefix entries of the default list', () => {
    expect(isSystemNamespace('kube-system')).toBe(true);
    expect(isSystemNamespace('capi-kubeadm-bootstrap-system')).toBe(true);
    expect(isSystemNamespace('fleet-member-west')).toBe(true);
    expect(isSystemNamespace('kube-systemx')).toBe(false);
    expect(isSystemNamespace('capi')).toBe(false);
    expect(isSystemNamespace('shop')).toBe(false);
  });

  test('another list is judged by its own entries, also when asked again', () => {
    const list = ['shop', 'team-*'];
    for (let i = 0; i < 2; i++) {
      expect(isSystemNamespace('shop', list)).toBe(true);
      expect(isSystemNamespace('team-a', list)).toBe(true);
      expect(isSystemNamespace('kube-system', list)).toBe(false);
    }
    expect(isSystemNamespace('kube-system', SYSTEM_NAMESPACES)).toBe(true);
    expect(isSystemNamespace('anything', [])).toBe(false);
  });
});
