/**
 * Resolves with the first value `check` returns that is not undefined, polling every 100 ms (used where the system
 * under test gives no event for "it happened", e.g. a report from an agent is stored); rejects naming `what` after
 * `timeoutMs`.
 */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what: () => string = () => 'the condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
