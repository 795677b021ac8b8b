//! The command line: clap definitions and the dispatch to each subcommand.

use crate::blog::{self, BlogConfig};
use crate::export::{self, Exporter, chart::Chart, csv::Csv, json::Json, markdown::Markdown};
use crate::machine::{self, InstantClock};
use crate::server::faults::Faults;
use crate::server::{self, ServerConfig};
use crate::sweep::{Bench, SweepConfig};
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use gilwall_core::calibrate::calibrate;
use gilwall_core::workload::{self, limits};
use gilwall_core::{CpuSpec, Kernel, Runtime, StrategyId, payload};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Shows, measures and teaches why async I/O stops scaling once each request also needs CPU work.
///
/// gilwall reproduces the article "Async I/O Is Not Enough": N tasks each fetch features over
/// HTTP and then do CPU work. It runs the article's strategies against its own feature server
/// on loopback (no internet needed) and compares every measurement with an ideal model.
#[derive(Debug, Parser)]
#[command(name = "gilwall", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run strategies over a sweep of task counts and compare each point with the model.
    ///
    /// Starts the embedded feature server on a free loopback port (unless --url names another),
    /// calibrates the CPU kernel, then runs every strategy at every N. Prints a table (median,
    /// min–max, the model's ideal and the efficiency) and a verdict per strategy; writes JSON,
    /// CSV, Markdown or an SVG chart on request (`-` for stdout).
    ///
    /// Strategies: serial (article step 1), async (steps 2-3: one event loop), gil (step 3:
    /// threads under one lock), threads (step 5: free threads), processes (step 4: a process
    /// pool), multicore (Go's goroutines), async-rayon (async I/O, CPU on a pool).
    Run(Box<RunArgs>),
    /// Reproduce the article: its five experiments plus the Go analog, in about half a minute.
    ///
    /// Writes, per experiment, a JSON report, an SVG chart and a Markdown summary into --out,
    /// plus index.md that walks through them.
    Blog(BlogArgs),
    /// Draw saved reports (from the CLI, the page or the Python companion) on one chart.
    Plot(PlotArgs),
    /// Serve the feature endpoints and the demo page.
    ///
    /// Endpoints: GET /delay/{seconds} (httpbin-compatible), GET /features?delay_ms=&size=&seed=
    /// (a deterministic JSON feature payload after the delay), GET /healthz, and the demo page
    /// from the www folder at /. Binds 127.0.0.1 unless --bind says otherwise.
    Serve(ServeArgs),
    /// Print how fast the CPU kernels run here (iterations per millisecond).
    ///
    /// Every run calibrates itself, so `--cpu-ms 100` means 100 ms of work on any machine; this
    /// command shows what that amounts to here.
    Calibrate(CalibrateArgs),
    /// Run the article's own Python strategies against gilwall's server, beside gilwall's.
    ///
    /// Makes a virtual environment with your python3 (once), installs the pinned requests and
    /// aiohttp there, runs serial requests, asyncio + aiohttp, run_in_executor, ProcessPoolExecutor
    /// and ThreadPoolExecutor, and writes the shared report with runtime "python", the
    /// interpreter's version and whether its GIL was on. --compare also runs the gilwall
    /// strategies with the same schedules and prints both efficiencies at every N.
    Python(Box<crate::python::PythonArgs>),
    /// The workshop: lessons that walk the article (run, predict, discuss), and exercises.
    ///
    /// `gilwall workshop` lists the lessons; `gilwall workshop 3` runs lesson 3;
    /// `gilwall workshop check [N]` checks the exercises in exercises/. See WORKSHOP.md.
    Workshop(crate::workshop::WorkshopArgs),
    /// (internal) A worker process of the `processes` strategy: reads tasks on stdin.
    #[command(hide = true)]
    Worker,
}

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
    #[allow(missing_docs)]
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
    /// Speak HTTP/2 (h2c) to the server, multiplexing requests over few connections instead of
    /// one connection per request: how to hold thousands of requests in flight. Needs a server
    /// that speaks h2c, as gilwall's does.
    #[arg(long)]
    pub http2: bool,
    /// Write the report as JSON (the shared format), saved after every point so an interrupted
    /// sweep keeps what it measured. Without it the report goes to gilwall-results/last-run.json.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Continue an interrupted sweep saved in FILE, measuring only the points it lacks (use the
    /// same flags as the first run). The report is saved back into FILE unless --export-json
    /// names another.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// Write the points as CSV.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Write a Markdown summary (table and verdicts).
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Draw duration vs tasks as an SVG chart, the model dashed.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// The embedded server's caps.
    #[command(flatten, next_help_heading = "Embedded server limits")]
    pub limits: ServerLimits,
    /// Faults the embedded server injects.
    #[command(flatten, next_help_heading = "Fault injection (embedded server)")]
    pub faults: FaultArgs,
}

