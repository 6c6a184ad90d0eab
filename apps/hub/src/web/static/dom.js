// DOM and formatting helpers. Every value from the API goes into the page as text (textContent, attribute
// values), never as markup, so a hostile cluster name or message cannot inject anything.

export const $ = (sel, root = document) => root.querySelector(sel);

/** Element with attributes and children; strings become text nodes, null/undefined/false are skipped. */
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'hidden' || k === 'open' || k === 'disabled' || k === 'selected') e[k] = Boolean(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

function append(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** SVG element with attributes (presentation attributes, not style: the CSP forbids inline styles). */
export function s(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined) continue;
    if (k === 'class') e.setAttribute('class', v);
    else e.setAttribute(k, String(v));
  }
  append(e, children);
  return e;
}

/** An in-app link: the router handles clicks, the href still works for a new tab. */
export function link(href, text, attrs = {}) {
  return h('a', { href, 'data-route': '', ...attrs }, text);
}

// ---------------------------------------------------------------- vocabularies

export const AREAS = ['certificates', 'encryption', 'network', 'identity', 'access', 'workload', 'platform'];
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
export const PROBLEMS = ['fail', 'warn', 'error'];
export const OUTCOMES = ['fail', 'warn', 'error', 'pass', 'not_applicable'];
export const PLATFORMS = ['aks-hci', 'arc', 'aks', 'other'];
export const ROLES = ['management', 'workload', 'hub'];
export const GROUPS = [
  { id: 'onPrem', label: 'On-prem (AKS hybrid / Arc)' },
  { id: 'azure', label: 'Azure (AKS)' },
  { id: 'other', label: 'Other platforms' },
];

/** A shape per severity so that colour is never the only signal. */
export const SEVERITY_GLYPH = { critical: '◆', high: '▲', medium: '●', low: '▼', info: '○' };
const OUTCOME_GLYPH = { fail: '✖', warn: '!', error: '?', pass: '✔', not_applicable: '–' };

export const severityRank = (sv) => {
  const i = SEVERITIES.indexOf(sv);
  return i < 0 ? SEVERITIES.length : i;
};
export const outcomeRank = (o) => {
  const i = OUTCOMES.indexOf(o);
  return i < 0 ? OUTCOMES.length : i;
};

export function severityBadge(sv) {
  return h(
    'span',
    { class: `sev sev-${sv}` },
    h('span', { 'aria-hidden': 'true' }, SEVERITY_GLYPH[sv] ?? ''),
    ` ${sv}`,
  );
}

export function outcomeBadge(o) {
  return h(
    'span',
    { class: `outcome out-${o}` },
    h('span', { 'aria-hidden': 'true' }, OUTCOME_GLYPH[o] ?? ''),
    ` ${o === 'not_applicable' ? 'n/a' : o}`,
  );
}

/** Score 0-100 as a number with a colour band class (sc-0 .. sc-10); "–" when nothing was evaluated. */
export function scoreClass(score) {
  return score === null || score === undefined ? 'sc-none' : `sc-${Math.min(10, Math.floor(score / 10))}`;
}

export function livenessBadge(liveness) {
  const state = liveness?.state ?? 'unknown';
  const glyph = { online: '●', offline: '○', unknown: '?' }[state];
  const out = h(
    'span',
    { class: 'live-wrap' },
    h('span', { class: `pill live-${state}` }, h('span', { 'aria-hidden': 'true' }, glyph), ` ${state}`),
  );
  if (liveness?.stale)
    out.append(' ', h('span', { class: 'pill stale' }, h('span', { 'aria-hidden': 'true' }, '◷'), ' stale'));
  return out;
}

// ---------------------------------------------------------------- time (against the hub's clock)

// Relative times are measured against the hub's clock, not the browser's: a laptop with a wrong clock must not
// make a fresh report look stale. The offset is learnt from every answer that carries the hub's "now".
// The HTTP Date header is the fallback (whole seconds); a time the hub put in an answer's body wins for the session.
let hubOffsetMs = 0;
let fromBody = false;
export function learnHubNow(isoOrMs, source = 'body') {
  if (source === 'header' && fromBody) return;
  const t = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs);
  if (Number.isNaN(t)) return;
  hubOffsetMs = t - Date.now();
  if (source === 'body') fromBody = true;
}
export const hubNow = () => Date.now() + hubOffsetMs;

/** "3 min ago", "in 26 days" (rounded the way people say it). */
export function relative(ms, now = hubNow()) {
  const d = ms - now;
  const a = Math.abs(d);
  let text;
  if (a < 45_000) return d < 0 ? 'just now' : 'in a few seconds';
  if (a < 90 * 60_000) text = plural(Math.max(1, Math.round(a / 60_000)), 'min');
  else if (a < 22 * 3_600_000) text = plural(Math.round(a / 3_600_000), 'hour');
  else if (a < 548 * 86_400_000) text = plural(Math.round(a / 86_400_000), 'day');
  else text = plural(Math.round((a / 86_400_000 / 365.25) * 10) / 10, 'year');
  return d < 0 ? `${text} ago` : `in ${text}`;
}

