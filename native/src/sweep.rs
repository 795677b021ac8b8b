//! The native side of core's sweep pipeline: what only the `gilwall` command has.
//!
//! A [`Bench`] holds what a whole session shares — the feature server (embedded unless `--url`
//! names one), the machine's core count and the kernels' calibrations — so `gilwall blog` can run
//! several sweeps against one server and calibrate once. Core plans each sweep, orders and
//! records its points ([`gilwall_core::sweep`]); this module only runs one repeat of a point
//! with the native strategies, asks the server how late it was, and shows progress.

use crate::fetch::DEFAULT_TIMEOUT_SLACK;
use crate::interrupt;
use crate::machine::{self, InstantClock};
use crate::server::ServerConfig;
use crate::server::session::FeatureServer;
use crate::strategy::{self, PointCtx};
use anyhow::{Context, Result};
use gilwall_core::calibrate::{Calibration, calibrate};
use gilwall_core::report::{Report, ReportRuntime};
use gilwall_core::sweep::{self, Event, Plan, PointPlan, Repeat, RunNo, Runner, SweepSpec};
use gilwall_core::{Kernel, Runtime, Transport, payload};
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A sweep that needs more sockets than this process may open, in words that name no flag (the
/// CLI maps them).
#[derive(Debug, thiserror::Error)]
#[error(
    "{tasks} tasks need about {needed} open files (one socket per task, two with the embedded \
     server), but this process may open {limit}; use fewer tasks, HTTP/2, or raise `ulimit -n`"
)]
pub struct TooManyFiles {
    /// Tasks in the largest point.
    pub tasks: u64,
    /// Descriptors it needs.
    pub needed: u64,
    /// Descriptors this process may open.
    pub limit: u64,
}

/// Most tasks a point sends over HTTP/1.1 unless `http1` or `http2` says otherwise: the
/// article's clients speak HTTP/1.1, one connection per request in flight, and up to here the
/// connects of a burst are accepted at once (measured in BENCHMARKS.md). Beyond, a burst
/// nears the accept backlog (`server::BACKLOG`, capped by `net.core.somaxconn`), whose
/// overflow TCP retries only after a second, and two descriptors per task near the open-files
/// limit; HTTP/2 holds any N on a few connections.
pub const HTTP1_MOST_TASKS: u32 = 1024;

/// The HTTP version a point of `tasks` tasks speaks: as `spec` forces it, else HTTP/1.1 while
/// that many connections fit (in `open_files` descriptors, two a task with the server in this
/// process) and a burst of connects stays well inside the accept backlog, else HTTP/2.
pub fn transport_for(spec: &SweepSpec, tasks: u32, open_files: u64, in_process: bool) -> Transport {
    if spec.http2 {
        return Transport::Http2;
    }
    if spec.http1 {
        return Transport::Http1;
    }
    let per_task = if in_process { 2 } else { 1 };
    if tasks <= HTTP1_MOST_TASKS && u64::from(tasks) * per_task + 64 <= open_files {
        Transport::Http1
    } else {
        Transport::Http2
    }
}

/// Time spent calibrating a kernel, ms.
pub const CALIBRATION_BUDGET_MS: f64 = 300.0;

