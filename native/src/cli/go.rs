//! `gilwall go`: its flags, mapped onto `go::GoOptions`, and the companion's errors said in
//! those flags' names.

use super::UsageError;
use super::args::{CpuArgs, ExportArgs, parse_io_ms, parse_repeats, parse_tasks, parse_url};
use crate::go::{self, GoError, GoOptions, GoStrategy};
use crate::machine;
use anyhow::{Result, anyhow};
use clap::Args;
use clap::builder::PossibleValue;
use gilwall_core::CpuSpec;
use gilwall_core::workload::WorkloadError;
use std::ffi::OsString;
use std::path::PathBuf;

/// Options of `gilwall go`.
#[derive(Debug, Args)]
#[command(
    mut_arg("export_csv", |a| a.help("Write Go's points as CSV")),
    mut_arg("export_markdown", |a| a.help(
        "Write a Markdown summary (table, verdicts, what the compiler did with --as-written, \
         and the side-by-side table with --compare)"
    )),
    mut_arg("chart", |a| a.help(
        "Draw duration vs tasks as an SVG chart (with --compare, Go and gilwall together)"
    )),
)]
pub struct GoArgs {
    /// Go strategies to run, comma-separated: serial (article step 1), goroutines (a goroutine
    /// per task and a WaitGroup: the article's Go line).
    #[arg(
        long = "strategy",
        short = 's',
        value_delimiter = ',',
        value_enum,
        default_value = "serial,goroutines",
        value_name = "LIST"
    )]
    pub strategies: Vec<GoStrategy>,
    /// Task counts N, comma-separated (the article sweeps 1..32).
    #[arg(long, short = 'n', value_delimiter = ',', value_parser = parse_tasks, default_value = "1,2,4,8,16,32", value_name = "LIST")]
    pub tasks: Vec<u32>,
    /// Delay of one fetch, in ms (the article: 1000).
    #[arg(long, default_value_t = 200.0, value_parser = parse_io_ms, allow_negative_numbers = true, value_name = "MS")]
    pub io_ms: f64,
    /// CPU work: --cpu-ms and --cpu-ratio are Go CPU time (the kernel calibrated in Go);
    /// --cpu-iters runs gilwall's own sqrt kernel that many times, so the checksums equal
    /// gilwall's.
    #[command(flatten)]
    pub cpu: CpuArgs,
    /// Measured runs per point; the median is reported.
    #[arg(long, default_value_t = 1, value_parser = parse_repeats, value_name = "N")]
    pub repeats: u32,
    /// Also run the article's Go loop as written: its result unused (so the compiler deletes
    /// the work) and N+1 goroutines. The summary says how much faster than the kept loop it ran.
    #[arg(long)]
    pub as_written: bool,
    /// Also run gilwall's serial, async (the wall) and multicore, taking turns with Go at each
    /// N, and print both side by side with Go's time as a share of async's.
    #[arg(long)]
    pub compare: bool,
    /// The Go toolchain's `go` command (default: go on PATH, else Debian's golang-go, installed
    /// with apt-get when run as root).
    #[arg(long, value_name = "PATH")]
    pub go: Option<OsString>,
    /// Where the built companion is kept (default: ~/.cache/gilwall).
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Use this httpbin-compatible server instead of the embedded one.
    #[arg(long, value_parser = parse_url, value_name = "URL")]
    pub url: Option<String>,
    /// A title for the report and chart.
    #[arg(long)]
    pub title: Option<String>,
    /// Write Go's report (the shared JSON format). Without it the report goes to
    /// gilwall-results/go.json.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// With --compare: write gilwall's report too. Without it, it goes to
    /// gilwall-results/go-compare-native.json.
    #[arg(long, value_name = "FILE")]
    pub compare_json: Option<PathBuf>,
    #[command(flatten)]
    pub exports: ExportArgs,
}

// The names are the companion's own (`GoStrategy::as_str`); the loop as written has a flag of
// its own, so it is not offered here.
impl clap::ValueEnum for GoStrategy {
    fn value_variants<'a>() -> &'a [Self] {
        &GoStrategy::KEPT
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

/// Maps the flags onto `go::run`'s options and runs it, naming flags in its errors.
pub(super) fn run(args: GoArgs) -> Result<()> {
    let (cpu_ms, cpu_iters) = match args.cpu.spec() {
        CpuSpec::Iters(n) => (0.0, Some(n)),
        spec => (
            spec.ms(args.io_ms)
                .expect("only a fixed iteration count has no ms, and that case is above"),
            None,
        ),
    };
    let options = GoOptions {
        strategies: args.strategies,
        tasks: args.tasks,
        io_ms: args.io_ms,
        cpu_ms,
        cpu_iters,
        repeats: args.repeats,
        as_written: args.as_written,
        compare: args.compare,
        go: args.go,
        cache: args.cache.unwrap_or_else(machine::cache_dir),
        url: args.url,
        title: args.title,
        export_json: args
            .export_json
            .unwrap_or_else(|| PathBuf::from(go::DEFAULT_JSON)),
        compare_json: args
            .compare_json
            .unwrap_or_else(|| PathBuf::from(go::DEFAULT_COMPARE_JSON)),
        exports: (&args.exports).into(),
    };
    go::run(&options).map_err(name_flags)
}

/// `e` in the words of `gilwall go`'s flags when it is a [`GoError`]; any other error unchanged.
fn name_flags(e: anyhow::Error) -> anyhow::Error {
    let Some(go) = e.downcast_ref::<GoError>() else {
        return e;
    };
    match go {
        GoError::Workload(w) => UsageError(workload_flags(w)).into(),
        GoError::OpenFiles {
            tasks,
            needed,
            open_files,
        } => anyhow!(
            "--tasks {tasks} needs about {needed} open files, but this process may open \
             {open_files}; lower --tasks or raise `ulimit -n`"
        ),
        GoError::NoToolchain { go: cmd, error } => anyhow!(
            "cannot run the Go toolchain `{cmd}` ({error}); install Go {}.{} or newer (on \
             Debian or Ubuntu: `apt-get install golang-go`, which `gilwall go` does itself when \
             run as root) or name its go command with --go",
            go::MIN_GO.0,
            go::MIN_GO.1
        ),
        GoError::InstallFailed { output } => anyhow!(
            "apt-get could not install golang-go: {output}\ninstall a Go toolchain yourself and \
             name its go command with --go"
        ),
        GoError::BuildFailed { .. } => anyhow!("{go}"),
    }
}

/// A workload limit said with the flag that sets the field.
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
        let e = name_flags(GoError::Workload(workload::check_repeats(0).unwrap_err()).into());
        assert!(e.downcast_ref::<UsageError>().is_some(), "{e:?}");
        assert!(e.to_string().starts_with("--repeats: repeats"), "{e}");
        let e = name_flags(
            GoError::NoToolchain {
                go: "/nonexistent/go".into(),
                error: "No such file".into(),
            }
            .into(),
        );
        assert!(
            e.to_string().contains("apt-get install golang-go") && e.to_string().contains("--go"),
            "{e}"
        );
    }

    #[test]
    fn every_go_strategy_is_a_flag_value_by_the_companion_s_name() {
        use clap::ValueEnum;
        for s in GoStrategy::KEPT {
            assert_eq!(GoStrategy::from_str(s.as_str(), false), Ok(s));
        }
    }
}
