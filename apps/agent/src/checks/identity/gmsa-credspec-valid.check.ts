import { kubeItems, type KubeObject } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { GMSA_RESOURCES, gmsaScope } from './gmsa.js';

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const DOMAIN_SID = /^S-1-5-21-\d+-\d+-\d+$/;
const DOMAIN_JOIN_FIELDS = [
  'Sid',
  'MachineAccountName',
  'Guid',
  'DnsTreeName',
  'DnsName',
  'NetBiosName',
] as const;
const HOST_ACCOUNT_FIELDS = ['PortableCcgVersion', 'PluginGUID', 'PluginInput'] as const;

/** Where a CCG plugin reads the domain account from, as far as PluginInput tells. */
export type PluginSecretRef =
  | { kind: 'kubernetes'; tokens: string[]; domain?: string }
  | { kind: 'external'; what: string }
  | { kind: 'unknown' };

/**
 * PluginInput is opaque to Windows; each CCG plugin defines its own. Recognised (docs/identity-and-access.md):
 * `key=value;...` pairs with SecretUri/ObjectId (Azure Key Vault plugin, secret outside the cluster) or
 * SecretName/SecretNamespace; otherwise colon-separated tokens such as AKS hybrid's
 * `<dns-domain>:<secret-name>:<secret-namespace>`, matched against secrets by name and namespace.
 */
export function parsePluginInput(input: string): PluginSecretRef {
  if (input.includes('=')) {
    const kv = new Map<string, string>();
    for (const part of input.split(';')) {
      const i = part.indexOf('=');
      if (i > 0) kv.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).trim());
    }
    if (kv.has('secreturi') || kv.has('objectid'))
      return {
        kind: 'external',
        what: `Azure Key Vault secret ${kv.get('secreturi') ?? kv.get('objectid') ?? ''}`,
      };
    const name = kv.get('secretname');
    if (name)
      return {
        kind: 'kubernetes',
        tokens: [name, kv.get('secretnamespace') ?? kv.get('namespace') ?? ''].filter(Boolean),
      };
    return { kind: 'unknown' };
  }
  const tokens = input
    .split(':')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tokens.length < 2) return { kind: 'unknown' };
  const domain = tokens.find((t) => t.includes('.')) ?? (tokens.length >= 3 ? tokens[0] : undefined);
  return domain
    ? { kind: 'kubernetes', tokens: tokens.filter((t) => t !== domain), domain }
    : { kind: 'kubernetes', tokens };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v : undefined;
}

export const gmsaCredspecValid: Check = {
  id: 'gmsa-credspec-valid',
  run({ evidence }) {
    const scope = gmsaScope(evidence);
    if (!scope.applicable) return scope.findings;
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };
    const specs = kubeItems(evidence, GMSA_RESOURCES.credSpecs);
    if (!specs.ok) {
      if (specs.notInstalled)
        return [
          {
            outcome: 'not_applicable',
            resource: cluster,
            message: 'GMSACredentialSpec CRD not installed (see gmsa-crd-installed)',
          },
        ];
      return [
        { outcome: 'error', resource: cluster, message: `cannot read credential specs: ${specs.reason}` },
      ];
    }
    if (!specs.items.length)
      return [{ outcome: 'pass', resource: cluster, message: `no credential specs defined (${scope.why})` }];
    const secrets = kubeItems(evidence, 'secrets');
    const aksHybrid = evidence.cluster.platform === 'aks-hci';
    return specs.items.map((spec) => judgeSpec(spec, secrets, aksHybrid));
  },
};

