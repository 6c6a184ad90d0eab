// Fleet heatmap: one row per cluster, one column per area plus overall, grouped on-prem vs Azure; sortable,
// filterable (kept in the URL), paged per group so a fleet of thousands renders only what is on screen.
import { api, apiAll, learnFromClusters } from './api.js';
import { sourceText } from './cluster.js';
import {
  $,
  AREAS,
  GROUPS,
  PLATFORMS,
  ROLES,
  SEVERITIES,
  SEVERITY_GLYPH,
  ageEl,
  emptyRow,
  h,
  link,
  livenessBadge,
  outcomeBadge,
  scoreClass,
  severityRank,
  timeEl,
} from './dom.js';

const COLUMNS = [...AREAS, 'overall'];
const PAGE_SIZES = [50, 100, 250, 500];
const FILTER_KEYS = ['name', 'platform', 'role', 'location', 'live'];
const SORT_KEYS = ['name', 'platform', 'role', 'location', 'live', 'report', ...COLUMNS];

let state = null; // survives refreshes; reset when the route is entered again

function stateFrom(url) {
  const q = url.searchParams;
  const sort = SORT_KEYS.includes(q.get('sort')) ? q.get('sort') : 'overall';
  return {
    filters: Object.fromEntries(FILTER_KEYS.map((k) => [k, q.get(k) ?? ''])),
    sort,
    dir: q.get('dir') === 'desc' ? 'desc' : 'asc',
    pageSize: PAGE_SIZES.includes(Number(q.get('size'))) ? Number(q.get('size')) : 100,
    page: { onPrem: 0, azure: 0, other: 0 },
    clusters: [],
    summary: null,
  };
}

function writeUrl() {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (state.filters[k]) q.set(k, state.filters[k]);
  if (state.sort !== 'overall') q.set('sort', state.sort);
  if (state.dir !== 'asc') q.set('dir', state.dir);
  if (state.pageSize !== 100) q.set('size', String(state.pageSize));
  const s = q.toString();
  history.replaceState(history.state, '', s ? `/?${s}` : '/');
}

/** Worst open severity of a cluster in one area (or overall), when the hub says it. */
function worstOf(c, col) {
  const w = c.worstOpenSeverity ?? {};
  if (col !== 'overall') return w[col] ?? null;
  let best = null;
  for (const v of Object.values(w))
    if (v && (best === null || severityRank(v) < severityRank(best))) best = v;
  return best;
}

const scoreOf = (c, col) => (col === 'overall' ? c.score : c.scores?.[col]);

const LIVE_ORDER = { offline: 0, unknown: 1, online: 2 };
function liveKey(c) {
  return (c.liveness?.stale ? 0 : 3) + (LIVE_ORDER[c.liveness?.state] ?? 1);
}

function compare(a, b) {
  const k = state.sort;
  const dir = state.dir === 'desc' ? -1 : 1;
  let r = 0;
  if (k === 'name') r = a.name.localeCompare(b.name);
  else if (k === 'platform' || k === 'role' || k === 'location') r = (a[k] ?? '').localeCompare(b[k] ?? '');
  else if (k === 'live') r = liveKey(a) - liveKey(b);
  else if (k === 'report') {
    // Oldest report first ascending; never-reported clusters count as the oldest.
    const ax = a.liveness?.reportAgeSeconds ?? Infinity;
    const bx = b.liveness?.reportAgeSeconds ?? Infinity;
    r = ax === bx ? 0 : ax > bx ? -1 : 1;
  } else {
    // Scores: worst first ascending; clusters without a score always last, whatever the direction.
    const ax = scoreOf(a, k);
    const bx = scoreOf(b, k);
    const an = ax === null || ax === undefined;
    const bn = bx === null || bx === undefined;
    if (an || bn) return an === bn ? a.name.localeCompare(b.name) : an ? 1 : -1;
    r = ax - bx || severityRank(worstOf(a, k)) - severityRank(worstOf(b, k));
  }
  return r * dir || a.name.localeCompare(b.name);
}

function matches(c) {
  const f = state.filters;
  if (f.name && !c.name.toLowerCase().includes(f.name.toLowerCase())) return false;
  if (f.platform && c.platform !== f.platform) return false;
  if (f.role && c.role !== f.role) return false;
  if (f.location && !(c.location ?? '').toLowerCase().includes(f.location.toLowerCase())) return false;
  if (f.live === 'stale' && !c.liveness?.stale) return false;
  if (f.live && f.live !== 'stale' && c.liveness?.state !== f.live) return false;
  return true;
}

