import { Module } from '@nestjs/common';
import { PostureModule } from '../posture/posture.module.js';
import { IngestController } from './ingest.controller.js';
import { SupportDataService } from '../support-data/support-data.service.js';
import { IngestService } from './ingest.service.js';

/** Durable report ingest. The MQTT transport itself is attached in main.ts (`connectMicroservice`). */
@Module({
  imports: [PostureModule],
  controllers: [IngestController],
  providers: [IngestService, SupportDataService],
  exports: [IngestService],
})
export class IngestModule {}