/// How much CPU work each task does; at most one of these.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct CpuArgs {
    /// CPU work per task in ms, calibrated here; 0 is I/O only (the article's step 2).
    #[arg(long, value_parser = parse_cpu_ms, allow_negative_numbers = true, value_name = "MS")]
    pub cpu_ms: Option<f64>,
    /// CPU work as a fraction of the fetch delay (the article's fraction_of_io; default 0.5).
    #[arg(long, value_parser = parse_cpu_ratio, allow_negative_numbers = true, value_name = "R")]
    pub cpu_ratio: Option<f64>,
    /// A fixed number of kernel iterations per task, to compare runtimes' raw speed.
    #[arg(long, value_parser = parse_cpu_iters, value_name = "N")]
    pub cpu_iters: Option<u64>,
}

impl CpuArgs {
    /// The CPU spec these flags ask for (half the I/O time when none is given).
    pub fn spec(&self) -> CpuSpec {
        match (self.cpu_ms, self.cpu_ratio, self.cpu_iters) {
            (Some(ms), _, _) => CpuSpec::Ms(ms),
            (_, Some(r), _) => CpuSpec::Ratio(r),
            (_, _, Some(n)) => CpuSpec::Iters(n),
            _ => CpuSpec::Ratio(0.5),
        }
    }
}

/// Options of `gilwall blog`.
#[derive(Debug, Args)]
pub struct BlogArgs {
    /// Delay of one fetch, in ms (the article uses 1000; 100 keeps the run to about a minute).
    #[arg(long, default_value_t = 100.0, value_parser = parse_io_ms, allow_negative_numbers = true, value_name = "MS")]
    pub io_ms: f64,
    /// Task counts, comma-separated.
    #[arg(long, short = 'n', value_delimiter = ',', value_parser = parse_tasks, default_value = "1,2,4,8,16,32", value_name = "LIST")]
    pub tasks: Vec<u32>,
    /// CPU work as a fraction of the delay (the article's fraction_of_io).
    #[arg(long, default_value_t = 0.5, value_parser = parse_cpu_ratio, allow_negative_numbers = true, value_name = "R")]
    pub cpu_ratio: f64,
    /// Measured runs per point (more is steadier and slower).
    #[arg(long, default_value_t = 1, value_parser = parse_repeats, value_name = "N")]
    pub repeats: u32,
    /// Folder to write the reports, charts and index into.
    #[arg(long, default_value = "gilwall-results/blog", value_name = "DIR")]
    pub out: PathBuf,
    /// Use this httpbin-compatible server instead of the embedded one.
    #[arg(long, value_parser = parse_url, value_name = "URL")]
    pub url: Option<String>,
}

/// Options of `gilwall plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Saved reports (JSON, any runtime).
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// Where to write the SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: PathBuf,
    /// The chart's title (default: the first report's, or "gilwall").
    #[arg(long)]
    pub title: Option<String>,
}

