// Findings view (/findings?...): the URL's query is the API's filter (cluster, area, severity, outcome, check,
// platform, resolved, exempted), so a link is a saved search; severity first; the fix next to each row; exports of
// the same filter. Exempted findings (accepted risks) are listed and marked unless the filter says otherwise.
import { api, checkCatalogue, download } from './api.js';
import {
  $,
  AREAS,
  PLATFORMS,
  SEVERITIES,
  emptyRow,
  exemptionEl,
  h,
  link,
  outcomeBadge,
  remediationEl,
  resourceText,
  severityBadge,
  severityOverrideEl,
  timeEl,
} from './dom.js';

const PAGE = 100;
const PROBLEMS_VALUE = 'fail,warn,error';
const OUTCOME_CHOICES = [
  [PROBLEMS_VALUE, 'open problems (fail, warn, error)'],
  ['any', 'any'],
  ['fail', 'fail'],
  ['warn', 'warn'],
  ['error', 'error'],
  ['pass', 'pass'],
  ['not_applicable', 'not applicable'],
];
const SEVERITY_CHOICES = [
  ['', 'any'],
  ['critical', 'critical'],
  ['critical,high', 'high and above'],
  ['critical,high,medium', 'medium and above'],
  ...SEVERITIES.slice(1).map((s) => [s, s]),
];

let state = null;

/** The filter as the URL holds it, with the page's defaults (open problems, current rows). */
function filterFrom(url) {
  const q = url.searchParams;
  return {
    cluster: q.get('cluster') ?? '',
    platform: q.get('platform') ?? '',
    area: q.get('area') ?? '',
    severity: q.get('severity') ?? '',
    outcome: q.get('outcome') ?? PROBLEMS_VALUE,
    check: q.get('check') ?? '',
    resolved: q.get('resolved') ?? 'false',
    exempted: q.get('exempted') ?? 'any',
  };
}

/** The API's query for a filter: the same names; "any" values are left out. */
function apiQuery(f) {
  const q = new URLSearchParams();
  for (const k of ['cluster', 'platform', 'area', 'check']) if (f[k]) q.set(k, f[k].replace(/\s+/g, ''));
  if (f.severity) q.set('severity', f.severity);
  if (f.outcome && f.outcome !== 'any') q.set('outcome', f.outcome);
  if (f.resolved === 'true' || f.resolved === 'false') q.set('resolved', f.resolved);
  if (f.exempted === 'true' || f.exempted === 'false') q.set('exempted', f.exempted);
  return q;
}

function urlQuery(f) {
  const q = apiQuery(f);
  if (f.outcome === 'any') q.set('outcome', 'any');
  if (f.resolved === 'any') q.set('resolved', 'any');
  return q;
}

/** Severity buckets in order: keyset paging inside each keeps the walk exact while ingest writes. */
function buckets(f) {
  const wanted = f.severity ? f.severity.split(',') : SEVERITIES;
  return SEVERITIES.filter((s) => wanted.includes(s));
}

async function fetchMore(n) {
  const got = [];
  while (got.length < n && state.bucket < state.buckets.length) {
    const q = apiQuery(state.filter);
    q.set('severity', state.buckets[state.bucket]);
    q.set('limit', String(Math.min(1000, n - got.length)));
    if (state.cursor) q.set('cursor', state.cursor);
    const page = await api(`/api/v1/findings?${q}`);
    got.push(...page.items);
    state.cursor = page.nextCursor;
    if (!page.nextCursor) {
      state.bucket += 1;
      state.cursor = null;
    }
  }
  return got;
}

function findingRow(f, catalogue) {
  const def = catalogue.get(f.checkId);
  return h(
    'tr',
    {
      dataset: { severity: f.severity, outcome: f.outcome, cluster: f.cluster, check: f.checkId },
      class: f.exemption ? 'exempted' : '',
    },
    h('td', {}, severityBadge(f.severity), severityOverrideEl(f)),
    h('td', {}, link(`/clusters/${encodeURIComponent(f.cluster)}`, f.cluster, { class: 'nowrap' })),
    h('td', {}, f.area),
    h(
      'td',
      {},
      link(`/checks/${encodeURIComponent(f.checkId)}`, def?.title ?? f.checkId),
      h('div', { class: 'muted mono' }, f.checkId),
    ),
    h(
      'td',
      {},
      outcomeBadge(f.outcome),
      exemptionEl(f),
      f.resolvedAt ? h('div', { class: 'muted' }, 'resolved ', timeEl(f.resolvedAt)) : null,
    ),
    h('td', { class: 'mono wrap' }, resourceText(f.resource)),
    h('td', { class: 'wrap' }, f.message),
    h('td', { class: 'remediation' }, remediationEl(def?.remediation)),
    h('td', {}, timeEl(f.outcomeSince)),
  );
}

function renderRows(rows, catalogue, append) {
  const body = $('#findings-table tbody');
  if (!append) body.replaceChildren();
  for (const f of rows) body.append(findingRow(f, catalogue));
  if (!state.shown) body.append(emptyRow(9, 'No findings match this filter.'));
  const more = state.bucket < state.buckets.length;
  $('#more').hidden = !more;
  $('#findings-count').textContent = `${state.shown} shown${more ? ', more available' : ''}`;
}

