//! `gilwall load`'s flags, mapped onto [`crate::load::LoadOptions`]: the app under an open-loop
//! stream of requests, a table with each strategy's knee in words, and the report, CSV and
//! chart on request. A step with failed requests (503s from a full queue included) exits 1
//! after everything is saved.

use super::args::{CpuArgs, number, parse_io_ms, parse_kernel, parse_url};
use super::{UsageError, progress_bar};
use crate::app::APP_STRATEGIES;
use crate::export::{self, Exporter, json::Json, load::LoadCsv, load_chart::LoadChart};
use crate::load::python::{PyApp, PythonLoad};
use crate::load::{self, LoadError, LoadOptions, Rates};
use anyhow::{Context, Result};
use clap::Args;
use gilwall_core::load::{Arrivals, limits};
use gilwall_core::{CpuSpec, Kernel, StrategyId};
use std::path::PathBuf;

/// Options of `gilwall load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// App strategies to drive, comma-separated, each in turn [default: async,multicore, or
    /// none when --python is given].
    #[arg(long = "strategy", short = 's', value_delimiter = ',', value_parser = parse_strategy,
          value_name = "LIST")]
    pub strategies: Option<Vec<StrategyId>>,
    /// Also drive the article's app served by Python (aiohttp, in the Python companion's
    /// virtual environment), these strategies in turn after gilwall's: asyncio (CPU inline in
    /// the handler: FastAPI `async def`), executor (run_in_executor's default thread pool),
    /// process-pool (a ProcessPoolExecutor), workers (P processes on one port: gunicorn -w P).
    /// Their points say runtime python and which gilwall strategy models each.
    #[arg(long, value_delimiter = ',', value_parser = parse_py_app, value_name = "LIST",
          conflicts_with = "url")]
    pub python: Option<Vec<PyApp>>,
    /// Serve the Python app on a free-threaded CPython (the one `gilwall python
    /// --free-threaded` finds or builds into ~/.cache/gilwall); executor is then modelled as
    /// threads, not gil.
    #[arg(long, requires = "python")]
    pub free_threaded: bool,
    /// The Python interpreter that makes the virtual environment (default python3); with
    /// --free-threaded, the free-threaded one.
    #[arg(long, value_name = "PATH", requires = "python")]
    pub interpreter: Option<std::ffi::OsString>,
    /// Where the Python app's virtual environment lives (made once, then reused; the same as
    /// `gilwall python`'s).
    #[arg(
        long,
        default_value = "gilwall-results/python-venv",
        value_name = "DIR"
    )]
    pub venv: PathBuf,
    /// Offered rates in requests per second, comma-separated, or `auto`: 0.2, 0.5, 0.7, 0.9
    /// and 1.2 of each strategy's modelled capacity.
    #[arg(long, default_value = "auto", value_parser = parse_rates, value_name = "LIST|auto")]
    pub rate: RatesArg,
    /// How requests arrive: poisson (independent users) or constant (evenly spaced).
    #[arg(long, default_value = "poisson", value_parser = parse_arrivals, value_name = "KIND")]
    pub arrivals: Arrivals,
    /// Measured seconds per rate.
    #[arg(long, default_value_t = 5.0, value_parser = parse_duration, value_name = "S")]
    pub duration_s: f64,
    /// Unmeasured seconds per rate before the measured ones.
    #[arg(long, default_value_t = 1.0, value_parser = parse_warmup, value_name = "S")]
    pub warmup_s: f64,
    /// Fetch delay per request, in ms.
    #[arg(long, default_value_t = 50.0, value_parser = parse_io_ms, allow_negative_numbers = true, value_name = "MS")]
    pub io_ms: f64,
    #[command(flatten)]
    pub cpu: CpuArgs,
    /// CPU kernel: sqrt (the article's loop) or features (preprocess the fetched JSON).
    #[arg(long, default_value = "sqrt", value_parser = parse_kernel, value_name = "KERNEL")]
    pub kernel: Kernel,
    /// Size of each fetched feature payload, in KiB (used by the features kernel).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub payload_kb: u64,
    /// The app's threads (gil, threads: default 32) or processes (processes: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096), value_name = "N")]
    pub workers: Option<u32>,
    /// The app's bound on requests in flight; the rest get 503, counted as failed.
    #[arg(long, default_value_t = crate::app::DEFAULT_MAX_IN_FLIGHT, value_parser = clap::value_parser!(u32).range(1..=1_000_000), value_name = "N")]
    pub max_in_flight: u32,
    /// Drive the app at this URL (`gilwall app`, or any with the same /predict) instead of
    /// starting one; --strategy then names the one strategy the model assumes.
    #[arg(long, value_parser = parse_url, value_name = "URL")]
    pub url: Option<String>,
    /// Per-request timeout, in ms.
    #[arg(long, default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000), value_name = "MS")]
    pub timeout_ms: u64,
    /// Seed of the arrival times (the model draws the same ones).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A title for the report and chart.
    #[arg(long)]
    pub title: Option<String>,
    /// Write the report as JSON, saved after every step. Without it the report goes to
    /// gilwall-results/last-load.json.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Write the load points as CSV.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Draw p50 and p99 latency against the offered rate as an SVG chart (log scale), the
    /// model dashed and each strategy's capacity marked.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
}