/// Options of `gilwall serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind. Anything but loopback exposes the server to your network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Folder with the demo page (default: ./www, or the www folder of the source tree).
    #[arg(long, value_name = "DIR", conflicts_with = "no_www")]
    pub www: Option<PathBuf>,
    /// Serve the feature endpoints only, no page.
    #[arg(long)]
    pub no_www: bool,
    /// The server's caps.
    #[command(flatten, next_help_heading = "Server limits")]
    pub limits: ServerLimits,
    /// Faults to inject.
    #[command(flatten, next_help_heading = "Fault injection")]
    pub faults: FaultArgs,
}

/// The server's caps, shared by every command that starts one.
#[derive(Debug, Args, Clone)]
pub struct ServerLimits {
    /// Longest delay a request may ask for, in seconds; longer ones get 400.
    #[arg(long, default_value_t = 10.0, value_parser = parse_max_delay_s, value_name = "S")]
    pub max_delay_s: f64,
    /// Largest /features payload, in KiB; larger ones get 400.
    #[arg(long, default_value_t = 16 * 1024, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub max_payload_kb: u64,
    /// Most requests in flight; more get 503.
    #[arg(long, default_value_t = 16_384, value_parser = clap::value_parser!(u32).range(1..=1_000_000), value_name = "N")]
    pub max_in_flight: u32,
    /// Time a client has to send its request headers, in ms.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=600_000), value_name = "MS")]
    pub header_timeout_ms: u64,
}

/// Faults the server injects on purpose, to see how strategies cope.
#[derive(Debug, Args, Clone)]
pub struct FaultArgs {
    /// Share of fetches answered 500 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "P")]
    pub fail_rate: f64,
    /// Share of fetches whose connection is cut mid-response (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "P")]
    pub drop_rate: f64,
    /// Share of fetches answered with truncated, invalid JSON (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "P")]
    pub malformed_rate: f64,
    /// Extra delay per fetch, uniform from 0 to this many ms.
    #[arg(long, default_value_t = 0.0, value_parser = parse_jitter, value_name = "MS")]
    pub jitter_ms: f64,
}

impl FaultArgs {
    /// The faults, checked together (the rates may add up to at most 1).
    pub fn faults(&self) -> Result<Faults> {
        let f = Faults {
            fail_rate: self.fail_rate,
            drop_rate: self.drop_rate,
            malformed_rate: self.malformed_rate,
            jitter_ms: self.jitter_ms,
        };
        f.validate(limits::MAX_IO_MS).map_err(|e| {
            let flags = [
                ("fail_rate", "--fail-rate"),
                ("drop_rate", "--drop-rate"),
                ("malformed_rate", "--malformed-rate"),
                ("jitter_ms", "--jitter-ms"),
            ];
            UsageError(
                flags
                    .iter()
                    .fold(e, |msg, (field, flag)| msg.replace(field, flag)),
            )
        })?;
        Ok(f)
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be a probability from 0 to 1, got {s}"))
    }
}

fn parse_jitter(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && (0.0..=limits::MAX_IO_MS).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "must be from 0 to {} ms, got {s}",
            limits::MAX_IO_MS
        ))
    }
}

impl ServerLimits {
    /// The server configuration these caps describe.
    pub fn config(&self, www: Option<PathBuf>, faults: Faults) -> ServerConfig {
        ServerConfig {
            faults,
            max_delay_ms: self.max_delay_s * 1000.0,
            max_payload_bytes: self.max_payload_kb * 1024,
            max_in_flight: self.max_in_flight as usize,
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            www,
        }
    }
}

fn parse_max_delay_s(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if v.is_finite() && (0.0..=gilwall_core::workload::limits::MAX_IO_MS / 1000.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "must be from 0 to {} seconds",
            gilwall_core::workload::limits::MAX_IO_MS / 1000.0
        ))
    }
}

