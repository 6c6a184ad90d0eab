import { kubeItems } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { clusterRef, formatDuration, iso, observedAt } from './lib/common.js';

const RESOURCE = 'certificatesigningrequests.certificates.k8s.io';
/** Signers whose stuck requests leave a node without a certificate it needs. */
const NODE_SIGNERS = ['kubernetes.io/kubelet-serving', 'kubernetes.io/kube-apiserver-client-kubelet'];

interface Condition {
  type?: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
}

/**
 * A CSR left pending means someone (often a kubelet) is waiting for a certificate nobody approves; a denied
 * one means a request was refused and the requester may be retrying. Both are normal for minutes, not hours
 * (the controller garbage-collects them after 1 h to 24 h), so only those older than `csrMaxAgeHours` count.
 */
export const csrPendingOrDenied: Check = {
  id: 'csr-pending-or-denied',
  run({ evidence, now, options }) {
    const list = kubeItems(evidence, RESOURCE);
    if (!list.ok)
      return [
        {
          outcome: 'error',
          resource: { kind: 'KubeResource', name: RESOURCE },
          message: `could not check CSRs: ${list.reason}`,
        },
      ];
    // Ages are judged as collected: a pending CSR says nothing about the state in 30 days.
    const t = observedAt(evidence, now);
    const maxAgeMs = options.csrMaxAgeHours * 3_600_000;
    const findings: CheckFinding[] = [];
    for (const csr of list.items) {
      const spec = (csr['spec'] ?? {}) as { signerName?: string; username?: string };
      const status = (csr['status'] ?? {}) as { conditions?: Condition[]; certificate?: string };
      const conditions = status.conditions ?? [];
      const created = Date.parse(csr.metadata.creationTimestamp ?? '');
      const age = Number.isNaN(created) ? undefined : t.getTime() - created;
      if (age !== undefined && age <= maxAgeMs) continue;
      const ageText = age === undefined ? 'of unknown age' : `${formatDuration(age)} old`;
      const signer = spec.signerName ?? 'unknown signer';
      const resource = { kind: 'CertificateSigningRequest', name: csr.metadata.name };
      const facts = {
        signerName: signer,
        username: spec.username,
        created: csr.metadata.creationTimestamp,
        conditions: conditions.map((c) => c.type),
      };
      const who = `CSR ${csr.metadata.name} (${signer}, requested by ${spec.username ?? 'unknown'})`;
      const denied = conditions.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (denied) {
        findings.push({
          outcome: 'warn',
          resource,
          evidence: facts,
          message: `${who} was ${denied.type === 'Denied' ? 'denied' : 'failed'} (${denied.reason ?? 'no reason'}${denied.message ? `: ${denied.message}` : ''}) and is ${ageText}; the requester may still be waiting for a certificate`,
        });
      } else if (conditions.some((c) => c.type === 'Approved')) {
        if (!status.certificate)
          findings.push({
            outcome: 'warn',
            resource,
            evidence: facts,
            message: `${who} was approved but no certificate was issued after ${ageText}: nothing signs for ${signer}`,
          });
      } else {
        const node = NODE_SIGNERS.includes(signer);
        findings.push({
          outcome: node ? 'fail' : 'warn',
          resource,
          evidence: facts,
          message: `${who} is pending, ${ageText}${node ? `: the node will not get its ${signer.endsWith('kubelet-serving') ? 'serving' : 'client'} certificate until someone approves it (kubectl certificate approve ${csr.metadata.name}, after checking it)` : ''}`,
        });
      }
    }
    if (!findings.length) {
      findings.push({
        outcome: 'pass',
        resource: clusterRef(evidence),
        message: `${list.items.length} CSRs at ${iso(t)}, none pending, denied or unissued for longer than ${options.csrMaxAgeHours}h`,
      });
    }
    return findings;
  },
};
