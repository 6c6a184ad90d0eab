import type { Command } from 'commander';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { EnrollmentService, validateBinding } from '../pki/enrollment.service.js';
import { loadOrCreateHubPki } from '../pki/hub-pki.js';
import { parseTtl } from './api-token.command.js';
import type { RegisterCommand } from './commands.js';
import { configFrom, withStoreOptions, type StoreFlags } from './options.js';

interface CreateFlags extends StoreFlags {
  cluster?: string;
  platform?: string;
  role?: string;
  location?: string;
  maxAgents?: string;
  ttl?: string;
  json?: boolean;
}

/** Default validity of a cluster credential: long enough to roll out and to replace nodes for a month. */
const DEFAULT_CREDENTIAL_TTL = '30d';

/**
 * `credential create|list|revoke`: cluster enrollment credentials for DaemonSets. One secret per cluster in
 * the agents' Secret; every node enrolls itself with it under `<cluster>.<node>`, at most `--max-agents` nodes.
 */
export const register: RegisterCommand = (program: Command) => {
  const credential = program
    .command('credential')
    .description('cluster enrollment credentials: one secret lets up to N nodes of one cluster enroll');

  withStoreOptions(credential.command('create'))
    .description('create a credential bound to one cluster (printed once, stored hashed)')
    .requiredOption('--cluster <name>', 'cluster the nodes belong to')
    .requiredOption('--platform <platform>', 'aks-hci | aks | arc | other')
    .requiredOption('--role <role>', 'management | workload | hub')
    .requiredOption('--max-agents <n>', 'most nodes that may enroll with it (1 to 10000)')
    .option('--location <location>', 'where the cluster is')
    .option('--ttl <duration>', `validity, 1m to 3650d (default ${DEFAULT_CREDENTIAL_TTL})`)
    .option('--json', 'print JSON')
    .action(async (flags: CreateFlags) => {
      const binding = validateBinding({
        name: flags.cluster,
        platform: flags.platform,
        role: flags.role,
        location: flags.location,
      });
      const raw = flags.maxAgents ?? '';
      if (!/^\d{1,6}$/.test(raw))
        throw new Error(`--max-agents must be a whole number from 1 to 10000 (got ${JSON.stringify(raw)})`);
      const ttlMs = parseTtl(flags.ttl ?? DEFAULT_CREDENTIAL_TTL);
      await withService(flags, async (svc, hubUrl) => {
        const c = await svc.createCredential(binding, { maxAgents: Number(raw), ttlMs });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...c, cluster: binding })}\n`);
          return;
        }
        process.stdout.write(
          `credential: ${c.credential}\nid: ${c.id}\nca-hash: ${c.caHash}\n` +
            `expires: ${c.expiresAt} (cluster ${binding.name}, at most ${c.maxAgents} nodes; shown only once)\n` +
            `each node: watchpost-agent enroll --hub ${hubUrl} --token <credential> --ca-hash ${c.caHash} --node-name <node>\n`,
        );
      });
    });

  withStoreOptions(credential.command('list'))
    .description('list credentials: cluster, nodes enrolled / allowed, expiry, revocation (never the secret)')
    .option('--json', 'print JSON')
    .action(async (flags: StoreFlags & { json?: boolean }) => {
      await withService(flags, async (svc) => {
        const rows = (await svc.listCredentials()).map(({ credentialHash: _hash, ...r }) => r);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(rows)}\n`);
          return;
        }
        for (const r of rows) {
          const state = r.revokedAt ? `revoked ${r.revokedAt}` : `expires ${r.expiresAt}`;
          process.stdout.write(`${r.id}  ${r.clusterName}  ${r.usedBy}/${r.maxAgents} nodes  ${state}\n`);
        }
      });
    });

  withStoreOptions(credential.command('revoke'))
    .description('revoke a credential: no further node enrolls with it; enrolled agents keep their identity')
    .argument('<id>', 'credential id (from create or list)')
    .action(async (id: string, flags: StoreFlags) => {
      await withService(flags, async (svc) => {
        const r = await svc.revokeCredential(id);
        process.stdout.write(`revoked credential ${r.id} at ${r.revokedAt}\n`);
      });
    });
};

async function withService(
  flags: StoreFlags,
  run: (svc: EnrollmentService, hubUrl: string) => Promise<void>,
): Promise<void> {
  const config = configFrom(flags);
  const ds = createHubDataSource({ url: config.dbUrl, path: config.dbPath });
  try {
    await openAndMigrate(ds);
    const svc = new EnrollmentService(ds, config, loadOrCreateHubPki(config));
    await run(svc, `https://${config.tlsSans[0]}:${config.httpPort}`);
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}