// ---------------------------------------------------------------- rendering

function cell(c, col) {
  const score = scoreOf(c, col);
  const worst = worstOf(c, col);
  const label =
    score === null || score === undefined
      ? `${c.name} ${col}: no results`
      : `${c.name} ${col}: score ${score} of 100${worst ? `, worst open finding ${worst}` : ', nothing open'}`;
  const href =
    col === 'overall'
      ? `/clusters/${encodeURIComponent(c.name)}`
      : `/findings?cluster=${encodeURIComponent(c.name)}&area=${col}&outcome=fail,warn,error`;
  return h(
    'td',
    {
      class: `heat ${scoreClass(score)}${worst ? ` worst-${worst}` : ''}${col === 'overall' ? ' overall' : ''}`,
      dataset: { area: col },
    },
    link(
      href,
      [
        h('span', { class: 'num' }, score === null || score === undefined ? '–' : String(score)),
        worst ? h('span', { class: `glyph g-${worst}`, 'aria-hidden': 'true' }, SEVERITY_GLYPH[worst]) : null,
      ],
      { 'aria-label': label, title: label, 'data-key': `cell:${c.name}:${col}` },
    ),
  );
}

function row(c) {
  return h(
    'tr',
    { dataset: { cluster: c.name, platform: c.platform } },
    h(
      'th',
      { scope: 'row', class: 'name' },
      link(`/clusters/${encodeURIComponent(c.name)}`, c.name, { 'data-key': `cluster:${c.name}` }),
    ),
    h('td', { class: 'meta' }, c.platform),
    h('td', { class: 'meta' }, c.role),
    h('td', { class: 'meta loc' }, c.location ?? ''),
    h('td', { class: 'meta' }, livenessBadge(c.liveness)),
    h('td', { class: 'meta age' }, ageEl(c.liveness?.reportAgeSeconds, c.liveness?.lastReceivedAt)),
    COLUMNS.map((col) => cell(c, col)),
  );
}

function meanRow(list) {
  const cells = COLUMNS.map((col) => {
    const xs = list.map((c) => scoreOf(c, col)).filter((x) => typeof x === 'number');
    const mean = xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : null;
    return h(
      'td',
      { class: `heat mean ${scoreClass(mean)}`, title: `mean of ${xs.length} cluster scores` },
      h('span', { class: 'num' }, mean === null ? '–' : String(mean)),
    );
  });
  return h(
    'tr',
    { class: 'mean-row' },
    h(
      'th',
      { scope: 'row', colspan: '6' },
      list.length === 1 ? 'Mean of the 1 cluster shown' : `Mean of the ${list.length} clusters shown`,
    ),
    cells,
  );
}

const HEADINGS = {
  name: 'Cluster',
  platform: 'Platform',
  role: 'Role',
  location: 'Location',
  live: 'Liveness',
  report: 'Last report',
  ...Object.fromEntries(COLUMNS.map((a) => [a, a[0].toUpperCase() + a.slice(1)])),
};

function headerRow() {
  const th = (key) => {
    const active = state.sort === key;
    const sortState = active ? (state.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const isArea = COLUMNS.includes(key);
    return h(
      'th',
      { scope: 'col', 'aria-sort': sortState, class: isArea ? 'area-col' : '' },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          'data-sort': key,
          'data-key': `sort:${key}`,
          title: `sort by ${HEADINGS[key] ?? key}`,
        },
        HEADINGS[key] ?? key,
        h(
          'span',
          { class: 'arrow', 'aria-hidden': 'true' },
          active ? (state.dir === 'asc' ? ' ▲' : ' ▼') : '',
        ),
      ),
    );
  };
  return h('tr', {}, ['name', 'platform', 'role', 'location', 'live', 'report', ...COLUMNS].map(th));
}

function pager(group, total) {
  const pages = Math.max(1, Math.ceil(total / state.pageSize));
  const p = Math.min(state.page[group], pages - 1);
  state.page[group] = p;
  if (pages === 1) return null;
  const btn = (label, to, disabled) =>
    h(
      'button',
      {
        type: 'button',
        disabled,
        'data-page': String(to),
        'data-group': group,
        'data-key': `page:${group}:${label}`,
      },
      label,
    );
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'pages' },
    btn('« First', 0, p === 0),
    btn('‹ Previous', p - 1, p === 0),
    h(
      'span',
      { class: 'muted', 'aria-live': 'polite' },
      `page ${p + 1} of ${pages}: clusters ${p * state.pageSize + 1}–${Math.min(total, (p + 1) * state.pageSize)} of ${total}`,
    ),
    btn('Next ›', p + 1, p >= pages - 1),
    btn('Last »', pages - 1, p >= pages - 1),
  );
}