/// Options of `gilwall calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Kernel to measure; both when left out.
    #[arg(long, value_parser = parse_kernel)]
    pub kernel: Option<Kernel>,
    /// Payload size the `features` kernel is measured on, in KiB.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub payload_kb: u64,
    /// Time to spend measuring each kernel, in ms.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=60_000), value_name = "MS")]
    pub budget_ms: u64,
}

/// Parses a kernel name for clap.
pub fn parse_kernel(s: &str) -> Result<Kernel, String> {
    s.parse()
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

fn number<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))
}

fn parse_tasks(s: &str) -> Result<u32, String> {
    let n: u64 = number(s)?;
    workload::check_tasks(u32::try_from(n).unwrap_or(u32::MAX)).map_err(|e| e.to_string())
}
fn parse_io_ms(s: &str) -> Result<f64, String> {
    workload::check_io_ms(number(s)?).map_err(|e| e.to_string())
}
fn parse_cpu_ms(s: &str) -> Result<f64, String> {
    workload::check_cpu_ms(number(s)?).map_err(|e| e.to_string())
}
fn parse_cpu_ratio(s: &str) -> Result<f64, String> {
    workload::check_cpu_ratio(number(s)?).map_err(|e| e.to_string())
}
fn parse_cpu_iters(s: &str) -> Result<u64, String> {
    workload::check_cpu_iters(number(s)?).map_err(|e| e.to_string())
}
fn parse_repeats(s: &str) -> Result<u32, String> {
    let n: u64 = number(s)?;
    workload::check_repeats(u32::try_from(n).unwrap_or(u32::MAX)).map_err(|e| e.to_string())
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
fn parse_url(s: &str) -> Result<String, String> {
    if (s.starts_with("http://") || s.starts_with("https://")) && s.len() > "http://".len() {
        Ok(s.trim_end_matches('/').to_string())
    } else {
        Err(format!("{s:?} is not an http:// or https:// URL"))
    }
}

/// A progress bar with an ETA on a terminal; hidden when stderr is piped.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    // The template is a constant that indicatif accepts; a typo would show in every run.
    let style =
        ProgressStyle::with_template("{spinner} {msg:<22} [{bar:30}] {percent:>3}%  ETA {eta}")
            .expect("the progress template is valid")
            .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A problem with the command line found after parsing (flags that are each fine but not
/// together); the binary exits with code 2 for it, as for any other usage error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Calibrate(args) => calibrate_command(args),
        Command::Run(args) => run_command(*args),
        Command::Blog(args) => blog_command(args),
        Command::Plot(args) => plot_command(args),
        Command::Python(args) => crate::python::run(*args),
        Command::Workshop(args) => crate::workshop::run(args),
        Command::Worker => crate::strategy::processes::worker_main(),
    }
}

