import type { Command } from 'commander';
import { startHub } from '../main.js';
import type { RegisterCommand } from './commands.js';
import { configFrom, withStoreOptions, type StoreFlags } from './options.js';

/** `serve`: runs the hub until SIGINT/SIGTERM. */
export const register: RegisterCommand = (program: Command) => {
  withStoreOptions(program.command('serve'))
    .description(
      'run the hub: HTTPS API, enrollment, MQTT ingest and (unless WATCHPOST_MQTT_URL is set) the embedded broker',
    )
    .option('--port <port>', 'HTTPS port; overrides WATCHPOST_HTTP_PORT')
    .option('--mqtt-port <port>', 'embedded broker port; overrides WATCHPOST_MQTT_PORT')
    .option('--mqtt-url <url>', 'external broker; overrides WATCHPOST_MQTT_URL')
    .action(async (flags: StoreFlags & { port?: string; mqttPort?: string; mqttUrl?: string }) => {
      const config = configFrom(flags, {
        WATCHPOST_HTTP_PORT: flags.port,
        WATCHPOST_MQTT_PORT: flags.mqttPort,
        WATCHPOST_MQTT_URL: flags.mqttUrl,
      });
      const hub = await startHub(config);
      const broker = config.mqttUrl
        ? `external broker ${config.mqttUrl}`
        : `embedded broker on port ${hub.mqttPort}`;
      console.log(`watchpost-hub listening on ${hub.url} (${broker}); CA hash ${hub.pki.caHash}`);
      void hub.ready.then(() => console.log('ingest ready: subscribed to agent reports'));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await hub.close();
    });
};
