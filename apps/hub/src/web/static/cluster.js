// Cluster page (/clusters/<name>): area scores and their trend, open findings severity-first with the fix,
// certificates, KMS, instance-metadata exposure per namespace, gMSA, the agents and their own certificates.
import { api, apiAll, checkCatalogue, learnFromClusters } from './api.js';
import { trendChart } from './chart.js';
import {
  $,
  AREAS,
  PROBLEMS,
  SEVERITIES,
  SEVERITY_GLYPH,
  ageEl,
  emptyRow,
  exemptionEl,
  h,
  hubNow,
  link,
  livenessBadge,
  outcomeBadge,
  outcomeRank,
  remediationEl,
  resourceText,
  scoreClass,
  severityBadge,
  severityOverrideEl,
  severityRank,
  skewEl,
  timeEl,
} from './dom.js';

const CERT_CHECKS = ['cert-expiry', 'cert-ca-expiry'];
const KMS_CHECKS = [
  'kms-key-rotation',
  'kms-plugin-health',
  'etcd-encryption-at-rest',
  'etcd-secrets-ciphertext',
];
const IMDS_CHECK = 'netpol-imds-egress';
const DAY = 86_400_000;

let state = null;

// Open = a current problem no exemption covers; an exempted one is an accepted risk, listed on request.
const isProblem = (f) => PROBLEMS.includes(f.outcome) && !f.resolvedAt;
const isOpen = (f) => isProblem(f) && !f.exemption;
const isExempted = (f) => isProblem(f) && Boolean(f.exemption);
/** The open-findings filter (`?exempted=` in the URL, as in the findings view): open, exempted or all problems. */
const EXEMPT_FILTERS = [
  ['false', 'open (not exempted)'],
  ['true', 'exempted only'],
  ['any', 'all problems (exempted marked)'],
];
const shownBy = { false: isOpen, true: isExempted, any: isProblem };
/** The findings section's title says what the filter shows, with its count (the jump link says the same). */
function findingsTitle(findings) {
  const open = findings.filter(isOpen).length;
  const exempted = findings.filter(isExempted).length;
  if (state.exempted === 'true') return `Exempted findings (${exempted})`;
  if (state.exempted === 'any') return `Findings (${open} open, ${exempted} exempted)`;
  return `Open findings (${open})`;
}
const current = (f) => !f.resolvedAt || !PROBLEMS.includes(f.outcome);
const ev = (f) => f.evidence ?? {};
const pickTime = (...xs) => xs.find((x) => typeof x === 'string' && !Number.isNaN(Date.parse(x))) ?? null;

function section(id, title, ...content) {
  return h(
    'section',
    { id, class: 'card', 'aria-labelledby': `${id}-h` },
    h('h3', { id: `${id}-h` }, title),
    content,
  );
}

function table(id, headings, rows, emptyText) {
  const body = h('tbody', {}, rows);
  if (!rows.length) body.append(emptyRow(headings.length, emptyText));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headings.map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      body,
    ),
  );
}

// ---------------------------------------------------------------- header and scores

function header(c) {
  const r = c.newestReport;
  const fact = (dt, dd) => [h('dt', {}, dt), h('dd', {}, dd)];
  return h(
    'div',
    { class: 'cluster-head' },
    h(
      'h2',
      {},
      h('span', { class: 'crumb' }, h('a', { href: '/', 'data-route': '' }, 'Fleet'), ' / '),
      h('span', { id: 'cluster-name' }, c.name),
      ' ',
      livenessBadge(c.liveness),
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Platform', `${c.platform} (${c.role})`),
      fact('Location', c.location ?? '–'),
      fact('Kubernetes', c.kubernetesVersion ?? '–'),
      fact('Last report', [
        ageEl(c.liveness?.reportAgeSeconds, c.liveness?.lastReceivedAt),
        c.lastReport?.seq !== null && c.lastReport?.seq !== undefined ? ` (seq ${c.lastReport.seq})` : '',
      ]),
      fact('Scanned', timeEl(c.lastReport?.scannedAt)),
      fact('Clock skew', skewEl(c.lastReport?.clockSkewMs)),
      fact('Agent version', r?.agentVersion ?? '–'),
      fact('Results', r ? `${r.resultCount} in the newest report` : 'no report yet'),
    ),
  );
}

