//! `gilwall python`: the article's own Python strategies, measured beside gilwall's.
//!
//! The article's figures come from Python: `requests`, `asyncio` + `aiohttp`,
//! `run_in_executor`, `ProcessPoolExecutor` and `ThreadPoolExecutor`. gilwall reproduces them in
//! Rust, and this command checks the reproduction against the original: it runs the companion
//! script (`python/gilwall_python.py`, compiled into the binary) in a virtual environment of its
//! own against gilwall's feature server, gives every Python point the ideal model's prediction
//! by the schedule that strategy has, and writes the shared report format with
//! `runtime: "python"`, so `gilwall plot` draws Python's curves beside Rust's. With `compare`
//! it also runs the matching gilwall strategies, taking turns with Python at each N (so a change
//! in the shared machine's load falls on both alike), and prints both efficiencies side by side.
//!
//! Python's strategies are named as in the article, not after gilwall's, because they are not
//! the same programs; [`model_strategy`] says which of gilwall's schedules each one has.
//!
//! It takes typed [`PythonOptions`], onto which the CLI maps `gilwall python`'s flags;
//! [`PythonError`] says what is wrong in the options' words, which the CLI says in its flags'.

mod companion;
pub mod free_threaded;
pub mod venv;

pub use companion::{
    PyOutput, PyPoint, PySpan, PyStrategy, PyTask, PyTimeline, PyWhere, build_report,
    builds_side_by_side, compare_sweeps, model_strategy, python_timeline, side_by_side,
};

use crate::export::{self, Exporter, Exports, json::Json};
use crate::machine;
use crate::server::ServerConfig;
use crate::sweep::Bench;
use anyhow::{Context, Result, bail};
use gilwall_core::report::Report;
use gilwall_core::workload::{self, WorkloadError};
use indicatif::ProgressBar;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub use venv::{MIN_PYTHON, PythonEnv, REQUIREMENTS, SCRIPT};

/// Where Python's report goes unless the caller names another file.
pub const DEFAULT_JSON: &str = "gilwall-results/python.json";
/// Where gilwall's comparison report goes unless the caller names another file.
pub const DEFAULT_COMPARE_JSON: &str = "gilwall-results/python-compare-native.json";
/// Where the free-threaded build's report goes unless the caller names another file.
pub const DEFAULT_FREE_THREADED_JSON: &str = "gilwall-results/python-free-threaded.json";
/// Where the GIL build's report goes, compared with the free-threaded build's, unless the
/// caller names another file.
pub const DEFAULT_COMPARE_GIL_JSON: &str = "gilwall-results/python-compare-gil.json";

/// What to run and where to write it: one sweep of the companion's strategies over task counts.
#[derive(Debug, Clone)]
pub struct PythonOptions {
    /// The Python strategies to run, in this order (repeats are run once).
    pub strategies: Vec<PyStrategy>,
    /// The task counts N.
    pub tasks: Vec<u32>,
    /// Delay of one fetch, in ms.
    pub io_ms: f64,
    /// CPU work per task, in ms of the article's loop as calibrated in the interpreter; 0 is
    /// I/O only, and then `asyncio` is `asyncio-io`.
    pub cpu_ms: f64,
    /// Measured runs per point; the median is reported.
    pub repeats: u32,
    /// Also run the gilwall strategies with the same schedules, taking turns with Python at
    /// each N; with `free_threaded`, the GIL build (`python`) instead, taking turns with the
    /// free-threaded one.
    pub compare: bool,
    /// The interpreter with the GIL that makes the virtual environment.
    pub python: OsString,
    /// Where the virtual environment lives (made once, then reused); a free-threaded build's
    /// is beside it, named with `-free-threaded`.
    pub venv: PathBuf,
    /// Run on a free-threaded CPython: `Some(None)` finds or builds one, `Some(Some(path))`
    /// uses that one (it must be free-threaded); `None` runs `python` alone.
    pub free_threaded: Option<Option<OsString>>,
    /// Where a free-threaded build is kept (built once, then reused).
    pub cache: PathBuf,
    /// An httpbin-compatible server to use instead of the embedded one.
    pub url: Option<String>,
    /// The report's and chart's title; one naming the interpreter and workload otherwise.
    pub title: Option<String>,
    /// Where Python's report goes (`-` is stdout); [`DEFAULT_JSON`] is the usual place.
    pub export_json: PathBuf,
    /// Where the compared report goes with `compare`: gilwall's ([`DEFAULT_COMPARE_JSON`]), or
    /// the GIL build's with `free_threaded` ([`DEFAULT_COMPARE_GIL_JSON`]).
    pub compare_json: PathBuf,
    /// CSV, Markdown and the chart; with `compare` they hold gilwall's points too.
    pub exports: Exports,
}