function renderHeatmap() {
  const root = $('#heatmap');
  if (!root) return;
  const shown = state.clusters.filter(matches).sort(compare);
  const byGroup = new Map(GROUPS.map((g) => [g.id, []]));
  for (const c of shown) (byGroup.get(c.platformGroup) ?? byGroup.get('other')).push(c);
  const sections = [];
  for (const g of GROUPS) {
    const list = byGroup.get(g.id);
    const all = state.clusters.filter((c) => (c.platformGroup ?? 'other') === g.id).length;
    if (!all) continue;
    const pg = pager(g.id, list.length);
    const start = state.page[g.id] * state.pageSize;
    const body = h('tbody', {});
    if (list.length) {
      body.append(meanRow(list));
      for (const c of list.slice(start, start + state.pageSize)) body.append(row(c));
    } else body.append(emptyRow(6 + COLUMNS.length, 'no cluster matches the filters'));
    sections.push(
      h(
        'section',
        { class: 'group', 'data-group': g.id },
        h(
          'h3',
          {},
          g.label,
          ' ',
          h(
            'span',
            { class: 'muted' },
            list.length === all ? `${all} clusters` : `${list.length} of ${all} clusters`,
          ),
        ),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'heatmap', id: `heatmap-${g.id}` },
            h('caption', { class: 'sr-only' }, `${g.label}: score per area, worst open severity as a symbol`),
            h('thead', {}, headerRow()),
            body,
          ),
        ),
        pg,
      ),
    );
  }
  if (!sections.length) sections.push(h('p', { class: 'muted' }, 'No clusters yet: enroll an agent.'));
  root.replaceChildren(...sections);
}

function renderCounts() {
  const cs = state.clusters;
  const n = (f) => cs.filter(f).length;
  const stale = n((c) => c.liveness?.stale);
  $('#fleet-counts').replaceChildren(
    h('strong', {}, `${cs.length} clusters`),
    `: ${n((c) => c.liveness?.state === 'online')} online, ${n((c) => c.liveness?.state === 'offline')} offline, ` +
      `${n((c) => c.liveness?.state === 'unknown')} unknown; `,
    h('span', { class: stale ? 'warn-text' : '' }, `${stale} stale`),
    '. ',
    ...GROUPS.map((g) => {
      const k = n((c) => (c.platformGroup ?? 'other') === g.id);
      return k ? `${g.label}: ${k}. ` : '';
    }),
  );
}

function renderAttention() {
  const s = state.summary;
  const box = $('#attention');
  if (!box || !s) return;
  const certs = s.expiringCertificates.slice(0, 8);
  const certBody = h('tbody', {});
  for (const x of certs) {
    // Risk-ranked rows carry the node, where the certificate lives and its lifetime; older hubs only a subject.
    const where = x.source ? `${x.node ? `${x.node}: ` : ''}${sourceText(x.source)}` : null;
    const life =
      typeof x.lifetimeLeftPercent === 'number' && typeof x.lifetimeDays === 'number'
        ? `${x.lifetimeLeftPercent} % of ${x.lifetimeDays} days left`
        : null;
    certBody.append(
      h(
        'tr',
        { dataset: { cluster: x.cluster, outcome: x.outcome } },
        h('td', {}, link(`/clusters/${encodeURIComponent(x.cluster)}`, x.cluster, { class: 'nowrap' })),
        h(
          'td',
          { class: 'wrap' },
          x.subject ?? x.resource?.path ?? x.resource?.name ?? x.resource?.kind ?? '',
          where ? h('div', { class: 'muted mono' }, where) : null,
        ),
        h('td', {}, timeEl(x.notAfter), life ? h('div', { class: 'muted' }, life) : null),
        h(
          'td',
          {},
          outcomeBadge(x.outcome),
          x.renewedAutomatically
            ? h('div', { class: 'pill auto', title: x.renewedBy ?? '' }, '↻ renewed automatically')
            : null,
        ),
      ),
    );
  }
  if (!certs.length) certBody.append(emptyRow(4, 'no certificate expiry results yet'));
  const staleBody = h('ul', { class: 'plain' });
  for (const x of s.staleClusters.slice(0, 8))
    staleBody.append(
      h(
        'li',
        {},
        link(`/clusters/${encodeURIComponent(x.name)}`, x.name),
        ` (${x.platform}): last report `,
        ageEl(x.reportAgeSeconds, x.lastReceivedAt),
      ),
    );
  if (!s.staleClusters.length) staleBody.append(h('li', { class: 'muted' }, 'none'));
  if (s.staleClusters.length > 8)
    staleBody.append(h('li', {}, link('/?live=stale', `all ${s.staleClusters.length} stale clusters`)));
  const open = (g) => SEVERITIES.map((sv) => `${g.openBySeverity[sv]} ${sv}`).join(', ');
  box.replaceChildren(
    h(
      'div',
      { class: 'panel' },
      h('h3', {}, 'Certificates needing action first'),
      h(
        'table',
        { id: 'certs-table', class: 'compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Cluster'),
            h('th', {}, 'Certificate'),
            h('th', {}, 'Expires'),
            h('th', {}, 'Outcome'),
          ),
        ),
        certBody,
      ),
    ),
    h(
      'div',
      { class: 'panel' },
      h('h3', {}, 'Stale clusters'),
      staleBody,
      kmsAndImds(s),
      h('h3', {}, 'Open findings'),
      h(
        'ul',
        { class: 'plain' },
        GROUPS.filter((g) => s.groups[g.id]?.clusters).map((g) =>
          h('li', {}, h('strong', {}, g.label), `: ${open(s.groups[g.id])}`),
        ),
      ),
    ),
  );
}

