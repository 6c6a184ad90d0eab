// The README's first command, end to end: hub + embedded broker + SQLite + three enrolled agents scanning the
// sample bundles, through the real CLIs (run-demo builds first; npm test has built already).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('the demo brings up the fleet and prints URL, viewer token and summary', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'apps/hub/dist/src/demo/demo.js'), '--exit'], {
    cwd: ROOT,
    env: { ...process.env, WATCHPOST_HTTP_PORT: '0', WATCHPOST_MQTT_PORT: '0' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/Watchpost hub: {2}https:\/\/localhost:\d+/);
  expect(stdout).toMatch(/Viewer token: {3}wpt_\S+/);
  for (const name of ['aks-shop-weu', 'hci-mgmt-seattle', 'hci-wl-retail']) expect(stdout).toMatch(new RegExp(`${name}\\s+\\S+\\s+\\S+\\s+score \\d+`));
  expect(stdout).toMatch(/onPrem\s+2 clusters/);
  expect(stdout).toMatch(/azure\s+1 clusters/);
}, 240_000);
