import { kubeItems } from '@watchpost/shared';
import type { Check } from '../check.js';
import { azAksUpdate, managedClusterRef, readManagedCluster } from '../lib/azure.js';

const OFF = new Set(['none', 'unmanaged']);

/**
 * AKS publishes patch releases for CVEs and weekly node images; the auto-upgrade channels apply them. Both the
 * cluster channel (`upgradeChannel`: patch, stable, rapid, node-image) and the node OS channel
 * (`nodeOSUpgradeChannel`: NodeImage, SecurityPatch) must be set to something other than none / Unmanaged to
 * pass; otherwise it warns and says what keeps nodes patched instead (kured, judged by node-reboot-required).
 */
export const aksAutoUpgrade: Check = {
  id: 'aks-auto-upgrade',
  run: (ctx) => {
    const mc = readManagedCluster(ctx.evidence);
    if (!mc.ok) return mc.findings;
    const { upgradeChannel, nodeOsUpgradeChannel } = mc.facts.autoUpgrade;
    const resource = managedClusterRef(ctx.evidence, mc.facts);
    const evidence = {
      upgradeChannel: upgradeChannel ?? null,
      nodeOSUpgradeChannel: nodeOsUpgradeChannel ?? null,
    };
    const missing: string[] = [];
    if (!upgradeChannel || OFF.has(upgradeChannel.toLowerCase()))
      missing.push(`cluster upgrade channel is ${upgradeChannel ?? 'not set (none)'}`);
    if (!nodeOsUpgradeChannel || OFF.has(nodeOsUpgradeChannel.toLowerCase()))
      missing.push(`node OS upgrade channel is ${nodeOsUpgradeChannel ?? 'not set'}`);
    if (!missing.length)
      return [
        {
          outcome: 'pass',
          resource,
          message: `automatic upgrades on: cluster channel ${upgradeChannel ?? ''}, node OS channel ${nodeOsUpgradeChannel ?? ''}`,
          evidence,
        },
      ];
    const ds = kubeItems(ctx.evidence, 'daemonsets.apps');
    const kured = ds.ok
      ? ds.items.find(
          (d) => d.metadata.name === 'kured' || d.metadata.labels?.['app.kubernetes.io/name'] === 'kured',
        )
      : undefined;
    const instead = kured
      ? `kured (${kured.metadata.namespace ?? 'default'}/${kured.metadata.name}) reboots nodes after unattended OS updates: see node-reboot-required for whether reboots happen`
      : `nothing else in view keeps nodes patched (no kured DaemonSet${ds.ok ? '' : `; ${ds.reason}`}): install kured or set a node OS channel`;
    return [
      {
        outcome: 'warn',
        resource,
        message: `${missing.join('; ')}: patches and node images are applied only by hand. ${instead}. Turn it on: \`${azAksUpdate(ctx.evidence, '--auto-upgrade-channel patch --node-os-upgrade-channel NodeImage')}\``,
        evidence: {
          ...evidence,
          kured: kured ? `${kured.metadata.namespace ?? 'default'}/${kured.metadata.name}` : null,
        },
      },
    ];
  },
};
