/** On premises (AKS hybrid on Azure Stack HCI / Azure Local, Arc-enabled) vs AKS in Azure vs anything else. */
export type PlatformGroup = 'onPrem' | 'azure' | 'other';

/** The groups in the order the fleet summary lists them. */
export const PLATFORM_GROUPS: readonly PlatformGroup[] = ['onPrem', 'azure', 'other'];

/** Which group a platform belongs to in the fleet summary. */
export function platformGroup(p: string): PlatformGroup {
  if (p === 'aks-hci' || p === 'arc') return 'onPrem';
  if (p === 'aks') return 'azure';
  return 'other';
}
