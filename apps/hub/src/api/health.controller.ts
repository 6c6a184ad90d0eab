import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** Liveness and readiness for orchestrators and load balancers: no token, no data. */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'The process is up (public)' })
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({
    summary: 'The database answers and the ingest is connected to the broker (public); 503 otherwise',
  })
  async readyz(@Res({ passthrough: true }) res: ServerResponse) {
    let database = 'ok';
    try {
      await this.ds.query('SELECT 1');
    } catch (e) {
      database = `unreachable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
    const ingest = this.metrics.isIngestConnected() ? 'connected' : 'not connected to the broker';
    const ready = database === 'ok' && ingest === 'connected';
    res.statusCode = ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE;
    return { status: ready ? 'ready' : 'not_ready', checks: { database, ingest } };
  }
}