function areaCards(c, findings) {
  const worst = new Map();
  const open = new Map();
  for (const f of findings.filter(isOpen)) {
    open.set(f.area, (open.get(f.area) ?? 0) + 1);
    const w = worst.get(f.area);
    if (!w || severityRank(f.severity) < severityRank(w)) worst.set(f.area, f.severity);
  }
  const card = (area, score, label) => {
    const w =
      area === 'overall'
        ? [...worst.values()].sort((a, b) => severityRank(a) - severityRank(b))[0]
        : worst.get(area);
    const n = area === 'overall' ? [...open.values()].reduce((a, b) => a + b, 0) : (open.get(area) ?? 0);
    const href =
      area === 'overall'
        ? `/findings?cluster=${encodeURIComponent(c.name)}&outcome=fail,warn,error`
        : `/findings?cluster=${encodeURIComponent(c.name)}&area=${area}&outcome=fail,warn,error`;
    return h(
      'li',
      { class: `area-card ${scoreClass(score)}${w ? ` worst-${w}` : ''}`, dataset: { area } },
      link(href, [
        h('span', { class: 'area-name' }, label),
        h('span', { class: 'area-score' }, score === null || score === undefined ? '–' : String(score)),
        h(
          'span',
          { class: 'area-open' },
          w ? h('span', { class: `glyph g-${w}`, 'aria-hidden': 'true' }, SEVERITY_GLYPH[w]) : null,
          n ? ` ${n} open${w ? `, worst ${w}` : ''}` : 'nothing open',
        ),
      ]),
    );
  };
  return h(
    'ul',
    { class: 'area-cards', id: 'area-scores' },
    card('overall', c.score, 'overall'),
    AREAS.map((a) => card(a, c.scores?.[a], a)),
  );
}

function trend(c, points) {
  const area = state.trendArea;
  const series = [
    {
      name: 'overall',
      cls: 'ser-overall',
      points: points.map((p) => ({ t: Date.parse(p.receivedAt), v: p.score })).filter((p) => p.v !== null),
    },
  ];
  if (area)
    series.push({
      name: area,
      cls: 'ser-area',
      points: points
        .map((p) => ({ t: Date.parse(p.receivedAt), v: p.scores?.[area] }))
        .filter((p) => typeof p.v === 'number'),
    });
  const select = h(
    'label',
    { class: 'inline' },
    'Compare with ',
    h(
      'select',
      { id: 'trend-area', 'data-key': 'trend-area' },
      h('option', { value: '' }, 'no area'),
      AREAS.map((a) => h('option', { value: a, selected: a === area }, a)),
    ),
  );
  return [
    select,
    trendChart(series, `Score of ${c.name} over ${points.length} reports${area ? `, with ${area}` : ''}`),
    h('p', { class: 'muted' }, `${points.length} reports, by hub receive time. `),
  ];
}

// ---------------------------------------------------------------- findings

const FIRST_ROWS = 25;