/// What is wrong with the options or the machine, in the options' own words, so that a caller
/// can say it in its own (the CLI names its flags). [`run`] returns these unwrapped, with no
/// context on top, so a caller finds them with `anyhow::Error::downcast_ref`.
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// A workload field out of its range; the error names the field (`tasks`, `io_ms`,
    /// `cpu_ms`, `repeats`).
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// More tasks than this process may hold sockets for.
    #[error(
        "{tasks} tasks need about {needed} open files, but this process may open {open_files}; \
         run fewer tasks or raise `ulimit -n`"
    )]
    OpenFiles {
        /// The largest task count asked for.
        tasks: u64,
        /// Open files it needs: a socket per task in Python and one in the embedded server.
        needed: u64,
        /// Open files this process may hold.
        open_files: u64,
    },
    /// The interpreter named by `python` does not start.
    #[error(
        "cannot run {python} ({error}); install Python 3 (on Debian or Ubuntu: \
         `apt-get install python3 python3-venv`) or set `python` to another interpreter"
    )]
    NoInterpreter {
        /// The interpreter, as given.
        python: String,
        /// Why it did not start.
        error: String,
    },
    /// The interpreter runs but cannot make a virtual environment.
    #[error(
        "`{python} -m venv {}` failed: {output}\nthe venv module (with ensurepip) is missing; on \
         Debian or Ubuntu install it with `apt-get install python3-venv`, or set `python` to \
         another Python 3 interpreter",
        venv.display()
    )]
    NoVenv {
        /// The interpreter, as given.
        python: String,
        /// The environment it was asked to make.
        venv: PathBuf,
        /// The last lines it printed.
        output: String,
    },
    /// The interpreter is older than the pinned requirements allow.
    #[error(
        "{python} is Python {}.{}, but the pinned requests and aiohttp need Python {}.{} or \
         newer; set `python` to a newer one",
        version.0,
        version.1,
        MIN_PYTHON.0,
        MIN_PYTHON.1
    )]
    TooOld {
        /// The interpreter, as given.
        python: String,
        /// Its (major, minor) version.
        version: (u32, u32),
    },
    /// The interpreter given for the free-threaded run has the GIL built in.
    #[error(
        "{python} is not a free-threaded build (its Py_GIL_DISABLED is not set); leave          `free_threaded` empty to find or build one, or name a python3.13t"
    )]
    NotFreeThreaded {
        /// The interpreter, as given.
        python: String,
    },
    /// No free-threaded interpreter is here and none can be built here (not root, no network
    /// to the Debian archive); the build script's own words.
    #[error("no free-threaded CPython here, and none can be built: {reason}")]
    CannotBuild {
        /// Why, as the build script said it.
        reason: String,
    },
    /// The build of a free-threaded interpreter started and failed.
    #[error(
        "building a free-threaded CPython failed: {reason}
the build script is {}; run it          again to retry (it reuses what it downloaded)",
        script.display()
    )]
    BuildFailed {
        /// The script that was run.
        script: PathBuf,
        /// Its last words.
        reason: String,
    },
}

impl PythonOptions {
    /// Checks the workload against core's limits; the error names the field.
    pub fn validate(&self) -> Result<(), PythonError> {
        for &n in &self.tasks {
            workload::check_tasks(n)?;
        }
        workload::check_io_ms(self.io_ms)?;
        workload::check_cpu_ms(self.cpu_ms)?;
        workload::check_repeats(self.repeats)?;
        Ok(())
    }
}