/** KMS key ages and instance-metadata exposure across the fleet (fields of newer hubs are shown when present). */
function kmsAndImds(s) {
  const k = s.kmsKeys;
  const out = [h('h3', {}, 'KMS keys')];
  if (!k?.clusters) out.push(h('p', { class: 'muted' }, 'No cluster reports a KMS key yet.'));
  else {
    out.push(
      h(
        'p',
        { id: 'kms-summary' },
        `${k.clusters} cluster${k.clusters === 1 ? '' : 's'} report a key; age known for ${k.withKnownAge}` +
          (k.medianAgeDays !== null && k.medianAgeDays !== undefined
            ? `, median ${k.medianAgeDays} days.`
            : '.'),
      ),
    );
    const oldest = (k.oldest ?? []).filter((x) => x.ageDays !== null && x.ageDays !== undefined).slice(0, 3);
    if (oldest.length)
      out.push(
        h(
          'ul',
          { class: 'plain' },
          oldest.map((x) =>
            h(
              'li',
              {},
              link(`/clusters/${encodeURIComponent(x.cluster)}`, x.cluster),
              `: key ${x.keyId ?? '?'} ${x.ageExact === false ? 'at least ' : ''}${x.ageDays} days old `,
              outcomeBadge(x.outcome),
            ),
          ),
        ),
      );
  }
  const i = s.imdsExposure;
  if (i && i.clustersReporting)
    out.push(
      h('h3', {}, 'Instance metadata (169.254.169.254)'),
      h(
        'p',
        { id: 'imds-summary', class: i.clustersExposed ? 'warn-text' : '' },
        `${i.clustersExposed} of ${i.clustersReporting} clusters let pods reach it: ${i.namespacesExposed} namespaces, ${i.podsReaching} running pods.`,
      ),
    );
  return out;
}

function filterForm() {
  const sel = (name, label, options) =>
    h(
      'label',
      {},
      label,
      h(
        'select',
        { name, 'data-key': `filter:${name}` },
        h('option', { value: '' }, 'any'),
        options.map(([v, t]) => h('option', { value: v, selected: state.filters[name] === v }, t)),
      ),
    );
  const text = (name, label, placeholder, list) =>
    h(
      'label',
      {},
      label,
      h('input', {
        name,
        type: 'search',
        placeholder,
        value: state.filters[name],
        list,
        autocomplete: 'off',
        'data-key': `filter:${name}`,
      }),
    );
  const locations = [...new Set(state.clusters.map((c) => c.location).filter(Boolean))].sort();
  return h(
    'form',
    { id: 'heat-filters', class: 'filters', role: 'search' },
    text('name', 'Cluster name', 'contains…'),
    sel(
      'platform',
      'Platform',
      PLATFORMS.map((p) => [p, p]),
    ),
    sel(
      'role',
      'Role',
      ROLES.map((r) => [r, r]),
    ),
    text('location', 'Location', 'contains…', 'locations'),
    h(
      'datalist',
      { id: 'locations' },
      locations.map((l) => h('option', { value: l })),
    ),
    sel('live', 'Liveness', [
      ['online', 'online'],
      ['offline', 'offline'],
      ['unknown', 'unknown'],
      ['stale', 'stale'],
    ]),
    h(
      'label',
      {},
      'Rows per page',
      h(
        'select',
        { name: 'size', 'data-key': 'filter:size' },
        PAGE_SIZES.map((n) => h('option', { value: String(n), selected: n === state.pageSize }, String(n))),
      ),
    ),
  );
}