function openFindings(findings, catalogue) {
  const rows = findings
    .filter(shownBy[state.exempted] ?? isOpen)
    .sort(
      (a, b) =>
        severityRank(a.severity) - severityRank(b.severity) ||
        AREAS.indexOf(a.area) - AREAS.indexOf(b.area) ||
        outcomeRank(a.outcome) - outcomeRank(b.outcome) ||
        a.checkId.localeCompare(b.checkId) ||
        a.resourceKey.localeCompare(b.resourceKey),
    )
    .map((f) => {
      const def = catalogue.get(f.checkId);
      return h(
        'tr',
        {
          dataset: { severity: f.severity, area: f.area, check: f.checkId },
          class: f.exemption ? 'exempted' : '',
        },
        h('td', {}, severityBadge(f.severity), severityOverrideEl(f)),
        h('td', {}, f.area),
        h(
          'td',
          {},
          link(`/checks/${encodeURIComponent(f.checkId)}`, def?.title ?? f.checkId),
          h('div', { class: 'muted mono' }, f.checkId),
        ),
        h('td', {}, outcomeBadge(f.outcome), exemptionEl(f)),
        h('td', { class: 'mono wrap' }, resourceText(f.resource)),
        h('td', { class: 'wrap' }, f.message),
        h('td', { class: 'remediation' }, remediationEl(def?.remediation)),
        h('td', {}, timeEl(f.outcomeSince)),
      );
    });
  const shown = state.allFindings ? rows : rows.slice(0, FIRST_ROWS);
  return [
    table(
      'cluster-findings',
      ['Severity', 'Area', 'Check', 'Outcome', 'Resource', 'Message', 'Remediation', 'Since'],
      shown,
      state.exempted === 'true' ? 'No exempted findings.' : 'No open findings.',
    ),
    rows.length > FIRST_ROWS
      ? h(
          'p',
          {},
          h(
            'button',
            { type: 'button', id: 'all-findings', 'data-key': 'all-findings' },
            state.allFindings ? `Show the first ${FIRST_ROWS}` : `Show all ${rows.length}`,
          ),
          h('span', { class: 'muted' }, ` ${shown.length} of ${rows.length} shown`),
        )
      : null,
  ];
}

// ---------------------------------------------------------------- certificates

/** Typed facts of a result (`facts` with a type the page knows), else null: older hubs and agents send none. */
const factsOf = (f, type) => (f.facts && f.facts.type === type ? f.facts : null);

function certRows(findings) {
  const now = hubNow();
  return findings
    .filter((f) => CERT_CHECKS.includes(f.checkId) && current(f))
    .map((f) => {
      const typed = factsOf(f, 'certificate');
      const e = typed ?? ev(f);
      const notAfter = pickTime(e.notAfter);
      const notBefore = pickTime(e.notBefore);
      const t = notAfter ? Date.parse(notAfter) : null;
      const lifeMs =
        typeof e.lifetimeSeconds === 'number'
          ? e.lifetimeSeconds * 1000
          : notAfter && notBefore
            ? t - Date.parse(notBefore)
            : null;
      const left = t === null ? null : t - now;
      const share = left !== null && lifeMs ? Math.max(0, left / lifeMs) : null;
      return {
        f,
        facts: e,
        typed: Boolean(typed),
        notAfter,
        left,
        lifeMs,
        share,
        auto: e.renewedAutomatically === true,
      };
    })
    .sort(
      (a, b) =>
        outcomeRank(a.f.outcome) - outcomeRank(b.f.outcome) ||
        // What the platform renews by itself never goes above a real risk.
        Number(a.auto) - Number(b.auto) ||
        (a.share ?? 2) - (b.share ?? 2) ||
        (a.left ?? Infinity) - (b.left ?? Infinity),
    );
}

function daysLeftEl(x) {
  if (x.left === null) return h('span', { class: 'muted' }, 'unknown');
  const days = Math.round((x.left / DAY) * 10) / 10;
  const text =
    x.lifeMs !== null
      ? `${days} of ${Math.round(x.lifeMs / DAY)} days (${Math.round((x.share ?? 0) * 100)} %)`
      : `${days} days`;
  return h(
    'span',
    { class: 'days-left' },
    x.share !== null
      ? h('meter', {
          min: '0',
          max: '1',
          low: '0.1',
          high: '0.2',
          optimum: '1',
          value: String(Math.min(1, x.share)),
        })
      : null,
    ' ',
    days < 0 ? h('strong', {}, `expired ${-days} days ago`) : text,
  );
}

/** `kubeconfig:/etc/kubernetes/admin.conf#user` says its kind already; a bare path gets it in front. */
export function sourceText(src) {
  return src.locator.startsWith(`${src.kind}:`) ? src.locator : `${src.kind} ${src.locator}`;
}

