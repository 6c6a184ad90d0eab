/** Largest `--at` offset: 100 years either way (beyond it a Date overflows into "Invalid time value"). */
export const MAX_AT_OFFSET_DAYS = 36_500;

/**
 * Parses `--at`: an ISO 8601 time (`2020-12-15T00:00:00Z`) or an offset from now (`+30d`, `+12h`, `-7d`),
 * so "what breaks in 30 days" is `--at +30d`. Throws a message naming the value and the accepted forms.
 */
export function parseAt(value: string, now: Date): Date {
  const rel = /^([+-])(\d+)([dhm])$/.exec(value.trim());
  if (rel) {
    const n = Number(rel[2]) * (rel[1] === '-' ? -1 : 1);
    const unit = rel[3] === 'd' ? 86_400_000 : rel[3] === 'h' ? 3_600_000 : 60_000;
    const max = MAX_AT_OFFSET_DAYS * (86_400_000 / unit);
    if (Math.abs(n) > max) {
      throw new Error(
        `--at "${value}" is out of range: an offset must be within ±${max}${rel[3]} (${MAX_AT_OFFSET_DAYS} days; certificates and support windows are judged years ahead, not centuries)`,
      );
    }
    return new Date(now.getTime() + n * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new Error(
    `--at "${value}" is not a time: use an ISO time like 2026-12-15T00:00:00Z or an offset like +30d, +12h, -7d`,
  );
}
