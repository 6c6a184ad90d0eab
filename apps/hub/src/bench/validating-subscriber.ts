/**
 * The `hub-ingest-ceiling` row of `hub-ingest`, run as its own process (as a hub is): a QoS 1 subscriber that does
 * with each report only what every hub must do, and nothing else. It decodes the report in full with the hub's own
 * decoder (size, gunzip, JSON, the envelope schema, the topic's identity: in the decode worker thread, in batches
 * of the hub's size) and publishes the agent's ack. It keeps nothing: no database, no transaction, no posture, and
 * the broker gets its PUBACK on receipt. So no hub on the same machine and broker can ingest faster: its figure
 * bounds what any work on the store can buy.
 *
 * Environment: CEILING_URL (the broker), CEILING_CA, CEILING_CERT, CEILING_KEY (PEM file paths: the hub's client
 * identity), CEILING_CLIENT_ID. Prints `ceiling ready` once subscribed; ends on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { agentTopic, parseAgentTopic, TOPIC_PREFIX } from '@watchpost/shared';
import { loadHubConfig } from '../config/hub-config.js';
import { decodeReports, decodeWorkerReady, type ReportToDecode } from '../ingest/report-decoder.js';

function required(key: string): string {
  const v = process.env[key];
  if (!v) throw new Error(`${key} is not set (the hub-ingest benchmark starts this process)`);
  return v;
}

// The hub's defaults: its report size limits, batch size and batch wait.
const config = loadHubConfig({});
await decodeWorkerReady(30_000);
const client = await mqtt.connectAsync(required('CEILING_URL'), {
  clientId: required('CEILING_CLIENT_ID'),
  protocolVersion: 5,
  reconnectPeriod: 0,
  servername: 'localhost',
  ca: readFileSync(required('CEILING_CA'), 'utf8'),
  cert: readFileSync(required('CEILING_CERT'), 'utf8'),
  key: readFileSync(required('CEILING_KEY'), 'utf8'),
});

let queue: ReportToDecode[] = [];
let timer: NodeJS.Timeout | undefined;

/** Decodes the queued reports (one worker job) and acks each: `stored` when valid, `rejected` when its seq is known. */
function flush(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  const batch = queue;
  queue = [];
  void decodeReports(batch, config).then((decoded) => {
    for (const { agentId, decoded: d } of decoded) {
      const seq = d.ok ? d.envelope.seq : d.seq;
      if (seq === undefined) continue;
      const message = d.ok ? { seq, status: 'stored' } : { seq, status: 'rejected', reason: d.reason };
      client.publish(agentTopic(agentId, 'ack'), JSON.stringify(message), { qos: 0 });
    }
  });
}

client.on('message', (topic, payload) => {
  const t = parseAgentTopic(topic);
  if (t?.kind !== 'report') return;
  queue.push({ payload, topicAgentId: t.agentId, receivedAt: new Date() });
  if (queue.length >= config.ingestBatchSize) flush();
  else timer ??= setTimeout(flush, config.ingestBatchMs);
});
await client.subscribeAsync(`${TOPIC_PREFIX}/+/report`, { qos: 1 });
console.log('ceiling ready');
process.once('SIGTERM', () => void client.endAsync().finally(() => process.exit(0)));
