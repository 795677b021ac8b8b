//! The command line: the `Cli` and its subcommands, the dispatch to each command's module, the
//! usage error that makes the binary exit with code 2, and the progress bar long commands share.
//!
//! Each command's flags live in a module of their own (`run`, `blog`, `plot`, `serve`,
//! `export_page`, `calibrate`, `python`, `go`, `app`, `load`, `workshop`), which maps them onto
//! the typed options of the library module that does the work and says that module's errors in
//! the flags' names; flag groups that several commands take, and the parsers that check their
//! values, live in `args`. Nothing outside this module imports it.

mod app;
mod args;
mod blog;
mod calibrate;
mod export_page;
mod go;
mod load;
mod plot;
mod python;
mod run;
mod serve;
mod workshop;

pub use app::AppArgs;
pub use args::{CpuArgs, ExportArgs, FaultArgs, ServerLimits, parse_kernel};
pub use blog::BlogArgs;
pub use calibrate::CalibrateArgs;
pub use export_page::ExportPageArgs;
pub use go::GoArgs;
pub use load::LoadArgs;
pub use plot::PlotArgs;
pub use python::PythonArgs;
pub use run::{LAST_RUN, RunArgs};
pub use serve::ServeArgs;
pub use workshop::{CheckArgs, InitArgs, WorkshopArgs, WorkshopCommand};

use anyhow::Result;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Shows, measures and teaches why async I/O stops scaling once each request also needs CPU work.
///
/// gilwall reproduces the article "Async I/O Is Not Enough": N tasks each fetch features over
/// HTTP and then do CPU work. It runs the article's strategies against its own feature server
/// on loopback (no internet needed) and compares every measurement with an ideal model.
#[derive(Debug, Parser)]
#[command(name = "gilwall", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run strategies over a sweep of task counts and compare each point with the model.
    ///
    /// Starts the embedded feature server on a free loopback port (unless --url names another),
    /// calibrates the CPU kernel, then runs every strategy at every N. Prints a table (median,
    /// min–max, the model's ideal, the efficiency at the CPU asked and at the CPU taken) and a
    /// verdict per strategy; writes JSON, CSV, Markdown or an SVG chart on request (`-` for
    /// stdout). Exits with code 1, naming what failed, when any task failed.
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
    /// at /: from inside this binary when it was installed with the page (`cargo xtask
    /// install`), else from a built www folder (--www, ./www or the checkout's). With no page,
    /// it serves the endpoints and says at / how to get one. Binds 127.0.0.1 unless --bind
    /// says otherwise.
    Serve(ServeArgs),
    /// Write a copy of the demo page that runs from any static file server.
    ///
    /// No gilwall server needed: a service worker answers /delay and /features inside the
    /// browser (core's payload, as gilwall serve sends it) and adds the cross-origin-isolation
    /// headers the wasm-threads strategy needs. The page and its reports say "static".
    ExportPage(ExportPageArgs),
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
    Python(Box<PythonArgs>),
    /// Run the article's own Go strategies against gilwall's server, beside gilwall's.
    ///
    /// Builds a small Go program of gilwall's (once, into ~/.cache/gilwall) with the machine's Go
    /// toolchain (installing Debian's golang-go when run as root and none is there), runs serial
    /// and one goroutine per task with a WaitGroup, the CPU kernel calibrated in Go and its
    /// result kept, and writes the shared report with runtime "go" and GOMAXPROCS. --as-written
    /// also runs the article's loop as written, whose unused result the compiler deletes;
    /// --compare also runs gilwall's serial, async and multicore at every N.
    Go(Box<GoArgs>),
    /// The workshop: lessons that walk the article (run, predict, discuss), and exercises.
    ///
    /// `gilwall workshop` lists the lessons; `gilwall workshop 3` runs lesson 3;
    /// `gilwall workshop check [N]` checks the exercises in exercises/. See WORKSHOP.md.
    Workshop(WorkshopArgs),
    /// Serve the article's app: GET /predict fetches features, computes, answers (one strategy).
    ///
    /// The feature-serving endpoint of the article as a real HTTP service, scheduled the way a
    /// Python deployment would: async (FastAPI `async def` with the CPU inline), gil (gunicorn
    /// threads under the GIL), threads (free-threaded Python), processes (gunicorn -w P on one
    /// port), multicore (Go's net/http), async-rayon (run_in_executor to a pool). A bad query
    /// gets 400 naming the parameter; past --max-in-flight requests get 503. Binds 127.0.0.1
    /// unless --bind says otherwise; drive it with `gilwall load --url`, oha, wrk or k6.
    App(Box<AppArgs>),
    /// Drive the app open-loop at request rates, and set p50/p99 latency beside the model.
    ///
    /// Starts the feature server and `gilwall app` per strategy, then sends requests at each
    /// --rate (Poisson by default) for --duration-s after --warmup-s, each at its intended time
    /// whatever the ones before it did, and measures latency from that intended time (no
    /// coordinated omission) in HDR histograms. Prints a table with each strategy's knee in
    /// words, saves the report (load points), and writes CSV and an SVG chart on request.
    /// Exits with code 1 when any request failed (a 503 from a full queue included).
    Load(Box<LoadArgs>),
    /// (internal) A worker process of the `processes` strategy: reads tasks on stdin.
    #[command(hide = true)]
    Worker,
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
        Command::Serve(args) => serve::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::ExportPage(args) => export_page::run(args),
        Command::Run(args) => run::run(*args),
        Command::Blog(args) => blog::run(args),
        Command::Plot(args) => plot::run(args),
        Command::Python(args) => python::run(*args),
        Command::Go(args) => go::run(*args),
        Command::Workshop(args) => workshop::run(args),
        Command::App(args) => app::run(*args),
        Command::Load(args) => load::run(*args),
        Command::Worker => crate::strategy::processes::worker_main(),
    }
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
