//! The sweep runner: every strategy at every task count, repeated, each point beside the model.
//!
//! A [`Bench`] holds what a whole session shares — the feature server (embedded unless `--url`
//! names one), the machine's core count and the kernels' calibrations — so `gilwall blog` can run
//! several sweeps against one server and calibrate once.

use crate::fetch::{DEFAULT_TIMEOUT_SLACK, blocking_client, blocking_fetch};
use crate::machine::{self, InstantClock};
use crate::server::{Background, ChildServer, ServerConfig};
use crate::strategy::{self, PointCtx};
use anyhow::{Context, Result, bail};
use gilwall_core::calibrate::{Calibration, calibrate};
use gilwall_core::kernel::{Kernel, checksum_hex, combine_checksums};
use gilwall_core::model::{self, ModelInput};
use gilwall_core::report::{Point, PointSpec, Report, ReportRuntime};
use gilwall_core::stats::Summary;
use gilwall_core::{CpuSpec, StrategyId, Workload, payload};
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// What one sweep measures.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// Strategies, in the order they are run and shown.
    pub strategies: Vec<StrategyId>,
    /// Task counts N.
    pub tasks: Vec<u32>,
    /// Fetch delay, ms.
    pub io_ms: f64,
    /// CPU work per task.
    pub cpu: CpuSpec,
    /// The kernel.
    pub kernel: Kernel,
    /// Payload size, bytes.
    pub payload_bytes: u64,
    /// Measured runs per point.
    pub repeats: u32,
    /// Unmeasured runs before them.
    pub warmup: u32,
    /// Pool size; `None` is one worker per task.
    pub workers: Option<u32>,
    /// The gil strategy's switch interval, ms.
    pub switch_interval_ms: f64,
    /// Per-request timeout; `None` is the delay plus 30 s.
    pub timeout_ms: Option<u64>,
    /// A title for the report.
    pub title: Option<String>,
    /// Speak HTTP/2 to the server (h2c), multiplexing requests over few connections: what lets
    /// one process hold 10 000 requests in flight.
    pub http2: bool,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            strategies: StrategyId::for_runtime(gilwall_core::Runtime::Native).collect(),
            tasks: vec![1, 2, 4, 8, 16],
            io_ms: 200.0,
            cpu: CpuSpec::Ratio(0.5),
            kernel: Kernel::Sqrt,
            payload_bytes: 1024,
            repeats: 1,
            warmup: 0,
            workers: None,
            switch_interval_ms: 5.0,
            timeout_ms: None,
            title: None,
            http2: false,
        }
    }
}

impl SweepConfig {
    /// The workload of one point, for validation.
    fn workload(&self, tasks: u32) -> Workload {
        Workload {
            tasks,
            io_ms: self.io_ms,
            cpu: self.cpu,
            kernel: self.kernel,
            payload_bytes: self.payload_bytes,
            workers: self.workers,
        }
    }

    /// Checks every field; the message names the one that is wrong.
    pub fn validate(&self) -> Result<()> {
        if self.strategies.is_empty() {
            bail!("no strategy to run");
        }
        if self.tasks.is_empty() {
            bail!("no task count to run");
        }
        for &n in &self.tasks {
            self.workload(n).validate()?;
        }
        gilwall_core::workload::check_repeats(self.repeats)?;
        if !(self.switch_interval_ms.is_finite()
            && self.switch_interval_ms > 0.0
            && self.switch_interval_ms <= 1000.0)
        {
            bail!(
                "switch_interval_ms must be more than 0 and at most 1000, got {}",
                self.switch_interval_ms
            );
        }
        if let Some(s) = self
            .strategies
            .iter()
            .find(|s| !s.info().runtimes.contains(&gilwall_core::Runtime::Native))
        {
            bail!("{s} runs only in the browser; open the demo page (cargo xtask serve)");
        }
        Ok(())
    }
}

/// Where the embedded server runs. Held only so that dropping the bench stops it.
#[allow(dead_code)]
enum Server {
    /// On a thread of this process.
    InProcess(Background),
    /// In a child process.
    OwnProcess(ChildServer),
}

/// What a session of sweeps shares: the server, the cores, the calibrations.
pub struct Bench {
    base_url: String,
    server: Option<Server>,
    cores: u32,
    worker_exe: PathBuf,
    calibrations: Mutex<HashMap<(Kernel, u64), Calibration>>,
    open_files: u64,
    /// Asks gilwall's own server for its lateness; `None` for a `--url` server.
    stats_client: Option<reqwest::blocking::Client>,
}

