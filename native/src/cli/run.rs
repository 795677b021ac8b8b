//! `gilwall run`: a sweep of strategies × task counts against the model, saved after every
//! point, resumable with --resume, printed as a table and exported on request. A sweep in which
//! any task failed ends with a paragraph naming what failed and exits with code 1, after the
//! report and exports are saved, so a script never takes failures for a measurement.

use super::args::{
    CpuArgs, ExportArgs, FaultArgs, ServerLimits, number, parse_io_ms, parse_kernel, parse_repeats,
    parse_tasks, parse_url, spec_error,
};
use super::{UsageError, progress_bar};
use crate::export::{self, Exporter, Exports, json::Json};
use crate::interrupt;
use crate::machine;
use crate::server::session::Unreachable;
use crate::sweep::{Bench, TooManyFiles};
use anyhow::{Context, Result};
use clap::Args;
use gilwall_core::sweep::{SpecError, SweepError, SweepSpec};
use gilwall_core::workload;
use gilwall_core::{CpuSpec, Kernel, Runtime, StrategyId};
use std::path::PathBuf;

/// Options of `gilwall run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Strategies to run, comma-separated.
    #[arg(long = "strategy", short = 's', value_delimiter = ',', value_parser = parse_native_strategy,
          default_value = "serial,async,gil,threads,processes,multicore,async-rayon", value_name = "LIST")]
    pub strategies: Vec<StrategyId>,
    /// Task counts N, comma-separated (the article sweeps 1..32).
    #[arg(long, short = 'n', value_delimiter = ',', value_parser = parse_tasks, default_value = "1,2,4,8,16", value_name = "LIST")]
    pub tasks: Vec<u32>,
    /// Delay of one fetch, in ms (the article: 1000).
    #[arg(long, default_value_t = 200.0, value_parser = parse_io_ms, allow_negative_numbers = true, value_name = "MS")]
    pub io_ms: f64,
    #[command(flatten)]
    pub cpu: CpuArgs,
    /// CPU kernel: sqrt (the article's loop) or features (preprocess the fetched JSON).
    #[arg(long, default_value = "sqrt", value_parser = parse_kernel, value_name = "KERNEL")]
    pub kernel: Kernel,
    /// Size of each fetched feature payload, in KiB (used by the features kernel).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub payload_kb: u64,
    /// Measured runs per point; the median is reported.
    #[arg(long, default_value_t = 1, value_parser = parse_repeats, value_name = "N")]
    pub repeats: u32,
    /// Unmeasured runs per point before the measured ones.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100), value_name = "N")]
    pub warmup: u32,
    /// Pool size for threads, gil and processes (default: one per task, as the article).
    #[arg(long, value_parser = parse_workers, value_name = "N")]
    pub workers: Option<u32>,
    /// The gil strategy's switch interval, in ms (CPython's default: 5).
    #[arg(long, default_value_t = 5.0, value_parser = parse_switch_interval, value_name = "MS")]
    pub switch_interval_ms: f64,
    /// Per-request timeout, in ms (default: the delay plus 30 s).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3_600_000), value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// Use this httpbin-compatible server instead of the embedded one (the features kernel
    /// needs gilwall's own /features endpoint).
    #[arg(long, value_parser = parse_url, value_name = "URL")]
    pub url: Option<String>,
    /// A title for the report and chart.
    #[arg(long)]
    pub title: Option<String>,
    /// Speak HTTP/2 (h2c) to the server at every N, multiplexing requests over one connection
    /// per client instead of one connection per request. Needs a server that speaks h2c, as
    /// gilwall's does. Without --http1 or --http2, points of up to 1024 tasks speak HTTP/1.1
    /// (as the article's clients) and larger ones HTTP/2, which `run` says.
    #[arg(long, conflicts_with = "http1")]
    pub http2: bool,
    /// Speak HTTP/1.1 at every N, one connection per request in flight, even where a burst of
    /// connects overflows the accept backlog (TCP retries those after about a second) or the
    /// open-files limit moves the embedded server into a process of its own.
    #[arg(long)]
    pub http1: bool,
    /// Write the report as JSON (the shared format), saved after every point so an interrupted
    /// sweep keeps what it measured. Without it the report goes to gilwall-results/last-run.json.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Continue an interrupted sweep saved in FILE, measuring only the points it lacks and those
    /// whose tasks failed (use the same flags as the first run). The report is saved back into FILE unless --export-json
    /// names another.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// CSV, Markdown, the chart, the trace and the timeline.
    #[command(flatten)]
    pub exports: ExportArgs,
    /// The embedded server's caps.
    #[command(flatten, next_help_heading = "Embedded server limits")]
    pub limits: ServerLimits,
    /// Faults the embedded server injects.
    #[command(flatten, next_help_heading = "Fault injection (embedded server)")]
    pub faults: FaultArgs,
}

