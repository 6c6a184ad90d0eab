// Watchpost web app: plain ES modules, no build step, no inline script or style (the page's CSP forbids both).
// Routes are real paths (/clusters/<name>, /findings?..., /checks/<id>) so every view is a deep link; the hub
// serves this page for each of them.
import { AuthError, forgetToken, setToken, token } from './api.js';
import { checkView, checksView } from './checks.js';
import { clusterView } from './cluster.js';
import { $, exact, h, hubNow } from './dom.js';
import { findingsView } from './findings.js';
import { fleetView } from './heatmap.js';

const REFRESH_MS = 60_000;

const ROUTES = [
  { re: /^\/$/, view: fleetView, nav: 'fleet' },
  { re: /^\/clusters\/[^/]+$/, view: clusterView, nav: 'fleet' },
  { re: /^\/findings$/, view: findingsView, nav: 'findings' },
  { re: /^\/checks$/, view: checksView, nav: 'checks' },
  { re: /^\/checks\/[^/]+$/, view: checkView, nav: 'checks' },
];

let current = null; // { view, url }
let timer = null;
let paused = false;
let busy = false;

function showLogin(message) {
  $('#app').hidden = true;
  $('#nav').hidden = true;
  $('#session').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message ?? '';
  $('#token').focus();
}

function showApp() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#nav').hidden = false;
  $('#session').hidden = false;
}

function fail(e) {
  if (e instanceof AuthError) {
    forgetToken();
    stopTimer();
    showLogin(`The hub refused the token: ${e.message}. Paste a valid token (viewer role is enough).`);
  } else {
    $('#app-error').textContent = `Could not load: ${e.message}`;
  }
}

function stamp() {
  const now = new Date(hubNow()).toISOString();
  const t = $('#updated');
  t.textContent = `Updated ${now.slice(11, 19)} UTC`;
  t.title = exact(now);
}

/** Enters the view for the current URL. */
async function route() {
  const url = new URL(location.href);
  const r = ROUTES.find((x) => x.re.test(url.pathname));
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.nav === r?.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  $('#app-error').textContent = '';
  // A fresh container per view: listeners of the previous view go with it.
  const root = h('div', { id: 'view' });
  $('#view').replaceWith(root);
  if (!r) {
    current = null;
    root.append(
      h('h2', {}, 'Not found'),
      h('p', {}, 'No page here. ', h('a', { href: '/', 'data-route': '' }, 'Back to the fleet')),
    );
    return;
  }
  current = { view: r.view, url };
  document.title = `Watchpost: ${r.view.title(url) || 'fleet posture'}`;
  busy = true;
  try {
    await r.view.mount(root, url, navigate);
    stamp();
  } catch (e) {
    fail(e);
  } finally {
    busy = false;
  }
}

export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.scrollTo(0, 0);
  void route().then(() => $('#main')?.focus({ preventScroll: true }));
}

/**
 * Reloads the current view's data in place. The operator's place stays: scroll position, the focused control
 * (matched by its data-key), open disclosures, filters and pages (the views keep those in their state).
 */
async function refresh(force = false) {
  if (!current || busy || (!force && (paused || document.hidden)) || !token()) return;
  const active = document.activeElement;
  const key = active?.dataset?.key ?? (active?.id ? `#${active.id}` : null);
  const openRows = [...document.querySelectorAll('#view tr:has(details[open])')].map((tr) => rowKey(tr));
  const y = window.scrollY;
  busy = true;
  try {
    await current.view.refresh();
    stamp();
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? 0) + 1);
    $('#app-error').textContent = '';
  } catch (e) {
    fail(e);
  } finally {
    busy = false;
  }
  for (const tr of document.querySelectorAll('#view tr'))
    if (openRows.includes(rowKey(tr))) tr.querySelector('details')?.setAttribute('open', '');
  window.scrollTo(0, y);
  if (key && document.activeElement === document.body) {
    const el = key.startsWith('#')
      ? document.getElementById(key.slice(1))
      : document.querySelector(`[data-key="${CSS.escape(key)}"]`);
    el?.focus({ preventScroll: true });
  }
}

function rowKey(tr) {
  return (
    Object.entries(tr.dataset)
      .map(([k, v]) => `${k}=${v}`)
      .join('&') + `#${tr.querySelector('td.mono')?.textContent ?? ''}`
  );
}

function stopTimer() {
  clearInterval(timer);
  timer = null;
}

function startTimer() {
  stopTimer();
  timer = setInterval(() => void refresh(), REFRESH_MS);
}

function start() {
  showApp();
  startTimer();
  void route();
}

// In-app links: plain clicks stay in the page; modified clicks (new tab, download) go to the browser.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest?.('a[data-route]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey)
    return;
  ev.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', () => {
  // Section links (#certificates) change only the fragment: the browser scrolls, the view stays.
  const url = new URL(location.href);
  if (current && url.pathname === current.url.pathname && url.search === current.url.search) return;
  void route();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refresh();
});

$('#login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('#token').value.trim();
  if (!t) return;
  setToken(t);
  $('#token').value = '';
  start();
});
$('#sign-out').addEventListener('click', () => {
  forgetToken();
  stopTimer();
  showLogin('Token forgotten: paste one to continue.');
});
$('#pause').addEventListener('click', (ev) => {
  paused = !paused;
  ev.currentTarget.setAttribute('aria-pressed', String(paused));
  ev.currentTarget.textContent = paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
  $('#refresh-state').textContent = paused
    ? 'auto-refresh paused'
    : `auto-refresh every ${REFRESH_MS / 1000} s`;
});
$('#refresh-now').addEventListener('click', () => void refresh(true));
// The same refresh as the timer's, on demand (tests; an embedding page): keeps the place exactly as the timer does.
document.addEventListener('watchpost:refresh', () => void refresh(true));
$('#refresh-state').textContent = `auto-refresh every ${REFRESH_MS / 1000} s`;

if (token()) start();
else showLogin('');
