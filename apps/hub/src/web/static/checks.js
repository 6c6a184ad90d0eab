// Checks: the catalogue with fleet pass rates (/checks), and one check (/checks/<id>): its pass rate across the
// fleet and per platform, the clusters failing it, why it matters and how to fix it.
import { api } from './api.js';
import { $, AREAS, emptyRow, h, link, outcomeBadge, scoreClass, severityBadge } from './dom.js';

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

async function loadCheck() {
  let c;
  try {
    c = await api(`/api/v1/checks/${encodeURIComponent(state.id)}`);
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
