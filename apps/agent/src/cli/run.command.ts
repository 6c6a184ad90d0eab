import type { Command } from 'commander';
import type { RegisterCommand } from './commands.js';

interface RunFlags {
  config?: string;
}

/** Adds `run`: the daemon. Heavy modules load only when it runs. */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('run')
    .description(
      'the daemon: scan on an interval, store, publish to the hub over MQTT with mTLS, renew the agent certificate',
    )
    .option('--config <file>', 'agent config (default WATCHPOST_CONFIG or /etc/watchpost/agent.yaml)')
    .action(async (flags: RunFlags) => {
      const { configPath, loadConfig } = await import('../config/agent-config.js');
      const { runDaemon } = await import('../daemon/daemon.js');
      const { agentVersion } = await import('./version.js');
      const config = loadConfig(configPath(flags.config));
      for (const w of config.warnings ?? []) log(`config: ${w}`);
      const controller = new AbortController();
      const stop = (signal: string) => {
        if (controller.signal.aborted) return;
        log(`${signal}: finishing the write in progress, then exiting`);
        controller.abort();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      log(
        `starting agent ${config.agentId} (broker ${config.broker.url}, MQTT ${config.broker.protocolVersion === 5 ? '5' : '3.1.1'}, store ${config.storePath})`,
      );
      await runDaemon({
        config,
        agentVersion: agentVersion(),
        signal: controller.signal,
        log,
        ...backoffFromEnv(),
        ...storePragmasFromEnv(),
      });
      log('stopped');
    });
};

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} watchpost-agent: ${message}\n`);
}

/** Tests shorten the reconnect backoff (WATCHPOST_RECONNECT_MIN_MS / _MAX_MS); not a documented setting. */
function backoffFromEnv(): { backoff?: { minMs: number; maxMs: number } } {
  const min = Number(process.env['WATCHPOST_RECONNECT_MIN_MS']);
  const max = Number(process.env['WATCHPOST_RECONNECT_MAX_MS']);
  return min > 0 && max >= min ? { backoff: { minMs: min, maxMs: max } } : {};
}

/** Disk-full e2e tests on hosts that cannot mount a tmpfs limit the store with SQLite pragmas; not a documented setting. */
function storePragmasFromEnv(): { storePragmas?: string[] } {
  const raw = process.env['WATCHPOST_TEST_STORE_PRAGMAS'];
  return raw ? { storePragmas: raw.split(';').filter((p) => /^max_page_count = \d+$/.test(p.trim())) } : {};
}
