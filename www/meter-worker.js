// The responsiveness meter's painter: a worker that draws the meter into an OffscreenCanvas,
// so the page's main thread — the one the meter watches — pays nothing for the drawing.
//
// The main thread sends a heartbeat (its epoch time) every few tens of milliseconds and long
// tasks as the browser reports them. This worker draws, a few times a second: a dial whose hand
// is the main thread's last heartbeat (it stops dead while the main thread is frozen) beside a
// hand on this worker's own clock (it keeps turning: the browser is alive), the longest gap
// between heartbeats in the last 5 s, the long tasks in the last 5 s, and a strip of the gaps
// over the last 10 s, red where one reached LONG_GAP_MS.

const LONG_GAP_MS = 50;
const STRIP_MS = 10_000;
const WINDOW_MS = 5_000;
/** How often the meter redraws, ms: enough to see a hand move, a small cost on any core. */
const PAINT_EVERY_MS = 125;

let canvas = null, ctx = null;
const beats = [];      // epoch ms of each heartbeat, oldest first
const longTasks = [];  // {start, end} epoch ms
let longestShown = 0;  // the longest gap the dial has shown in the last WINDOW_MS

const now = () => performance.timeOrigin + performance.now();

onmessage = (e) => {
  const m = e.data;
  if (m.canvas) {
    canvas = m.canvas;
    ctx = canvas.getContext('2d');
    setInterval(paint, PAINT_EVERY_MS);
  } else if (m.beat !== undefined) {
    beats.push(m.beat);
  } else if (m.longTask) {
    longTasks.push(m.longTask);
  } else if (m.ask === 'shown') {
    // For tests and the page: what the meter shows now.
    postMessage({ shown: { longest_gap_ms: longest(now()), frozen: frozen(now()), long_tasks: recentLongTasks(now()) } });
  }
};

/** Gaps between heartbeats ending after `since`, with the one still open at `t`. */
function gaps(t, since) {
  const out = [];
  let i = beats.length - 1;
  while (i > 0 && beats[i - 1] > since) i--;
  for (i = Math.max(i, 1); i < beats.length; i++) out.push([beats[i - 1], beats[i]]);
  if (beats.length) out.push([beats[beats.length - 1], t]);
  return out;
}

const longest = (t) => Math.max(0, ...gaps(t, t - WINDOW_MS).map(([a, b]) => b - a));
const frozen = (t) => beats.length > 0 && t - beats[beats.length - 1] >= LONG_GAP_MS;
const recentLongTasks = (t) => longTasks.filter((x) => x.end > t - WINDOW_MS).length;

function paint() {
  const t = now();
  while (beats.length > 2 && beats[1] < t - STRIP_MS) beats.shift();
  while (longTasks.length && longTasks[0].end < t - STRIP_MS) longTasks.shift();
  longestShown = longest(t);
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const last = beats.length ? beats[beats.length - 1] : t;
  const isFrozen = frozen(t);
  // The dial: the main thread's hand (blue; red and still while frozen) and this worker's.
  const r = 54, cx = 66, cy = 66;
  ctx.lineWidth = 9;
  ctx.strokeStyle = isFrozen ? '#fecaca' : '#c7d2fe';
  ctx.beginPath(); ctx.arc(cx, cy, r, 0, 2 * Math.PI); ctx.stroke();
  hand(cx, cy, r - 14, last, 6, isFrozen ? '#dc2626' : '#1d4ed8');
  hand(cx, cy, r - 30, t, 3, '#9ca3af');
  ctx.fillStyle = '#111827';
  ctx.font = '700 17px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillStyle = isFrozen ? '#dc2626' : '#059669';
  ctx.fillText(isFrozen ? 'main thread FROZEN' : 'main thread alive', 6, cy + r + 26);
  // The figures.
  const rows = [
    ['longest gap, last 5 s', `${Math.round(longestShown)} ms`, longestShown >= LONG_GAP_MS],
    ['long tasks, last 5 s', String(recentLongTasks(t)), recentLongTasks(t) > 0],
  ];
  rows.forEach(([label, value, bad], i) => {
    const y = 26 + i * 56;
    ctx.fillStyle = '#4b5563'; ctx.font = '14px system-ui, sans-serif';
    ctx.fillText(label, 140, y);
    ctx.fillStyle = bad ? '#dc2626' : '#059669'; ctx.font = '700 24px system-ui, sans-serif';
    ctx.fillText(value, 140, y + 27);
  });
  strip(t, 0, 168, w, h - 168);
}

function hand(cx, cy, len, at, width, colour) {
  const a = ((at / 1200) % 1) * 2 * Math.PI - Math.PI / 2;
  ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.lineCap = 'round';
  ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(cx + Math.cos(a) * len, cy + Math.sin(a) * len); ctx.stroke();
}

function strip(t, x, y, w, h) {
  ctx.fillStyle = '#fff'; ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = '#d1d5db'; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  const cap = 250;
  const fy = (ms) => y + h - (Math.min(ms, cap) / cap) * (h - 4);
  ctx.strokeStyle = '#fca5a5'; ctx.setLineDash([4, 4]);
  ctx.beginPath(); ctx.moveTo(x, fy(LONG_GAP_MS)); ctx.lineTo(x + w, fy(LONG_GAP_MS)); ctx.stroke();
  ctx.setLineDash([]);
  for (const [a, b] of gaps(t, t - STRIP_MS)) {
    const gap = b - a;
    const x0 = x + w - ((t - a) / STRIP_MS) * w, x1 = x + w - ((t - b) / STRIP_MS) * w;
    ctx.fillStyle = gap >= LONG_GAP_MS ? '#dc2626' : '#10b981';
    ctx.fillRect(x0, fy(gap), Math.max(1.5, x1 - x0 - 0.5), y + h - fy(gap));
  }
}