function judgeSpec(
  spec: KubeObject,
  secrets: ReturnType<typeof kubeItems>,
  aksHybrid: boolean,
): CheckFinding {
  const name = spec.metadata.name;
  const resource = { kind: 'GMSACredentialSpec', name };
  const errors: string[] = [];
  const warnings: string[] = [];
  let cannot: string | undefined;
  const cs = spec['credspec'] as Record<string, unknown> | undefined;
  if (!cs || typeof cs !== 'object')
    return { outcome: 'fail', resource, message: `credential spec ${name} has no credspec object` };

  const plugins = Array.isArray(cs['CmsPlugins']) ? (cs['CmsPlugins'] as unknown[]) : [];
  if (!plugins.includes('ActiveDirectory')) warnings.push('CmsPlugins does not list ActiveDirectory');

  const dj = (cs['DomainJoinConfig'] ?? undefined) as Record<string, unknown> | undefined;
  if (!dj) errors.push('DomainJoinConfig is missing');
  else {
    const missing = DOMAIN_JOIN_FIELDS.filter((f) => !str(dj[f]));
    if (missing.length) errors.push(`DomainJoinConfig lacks ${missing.join(', ')}`);
    const guid = str(dj['Guid']);
    if (guid && !GUID.test(guid)) errors.push(`DomainJoinConfig.Guid "${guid}" is not a GUID`);
    const sid = str(dj['Sid']);
    if (sid && !DOMAIN_SID.test(sid))
      errors.push(`DomainJoinConfig.Sid "${sid}" is not a domain SID (S-1-5-21-x-y-z)`);
    for (const f of ['DnsName', 'DnsTreeName'] as const) {
      const v = str(dj[f]);
      if (v && !v.includes('.'))
        warnings.push(
          `DomainJoinConfig.${f} "${v}" is a NetBIOS-style name, not a DNS domain: Kerberos falls back to NTLM`,
        );
    }
  }

  const ad = (cs['ActiveDirectoryConfig'] ?? undefined) as Record<string, unknown> | undefined;
  const accounts = Array.isArray(ad?.['GroupManagedServiceAccounts'])
    ? (ad['GroupManagedServiceAccounts'] as Record<string, unknown>[])
    : [];
  if (!accounts.length) errors.push('ActiveDirectoryConfig.GroupManagedServiceAccounts is empty or missing');
  for (const [i, a] of accounts.entries()) {
    if (!str(a['Name']) || !str(a['Scope']))
      errors.push(`GroupManagedServiceAccounts[${i}] needs Name and Scope`);
  }
  const machine = str(dj?.['MachineAccountName']);
  if (
    machine &&
    accounts.length &&
    !accounts.some((a) => str(a['Name'])?.toLowerCase() === machine.toLowerCase())
  ) {
    warnings.push(
      `MachineAccountName "${machine}" is not among GroupManagedServiceAccounts (${accounts.map((a) => str(a['Name']) ?? '?').join(', ')})`,
    );
  }

  const host = (ad?.['HostAccountConfig'] ?? undefined) as Record<string, unknown> | undefined;
  let secretNote = '';
  if (host) {
    const missing = HOST_ACCOUNT_FIELDS.filter((f) => !str(host[f]) && typeof host[f] !== 'number');
    if (missing.length)
      errors.push(`HostAccountConfig (non-domain-joined hosts) lacks ${missing.join(', ')}`);
    const input = str(host['PluginInput']);
    if (input) {
      const ref = parsePluginInput(input);
      if (ref.kind === 'external')
        secretNote = `; domain account in ${ref.what} (outside the cluster, not checked)`;
      else if (ref.kind === 'unknown')
        warnings.push(
          'PluginInput does not name a Kubernetes secret in a recognised form; the account secret could not be checked',
        );
      else {
        if (aksHybrid && ref.domain && !ref.domain.includes('.'))
          warnings.push(
            `PluginInput domain "${ref.domain}" is a NetBIOS name; AKS hybrid needs the DNS domain name or Kerberos falls back to NTLM`,
          );
        if (!secrets.ok) cannot = `cannot check the secret PluginInput names: ${secrets.reason}`;
        else {
          const known = new Set(secrets.items.map((s) => s.metadata.namespace ?? ''));
          const nsTokens = ref.tokens.filter((t) => known.has(t));
          const hit = secrets.items.find(
            (s) =>
              ref.tokens.includes(s.metadata.name) &&
              (nsTokens.length === 0 || nsTokens.includes(s.metadata.namespace ?? '')),
          );
          if (!hit)
            errors.push(
              `the secret PluginInput names (${ref.tokens.join(' / ')}) does not exist: the CCG plugin cannot fetch the domain account`,
            );
          else secretNote = `; account secret ${hit.metadata.namespace ?? ''}/${hit.metadata.name} exists`;
        }
      }
    }
  }
  if (aksHybrid && accounts.length && !accounts.some((a) => str(a['Scope'])?.includes('.'))) {
    warnings.push(
      'no GroupManagedServiceAccounts entry is scoped to the DNS domain name (AKS hybrid needs it)',
    );
  }

  const mode = host ? 'non-domain-joined (HostAccountConfig)' : 'domain-joined hosts';
  const evidenceFacts = {
    mode,
    domain: str(dj?.['DnsName']),
    accounts: accounts.map((a) => `${str(a['Scope']) ?? '?'}\\${str(a['Name']) ?? '?'}`),
  };
  if (errors.length)
    return {
      outcome: 'fail',
      resource,
      message: `credential spec ${name}: ${[...errors, ...warnings].join('; ')}`,
      evidence: evidenceFacts,
    };
  if (cannot)
    return {
      outcome: 'error',
      resource,
      message: `credential spec ${name}: ${cannot}`,
      evidence: evidenceFacts,
    };
  if (warnings.length)
    return {
      outcome: 'warn',
      resource,
      message: `credential spec ${name}: ${warnings.join('; ')}`,
      severity: 'medium',
      evidence: evidenceFacts,
    };
  return {
    outcome: 'pass',
    resource,
    message: `credential spec ${name} well-formed for ${mode}, domain ${str(dj?.['DnsName']) ?? '?'}${secretNote}`,
    evidence: evidenceFacts,
  };
}
