// The demo page: controls, presets for the article's steps, the live chart and table, the
// responsiveness meter, saving and loading reports, and `window.gilwall` for automation.
// Everything measured comes from the wasm module (web/, core compiled to WebAssembly); this file
// only drives it and draws.

import init, {
  Sweep, browser_strategies, kernels, lessons, load_report, presets, strategy_colours, version, features_checksum, pinned_features_case,
} from './pkg/gilwall_web.js';
import { drawChart, drawLegend, formatMs } from './chart.js';
import { Meter } from './meter.js';
import { drawTimeline } from './timeline.js';
import { setupLoad } from './load.js';

/**
 * Colours for loaded reports' series whose strategy's colour is taken or unknown to core: darker
 * shades than core's strategy colours (the tab10 palette), so they do not pass for a strategy.
 */
const PALETTE = ['#111827', '#4338ca', '#0d9488', '#c026d3', '#a16207', '#7f1d1d', '#be185d', '#4d7c0f', '#1e3a8a'];

const $ = (sel) => document.querySelector(sel);
const state = {
  strategies: [],       // from wasm: {id, title, article, shows, colour, available, why}
  colours: {},          // from wasm: strategy id → '#rrggbb', every strategy's (core's table)
  presets: [],          // from wasm: {id, label, note, config, chart, lessons, default}
  lessons: [],          // from wasm: {number, id, title, runtime, preset}
  current: null,        // the report being measured or last measured here
  earlier: [],          // earlier runs of this page, drawn faded: {label, report}
  loaded: [],           // saved reports loaded by the user: {name, report}
  windows: new Map(),   // "strategy@N" → timed-run windows [{start, end}] of the current run
  picked: null,         // the point whose timeline is shown: {point, title, colour}, or null
  pinned: false,        // whether a click chose it (else the view follows the run)
  sweep: null,
  stopping: false,
  runs: 0,
};
let meter;
let loadMode;

function title(id) {
  return state.strategies.find((s) => s.id === id)?.title ?? id;
}

/** A strategy's colour from core, the same as on the `gilwall` command's charts. */
function colour(id) {
  return state.colours[id] ?? '#999';
}

function setStatus(msg, error = false) {
  const s = $('#status');
  s.textContent = msg;
  s.className = error ? 'error' : '';
}

// ---- controls -------------------------------------------------------------------------------

function buildControls() {
  const box = $('#strategies');
  for (const s of state.strategies) {
    const label = document.createElement('label');
    label.title = s.available ? `${s.article}: ${s.shows}` : `unavailable here: ${s.why}`;
    const input = Object.assign(document.createElement('input'), { type: 'checkbox', value: s.id, disabled: !s.available });
    const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
    swatch.style.background = s.colour;
    label.append(input, swatch, s.available ? s.id : `${s.id} (unavailable)`);
    if (!s.available) label.className = 'unavailable';
    box.appendChild(label);
  }
  // Say plainly, once, why a strategy cannot run on this page (e.g. not cross-origin isolated).
  const why = state.strategies.filter((s) => !s.available).map((s) => `${s.id}: ${s.why}`);
  $('#unavailable').textContent = why.join(' · ');
  const kernelSelect = $('#config').elements.kernel;
  for (const k of kernels()) {
    kernelSelect.appendChild(Object.assign(document.createElement('option'), { value: k.id, textContent: k.id, title: k.describe }));
  }
  const nav = $('#presets');
  for (const p of state.presets) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: p.label });
    b.dataset.preset = p.id;
    if (p.default) b.dataset.default = '';
    b.addEventListener('click', () => {
      nav.querySelectorAll('button').forEach((x) => x.classList.toggle('active', x === b));
      const missing = unavailable(p.config.strategies);
      $('#preset-note').textContent = p.note + (missing.length ? ` (Not on this page: ${missing.map((s) => `${s.id} — ${s.why}`).join('; ')}.)` : '');
      applyConfig({ ...p.config, chart: p.chart });
    });
    nav.appendChild(b);
  }
  nav.querySelector('button[data-default]')?.click();
}

/** The strategies among `ids` that this page cannot run, with why. */
function unavailable(ids) {
  return state.strategies.filter((s) => !s.available && [].concat(ids ?? []).includes(s.id));
}