fn run_command(args: RunArgs) -> Result<()> {
    let config = SweepConfig {
        strategies: args.strategies.clone(),
        tasks: args.tasks.clone(),
        io_ms: args.io_ms,
        cpu: args.cpu.spec(),
        kernel: args.kernel,
        payload_bytes: args.payload_kb * 1024,
        repeats: args.repeats,
        warmup: args.warmup,
        workers: args.workers,
        switch_interval_ms: args.switch_interval_ms,
        timeout_ms: args.timeout_ms,
        title: args.title.clone(),
        http2: args.http2,
    };
    config
        .validate()
        .map_err(|e| UsageError(format!("{e:#}")))?;
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
        (Some(p), _) if p.as_os_str() != "-" => p.clone(),
        (_, Some(p)) => p.clone(),
        _ => PathBuf::from(LAST_RUN),
    };
    // A client and an in-process server hold two descriptors per connection; when that would
    // not fit, the embedded server runs as a child process instead.
    let max_tasks = u64::from(config.tasks.iter().copied().max().unwrap_or(1));
    let own_process =
        args.url.is_none() && !args.http2 && max_tasks * 2 + 64 > machine::raise_open_files_limit();
    let exe = std::env::current_exe().context("cannot find the gilwall binary")?;
    if own_process {
        eprintln!(
            "note: {max_tasks} tasks need more open files than one process may hold with its server; the feature server runs in its own process"
        );
    }
    let bench = Bench::start_with(
        args.url.as_deref(),
        args.limits.config(None, faults),
        own_process.then_some(exe.as_path()),
    )?;
    interrupt::watch(&save_to);
    let report = bench.run_from(&config, resumed, &progress_bar(), |partial| {
        export::write(&save_to, &Json.export(std::slice::from_ref(partial))?)?;
        interrupt::saved(partial.points.len());
        Ok(())
    })?;
    let reports = std::slice::from_ref(&report);
    let title = args.title.clone().unwrap_or_else(|| default_title(&config));
    let exports: [(&Option<PathBuf>, &dyn Exporter); 4] = [
        (&args.export_json, &Json),
        (&args.export_csv, &Csv),
        (&args.export_markdown, &Markdown),
        (&args.chart, &Chart { title }),
    ];
    let mut to_stdout = false;
    for (path, exporter) in exports {
        if let Some(path) = path {
            export::write(path, &exporter.export(reports)?)?;
            to_stdout |= path.as_os_str() == "-";
        }
    }
    // The table goes to stdout unless an export already does.
    let summary = format!(
        "{}\n{}",
        export::markdown::table(&report),
        export::markdown::verdicts(&report)
            .iter()
            .map(|v| format!("- {v}\n"))
            .collect::<String>()
    );
    if to_stdout {
        eprint!("{summary}")
    } else {
        print!("{summary}")
    }
    eprintln!("saved the report to {}", save_to.display());
    for (path, what) in [
        (&args.export_csv, "CSV"),
        (&args.export_markdown, "summary"),
        (&args.chart, "chart"),
    ] {
        if let Some(p) = path.as_deref().filter(|p| p.as_os_str() != "-") {
            eprintln!("wrote the {what} to {}", p.display());
        }
    }
    Ok(())
}

/// Where `gilwall run` saves its report when no --export-json is given.
pub const LAST_RUN: &str = "gilwall-results/last-run.json";

/// Ctrl-C during a sweep: every point so far is already on disk (saved atomically after each),
/// so the handler only says where and how to go on, then exits.
mod interrupt {
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    static STATE: Mutex<Option<(PathBuf, usize)>> = Mutex::new(None);

    /// Installs the handler for a sweep saving into `path`.
    pub fn watch(path: &Path) {
        *STATE.lock().unwrap_or_else(|p| p.into_inner()) = Some((path.to_path_buf(), 0));
        // Installing fails only if a handler is already set (a second sweep in this process),
        // and that one reads the same state.
        let _ = ctrlc::set_handler(|| {
            let state = STATE.lock().unwrap_or_else(|p| p.into_inner()).clone();
            match state {
                Some((path, n)) if n > 0 => eprintln!(
                    "\ninterrupted: {n} point(s) are saved in {}; continue with --resume {}",
                    path.display(),
                    path.display()
                ),
                _ => {
                    eprintln!("\ninterrupted before the first point was measured; nothing to save")
                }
            }
            std::process::exit(130);
        });
    }

    /// Notes that `points` points are now saved.
    pub fn saved(points: usize) {
        if let Some((_, n)) = STATE.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            *n = points;
        }
    }
}

fn default_title(config: &SweepConfig) -> String {
    let cpu = match config.cpu {
        CpuSpec::Ms(ms) => format!("{ms} ms CPU"),
        CpuSpec::Ratio(r) => format!("CPU {r} × I/O"),
        CpuSpec::Iters(n) => format!("{n} iterations of CPU"),
    };
    format!("{} ms fetch + {cpu} per task", config.io_ms)
}