fn parse_native_strategy(s: &str) -> Result<StrategyId, String> {
    let id: StrategyId = s.trim().parse()?;
    if !id.info().runtimes.contains(&Runtime::Native) {
        return Err(format!(
            "{id} runs only in the browser (open the demo page: cargo xtask serve)"
        ));
    }
    Ok(id)
}

fn parse_workers(s: &str) -> Result<u32, String> {
    let n: u64 = number(s)?;
    workload::check_workers(u32::try_from(n).unwrap_or(u32::MAX)).map_err(|e| e.to_string())
}
fn parse_switch_interval(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && v > 0.0 && v <= 1000.0 {
        Ok(v)
    } else {
        Err(format!("must be more than 0 and at most 1000 ms, got {s}"))
    }
}

/// Runs `gilwall run`.
pub(super) fn run(args: RunArgs) -> Result<()> {
    let mut config = SweepSpec {
        strategies: args.strategies.clone(),
        tasks: args.tasks.clone(),
        io_ms: args.io_ms,
        kernel: args.kernel,
        payload_kb: args.payload_kb,
        repeats: args.repeats,
        warmup: args.warmup,
        workers: args.workers,
        switch_interval_ms: args.switch_interval_ms,
        timeout_ms: args.timeout_ms,
        title: args.title.clone(),
        http2: args.http2,
        http1: args.http1,
        ..SweepSpec::default()
    };
    config.set_cpu(args.cpu.spec());
    config.check(Runtime::Native).map_err(spec_error)?;
    args.exports.check_timeline_tasks(&args.tasks)?;
    if args.url.is_some() && args.kernel == Kernel::Features {
        eprintln!(
            "note: the features kernel fetches /features, which only gilwall's own server has"
        );
    }
    let faults = args.faults.faults()?;
    if args.url.is_some() && faults.any() {
        return Err(UsageError(
            "fault injection needs gilwall's embedded server; leave out --url".into(),
        )
        .into());
    }
    let resumed = match &args.resume {
        Some(path) => Some(export::read_report(path).context("--resume")?),
        None => None,
    };
    // Where the report is saved after every point: never nowhere, so nothing measured is lost.
    let save_to: PathBuf = match (&args.export_json, &args.resume) {
        (Some(p), _) if !export::is_stdout(p) => p.clone(),
        (_, Some(p)) => p.clone(),
        _ => PathBuf::from(LAST_RUN),
    };
    // A client and an in-process server hold two descriptors per connection; when HTTP/1.1 is
    // forced and that would not fit, the embedded server runs as a child process instead
    // (unforced, such points speak HTTP/2).
    let max_tasks = u64::from(config.tasks.iter().copied().max().unwrap_or(1));
    let own_process =
        args.url.is_none() && args.http1 && max_tasks * 2 + 64 > machine::raise_open_files_limit();
    let exe = std::env::current_exe().context("cannot find the gilwall binary")?;
    if own_process {
        eprintln!(
            "note: {max_tasks} tasks need more open files than one process may hold with its server; the feature server runs in its own process"
        );
    }
    let mut server = args.limits.config(None, faults);
    // The sweep's own server must hold its largest point in flight, or it would answer 503.
    if !args.limits.max_in_flight_given() {
        server.max_in_flight = server.max_in_flight.max(max_tasks as usize);
    }
    let bench = Bench::start_with(
        args.url.as_deref(),
        server,
        own_process.then_some(exe.as_path()),
    )
    .map_err(in_flags)?;
    interrupt::watch(&save_to);
    let report = bench
        .run_from(&config, resumed, &progress_bar(), |partial| {
            export::write(&save_to, &Json.export(std::slice::from_ref(partial))?)?;
            interrupt::saved(partial.points.len());
            Ok(())
        })
        .map_err(in_flags)?;
    let reports = std::slice::from_ref(&report);
    if let Some(path) = &args.export_json {
        export::write(path, &Json.export(reports)?)?;
    }
    let title = args.title.clone().unwrap_or_else(|| default_title(&config));
    let exports = Exports::from(&args.exports);
    exports.write(reports, title, None)?;
    let json_to_stdout = args.export_json.as_deref().is_some_and(export::is_stdout);
    exports.print(&export::markdown::summary(&report), json_to_stdout);
    eprintln!("saved the report to {}", save_to.display());
    exports.say_written();
    // Failed tasks make the run a failure, said last so it is what a reader sees; everything
    // measured is already saved above.
    if let Some(failed) = export::notes::failure_summary(&[&report]) {
        let again = format!(
            "; --resume {} measures the failed points again",
            save_to.display()
        );
        let fix = if faults.any() {
            "The embedded server injected faults on purpose (--fail-rate, --drop-rate, \
             --malformed-rate); leave them out to measure the work"
        } else {
            "Fix what failed (is the server still up? does --timeout-ms leave the delay room?) \
             and run again"
        };
        anyhow::bail!(
            "{failed} Every point is saved in {}. {fix}{again}.",
            save_to.display()
        );
    }
    Ok(())
}

