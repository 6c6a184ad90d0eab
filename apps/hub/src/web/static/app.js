// Watchpost web page: plain ES module, no build step. Every value from the API is put in the page with
// textContent (never innerHTML), so a hostile cluster name or message cannot inject markup.
const TOKEN_KEY = 'watchpost.apiToken';
const $ = (sel) => document.querySelector(sel);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.append(c instanceof Node ? wrapTd(c) : el('td', c));
  return tr;
}

function wrapTd(node) {
  const td = document.createElement('td');
  td.append(node);
  return td;
}

function scoreCell(score) {
  const cls =
    score === null || score === undefined
      ? 'score'
      : score < 60
        ? 'score bad'
        : score < 85
          ? 'score mid'
          : 'score good';
  return el('span', score === null || score === undefined ? '–' : `${score}`, cls);
}

class AuthError extends Error {}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  const body = await res.json().catch(() => null);
  if (res.status === 401) throw new AuthError(body?.error?.message ?? 'token refused');
  if (!res.ok) throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

function showLogin(message) {
  $('#app').hidden = true;
  $('#sign-out').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message ?? '';
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return 'never';
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

function renderFleet(s) {
  $('#generated').textContent = `as of ${s.generatedAt}`;
  const c = s.clusters;
  $('#fleet-counts').textContent =
    `${c.total} clusters: ${c.online} online, ${c.offline} offline, ${c.unknown} unknown; ${c.stale} stale ` +
    `(no report for ${Math.round(s.staleAfterSeconds / 3600)}h). On-prem ${s.groups.onPrem.clusters}, Azure ${s.groups.azure.clusters}` +
    (s.groups.other.clusters ? `, other ${s.groups.other.clusters}` : '') +
    '.';
  const body = $('#fleet-areas tbody');
  body.replaceChildren();
  const areas = Object.keys(s.groups.onPrem.byArea);
  for (const a of areas) {
    const tr = row([
      a,
      scoreCell(s.groups.onPrem.byArea[a].score),
      scoreCell(s.groups.azure.byArea[a].score),
    ]);
    tr.dataset.area = a;
    body.append(tr);
  }
  const overall = row([
    el('strong', 'overall'),
    scoreCell(s.groups.onPrem.score),
    scoreCell(s.groups.azure.score),
  ]);
  overall.dataset.area = 'overall';
  body.append(overall);

  const certs = $('#certs-table tbody');
  certs.replaceChildren();
  for (const x of s.expiringCertificates) {
    const name = x.subject ?? x.resource.path ?? x.resource.name ?? x.resource.kind;
    certs.append(row([x.notAfter, x.expiresInDays, x.cluster, name, x.outcome]));
  }
  if (!s.expiringCertificates.length)
    certs.append(row(['no certificate expiry results yet', '', '', '', '']));

  const stale = $('#stale-list');
  stale.replaceChildren();
  for (const x of s.staleClusters)
    stale.append(el('li', `${x.name} (${x.platform}): last report ${age(x.reportAgeSeconds)}`));
  if (!s.staleClusters.length) stale.append(el('li', 'none'));
}

function renderClusters(page) {
  const body = $('#clusters-table tbody');
  body.replaceChildren();
  for (const c of page.items) {
    const areas = Object.entries(c.scores)
      .map(([a, v]) => `${a} ${v}`)
      .join(', ');
    const live = el('span', c.liveness.state, `pill ${c.liveness.state}`);
    const liveWrap = document.createElement('span');
    liveWrap.append(live);
    if (c.liveness.stale) liveWrap.append(' ', el('span', 'stale', 'pill stale'));
    const tr = row([
      c.name,
      c.platform,
      c.role,
      c.location ?? '',
      c.kubernetesVersion ?? '',
      scoreCell(c.score),
      areas,
      liveWrap,
      age(c.liveness.reportAgeSeconds),
    ]);
    tr.dataset.cluster = c.name;
    body.append(tr);
  }
}

let nextCursor = null;
let shown = 0;

function findingsQuery(cursor) {
  const form = new FormData($('#filters'));
  const q = new URLSearchParams();
  for (const [k, v] of form) if (typeof v === 'string' && v.trim()) q.set(k, v.trim());
  q.set('limit', '50');
  if (cursor) q.set('cursor', cursor);
  return `/api/v1/findings?${q}`;
}

async function loadFindings(append) {
  const page = await api(findingsQuery(append ? nextCursor : null));
  const body = $('#findings-table tbody');
  if (!append) {
    body.replaceChildren();
    shown = 0;
  }
  for (const f of page.items) {
    const res = [f.resource.kind, f.resource.namespace, f.resource.name ?? f.resource.path]
      .filter(Boolean)
      .join('/');
    const tr = row([f.cluster, f.checkId, f.severity, f.outcome, res, f.message]);
    tr.dataset.outcome = f.outcome;
    body.append(tr);
  }
  shown += page.items.length;
  nextCursor = page.nextCursor;
  $('#more').hidden = !nextCursor;
  $('#findings-count').textContent = `${shown} shown${nextCursor ? ', more available' : ''}`;
}

async function loadAll() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#sign-out').hidden = false;
  $('#app-error').textContent = '';
  try {
    const [summary, clusters] = await Promise.all([api('/api/v1/fleet/summary'), api('/api/v1/clusters')]);
    renderFleet(summary);
    renderClusters(clusters);
    await loadFindings(false);
    document.body.dataset.loaded = 'true';
  } catch (e) {
    if (e instanceof AuthError) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(`The hub refused the token: ${e.message}`);
    } else {
      $('#app-error').textContent = `Could not load: ${e.message}`;
    }
  }
}

$('#login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('#token').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#token').value = '';
  void loadAll();
});
$('#sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin('');
});
$('#filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  loadFindings(false).catch((e) => ($('#app-error').textContent = `Could not load findings: ${e.message}`));
});
$('#more').addEventListener('click', () => {
  loadFindings(true).catch((e) => ($('#app-error').textContent = `Could not load findings: ${e.message}`));
});

if (sessionStorage.getItem(TOKEN_KEY)) void loadAll();
else showLogin('');