/// What a session of sweeps shares: the server, the cores, the calibrations.
pub struct Bench {
    server: FeatureServer,
    cores: u32,
    worker_exe: PathBuf,
    calibrations: Mutex<HashMap<(Kernel, u64), Calibration>>,
    open_files: u64,
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
        let server = FeatureServer::start(url, server, server_exe)?;
        let worker_exe = std::env::current_exe()
            .context("cannot find the gilwall binary for worker processes")?;
        Ok(Bench {
            server,
            cores: machine::cores(),
            worker_exe,
            calibrations: Mutex::new(HashMap::new()),
            open_files,
        })
    }

    /// Uses `exe` as the binary for worker processes (tests run from a test binary, which has no
    /// `worker` subcommand).
    pub fn with_worker_exe(mut self, exe: PathBuf) -> Bench {
        self.worker_exe = exe;
        self
    }

    /// The binary worker processes and apps run from (`gilwall worker`, `gilwall app`).
    pub fn worker_exe(&self) -> &std::path::Path {
        &self.worker_exe
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        self.server.url()
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
        let c = calibrate(kernel, &body, &InstantClock::new(), CALIBRATION_BUDGET_MS)
            .with_context(|| format!("calibrating the {kernel} kernel"))?;
        cache.insert((kernel, payload_bytes), c);
        Ok(c)
    }

    /// Plans `spec` here: checks it, calibrates its kernel, and predicts every point.
    pub fn plan(&self, spec: &SweepSpec) -> Result<Plan> {
        spec.check(Runtime::Native)?;
        let cal = self.calibration(spec.kernel, spec.payload_bytes())?;
        Ok(Plan::new(
            spec,
            Runtime::Native,
            &cal,
            self.cores,
            self.server.url(),
        )?)
    }

    /// Runs the whole sweep, calling `on_point` with the report so far after every point (so
    /// the caller can save it), and returns the report.
    pub fn run(
        &self,
        spec: &SweepSpec,
        progress: &ProgressBar,
        on_point: impl FnMut(&Report) -> Result<()>,
    ) -> Result<Report> {
        self.run_from(spec, None, progress, on_point)
    }

    /// Like [`Bench::run`], but continues `resumed` — an interrupted run of the same sweep —
    /// measuring only the points it does not have yet. Its points must match `spec` (delay,
    /// CPU work, kernel, payload, workers); the error names the first that does not.
    pub fn run_from(
        &self,
        spec: &SweepSpec,
        resumed: Option<Report>,
        progress: &ProgressBar,
        on_point: impl FnMut(&Report) -> Result<()>,
    ) -> Result<Report> {
        let plan = self.plan(spec)?;
        self.check_open_files(&plan)?;
        let report = match resumed {
            Some(r) => {
                plan.check_resumable(&r)?;
                r
            }
            None => {
                let mut r = Report::new(
                    ReportRuntime::Native,
                    machine::describe(),
                    machine::now_rfc3339(),
                );
                r.title = spec.title.clone();
                r
            }
        };
        let runs = f64::from(spec.repeats + spec.warmup);
        let total: f64 = plan
            .pending(&report)
            .iter()
            .map(|q| q.model_ms * runs)
            .sum();
        progress.set_length(total.max(1.0) as u64);
        let mut runner = NativeRunner {
            bench: self,
            plan: Arc::new(plan.clone()),
            progress,
            on_point,
        };
        let report = futures::executor::block_on(sweep::run(&plan, report, &mut runner))?;
        progress.finish_and_clear();
        Ok(report)
    }

    /// The HTTP version a point of `tasks` tasks of `spec` speaks here; see [`transport_for`].
    pub fn transport(&self, spec: &SweepSpec, tasks: u32) -> Transport {
        transport_for(spec, tasks, self.open_files, self.server.in_process())
    }

    /// Fails, saying what to do, when a point needs more sockets than this process may open:
    /// over HTTP/1.1 a client socket per task and, with the server in this process, one more;
    /// over HTTP/2 a few connections whatever N.
    fn check_open_files(&self, plan: &Plan) -> Result<()> {
        let per_task = if self.server.in_process() { 2 } else { 1 };
        for point in &plan.points {
            let needed = match self.transport(&plan.spec, point.tasks) {
                Transport::Http2 => 64 + 2 * crate::fetch::HTTP2_CONNECTIONS as u64,
                Transport::Http1 => u64::from(point.tasks) * per_task + 64,
            };
            if needed > self.open_files {
                return Err(TooManyFiles {
                    tasks: u64::from(point.tasks),
                    needed,
                    limit: self.open_files,
                }
                .into());
            }
        }
        Ok(())
    }
}

/// What core's loop calls natively: each repeat runs a native strategy.
struct NativeRunner<'a, F> {
    bench: &'a Bench,
    /// The plan, shared with the thread a repeat runs on.
    plan: Arc<Plan>,
    progress: &'a ProgressBar,
    on_point: F,
}

