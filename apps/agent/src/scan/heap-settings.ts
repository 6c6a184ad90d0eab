import { setFlagsFromString } from 'node:v8';

/**
 * V8 heap settings for a process that runs one scan and exits (`scan`, the daemon's scan child).
 *
 * A scan parses its evidence at once (about 100 MB of objects for 10,000 pods) and keeps nearly all of it to the
 * end. With V8's defaults the young generation grows to two 16 MB semi-spaces, because so much survives each
 * scavenge. Here it stays at 1 MB semi-spaces: survivors are promoted sooner, and less memory sits in semi-spaces.
 * Measured at 10,000 pods (docs/agent.md, "Fifth round: heap settings"): peak 164 -> 135 MiB, CPU unchanged
 * within noise. Never for a long-lived process: the daemon and the hub keep V8's defaults.
 * `WATCHPOST_SCAN_HEAP=default` turns it off (to compare, or if a Node version misbehaves with it).
 */

/** For a process started to scan (the daemon's child): command-line flags, in force from its start. */
export const SCAN_PROCESS_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * For a process already running (the `scan` command, set by bin/watchpost-agent.js before anything loads): the
 * semi-space size is fixed when the heap is made, so the young generation is held where it is by not letting it
 * grow (a growth factor of 1, which V8 accepts only at run time: on the command line it raises it to 2). V8 reads
 * it whenever it would grow the young generation; heap-settings.spec.ts proves it takes effect on this Node.
 */
export const SCAN_RUNTIME_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1'];

/** Whether the settings apply (`WATCHPOST_SCAN_HEAP=default` turns them off). */
export function scanHeapSettingsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['WATCHPOST_SCAN_HEAP'] !== 'default';
}

/** Applies SCAN_RUNTIME_V8_FLAGS to this process, unless turned off. */
export function tuneHeapForOneScan(env: NodeJS.ProcessEnv = process.env): void {
  if (!scanHeapSettingsWanted(env)) return;
  for (const flag of SCAN_RUNTIME_V8_FLAGS) setFlagsFromString(flag);
}
