// Fast path for `watchpost-agent status`: the bin imports this instead of main.ts, so none of the scan, kube,
// MQTT or TypeORM modules load. Flags are the same as the commander definition in status.command.ts.
import { statusCommand } from './status.printer.js';

const args = process.argv.slice(3);
const flags: { json?: boolean; config?: string; store?: string } = {};
let usage: string | undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const [name, inline] = a.includes('=')
    ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
    : [a, undefined];
  if (name === '--json') flags.json = true;
  else if (name === '--config' || name === '--store') {
    const value = inline ?? args[++i];
    if (!value) usage = `${name} needs a value`;
    else flags[name === '--config' ? 'config' : 'store'] = value;
  } else if (name === '-h' || name === '--help') {
    usage = '';
  } else usage = `unknown option ${a}`;
}
if (usage !== undefined) {
  if (usage) console.error(`watchpost-agent status: ${usage}`);
  console.error(
    'usage: watchpost-agent status [--json] [--config FILE] [--store FILE]\nexit codes: 0 healthy, 1 degraded, 2 usage, 3 no data, 4 stale (daemon stopped or not scanning), 5 failed (store cannot commit)',
  );
  process.exitCode = usage ? 2 : 0;
} else {
  process.exitCode = await statusCommand(flags);
}
