import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint. Needs a viewer token like every data route (Prometheus: `authorization.credentials_file`). */
@ApiTags('metrics')
@ApiBearerAuth()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4' })
  async scrape(): Promise<string> {
    return this.metrics.render();
  }
}