impl<F: FnMut(&Report) -> Result<()>> Runner for NativeRunner<'_, F> {
    type Error = anyhow::Error;

    async fn prepare(&mut self, plan: &Plan, point: &PointPlan) -> Result<()> {
        let transport = self.bench.transport(&plan.spec, point.tasks);
        self.progress.set_message(format!(
            "{} N={} over {transport}",
            point.strategy, point.tasks
        ));
        // Said when gilwall chose for the user, so nobody takes HTTP/2's figures for the
        // article's one-connection-per-request clients.
        if transport == Transport::Http2 && !plan.spec.http2 {
            let connections = crate::fetch::HTTP2_CONNECTIONS;
            self.progress.suspend(|| {
                eprintln!(
                    "note: {} N={} speaks HTTP/2 (async clients over {connections} connection(s)): \
                     {} connections at once would not fit the accept backlog or the open-files \
                     limit; --http1 forces HTTP/1.1",
                    point.strategy, point.tasks, point.tasks
                )
            });
        }
        Ok(())
    }

    async fn repeat(&mut self, plan: &Plan, point: &PointPlan, _run: RunNo) -> Result<Repeat> {
        let spec = &plan.spec;
        let ctx = PointCtx {
            plan: self.plan.clone(),
            point: *point,
            switch_interval: Duration::from_secs_f64(spec.switch_interval_ms / 1000.0),
            timeout: spec
                .timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(Duration::from_secs_f64(plan.io_ms / 1000.0) + DEFAULT_TIMEOUT_SLACK),
            worker_exe: self.bench.worker_exe.clone(),
            transport: self.bench.transport(spec, point.tasks),
        };
        // Start each run's lateness count afresh (calibration and warm-up are not its own).
        self.bench.server.lateness_p99();
        // On a thread of its own, so a signal ends the sweep even in the middle of a run.
        let strategy = point.strategy;
        let ctx_transport = ctx.transport;
        let run = interrupt::interruptible(move || strategy::run(strategy, &ctx))?
            .with_context(|| format!("running {} with {} tasks", point.strategy, point.tasks))?;
        Ok(Repeat {
            makespan_ms: run.makespan_ms,
            outcomes: run.outcomes,
            server_late_p99_ms: self.bench.server.lateness_p99(),
            transport: Some(ctx_transport),
        })
    }

    fn event(&mut self, event: Event<'_>) -> Result<()> {
        match event {
            Event::Measured { point, .. } => self.progress.inc(point.model_ms as u64),
            Event::Point { report } => (self.on_point)(report)?,
            // Said at once, so a dying server is noticed before the sweep ends.
            Event::Failure { point, message } => self.progress.suspend(|| {
                eprintln!(
                    "{} N={}: a task failed: {message}",
                    point.strategy, point.tasks
                )
            }),
            Event::Stopped => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transport_holds_n_unless_forced() {
        let auto = SweepSpec::default();
        let t = |spec: &SweepSpec, n, files, inside| transport_for(spec, n, files, inside);
        // The article's sizes speak HTTP/1.1, as its clients do.
        assert_eq!(t(&auto, 32, 20_000, true), Transport::Http1);
        assert_eq!(t(&auto, HTTP1_MOST_TASKS, 20_000, true), Transport::Http1);
        // A burst beyond what the accept backlog takes at once, or beyond the open files.
        assert_eq!(
            t(&auto, HTTP1_MOST_TASKS + 1, 20_000, true),
            Transport::Http2
        );
        assert_eq!(t(&auto, 100_000, 1_000_000, false), Transport::Http2);
        assert_eq!(t(&auto, 150, 256, true), Transport::Http2);
        assert_eq!(t(&auto, 150, 256, false), Transport::Http1);
        // Forced either way.
        let h1 = SweepSpec {
            http1: true,
            ..SweepSpec::default()
        };
        let h2 = SweepSpec {
            http2: true,
            ..SweepSpec::default()
        };
        assert_eq!(t(&h1, 100_000, 20_000, true), Transport::Http1);
        assert_eq!(t(&h2, 1, 20_000, true), Transport::Http2);
    }
}
