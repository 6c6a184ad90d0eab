/**
 * Kubernetes support windows per platform, shipped with the agent so `k8s-version-supported` works offline.
 * Data only: refresh it from the sources named below and bump `dataVersion` / `compiledAt`.
 *
 * - AKS Arc (AKS on Azure Local / Azure Stack HCI, platform `aks-hci`): support follows the AKS Arc
 *   *release*, each shipping three minors (N-2). A cluster is supported while its minor is among the minors of
 *   the newest release. Source: https://learn.microsoft.com/azure/aks/aksarc/aks-whats-new-local and
 *   https://learn.microsoft.com/azure/aks/aksarc/supported-kubernetes-versions
 * - AKS in Azure (platform `aks`): each minor has a GA month and an end-of-life month (standard tier).
 *   Long-term support (Premium tier) extends a minor by a year; the agent cannot see the tier, so LTS is not
 *   applied and the message says so. Source: https://learn.microsoft.com/azure/aks/supported-kubernetes-versions
 * - Upstream (platforms `arc` and `other`, e.g. kubeadm): end-of-life dates from https://kubernetes.io/releases/
 *
 * Entries with `projected: true` were not yet published when the data was compiled; they follow the published
 * cadence (upstream: about 14 months of patches, EOL on the 28th; AKS: about 12 months after GA) and must be
 * replaced by the published values on the next refresh.
 */

/** One upstream minor. Dates are ISO days. */
export interface UpstreamMinor {
  minor: string;
  released: string;
  endOfLife: string;
  projected?: boolean;
}

/** One AKS-in-Azure minor. Months are `YYYY-MM`: GA from the first day, end of life after the last day. */
export interface AksMinor {
  minor: string;
  gaMonth: string;
  endOfLifeMonth: string;
  projected?: boolean;
}

/** One AKS Arc release and the three minors it ships. `month` is `YYYY-MM` of the release name (2510 = 2025-10). */
export interface AksArcRelease {
  release: string;
  month: string;
  minors: string[];
}

/** The whole data file. */
export interface KubernetesSupportData {
  dataVersion: string;
  /** Day the entries were last compared with the sources above. */
  compiledAt: string;
  /** Warn this many days before a minor's end of life. */
  warnBeforeEndDays: number;
  /**
   * AKS Arc ships a release every one to three months; when the newest release known here is older than this
   * many days at evaluation time, a newer release has probably dropped the oldest minor, so "supported" is
   * reported as a warning that asks for a data refresh.
   */
  aksArcStaleAfterDays: number;
  upstream: UpstreamMinor[];
  aks: AksMinor[];
  aksArc: AksArcRelease[];
}

export const KUBERNETES_SUPPORT: KubernetesSupportData = {
  dataVersion: '2025.11.0',
  compiledAt: '2025-11-15',
  warnBeforeEndDays: 60,
  aksArcStaleAfterDays: 180,
  upstream: [
    { minor: '1.25', released: '2022-08-23', endOfLife: '2023-10-28' },
    { minor: '1.26', released: '2022-12-09', endOfLife: '2024-02-28' },
    { minor: '1.27', released: '2023-04-11', endOfLife: '2024-06-28' },
    { minor: '1.28', released: '2023-08-15', endOfLife: '2024-10-28' },
    { minor: '1.29', released: '2023-12-13', endOfLife: '2025-02-28' },
    { minor: '1.30', released: '2024-04-17', endOfLife: '2025-06-28' },
    { minor: '1.31', released: '2024-08-13', endOfLife: '2025-10-28' },
    { minor: '1.32', released: '2024-12-11', endOfLife: '2026-02-28' },
    { minor: '1.33', released: '2025-04-23', endOfLife: '2026-06-28' },
    { minor: '1.34', released: '2025-08-27', endOfLife: '2026-10-27' },
    { minor: '1.35', released: '2025-12-17', endOfLife: '2027-02-28', projected: true },
    { minor: '1.36', released: '2026-04-22', endOfLife: '2027-06-28', projected: true },
  ],
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
