import { kubeItems, type Evidence, type KubeObject } from '@watchpost/shared';
import type { Check } from '../check.js';
import { enforcementAction, gatekeeperConstraints } from '../lib/gatekeeper.js';

interface Verifier {
  name: string;
  enforcing: boolean;
  detail: string;
}

type Found = { ok: true; verifiers: Verifier[] } | { ok: false; reason: string };

/**
 * A CRD-backed list: its items; none when the CRD is not installed, or when the file is absent from a bundle
 * (`kubectl get` of a CRD that does not exist makes no file, so absence is read as "not installed"); why not
 * when it was forbidden or failed.
 */
function optionalItems(
  evidence: Evidence,
  resource: string,
): { ok: true; items: KubeObject[] } | { ok: false; reason: string } {
  if (!evidence.kube[resource]) return { ok: true, items: [] };
  const r = kubeItems(evidence, resource);
  if (r.ok) return r;
  if (r.notInstalled) return { ok: true, items: [] };
  return r;
}

/** Ratify answers Gatekeeper's external data calls; its constraint (kind RatifyVerification) decides. */
function ratify(evidence: Evidence): Verifier[] {
  return gatekeeperConstraints(evidence)
    .filter((c) => c.kind.toLowerCase() === 'ratifyverification')
    .map((c) => {
      const action = enforcementAction(c.object);
      return {
        name: `Ratify (Gatekeeper constraint ${c.kind}/${c.object.metadata.name})`,
        enforcing: action === 'deny',
        detail: `enforcementAction ${action}`,
      };
    });
}

/** Kyverno rules with `verifyImages`: `failureAction` (1.13+) or the policy's `validationFailureAction` (default Audit). */
function kyverno(evidence: Evidence): Found {
  const verifiers: Verifier[] = [];
  for (const resource of ['clusterpolicies.kyverno.io', 'policies.kyverno.io']) {
    const list = optionalItems(evidence, resource);
    if (!list.ok) return list;
    for (const p of list.items) {
      const spec = (p['spec'] ?? {}) as {
        validationFailureAction?: string;
        rules?: {
          name?: string;
          verifyImages?: { failureAction?: string; validationFailureAction?: string }[];
        }[];
      };
      for (const rule of spec.rules ?? []) {
        if (!rule.verifyImages?.length) continue;
        const actions = rule.verifyImages.map((v) =>
          (
            v.failureAction ??
            v.validationFailureAction ??
            spec.validationFailureAction ??
            'Audit'
          ).toLowerCase(),
        );
        const where = p.metadata.namespace
          ? `Policy ${p.metadata.namespace}/${p.metadata.name}`
          : `ClusterPolicy ${p.metadata.name}`;
        verifiers.push({
          name: `Kyverno (${where}, rule ${rule.name ?? '?'})`,
          enforcing: actions.every((a) => a === 'enforce'),
          detail: `failure action ${[...new Set(actions)].join('/')}`,
        });
      }
    }
  }
  return { ok: true, verifiers };
}

/** Sigstore policy-controller: ClusterImagePolicies (mode enforce by default) apply only in opted-in namespaces. */
function sigstore(evidence: Evidence): Found {
  const list = optionalItems(evidence, 'clusterimagepolicies.policy.sigstore.dev');
  if (!list.ok) return list;
  if (!list.items.length) return { ok: true, verifiers: [] };
  const ns = kubeItems(evidence, 'namespaces');
  const optedIn = ns.ok
    ? ns.items
        .filter((n) => n.metadata.labels?.['policy.sigstore.dev/include'] === 'true')
        .map((n) => n.metadata.name)
    : [];
  return {
    ok: true,
    verifiers: list.items.map((p) => {
      const mode = ((p['spec'] as { mode?: string } | undefined)?.mode ?? 'enforce').toLowerCase();
      return {
        name: `Sigstore policy-controller (ClusterImagePolicy ${p.metadata.name})`,
        enforcing: mode === 'enforce' && optedIn.length > 0,
        detail: `mode ${mode}, ${optedIn.length ? `namespaces opted in: ${optedIn.slice(0, 5).join(', ')}` : 'no namespace labelled policy.sigstore.dev/include=true, so it applies nowhere'}`,
      };
    }),
  };
}

/** Connaisseur runs as a mutating admission webhook; it blocks unverified images unless its webhook fails open. */
function connaisseur(evidence: Evidence): Found {
  const list = kubeItems(evidence, 'mutatingwebhookconfigurations.admissionregistration.k8s.io');
  if (!list.ok) return { ok: false, reason: list.reason };
  return {
    ok: true,
    verifiers: list.items
      .filter((w) => w.metadata.name.includes('connaisseur'))
      .map((w) => {
        const hooks = (w['webhooks'] ?? []) as { failurePolicy?: string }[];
        const failOpen = hooks.some((h) => h.failurePolicy === 'Ignore');
        return {
          name: `Connaisseur (MutatingWebhookConfiguration ${w.metadata.name})`,
          enforcing: !failOpen,
          detail: failOpen
            ? 'failurePolicy Ignore: unverified images pass when it is down'
            : 'failurePolicy Fail',
        };
      }),
  };
}

/**
 * Only images whose signatures verify should run: an admission verifier that enforces (Ratify with its
 * Gatekeeper constraint on AKS, Kyverno `verifyImages`, the Sigstore policy-controller, Connaisseur) passes,
 * one that only audits or warns warns, none fails.
 */
export const imageSignatureVerification: Check = {
  id: 'image-signature-verification',
  run: (ctx) => {
    const resource = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    const verifiers: Verifier[] = ratify(ctx.evidence);
    for (const found of [kyverno(ctx.evidence), sigstore(ctx.evidence), connaisseur(ctx.evidence)]) {
      if (!found.ok)
        return [
          {
            outcome: 'error',
            resource,
            message: `cannot tell whether image signatures are verified: ${found.reason}`,
          },
        ];
      verifiers.push(...found.verifiers);
    }
    const evidence = { verifiers };
    const enforcing = verifiers.filter((v) => v.enforcing);
    if (enforcing.length)
      return [
        {
          outcome: 'pass',
          resource,
          message: `image signatures are verified at admission and enforced: ${enforcing.map((v) => `${v.name}, ${v.detail}`).join('; ')}`,
          evidence,
        },
      ];
    if (verifiers.length)
      return [
        {
          outcome: 'warn',
          resource,
          message: `image signatures are checked but not enforced, unsigned images still run: ${verifiers.map((v) => `${v.name}, ${v.detail}`).join('; ')}`,
          evidence,
        },
      ];
    return [
      {
        outcome: 'fail',
        resource,
        message:
          'no image signature verifier at admission (no Ratify constraint, Kyverno verifyImages rule, Sigstore ClusterImagePolicy or Connaisseur webhook): any image that can be pulled runs',
        evidence,
      },
    ];
  },
};