/// `--rate`'s value.
#[derive(Debug, Clone)]
pub struct RatesArg(Rates);

fn parse_strategy(s: &str) -> Result<StrategyId, String> {
    let id: StrategyId = s.trim().parse()?;
    if APP_STRATEGIES.contains(&id) {
        return Ok(id);
    }
    let all: Vec<&str> = APP_STRATEGIES.iter().map(|s| s.as_str()).collect();
    Err(format!(
        "{id} is not an app strategy; expected one of: {}",
        all.join(", ")
    ))
}

fn parse_py_app(s: &str) -> Result<PyApp, String> {
    s.parse()
}

fn parse_rates(s: &str) -> Result<RatesArg, String> {
    if s.trim() == "auto" {
        return Ok(RatesArg(Rates::Auto));
    }
    let rates = s
        .split(',')
        .map(|r| {
            let v: f64 = number(r)?;
            if v.is_finite() && v > 0.0 && v <= limits::MAX_RATE_RPS {
                Ok(v)
            } else {
                Err(format!(
                    "each rate must be more than 0 and at most {} req/s, got {r}",
                    limits::MAX_RATE_RPS
                ))
            }
        })
        .collect::<Result<Vec<f64>, String>>()?;
    if rates.len() > limits::MAX_RATES {
        return Err(format!(
            "at most {} rates, got {}",
            limits::MAX_RATES,
            rates.len()
        ));
    }
    Ok(RatesArg(Rates::List(rates)))
}

fn parse_arrivals(s: &str) -> Result<Arrivals, String> {
    s.parse()
}

fn parse_duration(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && v > 0.0 && v <= limits::MAX_DURATION_S {
        Ok(v)
    } else {
        Err(format!(
            "must be more than 0 and at most {} s, got {s}",
            limits::MAX_DURATION_S
        ))
    }
}

fn parse_warmup(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && (0.0..=60.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be from 0 to 60 s, got {s}"))
    }
}

/// Where `gilwall load` saves its report when no --export-json is given.
pub const LAST_LOAD: &str = "gilwall-results/last-load.json";