/** Clicks the button of the preset `id`; false if there is none. */
function openPreset(id) {
  const button = [...$('#presets').querySelectorAll('button')].find((b) => b.dataset.preset === id);
  button?.click();
  return Boolean(button);
}

// The workshop's lessons link here as /?lesson=N (gilwall workshop, WORKSHOP.md), a preset as
// /?preset=ID and a load preset as /?load=ID (in the requests-per-second mode): core's lesson
// table says which preset or load preset each lesson opens.
function openFromUrl(params) {
  const id = params.get('preset');
  if (id !== null && !openPreset(id)) {
    setStatus(`there is no preset "${id}"; the presets are: ${state.presets.map((p) => p.id).join(', ')}`, true);
  }
  const load = params.get('load');
  if (load !== null) openLoadPreset(load);
  const n = params.get('lesson');
  if (n === null) return;
  const lesson = state.lessons.find((l) => String(l.number) === n.trim());
  if (!lesson) {
    setStatus(`there is no lesson ${n}; the lessons are 1-${state.lessons.length} (gilwall workshop lists them)`, true);
  } else if (lesson.preset) {
    openPreset(lesson.preset);
  } else if (lesson.load_preset) {
    // A load lesson's browser twin (lesson 9, the cliff): its load preset, in the load mode.
    openLoadPreset(lesson.load_preset);
  } else {
    setStatus(`lesson ${lesson.number}, ${lesson.title}, runs only natively: gilwall workshop ${lesson.number}`);
  }
}

/** Shows the load mode with the load preset `id`, or says which there are. */
function openLoadPreset(id) {
  showMode('load');
  if (!loadMode.openPreset(id)) {
    loadMode.setStatus(`there is no load preset "${id}"; the load presets are: ${loadMode.presets.map((p) => p.id).join(', ')}`, true);
  }
}

/** Shows `config` in the form (only the fields it has). */
function applyConfig(c) {
  const f = $('#config').elements;
  if (c.strategies) {
    const want = [].concat(c.strategies);
    document.querySelectorAll('#strategies input').forEach((i) => { i.checked = !i.disabled && want.includes(i.value); });
  }
  if (c.chart !== undefined) { $('#measure').value = c.chart; redraw(); }
  if (c.tasks !== undefined) f.tasks.value = [].concat(c.tasks).join(',');
  if (c.io_ms !== undefined) f.io_ms.value = c.io_ms;
  if (c.cpu_ratio !== undefined) { f.cpu_mode.value = 'ratio'; f.cpu.value = c.cpu_ratio; }
  if (c.cpu_ms !== undefined) { f.cpu_mode.value = 'ms'; f.cpu.value = c.cpu_ms; }
  if (c.kernel !== undefined) f.kernel.value = c.kernel;
  if (c.payload_kb !== undefined) f.payload_kb.value = c.payload_kb;
  if (c.repeats !== undefined) f.repeats.value = c.repeats;
  if (c.workers !== undefined) f.workers.value = c.workers ?? '';
}

/** The form as a config for `gilwall.run` (the wasm side checks every field). */
function formConfig() {
  const f = $('#config').elements;
  const num = (v) => (String(v).trim() === '' ? null : Number(v));
  const c = {
    strategies: [...document.querySelectorAll('#strategies input:checked')].map((i) => i.value),
    tasks: f.tasks.value.split(/[\s,;]+/).filter(Boolean).map(Number),
    io_ms: num(f.io_ms.value),
    kernel: f.kernel.value,
    payload_kb: num(f.payload_kb.value),
    repeats: num(f.repeats.value),
  };
  c[f.cpu_mode.value === 'ratio' ? 'cpu_ratio' : 'cpu_ms'] = num(f.cpu.value);
  if (f.workers.value.trim() !== '') c.workers = num(f.workers.value);
  return c;
}

// ---- running --------------------------------------------------------------------------------

