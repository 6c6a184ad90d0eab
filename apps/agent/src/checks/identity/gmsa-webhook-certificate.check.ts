import type { X509Certificate } from 'node:crypto';
import { kubeItems, type Evidence, type KubeObject } from '@watchpost/shared';
import type { Check, CheckContext, CheckFinding } from '../check.js';
import { podSpecs } from '../lib/pod-specs.js';
import {
  fromBase64,
  gmsaWebhooksInScope,
  parsePemBundle,
  selectorMatches,
  type GmsaWebhook,
} from './gmsa.js';

const DAY = 86_400_000;

function subjectCn(c: X509Certificate): string {
  return /CN=([^\n,]+)/.exec(c.subject)?.[1] ?? c.subject.replace(/\n/g, ', ');
}

/** Validity of one certificate at `now`, relative to its own lifetime (as the certificates area does). */
function validity(
  c: X509Certificate,
  ctx: CheckContext,
): { outcome: 'pass' | 'warn' | 'fail'; text: string } {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  const now = ctx.now.getTime();
  const left = to - now;
  const days = (ms: number) => `${Math.floor(ms / DAY)}d`;
  if (now < from) return { outcome: 'fail', text: `not valid before ${new Date(from).toISOString()}` };
  if (left <= 0)
    return { outcome: 'fail', text: `expired ${new Date(to).toISOString()} (${days(-left)} ago)` };
  const share = left / (to - from);
  if (share < ctx.options.certCriticalLifetimeShare)
    return {
      outcome: 'fail',
      text: `expires ${new Date(to).toISOString()} (${days(left)} left, under ${ctx.options.certCriticalLifetimeShare * 100}% of its lifetime)`,
    };
  if (share < ctx.options.certWarnLifetimeShare)
    return {
      outcome: 'warn',
      text: `expires ${new Date(to).toISOString()} (${days(left)} left, under ${ctx.options.certWarnLifetimeShare * 100}% of its lifetime)`,
    };
  return { outcome: 'pass', text: `valid until ${new Date(to).toISOString()}` };
}

/** Secrets mounted by the pods (or pod templates) that the service selects: where the serving certificate lives. */
function servingSecrets(evidence: Evidence, svc: KubeObject): string[] {
  const selector = ((svc['spec'] ?? {}) as { selector?: Record<string, string> }).selector;
  if (!selector || !Object.keys(selector).length) return [];
  const names = new Set<string>();
  for (const s of podSpecs(evidence).sources) {
    if (s.namespace !== svc.metadata.namespace || !selectorMatches({ matchLabels: selector }, s.labels))
      continue;
    for (const v of s.spec.volumes ?? []) {
      const secret = (v['secret'] as { secretName?: string } | undefined)?.secretName;
      if (secret) names.add(secret);
    }
  }
  return [...names];
}

