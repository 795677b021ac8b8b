//! `gilwall load`: the app under an open-loop stream of requests, beside the queueing model.
//!
//! For each strategy it starts the feature server (in this process) and the app (`gilwall app`,
//! a child process on a lifeline), then offers each rate in turn: requests at core's
//! [`arrival_times`] (Poisson or constant, seeded), a warm-up whose answers are not counted,
//! then the measured part. Each request is sent at its intended time whatever happened to the
//! ones before it (open loop: a slow answer never delays the next send), and its latency runs
//! from that *intended* time, so neither a stalled connection nor a late generator can hide
//! queueing (no coordinated omission, as wrk2 and oha's `--latency-correction`). The sends come
//! from a thread of their own, which sleeps to each intended time on the OS's clock; the
//! requests run on a tokio runtime. Latencies go
//! into HDR histograms; the generator's own lateness (actual − intended send) is reported so a
//! run limited by the generator says so. Between rates every outstanding request is awaited.
//!
//! Core's model sees the same arrivals ([`app_model_latency`]) at the CPU the app measured,
//! served as each app serves (core's `serving`).
//!
//! With [`LoadOptions::python`], the Python app ([`python`]) is driven the same way after
//! gilwall's, each of its strategies in turn, into the same report.

pub mod python;

use crate::app::child::{AppChild, ChildRequest};
use crate::app::{AppConfig, default_workers};
use crate::machine;
use crate::server::{Background, ServerConfig};
use anyhow::{Context, Result};
use gilwall_core::load::{
    Arrivals, LoadPoint, Percentiles, achieved_rps, app_schedule, arrival_times, capacity_rps,
};
use gilwall_core::report::{Report, ReportRuntime};
use gilwall_core::serving::{AppModel, app_model, app_model_at};
use gilwall_core::{Kernel, StrategyId};
use hdrhistogram::Histogram;
use indicatif::ProgressBar;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The offered rates: a list, or fractions of each strategy's modelled capacity.
#[derive(Debug, Clone, PartialEq)]
pub enum Rates {
    /// These rates, requests per second, for every strategy.
    List(Vec<f64>),
    /// [`AUTO_FRACTIONS`] of each strategy's capacity.
    Auto,
}

/// The fractions of capacity `--rate auto` offers: well below, near the knee, and past it.
pub const AUTO_FRACTIONS: [f64; 5] = [0.2, 0.5, 0.7, 0.9, 1.2];

/// What `gilwall load` runs.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The app strategies to drive, in turn.
    pub strategies: Vec<StrategyId>,
    /// The offered rates.
    pub rates: Rates,
    /// How requests arrive.
    pub arrivals: Arrivals,
    /// Measured seconds per rate.
    pub duration_s: f64,
    /// Unmeasured seconds per rate before them.
    pub warmup_s: f64,
    /// Fetch delay per request, ms.
    pub io_ms: f64,
    /// CPU per request, ms.
    pub cpu_ms: f64,
    /// The kernel.
    pub kernel: Kernel,
    /// Payload size, bytes.
    pub payload_bytes: u64,
    /// The app's threads or processes (default: the app's own).
    pub workers: Option<u32>,
    /// The app's bound on requests in flight.
    pub max_in_flight: u32,
    /// Drive the app at this URL instead of starting one (one strategy: the model's).
    pub app_url: Option<String>,
    /// Per-request timeout, ms.
    pub timeout_ms: u64,
    /// Seed of the arrivals.
    pub seed: u64,
    /// The report's title.
    pub title: Option<String>,
    /// Also drive the Python app, each of these strategies in turn after gilwall's.
    pub python: Option<python::PythonLoad>,
}

/// Why a load run cannot start, in words that name no flag (the CLI maps them).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoadError {
    /// `auto` rates with nothing to bound the capacity.
    #[error("automatic rates need a capacity, and {0} has none without CPU work; give the rates")]
    NoCapacity(String),
    /// A step would send more requests than one schedule holds.
    #[error(
        "{rate} req/s for {seconds} s is {requests} requests, more than the {max} one step may send"
    )]
    TooManyRequests {
        /// The rate.
        rate: f64,
        /// Warm-up and measured seconds.
        seconds: f64,
        /// Requests it would send.
        requests: u64,
        /// The limit.
        max: u64,
    },
    /// An app elsewhere is one strategy; the model needs to know which.
    #[error("an app at a URL is one strategy (the model's); name exactly one")]
    OneStrategyAtUrl,
    /// The Python app runs the article's loop, not core's other kernels.
    #[error("the Python app runs the article's loop (the sqrt kernel) only, not {0}")]
    PythonKernel(Kernel),
    /// Nothing to drive.
    #[error("no strategy to drive: name a gilwall strategy or a Python one")]
    Nothing,
}