/** Runs a sweep with `config` and resolves to its report (the shared report format). */
async function run(config, { fromForm = false } = {}) {
  if (state.sweep) throw new Error('a sweep is already running; stop it first');
  const sweep = new Sweep(config); // throws an Error naming the bad field
  if (!fromForm && config && typeof config === 'object') {
    // A run from the console or a test: show what it runs, and no preset claims it.
    applyConfig(config);
    document.querySelectorAll('#presets button').forEach((b) => b.classList.remove('active'));
    $('#preset-note').textContent = config.title ?? '';
  }
  if ($('#keep').checked && state.current?.points.length) {
    state.earlier.push({ label: `run ${state.runs}`, report: state.current });
  }
  state.runs++;
  state.current = null;
  state.windows = new Map();
  state.pinned = false;
  state.sweep = sweep;
  $('#run').disabled = true;
  $('#stop').disabled = false;
  $('#download').disabled = true;
  setStatus('calibrating the kernel…');
  let done = 0, total = 0, open = null;
  try {
    const report = await sweep.run((e) => {
      switch (e.kind) {
        case 'starting-workers':
          setStatus(`starting ${e.workers} Web Workers (each loads and warms up its own wasm)…`);
          break;
        case 'starting-threads':
          setStatus(`starting the wasm-threads driver and its ${e.threads} threads over one shared memory…`);
          break;
        case 'calibrated':
          total = null;
          setStatus(`calibrated: ${Math.round(e.iterations).toLocaleString()} ${e.kernel} iterations ≈ ${formatMs(e.cpu_ms)} of CPU per task`);
          state.current = { points: [] };
          break;
        case 'start':
          open = { start: performance.now(), end: Infinity };
          windowsFor(e.strategy, e.tasks).push(open);
          setStatus(`running ${e.strategy} · N = ${e.tasks}` + (e.repeats > 1 ? ` · repeat ${e.repeat + 1}/${e.repeats}` : '') + '…');
          break;
        case 'measured':
          if (open) open.end = performance.now();
          open = null;
          done++;
          break;
        case 'point':
          state.current.points.push(e.point);
          // The timeline follows the run, point by point, until a click picks one.
          if (!state.pinned) state.picked = { point: e.point, title: `browser ${e.point.strategy} · N = ${e.point.tasks}`, colour: colour(e.point.strategy) };
          redraw();
          break;
        case 'error':
          setStatus(`${e.strategy} · N = ${e.tasks}: ${e.message}`, true);
          break;
        case 'stopped':
          setStatus('stopped');
          break;
      }
    });
    state.current = report;
    // The finished report's points carry what the run added at the end (the main thread's CPU).
    if (state.picked && !state.pinned) {
      const last = report.points[report.points.length - 1];
      if (last) state.picked = { point: last, title: `browser ${last.strategy} · N = ${last.tasks}`, colour: colour(last.strategy) };
    }
    // Let one more frame arrive so the last run's frame gap is closed before it is measured.
    await new Promise((r) => setTimeout(r, 120));
    redraw();
    if (state.stopping) {
      setStatus(`stopped: ${report.points.length} points measured`);
    } else if ($('#status').className !== 'error') {
      setStatus(`done: ${report.points.length} points in ${done} timed runs`);
    }
    return report;
  } finally {
    state.sweep = null;
    state.stopping = false;
    sweep.free();
    $('#run').disabled = false;
    $('#stop').disabled = true;
    $('#download').disabled = !state.current?.points?.length;
  }
}

/** Ends the sweep under way after its current timed run. */
function stop() {
  if (!state.sweep) return;
  state.stopping = true;
  state.sweep.stop();
  setStatus('stopping after this run…');
}

function windowsFor(strategy, tasks) {
  const key = `${strategy}@${tasks}`;
  if (!state.windows.has(key)) state.windows.set(key, []);
  return state.windows.get(key);
}

/** How responsive the page stayed during the current run: per strategy and per point. */
function responsiveness() {
  const byPoint = {}, byStrategy = {};
  for (const [key, windows] of state.windows) {
    const closed = windows.filter((w) => Number.isFinite(w.end));
    if (!closed.length) continue;
    byPoint[key] = meter.during(closed);
    const s = key.split('@')[0];
    (byStrategy[s] ??= []).push(...closed);
  }
  return {
    by_point: byPoint,
    by_strategy: Object.fromEntries(Object.entries(byStrategy).map(([s, w]) => [s, meter.during(w)])),
  };
}

