// The hub's REST API, same origin, with the viewer token kept in this tab's sessionStorage.
import { learnHubNow } from './dom.js';

export const TOKEN_KEY = 'watchpost.apiToken';

/** The hub refused the token (401): the page goes back to the sign-in form with the hub's reason. */
export class AuthError extends Error {}

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (t) => sessionStorage.setItem(TOKEN_KEY, t);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

async function request(path) {
  const res = await fetch(path, {
    headers: { Authorization: `Bearer ${token()}`, Accept: 'application/json' },
    cache: 'no-store',
  });
  const date = res.headers.get('Date');
  if (date) learnHubNow(date, 'header');
  if (res.status === 401) {
    const body = await res.json().catch(() => null);
    throw new AuthError(body?.error?.message ?? 'the token was refused');
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    const err = new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return res;
}

export async function api(path) {
  const body = await (await request(path)).json();
  if (body && typeof body.generatedAt === 'string') learnHubNow(body.generatedAt);
  return body;
}

/** Every page of a cursor-paged list. */
export async function apiAll(path, max = 100_000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

/** Learns the hub's "now" from a cluster view: receive time plus the age the hub computed for it. */
export function learnFromClusters(clusters) {
  const c = clusters.find((x) => x.liveness?.lastReceivedAt && x.liveness.reportAgeSeconds !== null);
  if (c) learnHubNow(Date.parse(c.liveness.lastReceivedAt) + c.liveness.reportAgeSeconds * 1000);
}

let catalogue = null;
/** The check catalogue (titles, remediation), fetched once per page load: it changes only with the hub. */
export async function checkCatalogue() {
  if (!catalogue) {
    const { items } = await api('/api/v1/checks');
    catalogue = new Map(items.map((c) => [c.id, c]));
  }
  return catalogue;
}

/** Downloads an export with the token (a plain link cannot send the Authorization header). */
export async function download(path, filename) {
  const blob = await (await request(path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
