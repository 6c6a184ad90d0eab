import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IngestService } from './ingest.service.js';
import { INGEST_BATCH_PATTERN, type IngestMessage, type IngestOutcome } from './ingest.types.js';

/** Receives each batch from the MQTT transport; what it returns is committed, and only then acknowledged. */
@Controller()
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @MessagePattern(INGEST_BATCH_PATTERN)
  handleBatch(@Payload() batch: IngestMessage[]): Promise<IngestOutcome[]> {
    return this.ingest.ingestBatch(batch);
  }
}