// ---- drawing --------------------------------------------------------------------------------

/** What the chart shows: the time for all tasks (with the model), or each task's copy time. */
const MEASURES = {
  makespan: { label: 'time for all tasks', of: (p) => ({ ms: p.median_ms, model_ms: p.model_ms }) },
  copy: {
    label: 'copy time per task (payload between heaps)',
    of: (p) => (p.copy_ms === undefined || p.copy_ms === null ? null : { ms: p.copy_ms, model_ms: 0 }),
  },
};

function seriesOf(report, { label, colorFor, marker, faded }) {
  const measure = MEASURES[$('#measure').value] ?? MEASURES.makespan;
  const by = new Map();
  for (const p of report.points) {
    // A point whose tasks failed measured failures, not work: it is listed, never plotted.
    if (!complete(p)) continue;
    const y = measure.of(p);
    if (!y) continue;
    if (!by.has(p.strategy)) by.set(p.strategy, []);
    by.get(p.strategy).push({ tasks: p.tasks, ...y, point: p });
  }
  return [...by].map(([strategy, points]) => ({ label: label(strategy), color: colorFor(strategy), marker, faded, points }));
}

function allSeries() {
  const out = [];
  for (const e of state.earlier) {
    out.push(...seriesOf(e.report, { label: (s) => `${e.label}: ${s}`, colorFor: colour, marker: 'circle', faded: true }));
  }
  // A loaded series wears its strategy's colour (square markers tell it from this page's run);
  // when an earlier loaded series wears it already, or core does not know the strategy (the
  // Python companion's), it takes the next colour of PALETTE, so no two loaded lines look alike.
  const worn = new Set();
  let k = 0;
  const loadedColour = (s) => {
    const own = state.colours[s];
    const c = own && !worn.has(own) ? own : PALETTE[k++ % PALETTE.length];
    worn.add(c);
    return c;
  };
  for (const l of state.loaded) {
    out.push(...seriesOf(l.report, {
      label: (s) => `${l.report.runtime} ${s} (${l.name})`, colorFor: loadedColour, marker: 'square', faded: false,
    }));
  }
  if (state.current) {
    out.push(...seriesOf(state.current, { label: (s) => `browser ${title(s)}`, colorFor: colour, marker: 'circle', faded: false }));
  }
  return out;
}

function redraw() {
  const measure = $('#measure').value;
  const showModel = $('#show-model').checked && measure === 'makespan';
  const series = allSeries();
  drawChart($('#chart'), series, { showModel, yLabel: MEASURES[measure]?.label, onPick: pick, picked: state.picked?.point });
  drawLegend($('#legend'), series, { showModel });
  drawTimeline($('#timeline'), $('#timeline-legend'), state.picked?.point, state.picked ?? {});
  drawTable();
  drawLoaded();
}