impl LoadOptions {
    /// The rates offered to `strategy`.
    pub fn rates_for(&self, strategy: StrategyId, cores: u32) -> Result<Vec<f64>, LoadError> {
        let pool = self.workers.unwrap_or(default_workers(strategy, cores));
        self.rates_of(
            &strategy.to_string(),
            app_schedule(strategy, pool, cores),
            cores,
        )
    }

    /// The rates offered to a Python app; its GIL is assumed on unless it runs free-threaded.
    pub fn rates_for_python(&self, app: python::PyApp, cores: u32) -> Result<Vec<f64>, LoadError> {
        let gil = self
            .python
            .as_ref()
            .is_none_or(|p| p.free_threaded.is_none());
        let pool = self.workers.or(app.default_pool(cores)).unwrap_or(1);
        self.rates_of(app.as_str(), app.schedule(gil, pool), cores)
    }

    fn rates_of(
        &self,
        name: &str,
        schedule: gilwall_core::strategy::Schedule,
        cores: u32,
    ) -> Result<Vec<f64>, LoadError> {
        let rates = match &self.rates {
            Rates::List(r) => r.clone(),
            Rates::Auto => {
                let cap = capacity_rps(schedule, self.io_ms, self.cpu_ms, cores)
                    .ok_or_else(|| LoadError::NoCapacity(name.to_string()))?;
                // Whole requests per second read better in a table, and lose nothing here.
                AUTO_FRACTIONS
                    .iter()
                    .map(|f| (f * cap).round().max(1.0))
                    .collect()
            }
        };
        let seconds = self.duration_s + self.warmup_s;
        for &rate in &rates {
            let requests = (rate * seconds).ceil() as u64;
            let max = gilwall_core::load::limits::MAX_REQUESTS_PER_STEP;
            if requests > max {
                return Err(LoadError::TooManyRequests {
                    rate,
                    seconds,
                    requests,
                    max,
                });
            }
        }
        Ok(rates)
    }

    fn app_config(&self, strategy: StrategyId, feature_url: String, cores: u32) -> AppConfig {
        let mut c = AppConfig::new(strategy, feature_url, cores);
        c.io_ms = self.io_ms;
        c.cpu_ms = self.cpu_ms;
        c.kernel = self.kernel;
        c.payload_bytes = self.payload_bytes;
        c.max_in_flight = self.max_in_flight;
        if let Some(w) = self.workers {
            c.workers = w;
        }
        c
    }
}

