// The timeline view: one point's schedule as a Gantt chart — lanes down (the page's main
// thread, Web Worker k, wasm pool thread k; natively the event loop, thread k, process k),
// time across, each span coloured by what the task was doing. Drawn by hand as SVG, like the
// chart, from the point's `timeline` in the report (core's format). The wall is a staircase of
// cpu on one lane; past the wall the cpu bars stand side by side on as many lanes as cores.

import { el, formatMs, niceTicks, text } from './chart.js';

const W = 1400;
const M = { left: 178, right: 24, top: 62, bottom: 12 };
const ROW = 24, ROW_GAP = 4, LANE_GAP = 12;
/** At most this many rows per lane are drawn; the rest are counted. */
const MAX_ROWS = 24;

/** The kinds of span, in legend order, with their colours and what they mean. */
export const KINDS = [
  { id: 'fetch', colour: '#7dd3fc', label: 'fetch (request out, waiting for the answer)' },
  { id: 'wait-cpu', colour: '#fbbf24', label: 'waiting for the CPU (answer in, thread busy)' },
  { id: 'cpu', colour: '#b91c1c', label: 'cpu (the kernel running)' },
  { id: 'copy', colour: '#7c3aed', label: 'copy (between heaps)' },
];
const COLOUR = Object.fromEntries(KINDS.map((k) => [k.id, k.colour]));

/**
 * Each lane's rows: tasks packed so that tasks whose stretches on the lane overlap get rows of
 * their own (under `async` every task has one row on the one lane; a worker's tasks, one after
 * another, share one).
 */
function rowsOf(timeline) {
  return timeline.lanes.map((_, lane) => {
    const stretches = [];
    for (const t of timeline.tasks) {
      const spans = t.spans.filter((s) => s.lane === lane);
      if (!spans.length) continue;
      stretches.push({ task: t.task, spans, from: Math.min(...spans.map((s) => s.start_ms)), to: Math.max(...spans.map((s) => s.end_ms)) });
    }
    stretches.sort((a, b) => a.from - b.from || a.task - b.task);
    const rows = [];
    for (const s of stretches) {
      const row = rows.find((r) => r.to <= s.from + 0.01);
      if (row) { row.items.push(s); row.to = s.to; } else rows.push({ to: s.to, items: [s] });
    }
    return rows;
  });
}

/**
 * Draws `point`'s timeline into `svg` (and its legend into `legend`): `title` names the point,
 * `colour` is its strategy's. A point without a timeline gets a sentence saying so.
 */
export function drawTimeline(svg, legend, point, { title, colour = '#111827' } = {}) {
  svg.replaceChildren();
  drawKinds(legend);
  const t = point?.timeline;
  if (!t) {
    svg.setAttribute('viewBox', `0 0 ${W} 90`);
    text(svg, W / 2, 52, point ? `${title}: this point has no timeline (its runtime did not trace it)` : 'Click a point on the chart to see its timeline', { 'text-anchor': 'middle', class: 'empty' });
    return;
  }
  const lanes = rowsOf(t);
  const shown = lanes.map((rows) => Math.min(Math.max(rows.length, 1), MAX_ROWS));
  const plotH = shown.reduce((a, n) => a + n * (ROW + ROW_GAP) - ROW_GAP + LANE_GAP, 0);
  const H = M.top + plotH + M.bottom + 26;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const makespan = point.samples_ms?.[t.repeat];
  const end = Math.max(makespan ?? 0, point.model_ms ?? 0, ...t.tasks.flatMap((k) => k.spans.map((s) => s.end_ms)), 1);
  const ticks = niceTicks(end);
  const tmax = ticks[ticks.length - 1];
  const plotW = W - M.left - M.right;
  const fx = (ms) => M.left + (ms / tmax) * plotW;

  const head = `${title} · repeat ${t.repeat + 1}` + (makespan !== undefined ? ` · ${formatMs(makespan)}` : '') +
    (point.model_ms ? ` (model ${formatMs(point.model_ms)})` : '') +
    (t.capped_at ? ` · first ${t.traced_tasks} of ${point.tasks} tasks traced` : '');
  text(svg, M.left, 26, head, { class: 'label', fill: colour });
  for (const v of ticks) {
    el('line', { x1: fx(v), x2: fx(v), y1: M.top - 4, y2: M.top + plotH, class: 'grid' }, svg);
    text(svg, fx(v), M.top + plotH + 22, formatMs(v), { 'text-anchor': 'middle', class: 'tick' });
  }
  let y = M.top;
  lanes.forEach((rows, lane) => {
    const h = shown[lane] * (ROW + ROW_GAP) - ROW_GAP;
    el('rect', { x: 0, y: y - 3, width: W, height: h + 6, fill: lane % 2 ? '#f9fafb' : '#f3f4f6' }, svg);
    text(svg, M.left - 12, y + Math.min(h, ROW) / 2 + 6, t.lanes[lane].name, { 'text-anchor': 'end', class: 'lane' });
    rows.slice(0, MAX_ROWS).forEach((row, r) => {
      const top = y + r * (ROW + ROW_GAP);
      for (const item of row.items) {
        for (const s of item.spans) {
          const rect = el('rect', {
            x: fx(s.start_ms), y: top, width: Math.max(1.5, fx(s.end_ms) - fx(s.start_ms)), height: ROW,
            fill: COLOUR[s.kind] ?? '#9ca3af', class: `span ${s.kind}`,
          }, svg);
          el('title', {}, rect).textContent = `task ${item.task}: ${s.kind} ${formatMs(s.start_ms)} → ${formatMs(s.end_ms)} (${formatMs(s.end_ms - s.start_ms)}) on ${t.lanes[lane].name}`;
        }
        // The task's number where its stretch begins, if there is room for it.
        if (fx(item.to) - fx(item.from) > 26) text(svg, fx(item.from) + 4, top + ROW / 2 + 5, String(item.task), { class: 'task' });
      }
    });
    if (rows.length > MAX_ROWS) text(svg, W - M.right, y + h - 4, `+ ${rows.length - MAX_ROWS} more rows`, { 'text-anchor': 'end', class: 'tick' });
    y += h + LANE_GAP;
  });
  // The repeat's makespan and the model's, as vertical lines.
  const marks = [[makespan, 'measured', '#111827', ''], [point.model_ms, 'model', '#4b5563', '8 6']];
  for (const [ms, label, stroke, dash] of marks) {
    if (!(ms > 0)) continue;
    el('line', { x1: fx(ms), x2: fx(ms), y1: M.top - 20, y2: M.top + plotH, stroke, 'stroke-width': 2.5, 'stroke-dasharray': dash }, svg);
    // Each label on its own side of its line, kept inside the picture.
    const left = label === 'model' ? fx(ms) > M.left + 80 : fx(ms) > W - M.right - 100;
    text(svg, fx(ms) + (left ? -6 : 6), M.top - 8, label, { class: 'tick', 'text-anchor': left ? 'end' : 'start' });
  }
}

function drawKinds(ul) {
  if (!ul || ul.childElementCount) return;
  for (const k of KINDS) {
    const li = document.createElement('li');
    const sw = Object.assign(document.createElement('span'), { className: 'swatch' });
    sw.style.background = k.colour;
    li.append(sw, k.label);
    ul.appendChild(li);
  }
}
