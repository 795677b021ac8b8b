// The load chart: latency (log scale) against the offered rate, as `gilwall load --chart` draws
// it. Per strategy, in its colour: p50 (thin line, circles) and p99 (thick line, squares),
// the model's p50 and p99 dashed, and its capacity (executors ÷ CPU per request) as a dotted
// vertical line. Only complete steps (every request answered) are drawn: a step with failures
// is in the table, never a point on the chart. Hand-drawn SVG, like chart.js.

import { el, formatMs, text } from './chart.js';

const W = 960, H = 540;
const M = { left: 118, right: 24, top: 22, bottom: 74 };

/** A step whose every measured request was answered (core's `LoadPoint::complete`). */
export function completeStep(p) {
  return p.errors === 0 && p.ok > 0 && p.latency_ms;
}

/** 1, 2, 5 × 10^k between lo and hi, for a log axis. */
function logTicks(lo, hi) {
  const out = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

function niceStep(max) {
  const raw = max / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
}

/**
 * Draws `points` (a report's `load_points`) into `svg`, each strategy in `colour(strategy)`;
 * `showModel` adds the dashed model lines.
 */
export function drawLoadChart(svg, points, { colour, showModel = true }) {
  svg.replaceChildren();
  const steps = points.filter(completeStep);
  const plotW = W - M.left - M.right, plotH = H - M.top - M.bottom;
  if (!steps.length) {
    text(svg, W / 2, H / 2, points.length ? 'No step answered every request yet' : 'Pick a preset above and press Run',
      { 'text-anchor': 'middle', class: 'empty' });
    return;
  }
  const caps = points.map((p) => p.capacity_rps).filter((c) => c > 0);
  const xmax = Math.max(...steps.map((p) => p.rate_rps), ...caps) * 1.08;
  const ys = steps.flatMap((p) => [p.latency_ms.p50, p.latency_ms.p99,
    ...(showModel ? [p.model_latency_ms.p50, p.model_latency_ms.p99] : [])]).filter((v) => v > 0);
  const ylo = Math.min(...ys) / 1.4, yhi = Math.max(...ys) * 1.4;
  const fx = (r) => M.left + (r / xmax) * plotW;
  const fy = (ms) => M.top + plotH - (Math.log(Math.max(ms, ylo) / ylo) / Math.log(yhi / ylo)) * plotH;

  for (const v of logTicks(ylo, yhi)) {
    el('line', { x1: M.left, x2: W - M.right, y1: fy(v), y2: fy(v), class: 'grid' }, svg);
    text(svg, M.left - 10, fy(v) + 6, formatMs(v), { 'text-anchor': 'end', class: 'tick' });
  }
  const step = niceStep(xmax);
  for (let r = 0; r <= xmax; r += step) {
    el('line', { x1: fx(r), x2: fx(r), y1: M.top + plotH, y2: M.top + plotH + 7, class: 'axis' }, svg);
    text(svg, fx(r), M.top + plotH + 28, String(+r.toFixed(2)), { 'text-anchor': 'middle', class: 'tick' });
  }
  el('line', { x1: M.left, x2: W - M.right, y1: M.top + plotH, y2: M.top + plotH, class: 'axis' }, svg);
  el('line', { x1: M.left, x2: M.left, y1: M.top, y2: M.top + plotH, class: 'axis' }, svg);
  text(svg, M.left + plotW / 2, H - 12, 'offered rate, requests per second (each: fetch, then CPU work)', { 'text-anchor': 'middle', class: 'label' });
  text(svg, 20, M.top + plotH / 2, 'latency from intended arrival (log)', {
    'text-anchor': 'middle', class: 'label', transform: `rotate(-90 20 ${M.top + plotH / 2})`,
  });

  const line = (pts) => pts.map((p, i) => `${i ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ');
  const strategies = [...new Set(points.map((p) => p.strategy))];
  strategies.forEach((s, k) => {
    const c = colour(s);
    const g = el('g', { class: 'load-series', 'data-strategy': s }, svg);
    const cap = points.find((p) => p.strategy === s && p.capacity_rps > 0)?.capacity_rps;
    if (cap) {
      el('line', { x1: fx(cap), x2: fx(cap), y1: M.top, y2: M.top + plotH, stroke: c, 'stroke-width': 2.5, 'stroke-dasharray': '2 6', class: 'capacity' }, g);
      text(g, fx(cap) - 6, M.top + 20 + 24 * k, `${s} capacity ${+cap.toFixed(1)}/s`, { 'text-anchor': 'end', class: 'tick', fill: c });
    }
    const mine = steps.filter((p) => p.strategy === s).sort((a, b) => a.rate_rps - b.rate_rps);
    if (!mine.length) return;
    if (showModel) {
      for (const q of ['p50', 'p99']) {
        el('path', { d: line(mine.map((p) => [fx(p.rate_rps), fy(p.model_latency_ms[q])])), fill: 'none', stroke: c,
          'stroke-width': q === 'p99' ? 3 : 2, 'stroke-dasharray': '10 7', class: `model-${q}` }, g);
      }
    }
    for (const [q, width] of [['p50', 2.5], ['p99', 5]]) {
      el('path', { d: line(mine.map((p) => [fx(p.rate_rps), fy(p.latency_ms[q])])), fill: 'none', stroke: c,
        'stroke-width': width, 'stroke-linejoin': 'round', class: `measured-${q}` }, g);
      for (const p of mine) {
        const [x, y] = [fx(p.rate_rps), fy(p.latency_ms[q])];
        const mark = q === 'p99'
          ? el('rect', { x: x - 7, y: y - 7, width: 14, height: 14, fill: c, stroke: '#fff', 'stroke-width': 2 }, g)
          : el('circle', { cx: x, cy: y, r: 6, fill: '#fff', stroke: c, 'stroke-width': 3 }, g);
        el('title', {}, mark).textContent = `${s} at ${p.rate_rps} req/s: ${q} ${formatMs(p.latency_ms[q])} (model ${formatMs(p.model_latency_ms[q])}), answered ${p.achieved_rps.toFixed(1)} req/s`;
      }
    }
  });
}

/** The legend: one entry per strategy, then what the line styles mean. */
export function drawLoadLegend(ul, points, { colour, showModel = true }) {
  ul.replaceChildren();
  const item = (draw, label) => {
    const li = document.createElement('li');
    const icon = el('svg', { width: 34, height: 16, viewBox: '0 0 34 16' }, li);
    draw(icon);
    li.append(label);
    ul.appendChild(li);
  };
  for (const s of new Set(points.map((p) => p.strategy))) {
    item((i) => el('line', { x1: 1, x2: 33, y1: 8, y2: 8, stroke: colour(s), 'stroke-width': 5 }, i), s);
  }
  if (!points.length) return;
  item((i) => { el('line', { x1: 1, x2: 33, y1: 8, y2: 8, stroke: '#4b5563', 'stroke-width': 5 }, i); el('rect', { x: 12, y: 3, width: 10, height: 10, fill: '#4b5563' }, i); }, 'p99');
  item((i) => { el('line', { x1: 1, x2: 33, y1: 8, y2: 8, stroke: '#4b5563', 'stroke-width': 2.5 }, i); el('circle', { cx: 17, cy: 8, r: 5, fill: '#fff', stroke: '#4b5563', 'stroke-width': 2.5 }, i); }, 'p50');
  if (showModel) item((i) => el('line', { x1: 1, x2: 33, y1: 8, y2: 8, stroke: '#4b5563', 'stroke-width': 2.5, 'stroke-dasharray': '7 5' }, i), 'model (same arrivals)');
  item((i) => el('line', { x1: 1, x2: 33, y1: 8, y2: 8, stroke: '#4b5563', 'stroke-width': 2.5, 'stroke-dasharray': '2 5' }, i), 'capacity');
}
