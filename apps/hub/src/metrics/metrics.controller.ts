import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiProtected } from '../api/dto/common.dto.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint. Needs a viewer token like every data route (Prometheus: `authorization.credentials_file`). */
@ApiTags('metrics')
@ApiProtected()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4', schema: { type: 'string' } })
  async scrape(): Promise<string> {
    return this.metrics.render();
  }
}