function certTable(findings) {
  const rows = certRows(findings).map((x) => {
    const e = x.facts;
    const place = x.typed && e.source ? sourceText(e.source) : resourceText(x.f.resource);
    const where = [place, ...(Array.isArray(e.alsoAt) ? e.alsoAt.map((a) => `also ${a}`) : [])];
    return h(
      'tr',
      { dataset: { outcome: x.f.outcome, check: x.f.checkId } },
      h('td', { class: 'mono nowrap' }, e.node ?? x.f.agentId),
      h(
        'td',
        { class: 'mono wrap' },
        where.map((w, i) => h('div', { class: i ? 'muted' : '' }, w)),
      ),
      h(
        'td',
        { class: 'wrap' },
        e.subject ?? e.commonName ?? '–',
        e.issuer ? h('div', { class: 'muted' }, `issuer ${e.issuer}`) : null,
      ),
      h('td', {}, x.notAfter ? timeEl(x.notAfter) : '–'),
      h('td', {}, daysLeftEl(x)),
      h(
        'td',
        {},
        outcomeBadge(x.f.outcome),
        x.auto ? h('div', { class: 'pill auto', title: e.renewedBy ?? '' }, '↻ renewed automatically') : null,
        e.renewalDueAt && !x.auto
          ? h('div', { class: 'muted' }, 'renew from ', timeEl(e.renewalDueAt))
          : null,
      ),
    );
  });
  return table(
    'cert-table',
    ['Node', 'Where it lives', 'Subject', 'Expires', 'Days left of lifetime', 'Outcome'],
    rows,
    'No certificate results from this cluster.',
  );
}

// ---------------------------------------------------------------- encryption

function kmsTable(findings) {
  const now = hubNow();
  const rows = findings
    .filter((f) => KMS_CHECKS.includes(f.checkId) && current(f))
    .sort(
      (a, b) =>
        KMS_CHECKS.indexOf(a.checkId) - KMS_CHECKS.indexOf(b.checkId) ||
        outcomeRank(a.outcome) - outcomeRank(b.outcome),
    )
    .map((f) => {
      const typed = factsOf(f, 'kms-key');
      const e = typed ?? ev(f);
      // Age counted to the hub's now from when the key came into use; without a start, the age at the scan.
      const since = pickTime(e.rotatedAt, e.inUseSince, e.firstSeen);
      const lowerBound = typed ? !e.ageExact : false;
      const scanAgeDays =
        typeof e.ageSeconds === 'number'
          ? e.ageSeconds / 86_400
          : typeof e.ageDays === 'number'
            ? e.ageDays
            : null;
      const age =
        since !== null
          ? `${lowerBound ? 'at least ' : ''}${Math.floor(((now - Date.parse(since)) / DAY) * 10) / 10} days`
          : scanAgeDays !== null
            ? `${Math.round(scanAgeDays * 10) / 10} days (at the scan)`
            : null;
      const provider = [
        e.provider ?? (f.resource.kind === 'KMSProvider' ? f.resource.name : null),
        e.apiVersion ? `KMS ${e.apiVersion}` : null,
      ]
        .filter(Boolean)
        .join(', ');
      return h(
        'tr',
        { dataset: { check: f.checkId, outcome: f.outcome } },
        h('td', {}, f.checkId),
        h('td', {}, provider || '–'),
        h('td', { class: 'mono' }, e.keyId ?? '–'),
        h(
          'td',
          {},
          age ?? h('span', { class: 'muted' }, 'unknown'),
          since ? h('div', { class: 'muted' }, 'since ', timeEl(since)) : null,
        ),
        h('td', {}, outcomeBadge(f.outcome)),
        h('td', { class: 'wrap' }, f.message),
      );
    });
  return table(
    'kms-table',
    ['Check', 'KMS provider', 'Key id', 'Key age', 'Outcome', 'Detail'],
    rows,
    'No encryption results from this cluster.',
  );
}

// ---------------------------------------------------------------- network: instance metadata

