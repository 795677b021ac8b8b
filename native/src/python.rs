//! `gilwall python`: the article's own Python strategies, measured beside gilwall's.
//!
//! The article's figures come from Python: `requests`, `asyncio` + `aiohttp`,
//! `run_in_executor`, `ProcessPoolExecutor` and `ThreadPoolExecutor`. gilwall reproduces them in
//! Rust, and this command checks the reproduction against the original: it runs the companion
//! script (`python/gilwall_python.py`, compiled into the binary) in a virtual environment of its
//! own against gilwall's feature server, gives every Python point the ideal model's prediction
//! by the schedule that strategy has, and writes the shared report format with
//! `runtime: "python"`, so `gilwall plot` draws Python's curves beside Rust's. With `--compare`
//! it also runs the matching gilwall strategies, taking turns with Python at each N (so a change
//! in the shared machine's load falls on both alike), and prints both efficiencies side by side.
//!
//! Python's strategies are named as in the article, not after gilwall's, because they are not
//! the same programs; [`model_strategy`] says which of gilwall's schedules each one has.

mod companion;
mod venv;

pub use companion::{
    PyOutput, PyPoint, PyStrategy, build_report, compare_sweeps, model_strategy, side_by_side,
};

use crate::cli::args::{parse_io_ms, parse_repeats, parse_tasks, parse_url};
use crate::cli::{CpuArgs, ExportArgs, UsageError};
use crate::export::{self, Exporter, Exports, json::Json};
use crate::machine;
use crate::server::ServerConfig;
use crate::sweep::Bench;
use anyhow::{Context, Result, bail};
use clap::Args;
use gilwall_core::report::Report;
use gilwall_core::{CpuSpec, workload};
use indicatif::ProgressBar;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub use venv::{MIN_PYTHON, PythonEnv, REQUIREMENTS, SCRIPT};

/// Where Python's report goes without --export-json.
pub const DEFAULT_JSON: &str = "gilwall-results/python.json";
/// Where gilwall's comparison report goes without --compare-json.
pub const DEFAULT_COMPARE_JSON: &str = "gilwall-results/python-compare-native.json";

/// Options of `gilwall python`.
#[derive(Debug, Args)]
// The exports are `gilwall run`'s flags; here they also hold what --compare measured.
#[command(
    mut_arg("export_csv", |a| a.help("Write Python's points as CSV")),
    mut_arg("export_markdown", |a| a.help(
        "Write a Markdown summary (table, verdicts, and the side-by-side table with --compare)"
    )),
    mut_arg("chart", |a| a.help(
        "Draw duration vs tasks as an SVG chart (with --compare, Python and gilwall together)"
    )),
)]
pub struct PythonArgs {
    /// Python strategies to run, comma-separated: serial (article step 1), asyncio-io (step 2),
    /// asyncio (CPU inline on the loop), asyncio-executor (step 3), process-pool (step 4),
    /// thread-pool (step 5).
    #[arg(
        long = "strategy",
        short = 's',
        value_delimiter = ',',
        value_enum,
        default_value = "serial,asyncio-io,asyncio,asyncio-executor,process-pool,thread-pool",
        value_name = "LIST",
        hide_possible_values = true
    )]
    pub strategies: Vec<PyStrategy>,
    /// Task counts N, comma-separated (the article sweeps 1..32).
    #[arg(long, short = 'n', value_delimiter = ',', value_parser = parse_tasks, default_value = "1,2,4,8,16,32", value_name = "LIST")]
    pub tasks: Vec<u32>,
    /// Delay of one fetch, in ms (the article: 1000).
    #[arg(long, default_value_t = 200.0, value_parser = parse_io_ms, allow_negative_numbers = true, value_name = "MS")]
    pub io_ms: f64,
    #[command(flatten)]
    pub cpu: CpuArgs,
    /// Measured runs per point; the median is reported.
    #[arg(long, default_value_t = 1, value_parser = parse_repeats, value_name = "N")]
    pub repeats: u32,
    /// Also run the gilwall strategies with the same schedules, taking turns with Python at each
    /// N, and print both efficiencies side by side at every N.
    #[arg(long)]
    pub compare: bool,
    /// The Python interpreter that makes the virtual environment.
    #[arg(long, default_value = "python3", value_name = "PATH")]
    pub python: OsString,
    /// Where the virtual environment lives (made once, then reused).
    #[arg(
        long,
        default_value = "gilwall-results/python-venv",
        value_name = "DIR"
    )]
    pub venv: PathBuf,
    /// Use this httpbin-compatible server instead of the embedded one.
    #[arg(long, value_parser = parse_url, value_name = "URL")]
    pub url: Option<String>,
    /// A title for the report and chart.
    #[arg(long)]
    pub title: Option<String>,
    /// Write Python's report (the shared JSON format). Without it the report goes to
    /// gilwall-results/python.json.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// With --compare: write gilwall's report too. Without it, it goes to
    /// gilwall-results/python-compare-native.json.
    #[arg(long, value_name = "FILE")]
    pub compare_json: Option<PathBuf>,
    /// CSV, Markdown and the chart, with help that says what --compare adds to each.
    #[command(flatten)]
    pub exports: ExportArgs,
}

