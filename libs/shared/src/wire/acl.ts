import { AGENT_ID_PATTERN, parseAgentTopic, TOPIC_PREFIX } from './envelope.js';

/**
 * Who may publish and subscribe to what (DESIGN.md sections 6 and 8). The embedded broker calls these in its
 * authorisation hooks; `deploy/hci/mosquitto/acl` states the same rule for Mosquitto. An agent speaks only as
 * itself; the hub reads every agent's reports and status and writes every agent's acks.
 */

/** MQTT identity (certificate CN) of the hub's own client. The hub must never enroll an agent under this id. */
export const HUB_IDENTITY = 'watchpost-hub';

/**
 * A hub replica's own MQTT identity on an external broker (`WATCHPOST_MQTT_CLIENT_ID`, also its client
 * certificate's CN): `watchpost-hub-<suffix>`, e.g. `watchpost-hub-0`. No agent id can take this shape
 * (agentIdFor refuses it).
 */
export const HUB_REPLICA_IDENTITY = /^watchpost-hub-[a-z0-9](?:[a-z0-9.-]{0,112}[a-z0-9])?$/;

/** Is `identity` the hub: `watchpost-hub` (single hub, embedded broker) or one replica's `watchpost-hub-<suffix>`? */
export function isHubIdentity(identity: string): boolean {
  return identity === HUB_IDENTITY || HUB_REPLICA_IDENTITY.test(identity);
}

const HUB_READ_FILTERS = new Set([`${TOPIC_PREFIX}/+/report`, `${TOPIC_PREFIX}/+/status`]);

/** May `identity` publish on `topic`? Agents: only their own `report` and `status`; the hub: any agent's `ack`. */
export function mayPublish(identity: string, topic: string): boolean {
  const parsed = parseAgentTopic(topic);
  if (!parsed) return false;
  if (isHubIdentity(identity)) return parsed.kind === 'ack';
  if (!AGENT_ID_PATTERN.test(identity)) return false;
  return parsed.agentId === identity && (parsed.kind === 'report' || parsed.kind === 'status');
}

/**
 * May `identity` subscribe to `topicFilter`? Agents: only their own `ack` topic (no wildcards);
 * the hub: `watchpost/v1/agents/+/report` and `.../+/status`, also as `$share/<group>/...` shared subscriptions.
 */
export function maySubscribe(identity: string, topicFilter: string): boolean {
  if (isHubIdentity(identity)) {
    const shared = /^\$share\/([^/+#]+)\/(.+)$/.exec(topicFilter);
    return HUB_READ_FILTERS.has(shared ? shared[2] : topicFilter);
  }
  if (!AGENT_ID_PATTERN.test(identity)) return false;
  const parsed = parseAgentTopic(topicFilter);
  return parsed !== null && parsed.kind === 'ack' && parsed.agentId === identity;
}