function imdsTable(findings) {
  const verdict = (f) => {
    const x = factsOf(f, 'imds-exposure');
    if (x) {
      if (x.exempt) return ['exempt', '– system namespace'];
      if (x.newPodsReach) return ['reachable', '✖ reachable'];
      if (x.podsReaching > 0)
        return ['reachable', `✖ ${x.podsReaching} pod${x.podsReaching === 1 ? '' : 's'} reach it`];
      return ['blocked', '✔ blocked'];
    }
    return f.outcome === 'pass'
      ? ['blocked', '✔ blocked']
      : f.outcome === 'not_applicable'
        ? ['exempt', '– system namespace']
        : f.outcome === 'error'
          ? ['unknown', '? could not evaluate']
          : ['reachable', '✖ reachable'];
  };
  const rows = findings
    .filter((f) => f.checkId === IMDS_CHECK && current(f))
    .sort(
      (a, b) =>
        outcomeRank(a.outcome) - outcomeRank(b.outcome) ||
        resourceText(a.resource).localeCompare(resourceText(b.resource)),
    )
    .map((f) => {
      const e = { ...ev(f), ...(factsOf(f, 'imds-exposure') ?? {}) };
      const [cls, text] = verdict(f);
      const decided =
        e.newPod?.decidedBy?.policy ??
        e.decidedBy?.policy ??
        (e.newPod?.policies ?? e.policies ?? []).join(', ');
      return h(
        'tr',
        {
          dataset: {
            namespace: e.namespace ?? f.resource.namespace ?? f.resource.name ?? '',
            outcome: f.outcome,
          },
        },
        h(
          'td',
          { class: 'mono' },
          e.namespace ?? f.resource.namespace ?? f.resource.name ?? '–',
          f.resource.kind === 'Pod' ? h('div', { class: 'muted' }, `pod ${f.resource.name}`) : null,
        ),
        h('td', {}, h('span', { class: `imds imds-${cls}` }, text)),
        h('td', {}, typeof e.pods === 'number' ? String(e.pods) : f.resource.kind === 'Pod' ? '1' : '–'),
        h('td', { class: 'mono wrap' }, decided || '–'),
        h('td', { class: 'wrap' }, f.message),
      );
    });
  return table(
    'imds-table',
    ['Namespace', '169.254.169.254:80', 'Pods', 'Decided by', 'Detail'],
    rows,
    'No instance-metadata results from this cluster.',
  );
}

// ---------------------------------------------------------------- identity: gMSA

function gmsa(findings, catalogue) {
  const ids = findings.filter((f) => f.area === 'identity' && current(f));
  if (!ids.length) return h('p', { id: 'gmsa-status', class: 'muted' }, 'No gMSA results from this cluster.');
  const byCheck = new Map();
  for (const f of ids) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  const problems = ids.filter(isOpen);
  const status =
    problems.length > 0
      ? `${problems.length} open gMSA problem${problems.length === 1 ? '' : 's'}`
      : ids.every((f) => f.outcome === 'not_applicable')
        ? `not applicable: ${ids[0].message}`
        : 'gMSA set up correctly';
  const rows = [...byCheck].map(([id, list]) => {
    const worst = [...list].sort((a, b) => outcomeRank(a.outcome) - outcomeRank(b.outcome))[0];
    const counts = Object.entries(list.reduce((m, f) => ({ ...m, [f.outcome]: (m[f.outcome] ?? 0) + 1 }), {}))
      .map(([o, n]) => `${n} ${o === 'not_applicable' ? 'n/a' : o}`)
      .join(', ');
    return h(
      'tr',
      { dataset: { check: id, outcome: worst.outcome } },
      h('td', {}, link(`/checks/${encodeURIComponent(id)}`, catalogue.get(id)?.title ?? id)),
      h('td', {}, outcomeBadge(worst.outcome)),
      h('td', {}, counts),
      h('td', { class: 'wrap' }, worst.message),
    );
  });
  return [
    h('p', { id: 'gmsa-status', class: problems.length ? 'warn-text' : '' }, status),
    table('gmsa-table', ['Check', 'Worst', 'Results', 'Detail'], rows, ''),
  ];
}

// ---------------------------------------------------------------- agents and the newest report