/// Runs the companion's sweep (and with `compare` gilwall's twins), writes the reports and the
/// exports asked for, and prints the summary.
pub fn run(options: &PythonOptions) -> Result<()> {
    options.validate()?;
    let cpu_ms = options.cpu_ms;
    let mut strategies: Vec<PyStrategy> = Vec::new();
    for &s in &options.strategies {
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
    let max_tasks = options.tasks.iter().copied().max().unwrap_or(1) as u64;
    // A socket per task in Python, and one more per task in the embedded server: checked
    // before anything is installed or started.
    let needed = max_tasks * 2 + 64;
    let open_files = machine::raise_open_files_limit();
    if needed > open_files {
        return Err(PythonError::OpenFiles {
            tasks: max_tasks,
            needed,
            open_files,
        }
        .into());
    }
    // With `free_threaded` the free-threaded build runs first (its report is the main one),
    // and with `compare` the GIL build takes turns with it; otherwise the GIL build alone, and
    // with `compare` gilwall's twins.
    let gil_env = || venv::ensure(&options.python, &options.venv);
    let (env, gil_build) = match &options.free_threaded {
        Some(explicit) => {
            let python = free_threaded::find_or_build(explicit.as_deref(), &options.cache)?;
            let mut dir = options.venv.clone().into_os_string();
            dir.push("-free-threaded");
            let env = venv::ensure(&python, &PathBuf::from(dir))?;
            let gil = if options.compare {
                Some(gil_env()?)
            } else {
                None
            };
            (env, gil)
        }
        None => (gil_env()?, None),
    };
    let bench = Bench::start(options.url.as_deref(), ServerConfig::default())?;

    let names: Vec<&str> = strategies.iter().map(|s| s.as_str()).collect();
    eprintln!(
        "gilwall python: running {} at N = {:?} against {}{}",
        names.join(", "),
        options.tasks,
        bench.url(),
        match (&gil_build, options.compare) {
            (Some(_), _) => ", the free-threaded build and the GIL build taking turns at each N",
            (None, true) => ", each N followed by gilwall's strategies with the same schedules",
            (None, false) => "",
        }
    );
    // With `compare`, the two sides take turns at each N, so a change in the load of this
    // shared machine during the run falls on both alike instead of on whichever ran second.
    let mut python: Option<PyOutput> = None;
    let mut with_gil: Option<PyOutput> = None;
    let mut native: Option<Report> = None;
    let run_once = |env: &PythonEnv, n: u32| {
        run_companion(
            env,
            bench.url(),
            &names,
            n,
            options.io_ms,
            cpu_ms,
            options.repeats,
        )
    };
    for &n in &options.tasks {
        let out = run_once(&env, n)?;
        let gil = out.gil_enabled;
        merge(&mut python, out);
        if let Some(gil_env) = &gil_build {
            merge(&mut with_gil, run_once(gil_env, n)?);
        } else if options.compare {
            let sweeps = compare_sweeps(
                &strategies,
                gil,
                &[n],
                options.io_ms,
                cpu_ms,
                options.repeats,
            );
            for sweep in sweeps {
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
    if options.free_threaded.is_some() && gil_enabled {
        eprintln!(
            "gilwall python: warning: {} is a free-threaded build, but the GIL was on during the \
             run: an extension module that does not declare itself free-threading-safe turned \
             it back on at import. Its thread pool is measured under the GIL; run with \
             PYTHON_GIL=0 in the environment to keep it off",
            parsed.interpreter
        );
    }
    let title_of = |p: &PyOutput| {
        format!(
            "{} (GIL {}): {} ms fetch + {} ms CPU per task",
            p.interpreter,
            if p.gil_enabled { "on" } else { "off" },
            options.io_ms,
            cpu_ms
        )
    };
    let title = options.title.clone().unwrap_or_else(|| title_of(&parsed));
    for p in std::iter::once(&parsed).chain(&with_gil) {
        eprintln!(
            "gilwall python: {}, GIL {}, switch interval {} ms, process start method {}, {:.0} \
             iterations of the article's loop per ms",
            p.interpreter,
            if p.gil_enabled { "on" } else { "off" },
            p.switch_interval_ms,
            p.start_method,
            p.iters_per_ms
        );
    }
    let report = build_report(
        parsed,
        bench.cores(),
        machine::now_rfc3339(),
        Some(title.clone()),
    )?;
    let json_path = &options.export_json;
    export::write(json_path, &Json.export(std::slice::from_ref(&report))?)?;
    let native = native.map(|mut n| {
        n.title = Some(format!(
            "gilwall: {} ms fetch + {cpu_ms} ms CPU per task",
            options.io_ms
        ));
        n
    });
    let compared = match with_gil {
        Some(out) => {
            let title = title_of(&out);
            Some(build_report(
                out,
                bench.cores(),
                machine::now_rfc3339(),
                Some(title),
            )?)
        }
        None => native,
    };
    if let Some(n) = &compared {
        let path = &options.compare_json;
        export::write(path, &Json.export(std::slice::from_ref(n))?)?;
        eprintln!(
            "wrote the {} report to {}",
            if gil_build.is_some() {
                "GIL build's"
            } else {
                "gilwall"
            },
            path.display()
        );
    }

    let beside = compared.as_ref().map(|n| {
        if gil_build.is_some() {
            builds_side_by_side(&report, n)
        } else {
            side_by_side(&report, n)
        }
    });
    let mut summary = export::markdown::summary(&report);
    if let Some(table) = &beside {
        summary.push_str(if gil_build.is_some() {
            "\nThe free-threaded build beside the GIL build: same script, same server, taking \
             turns at each N:\n\n"
        } else {
            "\nPython beside gilwall: same schedules, same server, taking turns at each N:\n\n"
        });
        summary.push_str(table);
    }
    let mut charted = vec![report];
    charted.extend(compared);
    let exports = &options.exports;
    exports.write(&charted, title, beside.as_deref())?;
    let json_to_stdout = export::is_stdout(json_path);
    exports.print(&summary, json_to_stdout);
    if !json_to_stdout {
        eprintln!("wrote Python's report to {}", json_path.display());
    }
    exports.say_written();
    // Failed tasks make the run a failure, said last; both reports are already written.
    let measured: Vec<&Report> = charted.iter().collect();
    if let Some(failed) = export::notes::failure_summary(&measured) {
        bail!(
            "{failed} Python's report is in {}. Fix what failed (is the server still up?) and \
             run again.",
            json_path.display()
        );
    }
    Ok(())
}

/// Adds one task count's output to what the runs so far measured.
fn merge(all: &mut Option<PyOutput>, out: PyOutput) {
    match all.as_mut() {
        Some(p) => {
            // An extension imported later can turn the GIL back on; if it was on for any run,
            // the report says so.
            p.gil_enabled |= out.gil_enabled;
            p.points.extend(out.points);
        }
        None => *all = Some(out),
    }
}

/// The Python companion in its environment, ready to run at any N (for `gilwall blog --with
/// python`, which takes turns with gilwall's strategies itself).
#[derive(Debug, Clone)]
pub struct Companion {
    env: PythonEnv,
}

impl Companion {
    /// Makes (or reuses) the virtual environment at `venv` with `python`.
    pub fn start(python: &std::ffi::OsStr, venv: &std::path::Path) -> Result<Companion> {
        Ok(Companion {
            env: venv::ensure(python, venv)?,
        })
    }

    /// Runs `strategies` once at `tasks` against `url` and reads what the script printed.
    pub fn measure(
        &self,
        url: &str,
        strategies: &[PyStrategy],
        tasks: u32,
        io_ms: f64,
        cpu_ms: f64,
        repeats: u32,
    ) -> Result<PyOutput> {
        let names: Vec<&str> = strategies.iter().map(|s| s.as_str()).collect();
        run_companion(&self.env, url, &names, tasks, io_ms, cpu_ms, repeats)
    }
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
