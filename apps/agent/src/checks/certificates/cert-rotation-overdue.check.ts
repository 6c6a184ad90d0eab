import type { CertificateObservation } from '@watchpost/shared';
import type { Check } from '../check.js';
import {
  autoRotation,
  certFacts,
  describe,
  formatDuration,
  iso,
  nothingToJudge,
  observedAt,
  shareLeft,
  validityText,
  inventoryOrError,
} from './lib/common.js';
import { uniqueCertificates } from './lib/inventory.js';

/** The kubelet renews with 30-10 % of the lifetime left (DESIGN.md section 10); past 10 % left a renewal is overdue. */
export const RENEWAL_WINDOW = { opens: 0.3, closes: 0.1 } as const;

function at(c: { notBefore: Date; lifetimeMs: number }, elapsedShare: number): Date {
  return new Date(c.notBefore.getTime() + c.lifetimeMs * elapsedShare);
}

/**
 * Rotation actually happening: a certificate that automation should renew (short-lived AKS-hybrid leaves,
 * kubelet certificates, cert-manager secrets) still in place after its renewal window closed, a renewal that
 * came only after the previous certificate expired (from the history of earlier scans), and a server still
 * serving the old certificate after the file on disk was renewed. Judged as collected, so `--at` in the future
 * does not invent overdue renewals that automation will do.
 */
export const certRotationOverdue: Check = {
  id: 'cert-rotation-overdue',
  run({ evidence, now, options }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    const t = observedAt(evidence, now);
    const history = evidence.history?.certificates ?? {};
    let judged = 0;
    for (const { entry, alsoAt } of uniqueCertificates(inventory.entries)) {
      const rotation = autoRotation(entry, evidence, options);
      if (!rotation.auto) continue;
      judged += 1;
      const c = entry.cert;
      const what = describe(entry, alsoAt);
      const due = at(c, 1 - RENEWAL_WINDOW.closes);
      const seen: CertificateObservation[] = [...(history[entry.identity] ?? [])].sort((a, b) =>
        a.firstSeen.localeCompare(b.firstSeen),
      );
      const same = seen.find((o) => o.serial.toUpperCase() === c.serial);
      const facts = {
        ...certFacts(entry, alsoAt),
        renewalDue: iso(due),
        rotatedBy: rotation.by,
        observations: seen.length,
      };
      if (shareLeft(c, t) <= RENEWAL_WINDOW.closes) {
        const since = same ? `; the agent has seen this serial since ${same.firstSeen}` : '';
        findings.push({
          outcome: 'fail',
          severity: c.notAfter <= t ? 'critical' : 'high',
          resource: entry.resource,
          evidence: facts,
          message: `${what} should have been renewed by ${iso(due)} (${rotation.by}; renewal comes with ${RENEWAL_WINDOW.opens * 100}-${RENEWAL_WINDOW.closes * 100} % of the lifetime left) but at ${iso(t)} it is still serial ${c.serial}, which ${validityText(c, t)}${since}`,
        });
        continue;
      }
      const previous = seen.filter((o) => o.serial.toUpperCase() !== c.serial).at(-1);
      if (previous && Date.parse(previous.notAfter) < c.notBefore.getTime()) {
        findings.push({
          outcome: 'warn',
          severity: 'medium',
          resource: entry.resource,
          evidence: { ...facts, previousSerial: previous.serial, previousNotAfter: previous.notAfter },
          message: `${what} was renewed late: the previous certificate (serial ${previous.serial}) expired ${previous.notAfter}, ${formatDuration(c.notBefore.getTime() - Date.parse(previous.notAfter))} before this one was issued (${iso(c.notBefore)}); check that the renewal runs and the host was not powered off`,
        });
        continue;
      }
      const record = previous
        ? `; renewed ${iso(c.notBefore)} (previous serial ${previous.serial})`
        : seen.length
          ? ''
          : '; no history yet, judged from this observation';
      findings.push({
        outcome: 'pass',
        resource: entry.resource,
        evidence: facts,
        message: `${what}: ${rotation.by}; renewal due between ${iso(at(c, 1 - RENEWAL_WINDOW.opens))} and ${iso(due)}${record}`,
      });
    }
    // Renewed on disk but the server still presents the old certificate: static pods read their files at start.
    const files = inventory.entries.filter((e) => e.origin === 'file' && e.index === 0);
    for (const served of inventory.entries.filter((e) => e.origin === 'endpoint' && e.index === 0)) {
      const twin = files.find((f) => f.cert.fingerprint256 === served.cert.fingerprint256);
      const newer = files.find(
        (f) =>
          f.cert.subject === served.cert.subject &&
          f.cert.issuer === served.cert.issuer &&
          f.cert.serial !== served.cert.serial &&
          f.cert.notBefore > served.cert.notBefore,
      );
      judged += 1;
      if (newer && !twin) {
        findings.push({
          outcome: 'fail',
          resource: served.resource,
          evidence: {
            ...certFacts(served),
            onDisk: newer.where,
            onDiskSerial: newer.cert.serial,
            onDiskNotBefore: iso(newer.cert.notBefore),
          },
          message: `${served.where} still serves serial ${served.cert.serial} (issued ${iso(served.cert.notBefore)}, ${validityText(served.cert, t)}) although ${newer.where} holds a renewed one (serial ${newer.cert.serial}, issued ${iso(newer.cert.notBefore)}): restart ${served.endpointName ?? 'the server'} so it loads it`,
        });
      } else {
        findings.push({
          outcome: 'pass',
          resource: served.resource,
          evidence: certFacts(served),
          message: `${served.where} serves ${twin ? `the certificate in ${twin.where}` : `serial ${served.cert.serial}; no newer certificate for it on disk`}`,
        });
      }
    }
    if (!judged && !findings.length)
      findings.push(
        nothingToJudge(evidence, inventory, 'no automatically renewed certificate and no served certificate'),
      );
    return findings;
  },
};
