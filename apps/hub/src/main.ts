import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { Logger, type INestApplication, type LogLevel, type NestApplicationOptions } from '@nestjs/common';
import type { ServerOptions } from 'node:https';
import { HUB_IDENTITY } from '@watchpost/shared';
import { AppModule } from './app.module.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded-broker.js';
import type { HubConfig } from './config/hub-config.js';
import { MqttIngestTransport } from './ingest/mqtt-ingest.transport.js';
import { MetricsService } from './metrics/metrics.service.js';
import { createHubDataSource, openAndMigrate } from './persistence/data-source.js';
import { EnrollmentService } from './pki/enrollment.service.js';
import { loadOrCreateHubPki, type HubPki } from './pki/hub-pki.js';
import { configureHubHttp } from './api/openapi.js';

/** How often the running hub rewrites its CRL file (also at start and on every revocation). */
const CRL_REWRITE_MS = 86_400_000;

/** A running hub: HTTP(S) API, ingest, and (by default) the embedded broker. */
export interface RunningHub {
  app: INestApplication;
  /** `https://host:port` of the API. */
  url: string;
  httpPort: number;
  /** Embedded broker port (undefined with an external broker). */
  mqttPort: number | undefined;
  pki: HubPki;
  transport: MqttIngestTransport;
  broker: EmbeddedBroker | undefined;
  /** Resolves when the ingest has subscribed to the broker for the first time. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the hub: PKI from the data dir (CA created on first start), database migrated, Nest app with the REST
 * API over HTTPS (client certificates requested, not required: renewal uses them), embedded broker unless
 * WATCHPOST_MQTT_URL names one, and the MQTT ingest transport.
 */
export async function startHub(
  config: HubConfig,
  opts: { logger?: false | LogLevel[]; now?: Date } = {},
): Promise<RunningHub> {
  const pki = loadOrCreateHubPki(config, opts.now);
  const dataSource = createHubDataSource({ url: config.dbUrl, path: config.dbPath });
  await openAndMigrate(dataSource);

  let app: INestApplication | undefined;
  let broker: EmbeddedBroker | undefined;
  let crlTimer: NodeJS.Timeout | undefined;
  try {
    app = await NestFactory.create(AppModule.forRoot({ config, dataSource, pki }), {
      logger: opts.logger ?? ['log', 'warn', 'error'],
      abortOnError: false,
      ...(config.httpTls
        ? {
            httpsOptions: {
              key: pki.server.keyPem,
              cert: pki.server.certPem,
              ca: pki.ca.certPem,
              requestCert: true,
              rejectUnauthorized: false,
              minVersion: 'TLSv1.2',
            } satisfies ServerOptions as NestApplicationOptions['httpsOptions'],
          }
        : {}),
    });
    app.enableShutdownHooks();
    configureHubHttp(app);

    const enrollment = app.get(EnrollmentService);
    // An external broker refuses revoked agents by this file (Mosquitto `crlfile`, reloaded on SIGHUP).
    await enrollment.writeCrl(opts.now);
    // Rewritten daily as well, so the file a broker reloads never nears its nextUpdate while the hub runs.
    crlTimer = setInterval(() => {
      enrollment.writeCrl().catch((err: unknown) => {
        Logger.error(`could not rewrite the CRL: ${err instanceof Error ? err.message : String(err)}`, 'Pki');
      });
    }, CRL_REWRITE_MS);
    crlTimer.unref();
    const metrics = optional(() => app!.get(MetricsService, { strict: false }));
    if (!config.mqttUrl) {
      broker = await startEmbeddedBroker({
        port: config.mqttPort,
        host: config.mqttHost,
        ca: pki.ca.certPem,
        cert: pki.server.certPem,
        key: pki.server.keyPem,
        isRevoked: (peer) => enrollment.isRevoked(peer),
      });
      const b = broker;
      enrollment.onRevoked((agentId) => b.disconnect(agentId));
      // Port 0 (tests) picks a free port: agents must be told the real one.
      if (/:0$/.test(config.mqttPublicUrl))
        config.mqttPublicUrl = config.mqttPublicUrl.replace(/:0$/, `:${b.port}`);
    }
    const loopback =
      config.mqttHost === '0.0.0.0' || config.mqttHost === '::' ? '127.0.0.1' : config.mqttHost;
    const transport = new MqttIngestTransport({
      url: config.mqttUrl ?? `mqtts://${loopback}:${broker!.port}`,
      protocolVersion: config.mqttUrl ? 5 : 4,
      ca: config.mqttCaFile ? readFileSync(config.mqttCaFile, 'utf8') : pki.ca.certPem,
      cert: pki.client.certPem,
      key: pki.client.keyPem,
      // One session per replica on an external broker; the embedded broker has only this hub.
      clientId: config.mqttUrl ? config.mqttClientId : HUB_IDENTITY,
      shareGroup: config.mqttShareGroup,
      sessionExpirySec: config.mqttSessionExpirySec,
      batchSize: config.ingestBatchSize,
      batchMs: config.ingestBatchMs,
      // Our own broker on loopback: the chain is verified, the name may not be in the SANs.
      verifyHostname: Boolean(config.mqttUrl),
      hooks: {
        connected: (c) => metrics?.setIngestConnected(c),
        queueDepth: (n) => metrics?.setQueueDepth(n),
      },
    });
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(config.httpPort, config.httpHost);
    const httpPort = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    const host = config.tlsSans[0] ?? 'localhost';
    const running = app;
    const runningBroker = broker;
    return {
      app,
      url: `${config.httpTls ? 'https' : 'http'}://${host}:${httpPort}`,
      httpPort,
      mqttPort: broker?.port,
      pki,
      transport,
      broker,
      ready: transport.ready,
      close: async () => {
        clearInterval(crlTimer);
        await running.close();
        await runningBroker?.close();
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    };
  } catch (err) {
    clearInterval(crlTimer);
    await app?.close();
    await broker?.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    throw err;
  }
}

/** `app.get` of a provider that may not be part of the app (hub-api's metrics in a hub-core-only build). */
function optional<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}
