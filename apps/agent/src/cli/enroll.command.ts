import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './commands.js';

interface EnrollFlags {
  hub: string;
  token?: string;
  tokenFile?: string;
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
    .option(
      '--token <token>',
      'one-time enrollment token (watchpost-hub token create --enroll) or cluster credential (watchpost-hub credential create; needs --node-name); other users of the machine can read it in the process list: prefer --token-file',
    )
    .option(
      '--token-file <file>',
      'read the token or credential from this file (a mounted Secret key, a 0600 file); whitespace around it is ignored',
    )
    .requiredOption('--ca-hash <sha256:hex>', 'fingerprint of the hub CA, printed with the token')
    .option('--node-name <name>', 'this node, for a per-node agent id <cluster>.<node>')
    .option('--dir <dir>', 'where to write agent.key, agent.crt, ca.crt and agent.yaml', '/etc/watchpost')
    .option('--store-path <file>', 'storePath written into agent.yaml', '/var/lib/watchpost/agent.sqlite')
    .action(async (flags: EnrollFlags) => {
      const { enroll } = await import('../daemon/enroll.js');
      const token = enrollToken(flags);
      const result = await enroll({
        hubUrl: flags.hub,
        token,
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

/** Larger than any token or credential the hub issues (about 50 characters). */
const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * The token of `--token` or of `--token-file` (exactly one of them). A file keeps it out of the process list (and
 * of the deploy manifests' shell). Errors name the file and what to do, never the token.
 */
export function enrollToken(flags: { token?: string; tokenFile?: string }): string {
  if ((flags.token === undefined) === (flags.tokenFile === undefined))
    throw new Error(
      'give the enrollment token with exactly one of --token or --token-file (a file keeps it out of the process list)',
    );
  if (flags.token !== undefined) return flags.token;
  const file = flags.tokenFile!;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(
      `--token-file ${file}: cannot read it (${code}); mount the enrollment Secret there or give the right path`,
    );
  }
  if (bytes.length > MAX_TOKEN_FILE_BYTES)
    throw new Error(
      `--token-file ${file}: ${bytes.length} bytes is not a token (at most ${MAX_TOKEN_FILE_BYTES}); give the file that holds only the token`,
    );
  const token = bytes.toString('utf8').trim();
  if (!token)
    throw new Error(
      `--token-file ${file}: the file is empty; put the token of watchpost-hub token create --enroll (or a cluster credential) in it`,
    );
  if (/\s/.test(token))
    throw new Error(`--token-file ${file}: holds more than one word or line; it must hold only the token`);
  return token;
}
