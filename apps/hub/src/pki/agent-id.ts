import { AGENT_ID_PATTERN, HUB_IDENTITY } from '@watchpost/shared';

/**
 * Agent ids (certificate CN, MQTT client id, topic segment) from cluster and node names, injectively: two
 * different (cluster, node, generation) triples never give the same id, so no token or credential can produce
 * another cluster's id, and nothing is collapsed or truncated.
 *
 *   id        = clusterPart [ "." nodePart ] [ "--r" generation ]        (generation >= 2 only)
 *   clusterPart: the name itself when it is already canonical: [a-z0-9] runs joined by single "-", no dots;
 *                otherwise "<readable>--x<base32 of the UTF-8 name>" (readable: a lossy hint for people).
 *   nodePart:    the same, except that a canonical node name may contain dots (Kubernetes node names are DNS
 *                subdomains).
 *
 * Why it is injective: canonical parts never contain "--"; an escaped part always ends in "--x" plus the full
 * base32 of the original, which has no "-" or "."; so the generation suffix is recognisable at the end, the
 * cluster part ends at the first "." (it has none), and each part decodes to exactly one name.
 */
export function agentIdFor(cluster: string, nodeName?: string, generation = 1): string {
  if (cluster.length === 0) throw new AgentIdError('the cluster name is empty');
  if (nodeName !== undefined && nodeName.length === 0) throw new AgentIdError('the node name is empty');
  const clusterPart = part(cluster, false);
  const nodePart = nodeName === undefined ? '' : `.${part(nodeName, true)}`;
  const suffix = generation > 1 ? `--r${generation}` : '';
  const id = `${clusterPart}${nodePart}${suffix}`;
  if (id.length > MAX_AGENT_ID) {
    throw new AgentIdError(
      `the agent id for cluster "${cluster}"${nodeName === undefined ? '' : ` and node "${nodeName}"`} would be ` +
        `${id.length} characters (at most ${MAX_AGENT_ID}); use a shorter ${nodeName === undefined ? 'cluster' : 'cluster or node'} name` +
        `${clusterPart === cluster && (nodeName === undefined || nodePart === `.${nodeName}`) ? '' : ' in lower-case letters, digits and dashes (other characters are encoded and take more room)'}`,
    );
  }
  if (!AGENT_ID_PATTERN.test(id)) throw new AgentIdError(`"${id}" is not a valid agent id`);
  // The hub's identities: `watchpost-hub` and every replica's `watchpost-hub-<suffix>` (and, to keep the names
  // apart for people, `watchpost-hub.<node>`).
  if (id === HUB_IDENTITY || id.startsWith(`${HUB_IDENTITY}.`) || id.startsWith(`${HUB_IDENTITY}-`))
    throw new AgentIdError(
      `cluster "${cluster}" would take the hub's own identity ("${HUB_IDENTITY}", or "${HUB_IDENTITY}-<replica>" of a hub replica); use another cluster name`,
    );
  return id;
}

/** Longest agent id (the agents.id column and the envelope's pattern). */
export const MAX_AGENT_ID = 128;

/** A cluster or node name that cannot become an agent id (empty, too long, or the hub's own name). */
export class AgentIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentIdError';
  }
}

const CANONICAL_CLUSTER = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CANONICAL_NODE = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$/;

function part(name: string, dotsAllowed: boolean): string {
  if ((dotsAllowed ? CANONICAL_NODE : CANONICAL_CLUSTER).test(name)) return name;
  const readable =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x';
  return `${readable}--x${base32(Buffer.from(name, 'utf8'))}`;
}

/** RFC 4648 base32, lower-case, no padding: [a-z2-7], no "-" or ".". */
function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff; // at most 12 bits are pending
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