fn blog_command(args: BlogArgs) -> Result<()> {
    let bench = Bench::start(args.url.as_deref(), ServerConfig::default())?;
    let config = BlogConfig {
        io_ms: args.io_ms,
        tasks: args.tasks,
        repeats: args.repeats,
        cpu_ratio: args.cpu_ratio,
        out: args.out.clone(),
    };
    eprintln!(
        "gilwall blog: the article's experiments with a {} ms fetch and CPU at {} × the fetch, N = {:?}",
        config.io_ms, config.cpu_ratio, config.tasks
    );
    let written = blog::run(&bench, &config, &progress_bar())?;
    let index = std::fs::read_to_string(&written[0]).unwrap_or_default();
    println!("{index}");
    println!(
        "Wrote {} and one chart per experiment:",
        written[0].display()
    );
    for p in &written[1..] {
        println!("  {}", p.display());
    }
    Ok(())
}

fn plot_command(args: PlotArgs) -> Result<()> {
    let reports = args
        .reports
        .iter()
        .map(|p| export::read_report(p))
        .collect::<Result<Vec<_>>>()?;
    let title = args
        .title
        .or_else(|| reports[0].title.clone())
        .unwrap_or_else(|| "gilwall".to_string());
    export::write(&args.chart, &Chart { title }.export(&reports)?)?;
    eprintln!(
        "wrote the chart of {} report(s) to {}",
        reports.len(),
        args.chart.display()
    );
    Ok(())
}

fn serve(args: ServeArgs) -> Result<()> {
    let www = match args.www {
        _ if args.no_www => None,
        Some(dir) => {
            if !dir.join("index.html").is_file() {
                bail!(
                    "--www {}: no index.html there; point it at gilwall's www folder",
                    dir.display()
                );
            }
            Some(dir)
        }
        None => default_www(),
    };
    let config = args.limits.config(www.clone(), args.faults.faults()?);
    machine::raise_open_files_limit();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(args.bind, args.port);
        let listener = server::bind(addr).with_context(|| {
            format!("cannot listen on {addr}; is the port in use? pick another with --port, or --port 0 for any free one")
        })?;
        let local = listener.local_addr()?;
        if !args.bind.is_loopback() {
            eprintln!(
                "WARNING: listening on {local}, which is NOT loopback: anyone who can reach this \
                 machine can use this server. Use --bind 127.0.0.1 unless you mean it."
            );
        }
        let host = if args.bind.is_unspecified() { "127.0.0.1".to_string() } else { args.bind.to_string() };
        match &www {
            None if args.no_www => {}
            Some(dir) => println!("gilwall: demo page at http://{host}:{}/ (from {})", local.port(), dir.display()),
            None => println!("gilwall: no www folder found; serving the API only (build the page with `cargo xtask web`)"),
        }
        println!("gilwall: feature server at http://{host}:{}/delay/1 and /features; Ctrl-C stops it", local.port());
        server::run(listener, config, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped with an error")
    })
}

/// The demo page's folder: `./www` if it has an index.html, else the source tree's `www`.
pub fn default_www() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("www"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../www"),
    ];
    candidates
        .into_iter()
        .find(|d| d.join("index.html").is_file())
}

fn calibrate_command(args: CalibrateArgs) -> Result<()> {
    let kernels = match args.kernel {
        Some(k) => vec![k],
        None => Kernel::ALL.to_vec(),
    };
    let clock = InstantClock::new();
    let body = payload::generate(1, (args.payload_kb * 1024) as usize);
    println!(
        "{:<10} {:>16} {:>22}  what",
        "kernel", "iterations/ms", "iterations for 100 ms"
    );
    for kernel in kernels {
        let c = calibrate(kernel, &body, &clock, args.budget_ms as f64)
            .with_context(|| format!("calibrating the {kernel} kernel"))?;
        println!(
            "{:<10} {:>16.1} {:>22}  {}",
            kernel.id(),
            c.iters_per_ms,
            c.iterations_for(100.0),
            kernel.describe()
        );
    }
    println!(
        "\n{} cores; the features kernel was measured on a {} KiB payload.",
        machine::cores(),
        args.payload_kb
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