/// Runs `gilwall load`.
pub(super) fn run(args: LoadArgs) -> Result<()> {
    let cpu_ms = match args.cpu.spec() {
        CpuSpec::Iters(_) => {
            return Err(UsageError(
                "--cpu-iters is not for load: a request's CPU is asked in ms (--cpu-ms or --cpu-ratio)"
                    .into(),
            )
            .into());
        }
        spec => spec.ms(args.io_ms).unwrap_or(0.0),
    };
    if cpu_ms > crate::app::MAX_REQUEST_CPU_MS {
        return Err(UsageError(format!(
            "CPU per request must be at most {} ms, got {cpu_ms} (from --cpu-ms or --cpu-ratio)",
            crate::app::MAX_REQUEST_CPU_MS
        ))
        .into());
    }
    let strategies = match (&args.strategies, &args.python) {
        (Some(s), _) => s.clone(),
        (None, Some(_)) => Vec::new(),
        (None, None) => vec![StrategyId::Async, StrategyId::Multicore],
    };
    let python = args.python.clone().map(|apps| {
        let (base, free) = match (args.free_threaded, args.interpreter.clone()) {
            (true, explicit) => ("python3".into(), Some(explicit)),
            (false, Some(p)) => (p, None),
            (false, None) => ("python3".into(), None),
        };
        PythonLoad {
            apps,
            python: base,
            venv: args.venv.clone(),
            free_threaded: free,
            cache: crate::machine::cache_dir(),
        }
    });
    let options = LoadOptions {
        strategies,
        rates: args.rate.0.clone(),
        arrivals: args.arrivals,
        duration_s: args.duration_s,
        warmup_s: args.warmup_s,
        io_ms: args.io_ms,
        cpu_ms,
        kernel: args.kernel,
        payload_bytes: args.payload_kb * 1024,
        workers: args.workers,
        max_in_flight: args.max_in_flight,
        app_url: args.url.clone(),
        timeout_ms: args.timeout_ms,
        seed: args.seed,
        title: args.title.clone(),
        python,
    };
    let save_to = match &args.export_json {
        Some(p) if !export::is_stdout(p) => p.clone(),
        _ => PathBuf::from(LAST_LOAD),
    };
    let exe = std::env::current_exe().context("cannot find the gilwall binary")?;
    let report = load::run(&options, &exe, &progress_bar(), |partial| {
        export::write(&save_to, &Json.export(std::slice::from_ref(partial))?)
    })
    .map_err(in_flags)?;
    let reports = std::slice::from_ref(&report);
    if let Some(path) = &args.export_json {
        export::write(path, &Json.export(reports)?)?;
    }
    if let Some(path) = &args.export_csv {
        export::write(path, &LoadCsv.export(reports)?)?;
    }
    let title = args.title.clone().unwrap_or_else(|| {
        format!(
            "Latency under load: fetch {} ms + {} ms CPU per request",
            args.io_ms, cpu_ms
        )
    });
    if let Some(path) = &args.chart {
        export::write(path, &LoadChart { title }.export(reports)?)?;
    }
    let table = export::load::table(&report);
    if args.export_json.as_deref().is_some_and(export::is_stdout) {
        eprint!("{table}");
    } else {
        print!("{table}");
    }
    eprintln!("saved the report to {}", save_to.display());
    for p in [&args.export_csv, &args.chart].into_iter().flatten() {
        if !export::is_stdout(p) {
            eprintln!("wrote {}", p.display());
        }
    }
    let failed: Vec<String> = report
        .load_points
        .iter()
        .filter(|p| !p.complete())
        .map(|p| {
            format!(
                "{} at {} req/s: {} of {} failed ({} rejected with 503){}",
                p.strategy,
                p.rate_rps,
                p.errors,
                p.sent,
                p.rejected,
                p.error_sample
                    .as_deref()
                    .map(|e| format!(", e.g. {e}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if !failed.is_empty() {
        anyhow::bail!(
            "requests failed, so those steps measure failures, not latency: {}. A 503 is the app's \
             bounded queue turning away what it cannot serve (raise --max-in-flight or lower \
             --rate); anything else, fix and run again. Every step is saved in {}.",
            failed.join("; "),
            save_to.display()
        );
    }
    Ok(())
}

/// A load run's error in the words of `gilwall load`'s flags.
fn in_flags(e: anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<LoadError>() {
        Some(LoadError::NoCapacity(s)) => UsageError(format!(
            "--rate auto needs a capacity, and {s} has none without CPU work; give --rate a list \
             or --cpu-ms more than 0"
        ))
        .into(),
        Some(e @ LoadError::TooManyRequests { .. }) => {
            UsageError(format!("{e}; lower --rate, --duration-s or --warmup-s")).into()
        }
        Some(e @ LoadError::PythonKernel(_)) => {
            UsageError(format!("{e}; drop --kernel with --python")).into()
        }
        Some(LoadError::Nothing) => UsageError("give --strategy, --python or both".into()).into(),
        Some(LoadError::OneStrategyAtUrl) => UsageError(
            "with --url, give exactly one --strategy: the one the app at that URL runs, which the \
             model assumes"
                .into(),
        )
        .into(),
        None => e,
    }
}
