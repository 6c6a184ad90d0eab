import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CLOCK, systemClock, type HubClock } from './clock.js';
import { HUB_CONFIG, type HubConfig } from './config/hub-config.js';
import { IngestModule } from './ingest/ingest.module.js';
import { HUB_PKI } from './pki/enrollment.service.js';
import type { HubPki } from './pki/hub-pki.js';
import { PkiModule } from './pki/pki.module.js';
import { ApiModule } from './api/api.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { WebModule } from './web/web.module.js';

/** What the root module is built from: all of it is loaded and checked before Nest starts. */
export interface HubInfrastructure {
  config: HubConfig;
  dataSource: DataSource;
  pki: HubPki;
  clock?: HubClock;
}

/** Global providers every feature module may inject: config, database, PKI material, clock. */
@Global()
@Module({})
export class HubInfraModule {
  static with(infra: HubInfrastructure): DynamicModule {
    return {
      module: HubInfraModule,
      providers: [
        { provide: HUB_CONFIG, useValue: infra.config },
        { provide: DataSource, useValue: infra.dataSource },
        { provide: HUB_PKI, useValue: infra.pki },
        { provide: HUB_CLOCK, useValue: infra.clock ?? systemClock },
      ],
      exports: [HUB_CONFIG, DataSource, HUB_PKI, HUB_CLOCK],
    };
  }
}

/** The hub application. Feature modules (hub-api's too) go in `imports`. */
@Module({})
export class AppModule {
  static forRoot(infra: HubInfrastructure): DynamicModule {
    return {
      module: AppModule,
      imports: [HubInfraModule.with(infra), PkiModule, IngestModule, MetricsModule, ApiModule, WebModule],
    };
  }
}