/// Runs `gilwall python`.
pub fn run(args: PythonArgs) -> Result<()> {
    let cpu_ms = match args.cpu.spec() {
        CpuSpec::Iters(_) => {
            return Err(UsageError(
                "--cpu-iters counts iterations of gilwall's own kernel, which Python runs at \
                 another speed; give --cpu-ms or --cpu-ratio"
                    .into(),
            )
            .into());
        }
        spec => spec
            .ms(args.io_ms)
            .expect("only a fixed iteration count has no ms"),
    };
    workload::check_cpu_ms(cpu_ms).map_err(|e| {
        UsageError(format!(
            "CPU work per task (--cpu-ms, or --cpu-ratio × --io-ms): {e}"
        ))
    })?;
    let mut strategies: Vec<PyStrategy> = Vec::new();
    for &s in &args.strategies {
        // With no CPU work, asyncio is asyncio-io: run it once.
        let s = if cpu_ms == 0.0 && s == PyStrategy::Asyncio {
            PyStrategy::AsyncioIo
        } else {
            s
        };
        if !strategies.contains(&s) {
            strategies.push(s);
        }
    }
    let max_tasks = args.tasks.iter().copied().max().unwrap_or(1) as u64;
    // A socket per task in Python, and one more per task in the embedded server: checked
    // before anything is installed or started.
    let needed = max_tasks * 2 + 64;
    let open_files = machine::raise_open_files_limit();
    if needed > open_files {
        bail!(
            "--tasks {max_tasks} needs about {needed} open files, but this process may open \
             {open_files}; lower --tasks or raise `ulimit -n`"
        );
    }
    let env = venv::ensure(&args.python, &args.venv)?;
    let bench = Bench::start(args.url.as_deref(), ServerConfig::default())?;

    let names: Vec<&str> = strategies.iter().map(|s| s.as_str()).collect();
    eprintln!(
        "gilwall python: running {} at N = {:?} against {}{}",
        names.join(", "),
        args.tasks,
        bench.url(),
        if args.compare {
            ", each N followed by gilwall's strategies with the same schedules"
        } else {
            ""
        }
    );
    // With --compare, Python and gilwall take turns at each N, so a change in the load of this
    // shared machine during the run falls on both alike instead of on whichever ran second.
    let mut python: Option<PyOutput> = None;
    let mut native: Option<Report> = None;
    for &n in &args.tasks {
        let out = run_companion(
            &env,
            bench.url(),
            &names,
            n,
            args.io_ms,
            cpu_ms,
            args.repeats,
        )?;
        let gil = out.gil_enabled;
        match python.as_mut() {
            Some(p) => {
                // An extension imported later can turn the GIL back on; if it was on for any
                // run, the report says so.
                p.gil_enabled |= out.gil_enabled;
                p.points.extend(out.points);
            }
            None => python = Some(out),
        }
        if args.compare {
            for sweep in compare_sweeps(&strategies, gil, &[n], args.io_ms, cpu_ms, args.repeats) {
                let r = bench.run(&sweep, &ProgressBar::hidden(), |_| Ok(()))?;
                match native.as_mut() {
                    Some(all) => all.points.extend(r.points),
                    None => native = Some(r),
                }
            }
        }
    }
    let parsed = python.context("no task count to run")?;
    let gil_enabled = parsed.gil_enabled;
    let title = args.title.clone().unwrap_or_else(|| {
        format!(
            "{} (GIL {}): {} ms fetch + {} ms CPU per task",
            parsed.interpreter,
            if gil_enabled { "on" } else { "off" },
            args.io_ms,
            cpu_ms
        )
    });
    eprintln!(
        "gilwall python: {}, GIL {}, switch interval {} ms, process start method {}, {:.0} \
         iterations of the article's loop per ms",
        parsed.interpreter,
        if gil_enabled { "on" } else { "off" },
        parsed.switch_interval_ms,
        parsed.start_method,
        parsed.iters_per_ms
    );
    let report = build_report(
        parsed,
        bench.cores(),
        machine::now_rfc3339(),
        Some(title.clone()),
    )?;
    let json_path = args
        .export_json
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_JSON));
    export::write(&json_path, &Json.export(std::slice::from_ref(&report))?)?;
    let native = native.map(|mut n| {
        n.title = Some(format!(
            "gilwall: {} ms fetch + {cpu_ms} ms CPU per task",
            args.io_ms
        ));
        n
    });
    if let Some(n) = &native {
        let path = args
            .compare_json
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_COMPARE_JSON));
        export::write(&path, &Json.export(std::slice::from_ref(n))?)?;
        eprintln!("wrote gilwall's report to {}", path.display());
    }

    let beside = native.as_ref().map(|n| side_by_side(&report, n));
    let mut summary = export::markdown::summary(&report);
    if let Some(table) = &beside {
        summary.push_str(
            "\nPython beside gilwall: same schedules, same server, taking turns at each N:\n\n",
        );
        summary.push_str(table);
    }
    let mut charted = vec![report];
    charted.extend(native);
    let exports = Exports::from(&args.exports);
    exports.write(&charted, title, beside.as_deref())?;
    let json_to_stdout = export::is_stdout(&json_path);
    exports.print(&summary, json_to_stdout);
    if !json_to_stdout {
        eprintln!("wrote Python's report to {}", json_path.display());
    }
    exports.say_written();
    Ok(())
}

/// Runs the companion script once, at one task count, and reads what it printed.
fn run_companion(
    env: &PythonEnv,
    url: &str,
    strategies: &[&str],
    tasks: u32,
    io_ms: f64,
    cpu_ms: f64,
    repeats: u32,
) -> Result<PyOutput> {
    let out = Command::new(&env.python)
        .arg(&env.script)
        .args(["--url", url])
        .args(["--strategies", &strategies.join(",")])
        .args(["--tasks", &tasks.to_string()])
        .args(["--io-ms", &io_ms.to_string()])
        .args(["--cpu-ms", &cpu_ms.to_string()])
        .args(["--repeats", &repeats.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", env.python.display()))?;
    if !out.status.success() {
        bail!(
            "the Python companion failed ({}); its messages are above. It is {} run by {}",
            out.status,
            env.script.display(),
            env.python.display()
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "the Python companion printed something other than its JSON document: {:?}",
            String::from_utf8_lossy(&out.stdout)
                .chars()
                .take(200)
                .collect::<String>()
        )
    })
}
