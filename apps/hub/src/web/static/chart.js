// Score trend as hand-written SVG: no library, no inline styles (colours are classes in app.css).
import { exact, h, s } from './dom.js';

const W = 720;
const H = 200;
const PAD = { l: 36, r: 12, t: 12, b: 28 };

function dateLabel(ms) {
  return new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
}

/**
 * Lines of 0-100 scores over time. `series` = [{ name, cls, points: [{ t (ms), v (0-100), label }] }]; points
 * carry a <title> (hover) and the whole chart has a text alternative.
 */
export function trendChart(series, caption) {
  const all = series.flatMap((x) => x.points);
  if (!all.length) return h('p', { class: 'muted' }, 'No report history yet.');
  let t0 = Math.min(...all.map((p) => p.t));
  let t1 = Math.max(...all.map((p) => p.t));
  if (t0 === t1) {
    t0 -= 3_600_000;
    t1 += 3_600_000;
  }
  const x = (t) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v) => PAD.t + (1 - v / 100) * (H - PAD.t - PAD.b);
  const grid = [0, 25, 50, 75, 100].map((v) =>
    s(
      'g',
      { class: 'grid' },
      s('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v) }),
      s('text', { x: PAD.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)),
    ),
  );
  const ticks = [t0, (t0 + t1) / 2, t1].map((t, i) =>
    s(
      'text',
      { class: 'tick', x: x(t), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === 2 ? 'end' : 'middle' },
      dateLabel(t),
    ),
  );
  const lines = series.map((ser) => {
    const pts = ser.points.filter((p) => typeof p.v === 'number');
    return s(
      'g',
      { class: `series ${ser.cls}` },
      pts.length > 1 ? s('polyline', { points: pts.map((p) => `${x(p.t)},${y(p.v)}`).join(' ') }) : null,
      pts.map((p) =>
        s(
          'circle',
          { cx: x(p.t), cy: y(p.v), r: 3.5 },
          s('title', {}, `${ser.name} ${p.v} at ${exact(new Date(p.t).toISOString())}`),
        ),
      ),
    );
  });
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': caption },
    grid,
    ticks,
    lines,
  );
  const legend = h(
    'ul',
    { class: 'chart-legend' },
    series.map((ser) => h('li', {}, h('span', { class: `key ${ser.cls}`, 'aria-hidden': 'true' }), ser.name)),
  );
  return h('figure', { class: 'trend' }, svg, legend, h('figcaption', { class: 'sr-only' }, caption));
}