function agentsTable(c) {
  const rows = c.agents.map((a) => {
    const cert = a.certificate ?? {};
    const certText = cert.notAfter
      ? [
          timeEl(cert.notAfter),
          cert.expired ? h('strong', { class: 'bad-text' }, ' expired') : '',
          h('div', { class: 'muted mono' }, `serial ${cert.serial ?? '?'}`),
        ]
      : h('span', { class: 'muted' }, 'unknown');
    return h(
      'tr',
      { dataset: { agent: a.id } },
      h('td', { class: 'mono' }, a.id, a.revoked ? h('div', { class: 'pill revoked' }, 'revoked') : null),
      h('td', {}, a.nodeName ?? '–'),
      h(
        'td',
        {},
        livenessBadge({ state: a.status, stale: false }),
        a.statusAt ? h('div', { class: 'muted' }, 'since ', timeEl(a.statusAt)) : null,
      ),
      h('td', {}, a.agentVersion ?? '–'),
      h('td', {}, certText),
      h('td', {}, skewEl(a.clockSkewMs)),
      h(
        'td',
        {},
        timeEl(a.lastReceivedAt),
        a.lastSeq !== null ? h('div', { class: 'muted' }, `seq ${a.lastSeq}`) : null,
      ),
      h('td', {}, String(a.droppedTotal ?? 0)),
    );
  });
  return table(
    'agents-table',
    [
      'Agent identity',
      'Node',
      'Status',
      'Version',
      'Agent certificate expires',
      'Clock skew',
      'Last report',
      'Dropped',
    ],
    rows,
    'No agent enrolled for this cluster.',
  );
}

function collectorErrors(c) {
  const errs = c.newestReport?.collectorErrors ?? [];
  if (!errs.length) return h('p', { class: 'muted' }, 'The newest report had no collector errors.');
  return h(
    'ul',
    { id: 'collector-errors' },
    errs.map((e) => h('li', {}, h('span', { class: 'mono' }, e.source ?? '?'), `: ${e.message ?? ''}`)),
  );
}

// ---------------------------------------------------------------- view

async function load() {
  const name = state.name;
  const enc = encodeURIComponent(name);
  let c;
  try {
    c = await api(`/api/v1/clusters/${enc}`);
  } catch (e) {
    if (e.status === 404) {
      state.root.replaceChildren(
        h('h2', {}, 'No such cluster'),
        h('p', {}, `The hub knows no cluster named "${name}". `, link('/', 'Back to the fleet')),
      );
      document.body.dataset.cluster = 'missing';
      return;
    }
    throw e;
  }
  // Only what the page shows, not every pass of a large cluster: open problems, and the current rows of the
  // checks behind the certificate, KMS, instance-metadata and gMSA sections.
  const fetchCurrent = (q) =>
    apiAll(`/api/v1/findings?cluster=${enc}&resolved=false&limit=1000&${q}`, 20_000);
  const [history, catalogue, ...parts] = await Promise.all([
    api(`/api/v1/clusters/${enc}/history?limit=500`),
    checkCatalogue(),
    fetchCurrent('outcome=fail,warn,error'),
    fetchCurrent(`check=${CERT_CHECKS.join(',')}`),
    fetchCurrent(`check=${[...KMS_CHECKS, IMDS_CHECK].join(',')}`),
    fetchCurrent('area=identity'),
  ]);
  const byId = new Map(parts.flat().map((f) => [f.id, f]));
  const findings = [...byId.values()];
  learnFromClusters([c]);
  state.data = { c, history, findings, catalogue };
  render();
  document.body.dataset.cluster = name;
}

