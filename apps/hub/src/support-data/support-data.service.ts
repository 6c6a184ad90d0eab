import { Injectable, Logger } from '@nestjs/common';
import { compareDataVersion, type AckMessage, type KubernetesSupportDocument } from '@watchpost/shared';
import { DataSource } from 'typeorm';
import { currentSupportDocument } from './support-data.store.js';

/** How long the current document is reused before the database is asked again (imports run in another process). */
export const SUPPORT_DATA_CACHE_MS = 30_000;

/**
 * Hands the newest Kubernetes support data to agents that judge with older data, in their acks. The ack is
 * the one message the hub already sends to each agent after every report, so no new topic, no polling and
 * no extra ACL; an agent that is sent a document reports its version from its next scan on, and stops being
 * sent it.
 */
@Injectable()
export class SupportDataService {
  private readonly log = new Logger('SupportData');
  private cached?: { doc: KubernetesSupportDocument; at: number };

  constructor(private readonly ds: DataSource) {}

  /** The document the hub hands out (cached for SUPPORT_DATA_CACHE_MS). */
  async current(nowMs = Date.now()): Promise<KubernetesSupportDocument> {
    if (this.cached && nowMs - this.cached.at < SUPPORT_DATA_CACHE_MS) return this.cached.doc;
    const doc = await currentSupportDocument(this.ds);
    this.cached = { doc, at: nowMs };
    return doc;
  }

  /**
   * The document to send to an agent whose report says it judges with `agentDataVersion`, if newer. A report
   * without the field comes from an agent that predates support data delivery (and may refuse an ack with
   * fields it does not know), so it is sent nothing.
   */
  async newerThan(agentDataVersion: string | undefined): Promise<KubernetesSupportDocument | undefined> {
    if (!agentDataVersion) return undefined;
    const doc = await this.current();
    return compareDataVersion(doc.dataVersion, agentDataVersion) > 0 ? doc : undefined;
  }

  /**
   * The ack with the document attached when the agent's data is older. Never fails the ack: a database
   * problem here is logged and the ack goes out without data (the next report asks again).
   */
  async attach(message: AckMessage, agentDataVersion: string | undefined): Promise<AckMessage> {
    if (message.status === 'rejected') return message;
    try {
      const doc = await this.newerThan(agentDataVersion);
      return doc ? { ...message, supportData: doc as unknown as Record<string, unknown> } : message;
    } catch (err) {
      this.log.warn(
        `support data not attached to ack ${message.seq}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return message;
    }
  }
}