function dnsNames(c: X509Certificate): string[] {
  return (c.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}

function caBundleFindings(
  h: GmsaWebhook,
  ctx: CheckContext,
): { findings: CheckFinding[]; cas: X509Certificate[] } {
  const resource = { kind: h.configKind, name: h.configName };
  const label = `caBundle of ${h.configKind}/${h.configName} webhook ${h.name}`;
  if (!h.caBundle) {
    return {
      findings: [
        {
          outcome: h.service ? 'fail' : 'warn',
          resource,
          message: `${label} is empty: the API server falls back to its system trust roots, which never trust an in-cluster webhook certificate`,
        },
      ],
      cas: [],
    };
  }
  const { certs, error } = parsePemBundle(fromBase64(h.caBundle));
  if (error) return { findings: [{ outcome: 'fail', resource, message: `${label}: ${error}` }], cas: certs };
  const findings = certs.map((c) => {
    const v = validity(c, ctx);
    return {
      outcome: v.outcome,
      resource,
      message: `${label}: CA "${subjectCn(c)}" ${v.text}`,
      evidence: { serial: c.serialNumber, notAfter: new Date(c.validTo).toISOString() },
    };
  });
  return { findings, cas: certs };
}

export const gmsaWebhookCertificate: Check = {
  id: 'gmsa-webhook-certificate',
  run(ctx) {
    const { evidence } = ctx;
    const hooks = gmsaWebhooksInScope(evidence);
    if (!hooks.ok) return hooks.findings;
    const { scope } = hooks;
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };
    const all = [...hooks.mutating, ...hooks.validating];
    if (!all.length)
      return [
        {
          outcome: 'fail',
          resource: cluster,
          message: `no gMSA webhook is configured, but this cluster has ${scope.why} (see gmsa-webhook-config)`,
        },
      ];
    const findings: CheckFinding[] = [];
    const casByService = new Map<string, X509Certificate[]>();
    for (const h of all) {
      const r = caBundleFindings(h, ctx);
      findings.push(...r.findings);
      if (h.service) {
        const key = `${h.service.namespace}/${h.service.name}`;
        casByService.set(key, [...(casByService.get(key) ?? []), ...r.cas]);
      }
    }
    const services = kubeItems(evidence, 'services');
    const secrets = kubeItems(evidence, 'secrets');
    for (const [key, cas] of casByService) {
      const [namespace = '', name = ''] = key.split('/');
      const resource = { kind: 'Service', namespace, name };
      if (!services.ok || !secrets.ok) {
        findings.push({
          outcome: 'error',
          resource,
          message: `cannot find the serving certificate of ${key}: ${[services, secrets].flatMap((x) => (x.ok ? [] : [x.reason])).join('; ')}`,
        });
        continue;
      }
      const svc = services.items.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
      if (!svc) continue; // gmsa-webhook-endpoints reports the missing service
      const candidates = servingSecrets(evidence, svc)
        .map((n) => secrets.items.find((s) => s.metadata.namespace === namespace && s.metadata.name === n))
        .filter(
          (s): s is KubeObject =>
            !!s && typeof (s['data'] as Record<string, unknown> | undefined)?.['tls.crt'] === 'string',
        );
      if (!candidates.length) {
        findings.push({
          outcome: 'warn',
          resource,
          message: `serving certificate of ${key} not found (no tls.crt in a secret mounted by the pods it selects); only the caBundle was checked`,
        });
        continue;
      }
      for (const secret of candidates) {
        const sres = { kind: 'Secret', namespace, name: secret.metadata.name };
        const { certs, error } = parsePemBundle(
          fromBase64((secret['data'] as Record<string, string>)['tls.crt'] ?? ''),
        );
        const leaf = certs[0];
        if (error || !leaf) {
          findings.push({
            outcome: 'fail',
            resource: sres,
            message: `tls.crt of secret ${namespace}/${secret.metadata.name}: ${error ?? 'empty'}`,
          });
          continue;
        }
        const problems: string[] = [];
        const v = validity(leaf, ctx);
        const host = `${name}.${namespace}.svc`;
        const names = dnsNames(leaf);
        if (!names.includes(host))
          problems.push(
            `its DNS names (${names.join(', ') || 'none'}) do not include ${host}, which the API server connects to`,
          );
        const issuer =
          cas.find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey)) ??
          certs
            .slice(1)
            .find(
              (ca) =>
                leaf.checkIssued(ca) &&
                leaf.verify(ca.publicKey) &&
                cas.some((root) => ca.checkIssued(root) && ca.verify(root.publicKey)),
            );
        if (!issuer)
          problems.push(`it is not signed by a CA in the webhooks' caBundle, so the API server rejects it`);
        const outcome = problems.length ? 'fail' : v.outcome;
        findings.push({
          outcome,
          resource: sres,
          message: `serving certificate "${subjectCn(leaf)}" of ${key} ${v.text}${problems.length ? `; ${problems.join('; ')}` : ''}`,
          evidence: {
            serial: leaf.serialNumber,
            notAfter: new Date(leaf.validTo).toISOString(),
            dnsNames: names,
          },
        });
      }
    }
    return findings;
  },
};