impl Bench {
    /// Starts the embedded server (or checks that `url` answers), and notes the cores.
    pub fn start(url: Option<&str>, server: ServerConfig) -> Result<Bench> {
        Bench::start_with(url, server, None)
    }

    /// Like [`Bench::start`], but with `server_exe` runs the embedded server as a child process
    /// of that binary (`gilwall serve`), so a sweep may hold twice as many connections.
    pub fn start_with(
        url: Option<&str>,
        server: ServerConfig,
        server_exe: Option<&std::path::Path>,
    ) -> Result<Bench> {
        let open_files = machine::raise_open_files_limit();
        let (base_url, background) = match (url, server_exe) {
            (Some(url), _) => {
                check_reachable(url)?;
                (url.trim_end_matches('/').to_string(), None)
            }
            (None, None) => {
                let bg = Background::start(server)
                    .context("cannot start the embedded feature server")?;
                (bg.url(), Some(Server::InProcess(bg)))
            }
            (None, Some(exe)) => {
                let child = ChildServer::start(exe, &server).with_context(|| {
                    format!("cannot start the feature server process {}", exe.display())
                })?;
                (child.url().to_string(), Some(Server::OwnProcess(child)))
            }
        };
        let worker_exe = std::env::current_exe()
            .context("cannot find the gilwall binary for worker processes")?;
        Ok(Bench {
            base_url,
            server: background,
            cores: machine::cores(),
            worker_exe,
            calibrations: Mutex::new(HashMap::new()),
            open_files,
            stats_client: if url.is_none() {
                Some(blocking_client(Duration::from_secs(5))?)
            } else {
                None
            },
        })
    }