/// Runs the load: every strategy at every rate. `exe` is the `gilwall` binary (the app's
/// process); `on_point` gets the report after every step (the CLI saves it there).
pub fn run(
    options: &LoadOptions,
    exe: &Path,
    progress: &ProgressBar,
    mut on_point: impl FnMut(&Report) -> Result<()>,
) -> Result<Report> {
    if options.app_url.is_some() && options.strategies.len() != 1 {
        return Err(LoadError::OneStrategyAtUrl.into());
    }
    let py_apps = options.python.as_ref().map_or(&[][..], |p| &p.apps[..]);
    if options.strategies.is_empty() && py_apps.is_empty() {
        return Err(LoadError::Nothing.into());
    }
    if !py_apps.is_empty() && options.kernel != Kernel::Sqrt {
        return Err(LoadError::PythonKernel(options.kernel).into());
    }
    let cores = machine::cores();
    // Check every strategy's rates before anything starts.
    let plans = options
        .strategies
        .iter()
        .map(|&s| Ok((s, options.rates_for(s, cores)?)))
        .collect::<Result<Vec<_>, LoadError>>()?;
    let py_plans = py_apps
        .iter()
        .map(|&a| Ok((a, options.rates_for_python(a, cores)?)))
        .collect::<Result<Vec<_>, LoadError>>()?;
    // Made (or found) before any server starts: the first time, pip takes a while.
    let py_env = match &options.python {
        Some(p) if !py_plans.is_empty() => Some(p.environment()?),
        _ => None,
    };
    machine::raise_open_files_limit();
    let features = match options.app_url {
        Some(_) => None,
        None => Some(
            Background::start(ServerConfig::default())
                .context("cannot start the embedded feature server")?,
        ),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.max(1) as usize)
        .thread_name("gilwall-load")
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(options.timeout_ms))
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(usize::MAX)
        .pool_idle_timeout(crate::fetch::POOL_IDLE_TIMEOUT)
        .build()
        .context("cannot build the load generator's HTTP client")?;
    let mut report = Report::new(
        ReportRuntime::Native,
        machine::describe(),
        machine::now_rfc3339(),
    );
    report.title = options.title.clone();
    let mut step_no = 0u64;
    for (strategy, rates) in plans {
        let config = options.app_config(
            strategy,
            features.as_ref().map(Background::url).unwrap_or_default(),
            cores,
        );
        let app = match &options.app_url {
            Some(_) => None,
            None => Some(AppChild::start(
                exe,
                &ChildRequest {
                    config: config.clone(),
                    addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
                    reuse_port: strategy == StrategyId::Processes,
                },
            )?),
        };
        let base = match (&options.app_url, &app) {
            (Some(url), _) => url.clone(),
            (None, Some(app)) => app.url().to_string(),
            (None, None) => unreachable!("an app is started when no URL is given"),
        };
        for rate in rates {
            let label = format!("{strategy} {rate} req/s");
            let (times, warm_ms, tally) = runtime.block_on(timed_step(
                &client,
                &base,
                options,
                (rate, &mut step_no),
                progress,
                &label,
            ));
            let schedule = app_schedule(config.strategy, config.workers, cores);
            let point = load_point(
                options,
                (
                    &config.strategy.to_string(),
                    config.pool(),
                    schedule,
                    // How the app serves, not only its executors: see core's `serving`.
                    app_model(config.strategy, config.workers, cores),
                ),
                cores,
                (rate, &times, warm_ms),
                &tally,
            );
            report.load_points.push(point);
            on_point(&report)?;
        }
        drop(app);
    }
    for (py, rates) in py_plans {
        // The environment is made above whenever there are Python plans.
        let env = py_env
            .as_ref()
            .expect("a Python environment for Python plans");
        let feature_url = match &features {
            Some(f) => f.url().to_string(),
            None => unreachable!("--url drives no Python app, so the feature server is ours"),
        };
        let app = python::PythonApp::start(
            env,
            &python::AppArgs {
                app: py,
                feature_url,
                io_ms: options.io_ms,
                cpu_ms: options.cpu_ms,
                workers: options.workers,
                max_in_flight: options.max_in_flight,
            },
        )?;
        let gil = app.hello.gil_enabled;
        report.machine.interpreter = Some(app.hello.interpreter.clone());
        let pool = app.hello.workers;
        let schedule = py.schedule(gil, pool.unwrap_or(1));
        let serving = py.serving(gil, pool.unwrap_or(1), cores);
        for rate in rates {
            let label = format!("python {py} {rate} req/s");
            let (times, warm_ms, tally) = runtime.block_on(timed_step(
                &client,
                &app.hello.listening,
                options,
                (rate, &mut step_no),
                progress,
                &label,
            ));
            let mut point = load_point(
                options,
                (py.as_str(), pool, schedule, serving),
                cores,
                (rate, &times, warm_ms),
                &tally,
            );
            point.runtime = Some(ReportRuntime::Python);
            point.modelled_as = Some(py.modelled_as(gil).to_string());
            point.gil_enabled = Some(gil);
            report.load_points.push(point);
            on_point(&report)?;
        }
        drop(app);
    }
    progress.finish_and_clear();
    drop(runtime);
    Ok(report)
}

/// Latencies are recorded in µs from 1 µs to an hour, to 3 significant digits.
fn histogram() -> Histogram<u64> {
    // The bounds are constants that hdrhistogram accepts (low ≥ 1, high ≥ 2·low, sigfig ≤ 5).
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

fn record(h: &mut Histogram<u64>, ms: f64) {
    // Saturate rather than fail: a value past an hour is still "at least an hour".
    h.saturating_record((ms * 1000.0).round().max(1.0) as u64);
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// What one step measured.
#[derive(Clone)]
struct Tally {
    latency: Histogram<u64>,
    late: Histogram<u64>,
    /// Latencies since the progress bar last looked, warm-up included.
    window: Histogram<u64>,
    sent: u64,
    ok: u64,
    errors: u64,
    rejected: u64,
    cpu_sum_ms: f64,
    cpu_n: u64,
    error_sample: Option<String>,
    first_intended_ms: f64,
    last_done_ms: f64,
    answered_all: u64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            latency: histogram(),
            late: histogram(),
            window: histogram(),
            sent: 0,
            ok: 0,
            errors: 0,
            rejected: 0,
            cpu_sum_ms: 0.0,
            cpu_n: 0,
            error_sample: None,
            first_intended_ms: f64::INFINITY,
            last_done_ms: 0.0,
            answered_all: 0,
        }
    }
}

