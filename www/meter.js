// The responsiveness meter, the main thread's half: a heartbeat every HEARTBEAT_MS and the
// long tasks the browser reports, sent to a worker (meter-worker.js) that draws the meter in an
// OffscreenCanvas. While `async` runs its CPU work on the main thread the heartbeats stop: the
// dial's hand stands still and the strip turns red; while `workers` run it keeps turning.
//
// The main thread only keeps a timer and posts a number: no animation frame, no drawing, no
// animated element. A meter that paints every frame on the main thread costs a core in
// rendering here (headless, software-rendered), the very core the workers are measured on.

/** A gap between heartbeats this long or longer counts as a frozen page (the Long Tasks API's threshold). */
export const LONG_FRAME_MS = 50;
/** How often the main thread beats, ms: well under LONG_FRAME_MS, so a freeze is seen. */
export const HEARTBEAT_MS = 20;
const HISTORY_MS = 120_000;

export class Meter {
  /** `canvas`: the meter's canvas, handed over to the painting worker. */
  constructor({ canvas }) {
    this.beats = [];       // performance.now() of each heartbeat
    this.longTasks = [];   // {type, start, end} of each long task or long animation frame
    this.painter = null;
    this.pending = [];
    if (canvas.transferControlToOffscreen && globalThis.Worker) {
      this.painter = new Worker(new URL('meter-worker.js', import.meta.url));
      const offscreen = canvas.transferControlToOffscreen();
      this.painter.postMessage({ canvas: offscreen }, [offscreen]);
      this.painter.onmessage = (e) => { if (e.data.shown) this.pending.shift()?.(e.data.shown); };
    }
    this.observe();
    setInterval(() => this.beat(), HEARTBEAT_MS);
  }

  observe() {
    const types = (globalThis.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
    for (const type of ['longtask', 'long-animation-frame']) {
      if (!types.includes(type)) continue;
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const t = { type, start: e.startTime, end: e.startTime + e.duration };
          this.longTasks.push(t);
          if (type === 'longtask') this.painter?.postMessage({ longTask: { start: performance.timeOrigin + t.start, end: performance.timeOrigin + t.end } });
        }
      });
      observer.observe({ type, buffered: false });
    }
  }

  beat() {
    const now = performance.now();
    this.beats.push(now);
    if (this.beats[0] < now - HISTORY_MS) {
      this.beats.splice(0, this.beats.findIndex((t) => t >= now - HISTORY_MS));
      this.longTasks = this.longTasks.filter((t) => t.end >= now - HISTORY_MS);
    }
    this.painter?.postMessage({ beat: performance.timeOrigin + now });
  }

  /** What the meter shows now: {longest_gap_ms (last 5 s), frozen, long_tasks (last 5 s)}. */
  shown() {
    if (!this.painter) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.painter.postMessage({ ask: 'shown' });
    });
  }

  /** Heartbeat gaps `[from, to]` ending after `since`, oldest first, with the one still open at `now`. */
  gaps(now = performance.now(), since = -Infinity) {
    const out = [];
    const f = this.beats;
    let i = f.length - 1;
    while (i > 0 && f[i - 1] > since) i--;
    for (i = Math.max(i, 1); i < f.length; i++) out.push({ from: f[i - 1], to: f[i] });
    if (f.length) out.push({ from: f[f.length - 1], to: now, open: true });
    return out;
  }

  /**
   * How the page fared during the time windows `[{start, end}]` (a strategy's timed runs):
   * the longest heartbeat gap that overlaps them, how many such gaps reached LONG_FRAME_MS,
   * and how many long tasks overlapped them. (The names say "frame" for the reports and
   * scripts that read them; the meter times heartbeats, which a frozen thread delays alike.)
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
}