    /// Uses `exe` as the binary for worker processes (tests run from a test binary, which has no
    /// `worker` subcommand).
    pub fn with_worker_exe(mut self, exe: PathBuf) -> Bench {
        self.worker_exe = exe;
        self
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// Cores on this machine.
    pub fn cores(&self) -> u32 {
        self.cores
    }

    /// The kernel's speed here on a payload of `payload_bytes`, measured once per session.
    pub fn calibration(&self, kernel: Kernel, payload_bytes: u64) -> Result<Calibration> {
        // The lock is only poisoned if a calibration panicked, which would be a bug; recover the
        // map anyway, since its entries are still valid.
        let mut cache = self.calibrations.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.get(&(kernel, payload_bytes)) {
            return Ok(*c);
        }
        let body = payload::generate(0, payload_bytes as usize);
        let c = calibrate(kernel, &body, &InstantClock::new(), 300.0)
            .with_context(|| format!("calibrating the {kernel} kernel"))?;
        cache.insert((kernel, payload_bytes), c);
        Ok(c)
    }

    /// CPU ms and iterations per task for `config`.
    fn cpu_plan(&self, config: &SweepConfig) -> Result<(f64, u64, Calibration)> {
        let cal = self.calibration(config.kernel, config.payload_bytes)?;
        Ok(match config.cpu.ms(config.io_ms) {
            // Asking for less than one call's fixed part (a large payload's parse) models what
            // the call really costs.
            Some(ms) => (cal.effective_ms(ms), cal.iterations_for(ms), cal),
            None => {
                let CpuSpec::Iters(n) = config.cpu else {
                    unreachable!("only Iters has no ms")
                };
                (cal.ms_for(n), n, cal)
            }
        })
    }

    /// The model's makespan for `strategy` at `tasks` under `config`.
    pub fn model_ms(
        &self,
        config: &SweepConfig,
        strategy: StrategyId,
        tasks: u32,
        cpu_ms: f64,
    ) -> f64 {
        let pool = config.workers.unwrap_or(tasks);
        model::predict(
            strategy,
            ModelInput {
                tasks,
                io_ms: config.io_ms,
                cpu_ms,
                pool,
                cores: self.cores,
                fetch_limit: None,
            },
        )
    }

    /// Runs the whole sweep, calling `on_point` with the report so far after every point (so
    /// the caller can save it), and returns the report.
    pub fn run(
        &self,
        config: &SweepConfig,
        progress: &ProgressBar,
        on_point: impl FnMut(&Report) -> Result<()>,
    ) -> Result<Report> {
        self.run_from(config, None, progress, on_point)
    }

    /// Like [`Bench::run`], but continues `resumed` — an interrupted run of the same sweep —
    /// measuring only the points it does not have yet. Its points must match `config` (delay,
    /// CPU work, kernel, payload, workers); the error names the first that does not.
    pub fn run_from(
        &self,
        config: &SweepConfig,
        resumed: Option<Report>,
        progress: &ProgressBar,
        mut on_point: impl FnMut(&Report) -> Result<()>,
    ) -> Result<Report> {
        config.validate()?;
        let max_tasks = config.tasks.iter().copied().max().unwrap_or(1) as u64;
        // A client socket and (embedded) a server socket per task, plus the pool's slack.
        // With HTTP/2 every request shares one connection per client.
        let per_task = match (&self.server, config.http2) {
            (_, true) => 0,
            (Some(Server::InProcess(_)), false) => 2,
            _ => 1,
        };
        let needed = max_tasks * per_task + 64;
        if needed > self.open_files {
            bail!(
                "--tasks {max_tasks} needs about {needed} open files (one socket per task, two with the embedded \
                 server), but this process may open {}; lower --tasks or raise `ulimit -n`",
                self.open_files
            );
        }
        let (cpu_ms, iterations, cal) = self.cpu_plan(config)?;
        let mut report = match resumed {
            Some(r) => {
                check_resumable(&r, config, cpu_ms, iterations)?;
                r
            }
            None => {
                let mut r = Report::new(
                    ReportRuntime::Native,
                    machine::describe(),
                    machine::now_rfc3339(),
                );
                r.title = config.title.clone();
                r
            }
        };
        let todo: Vec<(StrategyId, u32)> = config
            .strategies
            .iter()
            .flat_map(|&s| config.tasks.iter().map(move |&n| (s, n)))
            .filter(|(s, n)| {
                !report
                    .points
                    .iter()
                    .any(|p| p.strategy == s.as_str() && p.tasks == *n)
            })
            .collect();
        let runs = (config.repeats + config.warmup) as f64;
        let total: f64 = todo
            .iter()
            .map(|&(s, n)| self.model_ms(config, s, n, cpu_ms) * runs)
            .sum();
        progress.set_length(total.max(1.0) as u64);
        for (strategy, tasks) in todo {
            progress.set_message(format!("{strategy} N={tasks}"));
            let point =
                self.measure(config, strategy, tasks, cpu_ms, iterations, &cal, progress)?;
            report.points.push(point);
            on_point(&report)?;
        }
        progress.finish_and_clear();
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    fn measure(
        &self,
        config: &SweepConfig,
        strategy: StrategyId,
        tasks: u32,
        cpu_ms: f64,
        iterations: u64,
        cal: &Calibration,
        progress: &ProgressBar,
    ) -> Result<Point> {
        let ctx = PointCtx {
            base_url: self.base_url.clone(),
            tasks,
            pool: config.workers.unwrap_or(tasks),
            cores: self.cores,
            kernel: config.kernel,
            iterations,
            io_ms: config.io_ms,
            payload_bytes: config.payload_bytes,
            iters_per_ms: cal.iters_per_ms,
            switch_interval: Duration::from_secs_f64(config.switch_interval_ms / 1000.0),
            timeout: config
                .timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(Duration::from_secs_f64(config.io_ms / 1000.0) + DEFAULT_TIMEOUT_SLACK),
            worker_exe: self.worker_exe.clone(),
            http2: config.http2,
        };
        let model_ms = self.model_ms(config, strategy, tasks, cpu_ms);
        let mut samples = Vec::with_capacity(config.repeats as usize);
        let mut errors = 0u64;
        let mut cpu_times = Vec::new();
        let mut checksum = None;
        let mut error_sample: Option<String> = None;
        let mut late_p99: Option<f64> = None;
        let (mut copied_bytes, mut copy_times) = (None, Vec::new());
        for run_no in 0..config.warmup + config.repeats {
            // Start each run's lateness count afresh (calibration and warm-up are not its own).
            self.server_lateness_p99();
            // On a thread of its own, so a signal ends the sweep even in the middle of a run.
            let repeat = ctx.clone();
            let run =
                crate::cli::interrupt::interruptible(move || strategy::run(strategy, &repeat))?
                    .with_context(|| format!("running {strategy} with {tasks} tasks"))?;
            progress.inc(model_ms as u64);
            let failures: Vec<&String> = run
                .outcomes
                .iter()
                .filter_map(|o| o.result.as_ref().err())
                .collect();
            let late = self.server_lateness_p99();
            if run_no < config.warmup {
                continue;
            }
            if let Some(l) = late {
                late_p99 = Some(late_p99.map_or(l, |m: f64| m.max(l)));
            }
            if let (None, Some(first)) = (&error_sample, failures.first()) {
                error_sample = Some(first.chars().take(300).collect());
            }
            errors += failures.len() as u64;
            samples.push(run.makespan_ms);
            cpu_times.extend(run.outcomes.iter().filter_map(|o| o.cpu_time_ms));
            for c in &run.copies {
                copied_bytes = copied_bytes.max(Some(c.bytes));
                copy_times.push(c.ms);
            }
            checksum.get_or_insert_with(|| {
                checksum_hex(combine_checksums(
                    run.outcomes.iter().filter_map(|o| o.result.clone().ok()),
                ))
            });
        }
        let spec = PointSpec {
            strategy: strategy.as_str().to_string(),
            tasks,
            workers: config.workers,
            io_ms: config.io_ms,
            cpu_ms,
            cpu_iters: Some(iterations),
            kernel: Some(config.kernel.id().to_string()),
            payload_bytes: config.payload_bytes,
        };
        // Makespans are finite and there is at least one repeat (validated), so this is Some.
        let mut point =
            Point::new(spec, samples, model_ms, errors).context("a run produced no usable time")?;
        point.cpu_measured_ms = Summary::of(&cpu_times).map(|s| s.median);
        point.checksum = checksum;
        point.all_failed = errors == u64::from(tasks) * u64::from(config.repeats);
        point.error_sample = error_sample;
        point.server_late_p99_ms = late_p99;
        point.copied_bytes = copied_bytes;
        point.copy_ms = Summary::of(&copy_times).map(|s| s.median);
        Ok(point)
    }
}

impl Bench {
    /// The server's lateness p99 since the last call, in ms (and resets it); `None` for servers
    /// that do not report it (`--url` pointing at httpbin, say) or before any request.
    fn server_lateness_p99(&self) -> Option<f64> {
        let client = self.stats_client.as_ref()?;
        let body = blocking_fetch(client, &format!("{}/stats?reset=1", self.base_url)).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
        v["lateness_ms"]["p99"].as_f64()
    }
}

/// Checks that `report` was measured with the same settings as `config`, so resuming it does
/// not mix two experiments in one chart.
fn check_resumable(
    report: &Report,
    config: &SweepConfig,
    cpu_ms: f64,
    iterations: u64,
) -> Result<()> {
    if report.runtime != ReportRuntime::Native {
        bail!(
            "only a report of `gilwall run` can be resumed; this one came from the {:?} runtime",
            report.runtime
        );
    }
    for p in &report.points {
        let cpu_matches = match config.cpu {
            CpuSpec::Iters(_) => p.cpu_iters == Some(iterations),
            _ => (p.cpu_ms - cpu_ms).abs() < 1e-9,
        };
        let mismatch = if p.io_ms != config.io_ms {
            Some(format!("--io-ms {}", p.io_ms))
        } else if !cpu_matches {
            Some(format!(
                "--cpu-ms {} ({} iterations)",
                p.cpu_ms,
                p.cpu_iters.unwrap_or(0)
            ))
        } else if p.kernel.as_deref() != Some(config.kernel.id()) {
            Some(format!("--kernel {}", p.kernel.as_deref().unwrap_or("?")))
        } else if p.payload_bytes != config.payload_bytes {
            Some(format!("--payload-kb {}", p.payload_bytes / 1024))
        } else if p.workers != config.workers {
            Some(format!(
                "--workers {}",
                p.workers.map_or("(one per task)".into(), |w| w.to_string())
            ))
        } else {
            None
        };
        if let Some(flag) = mismatch {
            bail!(
                "cannot resume: its point {} N={} was measured with {flag}; run again with the same flags as the \
                 interrupted sweep",
                p.strategy,
                p.tasks
            );
        }
    }
    Ok(())
}

/// Fails with a clear message unless `url` answers an httpbin-style `/delay/0` within 5 s.
fn check_reachable(url: &str) -> Result<()> {
    let probe = format!("{}/delay/0", url.trim_end_matches('/'));
    let client = blocking_client(Duration::from_secs(5))?;
    blocking_fetch(&client, &probe).map(drop).map_err(|e| {
        anyhow::anyhow!(
            "cannot reach --url {url} ({e}); is that server running and httpbin-compatible? \
             Leave out --url to use gilwall's embedded server"
        )
    })
}
