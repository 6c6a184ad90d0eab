import { posix } from 'node:path';
import type { Check, CheckFinding } from '../check.js';
import { certFacts, clusterRef, describe, shareLeft, validityText } from './lib/common.js';
import { hostConfig, KUBELET_DEFAULT_CERT_DIR } from '@watchpost/shared';
import { certificateInventory } from './lib/inventory.js';
import { issuedBy } from './lib/x509.js';

/**
 * DESIGN.md section 10: the kubelet renews its client certificate when `rotateCertificates` is on (the
 * default when unset) and asks the cluster for a serving certificate only with `serverTLSBootstrap: true`;
 * otherwise it serves a self-signed `kubelet.crt` that nothing ever renews. Flags in the kubelet's env
 * files override the config file.
 */
export const kubeletCertRotation: Check = {
  id: 'kubelet-cert-rotation',
  run({ evidence, now, options }) {
    const kubelets = hostConfig(evidence).kubelet;
    if (!kubelets.length) {
      const n = Object.keys(evidence.host).length;
      // A kubelet config that exists but could not be read (refused link, too big, YAML bomb) is the reason to name.
      const unreadable = Object.values(evidence.host).filter(
        (f) => f.error && /kubelet/.test(f.path) && /\.(ya?ml|conf)$/.test(f.path),
      );
      if (unreadable.length) {
        return unreadable.map((f) => ({
          outcome: 'error' as const,
          resource: { kind: 'File', path: f.path },
          message: `could not read the kubelet configuration ${f.path}: ${f.error ?? ''}`,
        }));
      }
      return [
        {
          outcome: 'error',
          resource: clusterRef(evidence),
          message: n
            ? `no KubeletConfiguration among the ${n} collected host files (is /var/lib/kubelet/config.yaml in the layout?)`
            : 'no host files were collected, so the kubelet configuration could not be read',
        },
      ];
    }
    const inv = certificateInventory(evidence);
    const aksHybrid =
      evidence.cluster.platform === 'aks-hci'
        ? ' AKS hybrid does not renew the kubelet serving certificate either.'
        : '';
    const findings: CheckFinding[] = [];
    for (const k of kubelets) {
      const resource = { kind: 'File', path: k.path };
      const override = k.flagOverrides.find((o) => o.flag === 'rotate-certificates');
      const source = override
        ? `--rotate-certificates=${override.value} in ${override.path}`
        : k.rotateCertificates === undefined
          ? 'rotateCertificates unset (defaults to on)'
          : `rotateCertificates: ${k.rotateCertificates}`;
      if (k.rotateCertificates === false) {
        findings.push({
          outcome: 'fail',
          resource,
          evidence: { rotateCertificates: false },
          message: `${k.path}: ${source}: the kubelet never renews its client certificate; the node goes NotReady when it expires`,
        });
      } else
        findings.push({
          outcome: 'pass',
          resource,
          evidence: { rotateCertificates: k.rotateCertificates ?? 'unset' },
          message: `${k.path}: ${source}: the kubelet renews its client certificate`,
        });

      if (k.serverTLSBootstrap === true) {
        findings.push({
          outcome: 'pass',
          resource,
          evidence: { serverTLSBootstrap: true },
          message: `${k.path}: serverTLSBootstrap: true: the serving certificate is issued by the cluster and rotated (kubelet-serving CSRs need an approver; see csr-pending-or-denied)`,
        });
        continue;
      }
      const certDir = k.flagOverrides.find((o) => o.flag === 'cert-dir')?.value ?? KUBELET_DEFAULT_CERT_DIR;
      const servingPath = k.tlsCertFile ?? posix.join(certDir, 'kubelet.crt');
      const serving = inv.entries.find(
        (e) => e.origin === 'file' && e.resource.path === servingPath && e.index === 0,
      );
      const setting = `serverTLSBootstrap ${k.serverTLSBootstrap === false ? 'false' : 'unset'}`;
      if (!serving) {
        findings.push({
          outcome: 'warn',
          severity: 'medium',
          resource,
          evidence: { serverTLSBootstrap: k.serverTLSBootstrap ?? 'unset' },
          message: `${k.path}: ${setting}: the kubelet serves ${servingPath} (not collected), which is never renewed.${aksHybrid}`,
        });
        continue;
      }
      // The kubelet's own certificate is a leaf plus the throwaway self-signed CA that signed it, in one file.
      const selfMade =
        serving.cert.selfSigned || serving.siblings.some((s) => s.selfSigned && issuedBy(serving.cert, s));
      if (!selfMade) {
        findings.push({
          outcome: 'pass',
          resource,
          evidence: certFacts(serving),
          message: `${k.path}: ${setting}, tlsCertFile ${servingPath} is issued by ${serving.cert.issuer.replace(/\n/g, ', ')}: renewing it is up to whoever provisions it (cert-expiry tracks it)`,
        });
        continue;
      }
      const share = shareLeft(serving.cert, now);
      findings.push({
        outcome: share < options.certCriticalLifetimeShare ? 'fail' : 'warn',
        severity: share < options.certCriticalLifetimeShare ? 'high' : 'medium',
        resource: serving.resource,
        evidence: { ...certFacts(serving), serverTLSBootstrap: k.serverTLSBootstrap ?? 'unset' },
        message: `${k.path}: ${setting}: the kubelet serves the self-signed ${describe(serving)}, which is never renewed; it ${validityText(serving.cert, now)}.${aksHybrid} Set serverTLSBootstrap: true with a CSR approver, or replace the file and restart the kubelet before it expires`,
      });
    }
    return findings;
  },
};
