import type { Command } from 'commander';
import type { RegisterCommand } from './commands.js';

interface EnrollFlags {
  hub: string;
  token: string;
  caHash: string;
  nodeName?: string;
  dir: string;
  storePath: string;
}

/** Adds `enroll` (hub-agent contract 3). */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('enroll')
    .description(
      'create a key pair and CSR, get a certificate from the hub with a one-time token, pin the hub CA by hash, write the config `run` uses',
    )
    .requiredOption('--hub <url>', 'hub base URL, https://host:port')
    .requiredOption(
      '--token <token>',
      'one-time enrollment token (watchpost-hub token create --enroll) or cluster credential (watchpost-hub credential create; needs --node-name)',
    )
    .requiredOption('--ca-hash <sha256:hex>', 'fingerprint of the hub CA, printed with the token')
    .option('--node-name <name>', 'this node, for a per-node agent id <cluster>.<node>')
    .option('--dir <dir>', 'where to write agent.key, agent.crt, ca.crt and agent.yaml', '/etc/watchpost')
    .option('--store-path <file>', 'storePath written into agent.yaml', '/var/lib/watchpost/agent.sqlite')
    .action(async (flags: EnrollFlags) => {
      const { enroll } = await import('../daemon/enroll.js');
      const result = await enroll({
        hubUrl: flags.hub,
        token: flags.token,
        caHash: flags.caHash,
        dir: flags.dir,
        storePath: flags.storePath,
        ...(flags.nodeName ? { nodeName: flags.nodeName } : {}),
      });
      process.stdout.write(
        `enrolled as ${result.agentId} (cluster ${result.cluster.name}); certificate valid until ${result.notAfter}\n` +
          `wrote ${result.files.join(', ')}\nstart the daemon: watchpost-agent run --config ${result.configPath}\n`,
      );
    });
};