/// How one request went.
enum Answer {
    Ok { cpu_ms: Option<f64> },
    Rejected,
    Failed(String),
}

/// One step at `rate` against the app at `base`: the step's arrivals (seeded by its number,
/// which it advances, so no two steps of a run share them), a warm-up, then `--duration-s`
/// measured. Returns the arrival times, the warm-up in ms and what came back.
async fn timed_step(
    client: &reqwest::Client,
    base: &str,
    options: &LoadOptions,
    (rate, step_no): (f64, &mut u64),
    progress: &ProgressBar,
    label: &str,
) -> (Vec<f64>, f64, Tally) {
    let seed = options.seed.wrapping_add(*step_no);
    *step_no += 1;
    let warm_ms = options.warmup_s * 1000.0;
    let times = arrival_times(
        options.arrivals,
        rate,
        warm_ms + options.duration_s * 1000.0,
        seed,
    );
    progress.set_length(times.len() as u64);
    progress.set_position(0);
    progress.set_message(label.to_string());
    let tally = step(client, base, &times, warm_ms, progress, label).await;
    (times, warm_ms, tally)
}

/// Offers `times` (ms from the step's start) to the app at `base`, counting the requests at or
/// after `warm_ms`, and waits for every answer.
async fn step(
    client: &reqwest::Client,
    base: &str,
    times: &[f64],
    warm_ms: f64,
    progress: &ProgressBar,
    label: &str,
) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::new()));
    // A short lead, so the first request's intended time is not already past.
    let origin = Instant::now() + Duration::from_millis(20);
    let watcher = {
        let (tally, progress, label) = (tally.clone(), progress.clone(), label.to_string());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            let mut last = (Instant::now(), 0u64);
            loop {
                tick.tick().await;
                // Poisoned only by a panic while recording, which would be a bug; read anyway.
                let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
                let (now, answered) = (Instant::now(), t.answered_all);
                let rate = (answered - last.1) as f64 / (now - last.0).as_secs_f64();
                let p99 = ms(t.window.value_at_quantile(0.99));
                t.window.reset();
                drop(t);
                last = (now, answered);
                progress.set_position(answered);
                progress.set_message(format!("{label}: {rate:.0} answered/s, p99 {p99:.0} ms"));
            }
        })
    };
    // The sends come from a thread of their own rather than a task on the runtime: its sleep
    // is the OS's (tens of µs late, where tokio's timer rounds up to the next millisecond), and
    // it is never queued behind the runtime's workers reading answers. Each request then runs on
    // the runtime, so its send lateness (first poll − intended) includes getting there.
    let (handles_tx, mut handles_rx) = tokio::sync::mpsc::unbounded_channel();
    let sender = {
        let (runtime, times, tally, client, base) = (
            tokio::runtime::Handle::current(),
            times.to_vec(),
            tally.clone(),
            client.clone(),
            base.to_string(),
        );
        std::thread::Builder::new()
            .name("gilwall-load-send".into())
            .spawn(move || {
                for (i, &t) in times.iter().enumerate() {
                    let intended = origin + Duration::from_secs_f64(t / 1000.0);
                    // Requests already due go at once, one after the other (a batch).
                    let wait = intended.saturating_duration_since(Instant::now());
                    if !wait.is_zero() {
                        std::thread::sleep(wait);
                    }
                    let (client, tally) = (client.clone(), tally.clone());
                    let url = format!("{base}/predict?seed={i}");
                    let measured = t >= warm_ms;
                    let request = async move {
                        let began = Instant::now();
                        let answer = ask(&client, &url).await;
                        let done = Instant::now();
                        let latency_ms = (done - intended).as_secs_f64() * 1000.0;
                        let late_ms =
                            began.saturating_duration_since(intended).as_secs_f64() * 1000.0;
                        let mut k = tally.lock().unwrap_or_else(|p| p.into_inner());
                        k.answered_all += 1;
                        record(&mut k.window, latency_ms);
                        if !measured {
                            return;
                        }
                        k.sent += 1;
                        record(&mut k.late, late_ms);
                        k.first_intended_ms = k.first_intended_ms.min(t);
                        match answer {
                            Answer::Ok { cpu_ms } => {
                                k.ok += 1;
                                record(&mut k.latency, latency_ms);
                                k.last_done_ms =
                                    k.last_done_ms.max((done - origin).as_secs_f64() * 1000.0);
                                if let Some(c) = cpu_ms {
                                    k.cpu_sum_ms += c;
                                    k.cpu_n += 1;
                                }
                            }
                            Answer::Rejected => {
                                k.errors += 1;
                                k.rejected += 1;
                                k.error_sample.get_or_insert_with(|| {
                                    "HTTP 503: the app's queue was full".into()
                                });
                            }
                            Answer::Failed(e) => {
                                k.errors += 1;
                                k.error_sample.get_or_insert(e);
                            }
                        }
                    };
                    if handles_tx.send(runtime.spawn(request)).is_err() {
                        // The step was dropped: no one waits for answers any more.
                        return;
                    }
                }
            })
            .expect("the load generator can start its sending thread")
    };
    // Every request's task, as the sender starts them; the channel ends with the last send.
    while let Some(handle) = handles_rx.recv().await {
        // A request's task panics only on a bug, which the tally would not hide anyway.
        let _ = handle.await;
    }
    // It has sent everything (the channel closed), so this returns at once.
    let _ = sender.join();
    watcher.abort();
    // An aborted task lets go of its tally only once it has been awaited.
    let _ = watcher.await;
    // Every task holding the tally has ended (all were joined, the watcher awaited), so this
    // is the last handle; a copy of the counts would do as well if it were not.
    match Arc::try_unwrap(tally) {
        Ok(t) => t.into_inner().unwrap_or_else(|p| p.into_inner()),
        Err(shared) => {
            let t = shared.lock().unwrap_or_else(|p| p.into_inner());
            t.clone()
        }
    }
}