function plural(n, unit) {
  return `${n} ${unit}${n === 1 || unit === 'min' ? '' : 's'}`;
}

/** Exact time for the hover text: UTC, seconds, no milliseconds. */
export function exact(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  return new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}

/** A <time> with the human wording and the exact UTC time on hover (and for screen readers via datetime). */
export function timeEl(iso, fallback = 'never') {
  if (!iso) return h('span', { class: 'muted' }, fallback);
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return h('span', {}, String(iso));
  return h('time', { datetime: new Date(t).toISOString(), title: exact(iso), tabindex: '0' }, relative(t));
}

/** Age in seconds as reported by the hub ("reportAgeSeconds") with the exact time on hover. */
export function ageEl(seconds, iso) {
  if (seconds === null || seconds === undefined) return h('span', { class: 'muted' }, 'never');
  return h(
    'time',
    { datetime: iso ?? '', title: iso ? exact(iso) : `${seconds} s`, tabindex: '0' },
    relative(hubNow() - seconds * 1000),
  );
}

export function duration(ms) {
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(a)} ms`;
  if (a < 120_000) return `${Math.round(a / 100) / 10} s`;
  if (a < 2 * 3_600_000) return `${Math.round(a / 60_000)} min`;
  if (a < 2 * 86_400_000) return `${Math.round(a / 360_000) / 10} h`;
  return `${Math.round(a / 8_640_000) / 10} days`;
}

/** Clock skew (hub receive time minus agent scan time): small is normal, minutes are a problem. */
export function skewEl(ms) {
  if (ms === null || ms === undefined) return h('span', { class: 'muted' }, 'unknown');
  const bad = Math.abs(ms) >= 5 * 60_000;
  const warn = Math.abs(ms) >= 30_000;
  const text = `${ms < 0 ? 'agent ahead by ' : ms > 0 ? 'agent behind by ' : ''}${ms === 0 ? '0 s' : duration(ms)}`;
  return h(
    'span',
    {
      class: bad ? 'skew bad' : warn ? 'skew warn' : 'skew',
      title: `receive time minus scan time: ${ms} ms`,
    },
    bad ? '⚠ ' : '',
    text,
  );
}

export function resourceText(r) {
  if (!r) return '';
  const where = r.path ?? [r.namespace, r.name].filter(Boolean).join('/');
  return [r.kind, where].filter(Boolean).join(' ');
}

/** Empty-state row for a table body. */
export function emptyRow(cols, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: String(cols) }, text));
}

/** Remediation text (copy-pasteable commands): the first line visible, the rest in a disclosure. */
export function remediationEl(text) {
  if (!text) return h('span', { class: 'muted' }, 'no remediation in the catalogue');
  const lines = text.split('\n');
  const first = lines.find((l) => l.trim() && !l.trim().startsWith('#')) ?? lines[0];
  return h(
    'details',
    { class: 'fix' },
    h('summary', {}, h('span', { class: 'fix-label' }, 'Fix'), ' ', h('code', {}, first.trim())),
    h('pre', {}, text),
  );
}

const EXEMPTION_SOURCE = {
  hub: 'on the hub',
  annotation: 'by annotation',
  config: "in the agent's config",
};

/**
 * Exempted findings (docs/exemptions.md): marked with where the exemption comes from, the reason, who or what set
 * it and the expiry. Reads `exemption` on a finding ({ source, reason, author?, ref?, expiresAt }); nothing is
 * shown for findings without one. An exempted finding counts toward no score or open count.
 */
export function exemptionEl(f) {
  const x = f.exemption;
  if (!x) return null;
  const who = x.author ? ` by ${x.author}` : x.ref ? ` (${x.ref})` : '';
  return h(
    'div',
    {
      class: 'pill exempt',
      title: `Accepted risk: not counted in scores or open findings${x.id ? ` (exemption ${x.id})` : ''}`,
      dataset: { exemptionSource: x.source ?? 'hub' },
    },
    h('span', { 'aria-hidden': 'true' }, '⊘'),
    ` exempted ${EXEMPTION_SOURCE[x.source] ?? ''}${who}`,
    x.reason ? `: ${x.reason}` : '',
    x.expiresAt ? [' (expires ', timeEl(x.expiresAt), ')'] : ' (no expiry)',
  );
}

/** A severity override in force: the severity shown is the override's, this says what the agent reported. */
export function severityOverrideEl(f) {
  const o = f.severityOverride;
  if (!o) return null;
  return h(
    'div',
    { class: 'pill override', title: `Severity override ${o.id}` },
    `overridden from ${o.from}`,
    o.expiresAt ? [', expires ', timeEl(o.expiresAt)] : '',
  );
}
