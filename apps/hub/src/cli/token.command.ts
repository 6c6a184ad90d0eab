import type { Command } from 'commander';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { EnrollmentService, validateBinding } from '../pki/enrollment.service.js';
import { loadOrCreateHubPki } from '../pki/hub-pki.js';
import { createApiToken, parseTtl, printCreatedApiToken } from './api-token.command.js';
import type { RegisterCommand } from './commands.js';
import { configFrom, withStoreOptions, type StoreFlags } from './options.js';

interface TokenFlags extends StoreFlags {
  enroll?: boolean;
  cluster?: string;
  platform?: string;
  role?: string;
  location?: string;
  ttl?: string;
  name?: string;
  json?: boolean;
}

/**
 * `token create --enroll --cluster NAME --platform P --role R [--location L] [--ttl 24h]`: a single-use agent
 * enrollment token (printed with the CA hash agents pin). Without `--enroll`: an API token
 * (`--role viewer|operator|admin`, hub-api's createApiToken).
 */
export const register: RegisterCommand = (program: Command) => {
  const token = program.command('token').description('create tokens');
  withStoreOptions(token.command('create'))
    .description(
      'create an agent enrollment token (--enroll) or a REST API token (--role viewer|operator|admin)',
    )
    .option('--enroll', 'an agent enrollment token bound to a cluster')
    .option('--cluster <name>', 'cluster the agent belongs to (with --enroll)')
    .option('--platform <platform>', 'aks-hci | aks | arc | other (with --enroll)')
    .option(
      '--role <role>',
      'cluster role management | workload | hub with --enroll; API role viewer | operator | admin without',
    )
    .option('--location <location>', 'where the cluster is (with --enroll)')
    .option('--ttl <duration>', 'validity, e.g. 24h or 90d')
    .option('--name <name>', 'API token name (without --enroll)')
    .option('--json', 'print JSON (with --enroll)')
    .action(async (flags: TokenFlags) => {
      const config = configFrom(flags);
      const ds = createHubDataSource({ url: config.dbUrl, path: config.dbPath });
      try {
        await openAndMigrate(ds);
        if (!flags.enroll) {
          const created = await createApiToken(ds, { role: flags.role, name: flags.name, ttl: flags.ttl });
          const out = printCreatedApiToken(created);
          process.stdout.write(out.stdout);
          process.stderr.write(out.stderr);
          return;
        }
        const binding = validateBinding({
          name: flags.cluster,
          platform: flags.platform,
          role: flags.role,
          location: flags.location,
        });
        const ttlMs = flags.ttl ? parseTtl(flags.ttl) : undefined;
        const pki = loadOrCreateHubPki(config);
        const created = await new EnrollmentService(ds, config, pki).createToken(binding, { ttlMs });
        if (flags.json) {
          console.log(
            JSON.stringify({
              token: created.token,
              caHash: created.caHash,
              expiresAt: created.expiresAt,
              cluster: binding,
            }),
          );
          return;
        }
        const hub = `https://${config.tlsSans[0]}:${config.httpPort}`;
        console.log(`token: ${created.token}`);
        console.log(`ca-hash: ${created.caHash}`);
        console.log(
          `expires: ${created.expiresAt} (single use; cluster ${binding.name}, ${binding.platform}, ${binding.role})`,
        );
        console.log(
          `enroll with: watchpost-agent enroll --hub ${hub} --token ${created.token} --ca-hash ${created.caHash}`,
        );
      } finally {
        if (ds.isInitialized) await ds.destroy();
      }
    });
};