/// Sends one request and reads its answer.
async fn ask(client: &reqwest::Client, url: &str) -> Answer {
    let resp = match client.get(url).send().await {
        Ok(r) => r,
        Err(e) => return Answer::Failed(crate::fetch::describe(&e)),
    };
    let status = resp.status();
    let body = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => return Answer::Failed(crate::fetch::describe(&e)),
    };
    if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
        return Answer::Rejected;
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    if !status.is_success() {
        let why = json
            .as_ref()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into());
        return Answer::Failed(format!("HTTP {status}: {why}"));
    }
    Answer::Ok {
        cpu_ms: json.and_then(|v| v["cpu_ms"].as_f64()),
    }
}

/// One step's point: `(name, pool, schedule, serving)` is the app (its executors, for the
/// capacity, and how it serves, for the model), `(rate, times, warm_ms)` the step.
fn load_point(
    options: &LoadOptions,
    (name, pool, schedule, serving): (
        &str,
        Option<u32>,
        gilwall_core::strategy::Schedule,
        AppModel,
    ),
    cores: u32,
    (rate, times, warm_ms): (f64, &[f64], f64),
    t: &Tally,
) -> LoadPoint {
    let cpu_measured_ms = (t.cpu_n > 0).then(|| t.cpu_sum_ms / t.cpu_n as f64);
    let (model, model_cpu_ms) = app_model_at(
        times,
        warm_ms,
        options.io_ms,
        (options.cpu_ms, cpu_measured_ms),
        serving,
    );
    let achieved_rps = achieved_rps(t.ok, t.first_intended_ms, t.last_done_ms);
    let latency_ms = (t.ok > 0).then(|| Percentiles {
        p50: ms(t.latency.value_at_quantile(0.5)),
        p90: ms(t.latency.value_at_quantile(0.9)),
        p99: ms(t.latency.value_at_quantile(0.99)),
        p999: ms(t.latency.value_at_quantile(0.999)),
        max: ms(t.latency.max()),
    });
    LoadPoint {
        strategy: name.to_string(),
        workers: pool,
        arrivals: options.arrivals,
        rate_rps: rate,
        duration_s: options.duration_s,
        io_ms: options.io_ms,
        cpu_ms: options.cpu_ms,
        kernel: Some(options.kernel.id().to_string()),
        payload_bytes: options.payload_bytes,
        sent: t.sent,
        ok: t.ok,
        errors: t.errors,
        rejected: t.rejected,
        achieved_rps,
        latency_ms,
        model_latency_ms: model,
        model_cpu_ms,
        capacity_rps: capacity_rps(schedule, options.io_ms, options.cpu_ms, cores),
        send_late_p99_ms: if t.sent > 0 {
            ms(t.late.value_at_quantile(0.99))
        } else {
            0.0
        },
        cpu_measured_ms,
        error_sample: t
            .error_sample
            .as_ref()
            .map(|e| e.chars().take(300).collect()),
        runtime: None,
        modelled_as: None,
        gil_enabled: None,
    }
}