function legend() {
  return h(
    'p',
    { class: 'legend' },
    'Cell: score 0–100 (share of evaluated results that pass), shaded ',
    h('span', { class: 'swatch sc-2' }, 'low'),
    h('span', { class: 'swatch sc-6' }, 'mid'),
    h('span', { class: 'swatch sc-10' }, 'high'),
    '; symbol = worst open finding: ',
    SEVERITIES.map((sv) =>
      h(
        'span',
        { class: 'legend-item' },
        h('span', { class: `glyph g-${sv}`, 'aria-hidden': 'true' }, SEVERITY_GLYPH[sv]),
        ` ${sv} `,
      ),
    ),
    '. Select a cell for its findings, a name for the cluster.',
  );
}

let filterTimer = null;
function onFilter(ev) {
  const t = ev.target;
  if (!(t instanceof HTMLInputElement || t instanceof HTMLSelectElement)) return;
  if (t.name === 'size') state.pageSize = Number(t.value);
  else state.filters[t.name] = t.value.trim();
  state.page = { onPrem: 0, azure: 0, other: 0 };
  clearTimeout(filterTimer);
  filterTimer = setTimeout(
    () => {
      writeUrl();
      renderHeatmap();
    },
    t instanceof HTMLInputElement ? 150 : 0,
  );
}

function onClick(ev) {
  const b = ev.target.closest('button');
  if (!b) return;
  if (b.dataset.sort) {
    const k = b.dataset.sort;
    state.dir = state.sort === k && state.dir === 'asc' ? 'desc' : 'asc';
    state.sort = k;
    state.page = { onPrem: 0, azure: 0, other: 0 };
    writeUrl();
    renderHeatmap();
    $(`#heatmap button[data-sort="${k}"]`)?.focus();
  } else if (b.dataset.page !== undefined && b.dataset.group) {
    state.page[b.dataset.group] = Number(b.dataset.page);
    renderHeatmap();
    $(`#heatmap section[data-group="${b.dataset.group}"]`)?.scrollIntoView({ block: 'start' });
    $(
      `#heatmap section[data-group="${b.dataset.group}"] button[data-key="${b.dataset.key}"]:not([disabled])`,
    )?.focus();
  }
}

async function load() {
  const summary = api('/api/v1/fleet/summary?certificates=8');
  summary.catch(() => {}); // awaited below; the heatmap does not wait for it
  state.clusters = await apiAll('/api/v1/clusters?limit=5000');
  learnFromClusters(state.clusters);
  renderCounts();
  if (!$('#heat-filters')) {
    $('#heat-controls').replaceChildren(filterForm(), legend());
  } else {
    // New locations may have appeared.
    const dl = $('#locations');
    const locations = [...new Set(state.clusters.map((c) => c.location).filter(Boolean))].sort();
    dl?.replaceChildren(...locations.map((l) => h('option', { value: l })));
  }
  renderHeatmap();
  if (document.body.dataset.heatmap !== 'rendered') performance.mark('heatmap-rendered');
  document.body.dataset.heatmap = 'rendered';
  state.summary = await summary;
  renderAttention();
}

export const fleetView = {
  title: () => 'Fleet',
  async mount(root, url) {
    state = stateFrom(url);
    root.replaceChildren(
      h('h2', {}, 'Fleet posture'),
      h('p', { id: 'fleet-counts', 'aria-live': 'polite' }, 'Loading…'),
      h('div', { id: 'heat-controls' }),
      h('div', { id: 'heatmap' }),
      h('h2', {}, 'Needs attention'),
      h('div', { id: 'attention', class: 'panels' }),
    );
    root.addEventListener('input', onFilter);
    root.addEventListener('change', onFilter);
    root.addEventListener('submit', (ev) => ev.preventDefault());
    root.addEventListener('click', onClick);
    await load();
  },
  refresh: load,
};