/// A bench's or the pipeline's error in the words of `gilwall run`'s flags.
fn in_flags(e: anyhow::Error) -> anyhow::Error {
    if let Some(Unreachable { url, why }) = e.downcast_ref::<Unreachable>() {
        return anyhow::anyhow!(
            "cannot reach --url {url} ({why}); is that server running and httpbin-compatible? \
                 Leave out --url to use gilwall's embedded server"
        );
    }
    if let Some(TooManyFiles {
        tasks,
        needed,
        limit,
    }) = e.downcast_ref::<TooManyFiles>()
    {
        return anyhow::anyhow!(
            "--tasks {tasks} needs about {needed} open files (one socket per task, two with the \
                 embedded server), but this process may open {limit}; lower --tasks, use --http2, \
                 or raise `ulimit -n`"
        );
    }
    if let Some(SweepError::ResumeMismatch {
        point,
        field,
        value,
    }) = e.downcast_ref::<SweepError>()
    {
        let flag = spec_error(SpecError {
            field: field.to_string(),
            message: field.to_string(),
        });
        return anyhow::anyhow!(
            "cannot resume: its point {point} was measured with {flag} {value}; run again with \
             the same flags as the interrupted sweep"
        );
    }
    if let Some(s) = e.downcast_ref::<SpecError>() {
        return spec_error(s.clone()).into();
    }
    e
}

/// Where `gilwall run` saves its report when no --export-json is given.
pub const LAST_RUN: &str = "gilwall-results/last-run.json";

fn default_title(config: &SweepSpec) -> String {
    let cpu = match config.cpu().unwrap_or_default() {
        CpuSpec::Ms(ms) => format!("{ms} ms CPU"),
        CpuSpec::Ratio(r) => format!("CPU {r} × I/O"),
        CpuSpec::Iters(n) => format!("{n} iterations of CPU"),
    };
    format!("{} ms fetch + {cpu} per task", config.io_ms)
}
