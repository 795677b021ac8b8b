// The chart: makespan (ms) against the number of tasks N, one line per series, drawn by hand as
// SVG so the page needs no library and works offline. Measured points are solid lines with
// markers; each series' model is a dashed line in the same colour.

const SVG = 'http://www.w3.org/2000/svg';
const W = 960, H = 540;
const M = { left: 118, right: 24, top: 22, bottom: 74 };

/** An SVG element `name` with `attrs`, appended to `parent` if given (shared by every chart). */
export function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** A text element at (x, y) holding `content`. */
export function text(parent, x, y, content, attrs = {}) {
  const t = el('text', { x, y, ...attrs }, parent);
  t.textContent = content;
  return t;
}

// About five round steps (1, 2 or 5 × 10^k) covering 0..max.
function niceTicks(max) {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v <= max + step * 0.001; v += step) ticks.push(v);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function formatMs(ms) {
  if (ms > 0 && ms < 10) return `${ms.toFixed(1)} ms`;
  return ms >= 10000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/**
 * Draws `series` into `svg`. Each series: {label, color, points: [{tasks, ms, model_ms}],
 * marker: 'circle'|'square', faded: bool}. `showModel` adds the dashed model lines; `yLabel`
 * names what `ms` is (the time for all tasks unless told otherwise). A point with `point` (its
 * report point) calls `onPick(series, point)` when clicked; `picked` is ringed.
 */
export function drawChart(svg, series, { showModel = true, yLabel = 'time for all tasks', onPick = null, picked = null } = {}) {
  svg.replaceChildren();
  const all = series.flatMap((s) => s.points);
  const plotW = W - M.left - M.right, plotH = H - M.top - M.bottom;
  if (all.length === 0) {
    text(svg, W / 2, H / 2, 'Pick a step above and press Run', { 'text-anchor': 'middle', class: 'empty' });
    return;
  }
  const xs = [...new Set(all.map((p) => p.tasks))].sort((a, b) => a - b);
  const xmin = xs[0], xmax = xs[xs.length - 1];
  // Task counts usually double (1, 2, 4, 8…): a log2 axis spaces them evenly.
  const log = xmin >= 1 && xmax / xmin >= 4;
  const fx = (n) => {
    if (xmax === xmin) return M.left + plotW / 2;
    const f = log ? Math.log2(n / xmin) / Math.log2(xmax / xmin) : (n - xmin) / (xmax - xmin);
    return M.left + f * plotW;
  };
  const ymaxData = Math.max(...all.map((p) => Math.max(p.ms, showModel ? p.model_ms || 0 : 0)));
  const yt = niceTicks(ymaxData * 1.05);
  const ymax = yt[yt.length - 1];
  const fy = (ms) => M.top + plotH - (ms / ymax) * plotH;

  for (const v of yt) {
    el('line', { x1: M.left, x2: W - M.right, y1: fy(v), y2: fy(v), class: 'grid' }, svg);
    text(svg, M.left - 10, fy(v) + 6, formatMs(v), { 'text-anchor': 'end', class: 'tick' });
  }
  for (const n of xs) {
    el('line', { x1: fx(n), x2: fx(n), y1: M.top + plotH, y2: M.top + plotH + 7, class: 'axis' }, svg);
    text(svg, fx(n), M.top + plotH + 28, String(n), { 'text-anchor': 'middle', class: 'tick' });
  }
  el('line', { x1: M.left, x2: W - M.right, y1: M.top + plotH, y2: M.top + plotH, class: 'axis' }, svg);
  el('line', { x1: M.left, x2: M.left, y1: M.top, y2: M.top + plotH, class: 'axis' }, svg);
  text(svg, M.left + plotW / 2, H - 12, 'tasks N (each: fetch, then CPU work)', { 'text-anchor': 'middle', class: 'label' });
  text(svg, 20, M.top + plotH / 2, yLabel, {
    'text-anchor': 'middle', class: 'label', transform: `rotate(-90 20 ${M.top + plotH / 2})`,
  });

  const line = (pts) => pts.map((p, i) => `${i ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ');
  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.tasks - b.tasks);
    const g = el('g', { opacity: s.faded ? 0.35 : 1 }, svg);
    if (showModel && pts.some((p) => p.model_ms > 0)) {
      el('path', {
        d: line(pts.map((p) => [fx(p.tasks), fy(p.model_ms)])), fill: 'none', stroke: s.color,
        'stroke-width': 2.5, 'stroke-dasharray': '10 7',
      }, g);
      // A short bar at each model value, so a single point still shows its prediction.
      for (const p of pts) {
        el('line', { x1: fx(p.tasks) - 11, x2: fx(p.tasks) + 11, y1: fy(p.model_ms), y2: fy(p.model_ms), stroke: s.color, 'stroke-width': 3 }, g);
      }
    }
    el('path', {
      d: line(pts.map((p) => [fx(p.tasks), fy(p.ms)])), fill: 'none', stroke: s.color,
      'stroke-width': s.faded ? 3 : 4.5, 'stroke-linejoin': 'round',
    }, g);
    for (const p of pts) {
      const [x, y] = [fx(p.tasks), fy(p.ms)];
      const title = `${s.label}, N = ${p.tasks}: ${formatMs(p.ms)} (model ${formatMs(p.model_ms || 0)})`;
      const mark = s.marker === 'square'
        ? el('rect', { x: x - 7, y: y - 7, width: 14, height: 14, fill: '#fff', stroke: s.color, 'stroke-width': 3.5 }, g)
        : el('circle', { cx: x, cy: y, r: 7, fill: s.color, stroke: '#fff', 'stroke-width': 2 }, g);
      el('title', {}, mark).textContent = title;
      if (p.point && p.point === picked) {
        el('circle', { cx: x, cy: y, r: 13, fill: 'none', stroke: s.color, 'stroke-width': 3 }, g);
      }
      if (onPick && p.point) {
        // A larger, invisible target than the marker, so a point is easy to click.
        const hit = el('circle', { cx: x, cy: y, r: 16, fill: 'transparent', class: 'pick' }, g);
        el('title', {}, hit).textContent = `${title} — click for its timeline`;
        hit.addEventListener('click', () => onPick(s, p.point));
      }
    }
  }
}

/** Fills the legend `ul` with one entry per series (plus what the dashes mean). */
export function drawLegend(ul, series, { showModel = true } = {}) {
  ul.replaceChildren();
  for (const s of series) {
    const li = document.createElement('li');
    const icon = el('svg', { width: 34, height: 16, viewBox: '0 0 34 16' }, li);
    el('line', { x1: 1, x2: 33, y1: 8, y2: 8, stroke: s.color, 'stroke-width': 4, opacity: s.faded ? 0.35 : 1 }, icon);
    if (s.marker === 'square') el('rect', { x: 12, y: 3, width: 10, height: 10, fill: '#fff', stroke: s.color, 'stroke-width': 3 }, icon);
    else el('circle', { cx: 17, cy: 8, r: 5, fill: s.color }, icon);
    li.append(s.label);
    ul.appendChild(li);
  }
  if (showModel && series.length) {
    const li = document.createElement('li');
    const icon = el('svg', { width: 34, height: 16, viewBox: '0 0 34 16' }, li);
    el('line', { x1: 1, x2: 33, y1: 8, y2: 8, stroke: '#4b5563', 'stroke-width': 2.5, 'stroke-dasharray': '7 5' }, icon);
    li.append('model (ideal, same colour)');
    ul.appendChild(li);
  }
}

export { formatMs, niceTicks };
