// Checks: the catalogue with fleet pass rates (/checks), and one check (/checks/<id>): its pass rate across the
// fleet and per platform, the clusters failing it, why it matters and how to fix it, and the severity overrides
// and exemptions in force for it.
import { api } from './api.js';
import { $, AREAS, emptyRow, h, link, outcomeBadge, scoreClass, severityBadge, timeEl } from './dom.js';

let state = null;

function passRateEl(fleet) {
  const evaluated = fleet.pass + fleet.fail + fleet.warn + fleet.error;
  if (!evaluated) return h('span', { class: 'muted' }, 'not evaluated');
  return h(
    'span',
    { class: 'rate' },
    h('meter', {
      min: '0',
      max: '100',
      low: '60',
      high: '85',
      optimum: '100',
      value: String(fleet.passRate ?? 0),
    }),
    ' ',
    h('span', { class: `num ${scoreClass(fleet.passRate)}` }, `${fleet.passRate} %`),
    h('span', { class: 'muted' }, ` of ${evaluated}`),
  );
}

// ---------------------------------------------------------------- list

async function loadList() {
  const { items } = await api('/api/v1/checks');
  const area = state.area;
  const rows = items
    .filter((c) => !area || c.area === area)
    .sort((a, b) => {
      const ar = a.fleet.passRate ?? 101;
      const br = b.fleet.passRate ?? 101;
      return ar - br || AREAS.indexOf(a.area) - AREAS.indexOf(b.area) || a.id.localeCompare(b.id);
    })
    .map((c) =>
      h(
        'tr',
        { dataset: { check: c.id } },
        h(
          'td',
          {},
          link(`/checks/${encodeURIComponent(c.id)}`, c.title),
          h('div', { class: 'muted mono' }, c.id),
        ),
        h('td', {}, c.area),
        h('td', {}, severityBadge(c.defaultSeverity)),
        h('td', {}, passRateEl(c.fleet)),
        h(
          'td',
          {},
          c.fleet.fail
            ? link(`/findings?check=${encodeURIComponent(c.id)}&outcome=fail`, String(c.fleet.fail))
            : '0',
        ),
        h('td', {}, String(c.fleet.warn)),
        h('td', {}, String(c.fleet.error)),
      ),
    );
  const body = $('#checks-table tbody');
  body.replaceChildren(...rows);
  if (!rows.length) body.append(emptyRow(7, 'No checks in this area.'));
  document.body.dataset.checks = 'loaded';
}

export const checksView = {
  title: () => 'Checks',
  async mount(root, url, navigate) {
    state = { area: AREAS.includes(url.searchParams.get('area')) ? url.searchParams.get('area') : '' };
    root.replaceChildren(
      h('h2', {}, 'Checks'),
      h(
        'p',
        { class: 'muted' },
        'Every check in the catalogue with its current pass rate across the fleet, lowest first.',
      ),
      h(
        'form',
        { class: 'filters', id: 'checks-filter' },
        h(
          'label',
          {},
          'Area',
          h(
            'select',
            { name: 'area' },
            h('option', { value: '' }, 'any'),
            AREAS.map((a) => h('option', { value: a, selected: a === state.area }, a)),
          ),
        ),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'checks-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Check', 'Area', 'Severity', 'Fleet pass rate', 'Fail', 'Warn', 'Error'].map((x) =>
                h('th', { scope: 'col' }, x),
              ),
            ),
          ),
          h('tbody', {}),
        ),
      ),
    );
    $('#checks-filter', root).addEventListener('change', (ev) => {
      navigate(ev.target.value ? `/checks?area=${ev.target.value}` : '/checks', { replace: true });
    });
    await loadList();
  },
  refresh: loadList,
};

// ---------------------------------------------------------------- one check

/** Where an exemption or override applies, in words. */
function scopeText(s) {
  switch (s.kind) {
    case 'fleet':
      return 'the whole fleet';
    case 'platform':
      return `platform ${s.platform}`;
    case 'cluster':
      return `cluster ${s.cluster}`;
    case 'namespace':
      return `namespace ${s.namespace} on ${s.cluster ? `cluster ${s.cluster}` : 'every cluster'}`;
    default:
      return `${s.resource.kind} ${[s.resource.namespace, s.resource.name ?? s.resource.path].filter(Boolean).join('/')} on cluster ${s.cluster}`;
  }
}

