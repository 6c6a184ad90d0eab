import { HUB_SETTINGS } from './hub-config.js';

/** Markers around the generated settings table in docs/hub.md. */
export const SETTINGS_BEGIN = '<!-- settings:begin (generated from apps/hub/src/config/hub-config.ts) -->';
export const SETTINGS_END = '<!-- settings:end -->';

/** The Markdown table of every hub setting, in declaration order. */
export function renderSettingsTable(): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const rows = HUB_SETTINGS.map((s) => `| \`${s.env}\` | ${esc(s.default)} | ${esc(s.description)} |`);
  return [SETTINGS_BEGIN, '| variable | default | what |', '| --- | --- | --- |', ...rows, SETTINGS_END].join(
    '\n',
  );
}

/** Replaces the generated block in a document (or throws when the markers are missing). */
export function withSettingsTable(doc: string): string {
  const a = doc.indexOf(SETTINGS_BEGIN);
  const b = doc.indexOf(SETTINGS_END);
  if (a < 0 || b < a) throw new Error(`docs/hub.md lacks the markers ${SETTINGS_BEGIN} ... ${SETTINGS_END}`);
  return doc.slice(0, a) + renderSettingsTable() + doc.slice(b + SETTINGS_END.length);
}