/** Shows the timeline of `point` of `series` (a click on the chart or the table). */
function pick(series, point) {
  state.picked = { point, title: `${series.label} · N = ${point.tasks}`, colour: series.color };
  state.pinned = true;
  redraw();
  $('#timeline-section').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

function drawTable() {
  const body = $('#table tbody');
  body.replaceChildren();
  const resp = state.current ? responsiveness().by_point : {};
  const rows = [];
  for (const l of state.loaded) rows.push(...l.report.points.map((p) => [`${l.report.runtime} (${l.name})`, p, null]));
  if (state.current) rows.push(...state.current.points.map((p) => ['browser (this page)', p, resp[`${p.strategy}@${p.tasks}`]]));
  for (const [source, p, r] of rows) {
    const tr = document.createElement('tr');
    if (p.timeline) {
      // Like a point on the chart: a click opens its timeline.
      tr.className = 'pickable';
      tr.title = 'click for its timeline';
      tr.addEventListener('click', () => pick({ label: `${source.split(' (')[0]} ${p.strategy}`, color: colour(p.strategy) }, p));
    }
    const cells = [
      source, p.strategy, p.tasks, formatMs(p.median_ms), formatMs(p.model_ms), efficiencyText(p),
      `${formatMs(p.min_ms)} – ${formatMs(p.max_ms)}`, p.errors, r ? formatMs(r.max_frame_gap_ms) : '–',
      p.copied_bytes === undefined ? '–' : `${formatBytes(p.copied_bytes)} · ${formatMs(p.copy_ms ?? 0)}`,
    ];
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = String(c);
      if (i === 1) td.style.color = colour(p.strategy);
      if (i === 5) td.className = !complete(p) || (p.schedule_efficiency ?? p.efficiency) < 0.75 ? 'eff-low' : 'eff-ok';
      if (i === 8 && r) td.className = r.max_frame_gap_ms >= 50 ? 'eff-low' : 'eff-ok';
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  $('#drift').textContent = driftText(state.current);
}

/** Whether every task of every repeat of `p` succeeded (core's `Point::complete`). */
function complete(p) {
  return !p.errors && !p.all_failed;
}

/**
 * The efficiency cell: at the CPU asked, and the schedule's at the CPU the tasks took (where
 * core could tell); a point with failures shows them instead.
 */
function efficiencyText(p) {
  if (!complete(p)) {
    const tasks = p.tasks * p.samples_ms.length;
    return p.all_failed ? 'all tasks failed' : `${p.errors} of ${tasks} tasks failed`;
  }
  const eff = `${Math.round(p.efficiency * 100)} %`;
  return p.schedule_efficiency === undefined ? eff : `${eff} · schedule ${Math.round(p.schedule_efficiency * 100)} %`;
}

/**
 * One sentence on the kernels' speed on the day: the CPU the tasks took (wall time of each
 * kernel call here: the browser has no thread CPU clock) against what was asked, so a slow
 * machine is not read as a slow runtime.
 */
function driftText(report) {
  // Only where core modelled the measured CPU: elsewhere a wall-clock figure is stretched by
  // time-slicing (more executors than cores) and says nothing about the kernel's speed.
  const pts = (report?.points ?? []).filter((p) => complete(p) && p.cpu_ms > 0 && p.cpu_measured_ms !== undefined && p.model_at_measured_ms !== undefined);
  if (!pts.length) return '';
  const ratios = pts.map((p) => p.cpu_measured_ms / p.cpu_ms).sort((a, b) => a - b);
  const mid = ratios[Math.floor(ratios.length / 2)];
  const pct = Math.round((mid - 1) * 100);
  const how = Math.abs(pct) < 3 ? 'as fast as calibrated' : `${Math.abs(pct)} % ${pct > 0 ? 'slower' : 'faster'} than calibrated`;
  const sched = pts.map((p) => p.schedule_efficiency).filter((s) => s !== undefined);
  const range = sched.length ? `; at the CPU they took, the schedules were ${Math.round(Math.min(...sched) * 100)}–${Math.round(Math.max(...sched) * 100)} % of ideal` : '';
  const clock = pts[0].cpu_clock === 'wall' ? 'wall time of each kernel call' : 'thread CPU time';
  return `The kernels ran ${how} (median, ${clock})${range}. "efficiency" is the model at the CPU asked; "schedule" the model at the CPU measured.`;
}

function formatBytes(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} B`;
}

function drawLoaded() {
  const ul = $('#loaded');
  ul.replaceChildren();
  state.loaded.forEach((l, i) => {
    const li = document.createElement('li');
    li.append(`${l.name} · ${l.report.runtime} · ${l.report.points.length} points`);
    const x = Object.assign(document.createElement('button'), { type: 'button', textContent: '×', title: 'remove' });
    x.addEventListener('click', () => { state.loaded.splice(i, 1); redraw(); });
    li.appendChild(x);
    ul.appendChild(li);
  });
}

// ---- saving and loading ---------------------------------------------------------------------

function download() {
  if (!state.current?.points?.length) return;
  const blob = new Blob([JSON.stringify(state.current, null, 2) + '\n'], { type: 'application/json' });
  const a = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(blob),
    download: `gilwall-browser-${state.current.created_at.replace(/[:.]/g, '-')}.json`,
  });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Loads a saved report (object or JSON text), checked by core's loader, and plots it. */
function load(report, name = 'report') {
  const text = typeof report === 'string' ? report : JSON.stringify(report);
  const checked = load_report(text); // throws an Error saying what is wrong
  state.loaded.push({ name, report: checked });
  redraw();
  return checked;
}

async function loadFiles(files) {
  for (const file of files) {
    try {
      load(await file.text(), file.name);
      setStatus(`loaded ${file.name}`);
    } catch (err) {
      setStatus(`${file.name}: ${err.message}`, true);
    }
  }
}

/** Shows the batch sweep (`sweep`) or the stream of requests (`load`); the meter stays. */
function showMode(mode) {
  document.querySelectorAll('.sweep-only').forEach((e) => { e.hidden = mode !== 'sweep'; });
  document.querySelectorAll('.load-only').forEach((e) => { e.hidden = mode !== 'load'; });
  document.querySelectorAll('#mode input').forEach((i) => { i.checked = i.value === mode; });
}

// ---- start ----------------------------------------------------------------------------------

async function main() {
  await init();
  state.strategies = browser_strategies();
  state.colours = strategy_colours();
  state.presets = presets();
  state.lessons = lessons();
  meter = new Meter({ canvas: $('#meter-canvas') });
  buildControls();
  $('#meta').textContent = `gilwall ${version()} · ${navigator.hardwareConcurrency || '?'} cores · ` +
    (self.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated') +
    // static.js (only in a static export) says so; reports carry the same as machine.page_mode.
    (globalThis.GILWALL_PAGE_MODE === 'static' ? ' · static page' : ' · served by gilwall serve');
  $('#config').addEventListener('submit', (e) => {
    e.preventDefault();
    run(formConfig(), { fromForm: true }).catch((err) => setStatus(err.message, true));
  });
  $('#stop').addEventListener('click', stop);
  $('#show-model').addEventListener('change', redraw);
  $('#measure').addEventListener('change', redraw);
  // Editing the controls by hand leaves the preset: it no longer describes what will run.
  $('#config').addEventListener('input', (e) => {
    if (['keep', 'show-model', 'measure'].includes(e.target.id)) return;
    document.querySelectorAll('#presets button').forEach((b) => b.classList.remove('active'));
    $('#preset-note').textContent = '';
  });
  $('#download').addEventListener('click', download);
  $('#load').addEventListener('change', (e) => { loadFiles([...e.target.files]); e.target.value = ''; });
  $('#run').disabled = false;
  redraw();
  loadMode = setupLoad({ meter, colour, strategies: state.strategies });
  document.querySelectorAll('#mode input').forEach((i) => i.addEventListener('change', () => showMode(i.value)));
  if (new URLSearchParams(location.search).get('mode') === 'load') showMode('load');
  openFromUrl(new URLSearchParams(location.search));

  window.gilwall = {
    version: version(),
    /** Runs a sweep: {strategies, tasks, io_ms, cpu_ms | cpu_ratio | cpu_iters, kernel, payload_kb, repeats, workers, title}. */
    run: (config) => run(config),
    /**
     * Runs a stream of requests (the "requests per second" mode) and resolves to a report whose
     * `load_points` are `gilwall load`'s: {strategies, rates | fractions, arrivals, duration_s,
     * warmup_s, io_ms, cpu_ms, kernel, payload_kb, workers, seed, timeout_ms, title}.
     */
    runLoad: (config) => { showMode('load'); return loadMode.load(config); },
    /** The load report of the last load run (or the one under way). */
    loadReport: () => loadMode.report(),
    /** The longest heartbeat gap during each load step: {"strategy@rate": {max_frame_gap_ms, …}}. */
    loadResponsiveness: () => loadMode.responsiveness(),
    stop,
    load,
    /** The report of the last run (or the one under way). */
    report: () => state.current,
    /** Heartbeat gaps and long tasks during each strategy's timed runs, in the last run. */
    responsiveness,
    /** What the meter shows now: {longest_gap_ms, frozen, long_tasks}, from its painter. */
    meterShown: () => meter.shown(),
    /** The `features` kernel in wasm over `bytes` (a Uint8Array), as hex. */
    featuresChecksum: (bytes, passes) => features_checksum(bytes, BigInt(passes)),
    pinnedFeaturesCase: pinned_features_case,
  };
}

main().catch((err) => {
  setStatus(`the page could not start: ${err.message}. Build it with \`cargo xtask web\` and serve it with \`gilwall serve\`.`, true);
  console.error(err);
});
