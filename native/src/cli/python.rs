//! `gilwall python`: its flags, mapped onto `python::PythonOptions`, and the companion's errors
//! said in those flags' names.
//!
//! The domain module knows nothing of flags: it takes typed options and says what is wrong in
//! their field names; here `cpu_ms` out of range becomes `--cpu-ms, or --cpu-ratio × --io-ms`
//! and an interpreter that does not run becomes advice to pass `--python`.

use super::UsageError;
use super::args::{CpuArgs, ExportArgs, parse_io_ms, parse_repeats, parse_tasks, parse_url};
use crate::machine;
use crate::python::{self, PyStrategy, PythonError, PythonOptions};
use anyhow::{Result, anyhow};
use clap::Args;
use clap::builder::PossibleValue;
use gilwall_core::CpuSpec;
use gilwall_core::workload::WorkloadError;
use std::ffi::OsString;
use std::path::PathBuf;

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
    mut_arg("export_trace", |a| a.help(
        "Write each point's timeline in the Chrome Trace Event format, to open in \
         ui.perfetto.dev or chrome://tracing (with --compare, gilwall's beside Python's)"
    )),
    mut_arg("timeline", |a| a.help(
        "Draw the timelines at one N as an SVG Gantt chart (with --compare, gilwall's too)"
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
    /// N, and print both efficiencies side by side at every N. With --free-threaded: run the
    /// GIL build (python3) and the free-threaded build in turns instead, so one chart holds both.
    #[arg(long)]
    pub compare: bool,
    /// Run on a free-threaded CPython (the article's step 5, 3.13t): --python if given (it must
    /// be one), else python3.13t or python3.14t on PATH, else the one built before in
    /// ~/.cache/gilwall; else build one there from Debian trixie's python3.13 source package
    /// (once; about 8 minutes on 2 idle cores; needs root and the Debian archive).
    #[arg(long)]
    pub free_threaded: bool,
    /// The Python interpreter that makes the virtual environment (default python3); with
    /// --free-threaded, the free-threaded one, and --compare's GIL build is python3.
    #[arg(long, value_name = "PATH")]
    pub python: Option<OsString>,
    /// Where a free-threaded build is kept (default: ~/.cache/gilwall).
    #[arg(long, value_name = "DIR", requires = "free_threaded")]
    pub cache: Option<PathBuf>,
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
    /// gilwall-results/python.json (python-free-threaded.json with --free-threaded).
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// With --compare: write gilwall's report too (the GIL build's with --free-threaded).
    /// Without it, it goes to gilwall-results/python-compare-native.json (or
    /// python-compare-gil.json).
    #[arg(long, value_name = "FILE")]
    pub compare_json: Option<PathBuf>,
    /// CSV, Markdown and the chart, with help that says what --compare adds to each.
    #[command(flatten)]
    pub exports: ExportArgs,
}

// The names are the companion script's own (`PyStrategy::as_str`), so a flag value and the
// script's argument are one spelling; the domain type stays free of clap.
impl clap::ValueEnum for PyStrategy {
    fn value_variants<'a>() -> &'a [Self] {
        &PyStrategy::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

/// Maps the flags onto `python::run`'s options and runs it, naming flags in its errors.
pub(super) fn run(args: PythonArgs) -> Result<()> {
    args.exports.check_timeline_tasks(&args.tasks)?;
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
            .expect("only a fixed iteration count has no ms, and that case returned above"),
    };
    let free = args.free_threaded;
    let (json, compare_json) = if free {
        (
            python::DEFAULT_FREE_THREADED_JSON,
            python::DEFAULT_COMPARE_GIL_JSON,
        )
    } else {
        (python::DEFAULT_JSON, python::DEFAULT_COMPARE_JSON)
    };
    let (gil_python, free_threaded) = match (free, args.python) {
        (true, explicit) => (OsString::from("python3"), Some(explicit)),
        (false, python) => (python.unwrap_or_else(|| "python3".into()), None),
    };
    let options = PythonOptions {
        strategies: args.strategies,
        tasks: args.tasks,
        io_ms: args.io_ms,
        cpu_ms,
        repeats: args.repeats,
        compare: args.compare,
        python: gil_python,
        venv: args.venv,
        free_threaded,
        cache: args.cache.unwrap_or_else(machine::cache_dir),
        url: args.url,
        title: args.title,
        export_json: args.export_json.unwrap_or_else(|| PathBuf::from(json)),
        compare_json: args
            .compare_json
            .unwrap_or_else(|| PathBuf::from(compare_json)),
        exports: (&args.exports).into(),
    };
    python::run(&options).map_err(name_flags)
}

/// `e` in the words of `gilwall python`'s flags when it is a [`PythonError`]; any other error
/// unchanged. Workload limits are usage errors (exit code 2); the rest are about the machine.
fn name_flags(e: anyhow::Error) -> anyhow::Error {
    let Some(py) = e.downcast_ref::<PythonError>() else {
        return e;
    };
    match py {
        PythonError::Workload(w) => UsageError(workload_flags(w)).into(),
        PythonError::OpenFiles {
            tasks,
            needed,
            open_files,
        } => anyhow!(
            "--tasks {tasks} needs about {needed} open files, but this process may open \
             {open_files}; lower --tasks or raise `ulimit -n`"
        ),
        PythonError::NoInterpreter { python, error } => anyhow!(
            "cannot run {python} ({error}); install Python 3 (on Debian or Ubuntu: \
             `apt-get install python3 python3-venv`) or name an interpreter with --python"
        ),
        PythonError::NoVenv {
            python,
            venv,
            output,
        } => anyhow!(
            "`{python} -m venv {}` failed: {output}\nthe venv module (with ensurepip) is \
             missing; on Debian or Ubuntu install it with `apt-get install python3-venv`, or \
             point --python at another Python 3 interpreter",
            venv.display()
        ),
        PythonError::TooOld { python, version } => anyhow!(
            "{python} is Python {}.{}, but the pinned requests and aiohttp need Python {}.{} or \
             newer; name a newer one with --python",
            version.0,
            version.1,
            python::MIN_PYTHON.0,
            python::MIN_PYTHON.1
        ),
        PythonError::NotFreeThreaded { python } => anyhow!(
            "--python {python} is not a free-threaded build (its Py_GIL_DISABLED is not set); \
             drop --python to let --free-threaded find or build one, or name a python3.13t"
        ),
        PythonError::CannotBuild { reason } => anyhow!(
            "--free-threaded: no free-threaded CPython here, and none can be built: {reason}"
        ),
        PythonError::BuildFailed { .. } => anyhow!("--free-threaded: {py}"),
    }
}

/// A workload limit said with the flag that sets the field: CPU work comes from two flags.
fn workload_flags(e: &WorkloadError) -> String {
    let WorkloadError::OutOfRange { field, .. } = e;
    match *field {
        "cpu_ms" => format!("CPU work per task (--cpu-ms, or --cpu-ratio × --io-ms): {e}"),
        field => format!("--{}: {e}", field.replace('_', "-")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::workload;

    #[test]
    fn errors_name_the_flags_a_user_typed() {
        let cpu = workload::check_cpu_ms(1e9).unwrap_err();
        let e = name_flags(PythonError::Workload(cpu).into());
        assert!(e.downcast_ref::<UsageError>().is_some(), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("CPU work per task (--cpu-ms, or --cpu-ratio × --io-ms): cpu_ms"),
            "{e}"
        );
        let repeats = workload::check_repeats(0).unwrap_err();
        let e = name_flags(PythonError::Workload(repeats).into());
        assert!(e.to_string().starts_with("--repeats: repeats"), "{e}");
        let e = name_flags(
            PythonError::OpenFiles {
                tasks: 500,
                needed: 1064,
                open_files: 128,
            }
            .into(),
        );
        assert!(
            e.downcast_ref::<UsageError>().is_none()
                && e.to_string().starts_with("--tasks 500 needs about 1064")
                && e.to_string().contains("lower --tasks"),
            "{e}"
        );
        let e = name_flags(
            PythonError::TooOld {
                python: "python3.8".into(),
                version: (3, 8),
            }
            .into(),
        );
        assert!(e.to_string().ends_with("with --python"), "{e}");
        let other = name_flags(anyhow!("the Python companion failed"));
        assert_eq!(other.to_string(), "the Python companion failed");
    }

    #[test]
    fn every_python_strategy_is_a_flag_value_by_the_script_s_name() {
        use clap::ValueEnum;
        for s in PyStrategy::ALL {
            assert_eq!(PyStrategy::from_str(s.as_str(), false), Ok(s));
        }
    }
}