/** The severity overrides and hub exemptions in force for this check (docs/exemptions.md). */
function rulesSection(c, overrides, exemptions) {
  const until = (x) => (x.expiresAt ? [', expires ', timeEl(x.expiresAt)] : ', no expiry');
  return h(
    'section',
    { class: 'card', id: 'check-rules' },
    h('h3', {}, 'Severity overrides and accepted risks'),
    overrides.length
      ? h(
          'ul',
          { id: 'check-overrides' },
          overrides.map((o) =>
            h(
              'li',
              { dataset: { scope: o.scope.kind } },
              severityBadge(o.severity),
              ` instead of ${c.defaultSeverity} on ${scopeText(o.scope)}: ${o.reason} (by ${o.author}`,
              until(o),
              ')',
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No severity override: the default severity applies everywhere.'),
    exemptions.length
      ? h(
          'ul',
          { id: 'check-exemptions' },
          exemptions.map((e) =>
            h(
              'li',
              {},
              h('span', { class: 'pill exempt' }, '⊘ exempted'),
              ` ${'area' in e.target ? `every ${e.target.area} check` : 'this check'} on ${scopeText(e.scope)}: ${e.reason} (by ${e.author}`,
              until(e),
              ')',
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No exemption on the hub.'),
    h(
      'p',
      { class: 'muted' },
      'Exempted findings stay listed but are not counted in the pass rates and clusters on this page. Agents may exempt ' +
        'findings themselves (annotations, their config): ',
      link(`/findings?check=${encodeURIComponent(c.id)}&exempted=true`, 'exempted findings of this check'),
      '.',
    ),
  );
}

async function loadCheck() {
  let c;
  let overrides = [];
  let exemptions = [];
  try {
    const id = encodeURIComponent(state.id);
    [c, { items: overrides }, { items: exemptions }] = await Promise.all([
      api(`/api/v1/checks/${id}`),
      api(`/api/v1/severity-overrides?status=active&check=${id}`),
      api(`/api/v1/exemptions?status=active&check=${id}`),
    ]);
  } catch (e) {
    if (e.status === 404) {
      state.root.replaceChildren(
        h('h2', {}, 'No such check'),
        h('p', {}, `The catalogue has no check "${state.id}". `, link('/checks', 'All checks')),
      );
      return;
    }
    throw e;
  }
  // The exemptions list answers area targets of every area for a check filter: keep this check's area.
  exemptions = exemptions.filter((e) => !('area' in e.target) || e.target.area === c.area);
  const platforms = Object.entries(c.fleet.byPlatform ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const failing = [...c.clusters].sort(
    (a, b) =>
      (b.fail ?? 0) - (a.fail ?? 0) || (b.warn ?? 0) - (a.warn ?? 0) || a.cluster.localeCompare(b.cluster),
  );
  state.root.replaceChildren(
    h(
      'h2',
      {},
      h('span', { class: 'crumb' }, link('/checks', 'Checks'), ' / '),
      h('span', { id: 'check-title' }, c.title),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Id'),
      h('dd', { class: 'mono' }, c.id),
      h('dt', {}, 'Area'),
      h('dd', {}, c.area),
      h('dt', {}, 'Default severity'),
      h('dd', {}, severityBadge(c.defaultSeverity)),
      h('dt', {}, 'Fleet pass rate'),
      h('dd', { id: 'check-pass-rate' }, passRateEl(c.fleet)),
    ),
    rulesSection(c, overrides, exemptions),
    h(
      'section',
      { class: 'card' },
      h('h3', {}, 'Why it matters'),
      h('p', { id: 'check-description' }, c.description),
    ),
    h(
      'section',
      { class: 'card' },
      h('h3', {}, 'How to fix'),
      h('pre', { id: 'check-remediation' }, c.remediation),
      c.references?.length
        ? h(
            'ul',
            { class: 'refs' },
            c.references.map((r) =>
              h('li', {}, h('a', { href: r.url, rel: 'noreferrer noopener', target: '_blank' }, r.title)),
            ),
          )
        : null,
    ),
    h(
      'section',
      { class: 'card' },
      h('h3', {}, 'By platform'),
      h(
        'table',
        { id: 'check-platforms', class: 'compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Platform', 'Pass rate', 'Pass', 'Fail', 'Warn', 'Error', 'n/a'].map((x) =>
              h('th', { scope: 'col' }, x),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          platforms.length
            ? platforms.map(([p, x]) =>
                h(
                  'tr',
                  {},
                  h('td', {}, p),
                  h('td', {}, passRateEl(x)),
                  [x.pass, x.fail, x.warn, x.error, x.not_applicable].map((n) => h('td', {}, String(n))),
                ),
              )
            : emptyRow(7, 'No results for this check yet.'),
        ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h3', {}, `Clusters failing, warning or erring (${failing.length})`),
      h(
        'table',
        { id: 'check-clusters' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Cluster', 'Fail', 'Warn', 'Error', 'Findings'].map((x) => h('th', { scope: 'col' }, x)),
          ),
        ),
        h(
          'tbody',
          {},
          failing.length
            ? failing.map((x) =>
                h(
                  'tr',
                  { dataset: { cluster: x.cluster } },
                  h('td', {}, link(`/clusters/${encodeURIComponent(x.cluster)}`, x.cluster)),
                  h('td', {}, x.fail ? outcomeBadge('fail') : '', x.fail ? ` ${x.fail}` : '0'),
                  h('td', {}, String(x.warn ?? 0)),
                  h('td', {}, String(x.error ?? 0)),
                  h(
                    'td',
                    {},
                    link(
                      `/findings?check=${encodeURIComponent(c.id)}&cluster=${encodeURIComponent(x.cluster)}&outcome=fail,warn,error`,
                      'show',
                    ),
                  ),
                ),
              )
            : emptyRow(5, 'No cluster fails this check.'),
        ),
      ),
    ),
  );
  document.body.dataset.check = c.id;
}

export const checkView = {
  title: (url) => decodeURIComponent(url.pathname.split('/')[2] ?? ''),
  async mount(root, url) {
    state = { root, id: decodeURIComponent(url.pathname.split('/')[2] ?? '') };
    root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    await loadCheck();
  },
  refresh: loadCheck,
};