async function loadFirst(n) {
  state.bucket = 0;
  state.cursor = null;
  const catalogue = await checkCatalogue();
  const rows = await fetchMore(n);
  state.shown = rows.length;
  renderRows(rows, catalogue, false);
  document.body.dataset.findings = 'loaded';
}

async function loadMore() {
  const catalogue = await checkCatalogue();
  const rows = await fetchMore(PAGE);
  state.shown += rows.length;
  renderRows(rows, catalogue, true);
}

function exports(f) {
  const q = apiQuery(f);
  const a = (format, label) => {
    const qq = new URLSearchParams(q);
    qq.set('format', format);
    const href = `/api/v1/exports/findings?${qq}`;
    return h(
      'a',
      {
        href,
        class: 'export',
        'data-format': format,
        'data-key': `export:${format}`,
        onclick: (ev) => {
          ev.preventDefault();
          download(href, `watchpost-findings.${format === 'sarif' ? 'sarif.json' : format}`).catch((e) => {
            $('#app-error').textContent = `Export failed: ${e.message}`;
          });
        },
      },
      label,
    );
  };
  return h(
    'p',
    { class: 'exports' },
    'Export this filter: ',
    a('csv', 'CSV'),
    ' · ',
    a('sarif', 'SARIF'),
    ' · ',
    a('json', 'JSON'),
  );
}

function form(f, catalogue) {
  const sel = (name, label, choices) =>
    h(
      'label',
      {},
      label,
      h(
        'select',
        { name },
        choices.map(([v, t]) => h('option', { value: v, selected: f[name] === v }, t)),
      ),
    );
  const known = (name, choices) =>
    f[name] && !choices.some(([v]) => v === f[name]) ? [[f[name], f[name]]] : [];
  const severityChoices = [...SEVERITY_CHOICES, ...known('severity', SEVERITY_CHOICES)];
  const outcomeChoices = [...OUTCOME_CHOICES, ...known('outcome', OUTCOME_CHOICES)];
  const areaChoices = [['', 'any'], ...AREAS.map((a) => [a, a])];
  return h(
    'form',
    { id: 'filters', class: 'filters', role: 'search' },
    h(
      'label',
      {},
      'Cluster',
      h('input', {
        name: 'cluster',
        type: 'search',
        value: f.cluster,
        placeholder: 'name, name',
        autocomplete: 'off',
      }),
    ),
    sel('platform', 'Platform', [
      ['', 'any'],
      ...PLATFORMS.map((p) => [p, p]),
      ...known(
        'platform',
        PLATFORMS.map((p) => [p, p]),
      ),
    ]),
    sel('area', 'Area', [...areaChoices, ...known('area', areaChoices)]),
    sel('severity', 'Severity', severityChoices),
    sel('outcome', 'Outcome', outcomeChoices),
    h(
      'label',
      {},
      'Check',
      h('input', {
        name: 'check',
        type: 'search',
        value: f.check,
        placeholder: 'check id',
        list: 'check-ids',
        autocomplete: 'off',
      }),
    ),
    h(
      'datalist',
      { id: 'check-ids' },
      [...catalogue.keys()].map((id) => h('option', { value: id })),
    ),
    sel('resolved', 'Rows', [
      ['false', 'current'],
      ['true', 'resolved'],
      ['any', 'current and resolved'],
    ]),
    sel('exempted', 'Exemptions', [
      ['any', 'all (exempted marked)'],
      ['false', 'open (not exempted)'],
      ['true', 'exempted only'],
    ]),
    h('button', { type: 'submit' }, 'Apply'),
    h('a', { href: '/findings', 'data-route': '', class: 'reset' }, 'Reset'),
  );
}

export const findingsView = {
  title: () => 'Findings',
  async mount(root, url, navigate) {
    const f = filterFrom(url);
    state = { filter: f, buckets: buckets(f), bucket: 0, cursor: null, shown: 0 };
    const catalogue = await checkCatalogue();
    root.replaceChildren(
      h('h2', {}, 'Findings'),
      form(f, catalogue),
      exports(f),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'findings-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                'Severity',
                'Cluster',
                'Area',
                'Check',
                'Outcome',
                'Resource',
                'Message',
                'Remediation',
                'Since',
              ].map((x) => h('th', { scope: 'col' }, x)),
            ),
          ),
          h('tbody', {}),
        ),
      ),
      h(
        'p',
        {},
        h('button', { id: 'more', type: 'button', hidden: true, 'data-key': 'more' }, 'Load more'),
        ' ',
        h('span', { id: 'findings-count', class: 'muted', 'aria-live': 'polite' }),
      ),
    );
    $('#filters', root).addEventListener('submit', (ev) => {
      ev.preventDefault();
      const data = new FormData(ev.target);
      const next = Object.fromEntries(
        ['cluster', 'platform', 'area', 'severity', 'outcome', 'check', 'resolved', 'exempted'].map((k) => [
          k,
          String(data.get(k) ?? '').trim(),
        ]),
      );
      navigate(`/findings?${urlQuery(next)}`);
    });
    $('#more', root).addEventListener('click', () => {
      loadMore().catch((e) => ($('#app-error').textContent = `Could not load findings: ${e.message}`));
    });
    await loadFirst(PAGE);
  },
  // Reload as many rows as the operator has loaded, so the place in the list stays.
  refresh: () => loadFirst(Math.max(PAGE, state.shown)),
};
