import { Global, type INestApplication, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { DataSource as DataSourceToken } from 'typeorm';
import { ApiTokensService } from '../../auth/api-tokens.service.js';
import { API_RATE_LIMITS, type ApiRateLimits } from '../../auth/auth.guard.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { migratedThrowawayDatabase, type ThrowawayDatabase } from '../../persistence/throwaway-database.js';
import { WebModule } from '../../web/web.module.js';
import { ApiModule } from '../api.module.js';
import { HUB_CLOCK, type HubClock } from '../../clock.js';
import { configureHubHttp } from '../openapi.js';

/** A running hub HTTP side (API, metrics, web page) on a throwaway database, for tests and the benchmark. */
export interface ApiTestApp {
  url: string;
  app: INestApplication;
  ds: DataSource;
  db: ThrowawayDatabase;
  tokens: { viewer: string; operator: string; admin: string };
  close(): Promise<void>;
}

@Global()
@Module({})
class TestInfraModule {
  static with(ds: DataSource, clock: HubClock, limits: ApiRateLimits | undefined): DynamicModule {
    return {
      module: TestInfraModule,
      providers: [
        { provide: DataSourceToken, useValue: ds },
        { provide: HUB_CLOCK, useValue: clock },
        { provide: API_RATE_LIMITS, useValue: limits ?? null },
      ],
      exports: [DataSourceToken, HUB_CLOCK, API_RATE_LIMITS],
    };
  }
}

/**
 * Migrates a fresh database of the given kind, lets `seed` fill it, and serves the HTTP side on a free port
 * of 127.0.0.1 with a fixed clock. Tokens of each role are created up front.
 */
export async function startApiTestApp(opts: {
  kind: 'sqlite' | 'postgres';
  now: Date;
  seed?: (ds: DataSource) => Promise<void>;
  rateLimits?: ApiRateLimits;
}): Promise<ApiTestApp> {
  const { db, ds, close: closeDb } = await migratedThrowawayDatabase(opts.kind);
  let app: INestApplication | undefined;
  try {
    if (opts.seed) await opts.seed(ds);
    const tokenService = new ApiTokensService(ds);
    const mk = async (role: 'viewer' | 'operator' | 'admin') =>
      (await tokenService.create({ role, name: `test-${role}`, now: opts.now })).token;
    const tokens = { viewer: await mk('viewer'), operator: await mk('operator'), admin: await mk('admin') };

    @Module({
      imports: [
        TestInfraModule.with(ds, { now: () => opts.now }, opts.rateLimits),
        MetricsModule,
        ApiModule,
        WebModule,
      ],
    })
    class TestRootModule {}

    app = await NestFactory.create(TestRootModule, { logger: false, abortOnError: false });
    configureHubHttp(app);
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    const running = app;
    return {
      url: `http://127.0.0.1:${port}`,
      app: running,
      ds,
      db,
      tokens,
      close: async () => {
        await running.close();
        await closeDb();
      },
    };
  } catch (e) {
    await app?.close();
    await closeDb();
    throw e;
  }
}
