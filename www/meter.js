// The responsiveness meter: a spinner driven by requestAnimationFrame on the main thread, the
// frame rate, the longest recent frame, long tasks (PerformanceObserver, where the browser has
// it), and a strip of frame gaps. While `async` runs its CPU work on the main thread the
// spinner stops and the strip turns red; while `workers` run it keeps turning.

/** A frame gap this long or longer counts as a frozen page (the Long Tasks API's threshold). */
export const LONG_FRAME_MS = 50;
const HISTORY_MS = 120_000;
const STRIP_MS = 10_000;

export class Meter {
  constructor({ spinner, gaps, fps, worst, longtasks }) {
    this.canvas = { spinner, gaps };
    this.out = { fps, worst, longtasks };
    this.frames = [];      // performance.now() of each animation frame
    this.longTasks = [];   // {start, end} of each long task or long animation frame
    this.observe();
    requestAnimationFrame(() => this.frame());
  }

  observe() {
    const types = (globalThis.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
    for (const type of ['longtask', 'long-animation-frame']) {
      if (!types.includes(type)) continue;
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) this.longTasks.push({ type, start: e.startTime, end: e.startTime + e.duration });
      });
      observer.observe({ type, buffered: false });
    }
    this.sources = types.filter((t) => t === 'longtask' || t === 'long-animation-frame');
  }

  frame() {
    const now = performance.now();
    this.frames.push(now);
    while (this.frames.length && this.frames[0] < now - HISTORY_MS) this.frames.shift();
    while (this.longTasks.length && this.longTasks[0].end < now - HISTORY_MS) this.longTasks.shift();
    this.draw(now);
    requestAnimationFrame(() => this.frame());
  }

  /** Frame gaps `[from, to]` ending after `since`, oldest first, with the one still open at `now`. */
  gaps(now = performance.now(), since = -Infinity) {
    const out = [];
    const f = this.frames;
    // Frames are in time order: walk back only as far as `since`.
    let i = f.length - 1;
    while (i > 0 && f[i - 1] > since) i--;
    for (i = Math.max(i, 1); i < f.length; i++) out.push({ from: f[i - 1], to: f[i] });
    if (f.length) out.push({ from: f[f.length - 1], to: now, open: true });
    return out;
  }

  /**
   * How the page fared during the time windows `[{start, end}]` (a strategy's timed runs):
   * the longest frame gap that overlaps them, how many such gaps reached LONG_FRAME_MS, and
   * how many long tasks overlapped them.
   */
  during(windows, now = performance.now()) {
    const overlaps = (a, b) => windows.some((w) => a < w.end && b > w.start);
    let maxGap = 0, longFrames = 0;
    for (const g of this.gaps(now)) {
      if (!overlaps(g.from, g.to)) continue;
      // An open gap only counts up to the end of the last window it overlaps.
      const to = g.open ? Math.min(g.to, Math.max(...windows.map((w) => w.end))) : g.to;
      const gap = to - g.from;
      maxGap = Math.max(maxGap, gap);
      if (gap >= LONG_FRAME_MS) longFrames++;
    }
    const longTasks = this.longTasks.filter((t) => overlaps(t.start, t.end) && t.type === 'longtask').length;
    return { max_frame_gap_ms: maxGap, long_frames: longFrames, long_tasks: longTasks };
  }

  draw(now) {
    const recent = this.frames.filter((t) => t > now - 1000);
    this.out.fps.textContent = String(recent.length);
    this.out.fps.className = recent.length >= 30 ? 'good' : 'bad';
    const last5 = this.gaps(now, now - 5000);
    const worst = Math.max(0, ...last5.map((g) => g.to - g.from));
    this.out.worst.textContent = `${Math.round(worst)} ms`;
    this.out.worst.className = worst >= LONG_FRAME_MS ? 'bad' : 'good';
    if (this.sources.length) {
      // Long tasks where the browser reports them, else long animation frames.
      const type = this.sources.includes('longtask') ? 'longtask' : 'long-animation-frame';
      const n = this.longTasks.filter((t) => t.end > now - 5000 && t.type === type).length;
      this.out.longtasks.textContent = `${n} in 5 s`;
      this.out.longtasks.className = n ? 'bad' : 'good';
    } else {
      this.out.longtasks.textContent = 'n/a here';
    }
    this.drawSpinner(now);
    this.drawStrip(now);
  }

  drawSpinner(now) {
    const c = this.canvas.spinner, ctx = c.getContext('2d');
    const r = c.width / 2;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.lineWidth = 10;
    ctx.strokeStyle = '#c7d2fe';
    ctx.beginPath(); ctx.arc(r, r, r - 8, 0, 2 * Math.PI); ctx.stroke();
    const angle = ((now / 1200) % 1) * 2 * Math.PI - Math.PI / 2;
    ctx.strokeStyle = '#1d4ed8';
    ctx.lineCap = 'round';
    ctx.beginPath(); ctx.arc(r, r, r - 8, angle - 1.1, angle); ctx.stroke();
    ctx.lineWidth = 8;
    ctx.beginPath(); ctx.moveTo(r, r); ctx.lineTo(r + Math.cos(angle) * (r - 24), r + Math.sin(angle) * (r - 24)); ctx.stroke();
  }

  drawStrip(now) {
    const c = this.canvas.gaps, ctx = c.getContext('2d');
    const { width: w, height: h } = c;
    ctx.clearRect(0, 0, w, h);
    const cap = 250;
    const y = (ms) => h - (Math.min(ms, cap) / cap) * (h - 4);
    ctx.strokeStyle = '#fca5a5'; ctx.lineWidth = 1; ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.moveTo(0, y(LONG_FRAME_MS)); ctx.lineTo(w, y(LONG_FRAME_MS)); ctx.stroke();
    ctx.setLineDash([]);
    for (const g of this.gaps(now, now - STRIP_MS)) {
      const gap = g.to - g.from;
      const x0 = w - ((now - g.from) / STRIP_MS) * w, x1 = w - ((now - g.to) / STRIP_MS) * w;
      ctx.fillStyle = gap >= LONG_FRAME_MS ? '#dc2626' : '#10b981';
      ctx.fillRect(x0, y(gap), Math.max(1.5, x1 - x0 - 0.5), h - y(gap));
    }
  }
}
