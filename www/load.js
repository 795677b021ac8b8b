// The page's "requests per second" mode: a stream of requests at a rate, each fetch + CPU, on
// the main thread (`async`) against Web Workers and shared-memory wasm threads — the browser's
// version of `gilwall load`. The wasm module (web/src/load.rs, core's load_spec) sends, times
// and models every step; this file only drives it and draws: the chart of p50/p99 against the offered rate, each strategy's knee
// in core's words, and the table, with the longest gap the meter saw during each step.

import { Load, load_knees, load_presets } from './pkg/gilwall_web.js';
import { drawLoadChart, drawLoadLegend, completeStep } from './load-chart.js';
import { formatMs } from './chart.js';

const $ = (sel) => document.querySelector(sel);

/**
 * Sets up the mode's controls. `meter` is the page's responsiveness meter, `colour(id)` core's
 * colour of a strategy, `strategies` the browser strategies as wasm describes them (whether
 * this page runs each, and why not); returns `{ load(config), stop(), report(), responsiveness(),
 * openPreset(id), presets, setStatus(msg, error) }`.
 */
export function setupLoad({ meter, colour, strategies = [] }) {
  const state = { load: null, report: null, windows: new Map(), frozen: new Map(), stopping: false, preset: null };
  const form = $('#load-config');
  const f = form.elements;

  const setStatus = (msg, error = false) => {
    const s = $('#load-status');
    s.textContent = msg;
    s.className = error ? 'error' : '';
  };

  form.querySelectorAll('input[name="load-strategy"]').forEach((i) => {
    i.parentElement.querySelector('.swatch').style.background = colour(i.value);
    // wasm-threads needs a cross-origin isolated page, as in a sweep: say why it is off.
    const s = strategies.find((x) => x.id === i.value);
    if (s && !s.available) {
      i.disabled = true;
      i.checked = false;
      i.parentElement.classList.add('unavailable');
      i.parentElement.title = `unavailable here: ${s.why}`;
      i.parentElement.lastChild.textContent = `${s.id} (unavailable)`;
    }
  });
  // Core's load presets (lesson 9's browser twin among them), as buttons like the sweep's. The
  // active one's whole config runs when Run is pressed unedited: the form shows only some of
  // its fields (not its warm-up or seed).
  const presets = load_presets();
  const nav = $('#load-presets');
  for (const p of presets) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: p.label });
    b.dataset.preset = p.id;
    if (p.default) b.dataset.default = '';
    b.addEventListener('click', () => {
      nav.querySelectorAll('button').forEach((x) => x.classList.toggle('active', x === b));
      const missing = p.config.strategies.filter((id) => strategies.some((s) => s.id === id && !s.available));
      $('#load-note').textContent = p.note + (missing.length ? ` (Not on this page: ${missing.join(', ')}.)` : '');
      applyConfig(p.config);
      // What runs is what the boxes show: a strategy this page cannot run is left out, as said.
      state.preset = { ...p.config, strategies: p.config.strategies.filter((id) => !missing.includes(id)) };
    });
    nav.appendChild(b);
  }
  nav.querySelector('button[data-default]')?.click();
  form.addEventListener('input', () => {
    nav.querySelectorAll('button').forEach((b) => b.classList.remove('active'));
    $('#load-note').textContent = '';
    state.preset = null;
  });

  /** Clicks the button of the load preset `id` (`/?load=ID`, `/?lesson=9`); false if there is none. */
  function openPreset(id) {
    const button = [...nav.querySelectorAll('button')].find((b) => b.dataset.preset === id);
    button?.click();
    return Boolean(button);
  }

  function applyConfig(c) {
    if (c.strategies) {
      const want = c.strategies.length ? c.strategies : ['async', 'async-workers'];
      form.querySelectorAll('input[name="load-strategy"]').forEach((i) => { i.checked = !i.disabled && want.includes(i.value); });
    }
    if (c.rates !== undefined) f.rates.value = c.rates.length ? c.rates.join(',') : 'auto';
    if (c.fractions?.length) f.rates.value = 'auto';
    if (c.io_ms !== undefined) f.io_ms.value = c.io_ms;
    if (c.cpu_ms !== undefined) f.cpu_ms.value = c.cpu_ms;
    if (c.duration_s !== undefined) f.duration_s.value = c.duration_s;
    if (c.arrivals !== undefined) f.arrivals.value = c.arrivals;
    if (c.workers !== undefined) f.workers.value = c.workers ?? '';
  }

  /** The form as a config for `gilwall.runLoad` (the wasm side checks every field). */
  function formConfig() {
    const num = (v) => (String(v).trim() === '' ? null : Number(v));
    const rates = f.rates.value.trim();
    const c = {
      strategies: [...form.querySelectorAll('input[name="load-strategy"]:checked')].map((i) => i.value),
      rates: rates === '' || rates === 'auto' ? [] : rates.split(/[\s,;]+/).filter(Boolean).map(Number),
      io_ms: num(f.io_ms.value),
      cpu_ms: num(f.cpu_ms.value),
      duration_s: num(f.duration_s.value),
      arrivals: f.arrivals.value,
    };
    if (f.workers.value.trim() !== '') c.workers = num(f.workers.value);
    return c;
  }

  /** Runs a load with `config` and resolves to its report (core's format, `load_points`). */
  async function load(config, { fromForm = false } = {}) {
    if (state.load) throw new Error('a load run is already under way; stop it first');
    const run = new Load(config); // throws an Error naming the bad field
    if (!fromForm && config && typeof config === 'object') {
      applyConfig(config);
      nav.querySelectorAll('button').forEach((b) => b.classList.remove('active'));
      $('#load-note').textContent = config.title ?? '';
      state.preset = null;
    }
    state.load = run;
    state.report = { load_points: [], machine: { cores: navigator.hardwareConcurrency || 1 } };
    state.windows = new Map();
    state.frozen = new Map();
    $('#load-run').disabled = true;
    $('#load-stop').disabled = false;
    $('#load-download').disabled = true;
    const plan = run.plan();
    const total = plan.reduce((n, s) => n + s.rates.length, 0);
    let done = 0, open = null;
    setStatus('calibrating the kernel…');
    redraw();
    try {
      const report = await run.run((e) => {
        switch (e.kind) {
          case 'starting-workers':
            setStatus(`starting ${e.workers} Web Workers…`);
            break;
          case 'starting-threads':
            setStatus(`starting the wasm-threads driver and its ${e.threads} pool threads…`);
            break;
          case 'calibrated':
            setStatus(`calibrated: ${Math.round(e.iterations).toLocaleString()} ${e.kernel} iterations ≈ ${formatMs(e.cpu_ms)} of CPU per request`);
            break;
          case 'step':
            open = { start: performance.now(), end: Infinity };
            state.windows.set(`${e.strategy}@${e.rate_rps}`, [open]);
            setStatus(`step ${done + 1}/${total}: ${e.strategy} at ${e.rate_rps} req/s for ${e.seconds} s (${e.requests} requests; capacity ${e.capacity_rps ? e.capacity_rps.toFixed(1) : '–'} req/s)…`);
            break;
          case 'load-point': {
            if (open) open.end = performance.now();
            // The meter keeps the last seconds only: read the step's longest gap now (once the
            // heartbeat after it has closed the last gap), or a long run would forget it.
            const key = `${e.point.strategy}@${e.point.rate_rps}`, windows = state.windows.get(key);
            if (windows) setTimeout(() => { state.frozen.set(key, meter.during(windows)); redraw(); }, 100);
            open = null;
            done++;
            state.report.load_points.push(e.point);
            redraw();
            break;
          }
          case 'stopped':
            setStatus('stopped');
            break;
        }
      });
      state.report = report;
      await new Promise((r) => setTimeout(r, 150));
      redraw();
      const failed = report.load_points.filter((p) => !completeStep(p)).length;
      if (failed) setStatus(`done: ${report.load_points.length} steps, ${failed} with failed requests (listed, not drawn)`, true);
      else setStatus(state.stopping ? `stopped: ${report.load_points.length} steps measured` : `done: ${report.load_points.length} steps`);
      return report;
    } finally {
      state.load = null;
      state.stopping = false;
      run.free();
      $('#load-run').disabled = false;
      $('#load-stop').disabled = true;
      $('#load-download').disabled = !state.report?.load_points?.length;
    }
  }

  function stop() {
    if (!state.load) return;
    state.stopping = true;
    state.load.stop();
    setStatus('stopping after this step…');
  }

  /** How responsive the page stayed during each step: `{"strategy@rate": {max_frame_gap_ms, …}}`. */
  function responsiveness() {
    const out = {};
    for (const [key, windows] of state.windows) {
      const closed = windows.filter((w) => Number.isFinite(w.end));
      if (state.frozen.has(key)) out[key] = state.frozen.get(key);
      else if (closed.length) out[key] = meter.during(closed);
    }
    return out;
  }

  function redraw() {
    const points = state.report?.load_points ?? [];
    const showModel = $('#load-show-model').checked;
    drawLoadChart($('#load-chart'), points, { colour, showModel });
    drawLoadLegend($('#load-legend'), points, { colour, showModel });
    drawKnees(points);
    drawTable(points);
  }

  function drawKnees(points) {
    const ul = $('#load-knees');
    ul.replaceChildren();
    if (!points.length || !state.report.schema_version) return;
    for (const k of load_knees(JSON.stringify(state.report))) {
      const li = document.createElement('li');
      li.textContent = k.words;
      li.style.borderLeftColor = colour(k.strategy);
      ul.appendChild(li);
    }
  }

  function drawTable(points) {
    const body = $('#load-table tbody');
    body.replaceChildren();
    const resp = responsiveness();
    const ms = (v) => (v === undefined || v === null ? '–' : formatMs(v));
    for (const p of points) {
      const l = p.latency_ms;
      const gap = resp[`${p.strategy}@${p.rate_rps}`]?.max_frame_gap_ms;
      const cells = [
        p.strategy, p.rate_rps, p.achieved_rps.toFixed(1), ms(l?.p50), ms(l?.p90), ms(l?.p99), ms(l?.max),
        ms(p.model_latency_ms.p50), ms(p.model_latency_ms.p99),
        p.capacity_rps ? p.capacity_rps.toFixed(1) : '–',
        p.errors ? `${p.errors} of ${p.sent}${p.error_sample ? `: ${p.error_sample}` : ''}` : '0',
        ms(p.send_late_p99_ms), ms(gap),
      ];
      const tr = document.createElement('tr');
      cells.forEach((c, i) => {
        const td = document.createElement('td');
        td.textContent = String(c);
        if (i === 0) td.style.color = colour(p.strategy);
        if (i === 10 && p.errors) td.className = 'eff-low';
        if (i === 12 && gap !== undefined) td.className = gap >= 50 ? 'eff-low' : 'eff-ok';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
  }

  function download() {
    if (!state.report?.load_points?.length) return;
    const blob = new Blob([JSON.stringify(state.report, null, 2) + '\n'], { type: 'application/json' });
    const a = Object.assign(document.createElement('a'), {
      href: URL.createObjectURL(blob),
      download: `gilwall-browser-load-${String(state.report.created_at).replace(/[:.]/g, '-')}.json`,
    });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load(state.preset ?? formConfig(), { fromForm: true }).catch((err) => setStatus(err.message, true));
  });
  $('#load-stop').addEventListener('click', stop);
  $('#load-show-model').addEventListener('change', redraw);
  $('#load-download').addEventListener('click', download);
  $('#load-run').disabled = false;
  redraw();
  return { load: (config) => load(config), stop, report: () => state.report, responsiveness, openPreset, presets, setStatus };
}