function openSection(findings, catalogue) {
  const { c } = state.data;
  const open = findings.filter(isOpen);
  const exempted = findings.filter(isExempted).length;
  const bySev = SEVERITIES.map((sv) => [sv, open.filter((f) => f.severity === sv).length]).filter(
    ([, n]) => n,
  );
  const filter = h(
    'label',
    { class: 'inline' },
    'Show ',
    h(
      'select',
      { id: 'exempt-filter', 'data-key': 'exempt-filter' },
      EXEMPT_FILTERS.map(([v, t]) => h('option', { value: v, selected: state.exempted === v }, t)),
    ),
  );
  return section(
    'open-findings',
    findingsTitle(findings),
    h(
      'p',
      { class: 'muted' },
      // Open counts; said so when the table shows exempted rows too, so they do not read as the table's.
      bySev.length
        ? `${state.exempted === 'false' ? '' : 'Open: '}${bySev.map(([sv, n]) => `${n} ${sv}`).join(', ')}. Severity first, then area. `
        : '',
      exempted
        ? h(
            'span',
            { id: 'exempted-count' },
            `${exempted} exempted (accepted risks, not counted in scores or open findings). `,
          )
        : null,
      link(
        `/findings?cluster=${encodeURIComponent(c.name)}&outcome=fail,warn,error${state.exempted === 'false' || state.exempted === 'true' ? `&exempted=${state.exempted}` : ''}`,
        'Open in the findings view',
      ),
    ),
    h('p', {}, filter),
    openFindings(findings, catalogue),
  );
}

function render() {
  const { c, history, findings, catalogue } = state.data;
  const certCount = findings.filter((f) => CERT_CHECKS.includes(f.checkId) && current(f)).length;
  // The open findings of a busy cluster are long: these jump links reach every section from the top.
  const toc = h(
    'nav',
    { class: 'toc', 'aria-label': 'sections' },
    [
      ['open-findings', findingsTitle(findings)],
      ['certificates', `Certificates (${certCount})`],
      ['encryption', 'KMS'],
      ['imds', 'Instance metadata'],
      ['gmsa', 'gMSA'],
      ['agents', `Agents (${c.agents.length})`],
      ['collector', 'Collector errors'],
    ].map(([id, text]) => h('a', { href: `#${id}` }, text)),
  );
  state.root.replaceChildren(
    header(c),
    areaCards(c, findings),
    toc,
    section('trend', 'Score trend', trend(c, history.points)),
    openSection(findings, catalogue),
    section('certificates', 'Certificates', certTable(findings)),
    section('encryption', 'Secrets encryption (KMS)', kmsTable(findings)),
    section('imds', 'Instance metadata (169.254.169.254) per namespace', imdsTable(findings)),
    section('gmsa', 'gMSA (Windows workload identity)', gmsa(findings, catalogue)),
    section('agents', 'Agents', agentsTable(c)),
    section('collector', 'Collector errors in the newest report', collectorErrors(c)),
  );
}

export const clusterView = {
  title: (url) => decodeURIComponent(url.pathname.split('/')[2] ?? ''),
  async mount(root, url) {
    state = {
      root,
      name: decodeURIComponent(url.pathname.split('/')[2] ?? ''),
      trendArea: '',
      allFindings: false,
      exempted: EXEMPT_FILTERS.some(([v]) => v === url.searchParams.get('exempted'))
        ? url.searchParams.get('exempted')
        : 'false',
      data: null,
    };
    root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    root.addEventListener('click', (e) => {
      if (e.target.id !== 'all-findings') return;
      state.allFindings = !state.allFindings;
      $('#open-findings').replaceWith(openSection(state.data.findings, state.data.catalogue));
      $('#all-findings')?.focus();
    });
    root.addEventListener('change', (e) => {
      if (e.target.id === 'exempt-filter') {
        state.exempted = e.target.value;
        // Kept in the URL (a link is the same view); only the findings section changes.
        const next = new URL(location.href);
        if (state.exempted === 'false') next.searchParams.delete('exempted');
        else next.searchParams.set('exempted', state.exempted);
        history.replaceState(history.state, '', next);
        $('#open-findings').replaceWith(openSection(state.data.findings, state.data.catalogue));
        const jump = $('nav.toc a[href="#open-findings"]');
        if (jump) jump.textContent = findingsTitle(state.data.findings);
        $('#exempt-filter')?.focus();
        return;
      }
      if (e.target.id === 'trend-area') {
        state.trendArea = e.target.value;
        // Only the chart changes: the rest of the page (open disclosures, scroll) stays as it is.
        const { c, history } = state.data;
        $('#trend').replaceWith(section('trend', 'Score trend', trend(c, history.points)));
        $('#trend-area')?.focus();
      }
    });
    await load();
  },
  refresh: load,
};
