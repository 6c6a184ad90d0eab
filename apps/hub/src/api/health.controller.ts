import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthDto, ReadinessDto } from './dto/admin.dto.js';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** The documented /readyz body: one word per check, so a person reading `curl` output sees what is wrong. */
export interface ReadinessBody {
  status: 'ready' | 'not_ready';
  checks: { database: string; ingest: string };
}

/**
 * Liveness and readiness for orchestrators and load balancers: no token, no data. The checks run through
 * @nestjs/terminus (its executor and indicator results); the answer keeps the documented shape
 * (docs/hub-api.md), built from terminus' details.
 */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    private readonly metrics: MetricsService,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'The process is up (public)' })
  @ApiOkResponse({ type: HealthDto })
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({
    summary: 'The database answers and the ingest is connected to the broker (public); 503 otherwise',
  })
  @ApiOkResponse({ type: ReadinessDto, description: 'Ready' })
  @ApiServiceUnavailableResponse({
    type: ReadinessDto,
    description: 'Not ready: the checks say what is wrong',
  })
  async readyz(@Res({ passthrough: true }) res: ServerResponse): Promise<ReadinessBody> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.database(), () => this.ingest()]);
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      result = e.getResponse() as HealthCheckResult;
    }
    const said = (key: 'database' | 'ingest', up: string): string => {
      const d = result.details[key] as { status?: string; message?: string } | undefined;
      return d?.status === 'up' ? up : (d?.message ?? 'down');
    };
    const ready = result.status === 'ok';
    res.statusCode = ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE;
    return {
      status: ready ? 'ready' : 'not_ready',
      checks: { database: said('database', 'ok'), ingest: said('ingest', 'connected') },
    };
  }

  private async database() {
    const session = this.indicators.check('database');
    try {
      await this.ds.query('SELECT 1');
      return session.up();
    } catch (e) {
      return session.down({
        message: `unreachable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      });
    }
  }

  private ingest() {
    const session = this.indicators.check('ingest');
    return this.metrics.isIngestConnected()
      ? session.up()
      : session.down({ message: 'not connected to the broker' });
  }
}
