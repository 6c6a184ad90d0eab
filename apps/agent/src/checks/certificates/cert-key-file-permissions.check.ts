import type { Check, CheckFinding } from '../check.js';
import { clusterRef } from './lib/common.js';
import { hostConfig } from '@watchpost/shared';

/**
 * Private keys (and kubeconfigs that embed one) readable by group or others let any local account or
 * container with a hostPath mount impersonate the component. kubeadm writes them 0600; CIS 1.1.21 asks the same.
 */
export const certKeyFilePermissions: Check = {
  id: 'cert-key-file-permissions',
  run({ evidence }) {
    const files = Object.values(evidence.host);
    if (!files.length)
      return [
        {
          outcome: 'error',
          resource: clusterRef(evidence),
          message: 'no host files were collected, so private key files could not be checked',
        },
      ];
    const findings: CheckFinding[] = [];
    const embedded = new Set(
      hostConfig(evidence)
        .kubeconfigs.filter((k) => k.users.some((u) => u.keyData))
        .map((k) => k.path),
    );
    for (const f of files.sort((a, b) => a.path.localeCompare(b.path))) {
      const what = f.privateKey
        ? 'private key'
        : embedded.has(f.path)
          ? 'kubeconfig with an embedded private key (client-key-data)'
          : undefined;
      if (!what) continue;
      const resource = { kind: 'File', path: f.path };
      if (f.mode === undefined) {
        findings.push({
          outcome: 'error',
          resource,
          message: `${f.path} (${what}): file mode not known; collect with the agent or copy with cp -p`,
        });
        continue;
      }
      const mode = `0${(f.mode & 0o777).toString(8).padStart(3, '0')}`;
      if (f.mode & 0o077) {
        const who = [f.mode & 0o070 ? 'group' : '', f.mode & 0o007 ? 'others' : '']
          .filter(Boolean)
          .join(' and ');
        findings.push({
          outcome: 'fail',
          resource,
          evidence: { mode },
          message: `${f.path} (${what}) has mode ${mode}: readable or writable by ${who}; should be 0600 or tighter`,
        });
      } else
        findings.push({
          outcome: 'pass',
          resource,
          evidence: { mode },
          message: `${f.path} (${what}) has mode ${mode}`,
        });
    }
    if (!findings.length)
      findings.push({
        outcome: 'pass',
        resource: clusterRef(evidence),
        message: `no private key file among the ${files.length} collected host files`,
      });
    return findings;
  },
};
