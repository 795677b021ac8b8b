//! `gilwall blog`: the article's experiments, each written as a report, a chart and a summary;
//! it exits with code 1, naming what failed, when any task did.

use super::args::{parse_cpu_ratio, parse_io_ms, parse_repeats, parse_tasks, parse_url};
use super::progress_bar;
use crate::blog::{self, BlogConfig};
use crate::companions::WithRuntimes;
use crate::machine;
use crate::server::ServerConfig;
use crate::sweep::Bench;
use anyhow::Result;
use clap::Args;
use std::ffi::OsString;
use std::path::PathBuf;

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
    /// Also measure the article's own runtimes, comma-separated: python (the Python companion,
    /// as `gilwall python` runs it), go (the Go companion, as `gilwall go` builds it). Each N
    /// is measured by gilwall and them in turns; their curves join each step's chart and table.
    #[arg(long = "with", value_delimiter = ',', value_enum, value_name = "LIST")]
    pub with: Vec<RealRuntime>,
    /// With --with python: the interpreter that makes the companion's virtual environment.
    #[arg(long, default_value = "python3", value_name = "PATH")]
    pub python: OsString,
    /// With --with python: where the companion's virtual environment lives.
    #[arg(
        long,
        default_value = "gilwall-results/python-venv",
        value_name = "DIR"
    )]
    pub venv: PathBuf,
    /// With --with go: the Go toolchain's go command (default: found, or installed as root).
    #[arg(long, value_name = "PATH")]
    pub go: Option<OsString>,
}

/// One of the article's own runtimes `blog` can measure beside gilwall's strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RealRuntime {
    /// CPython, through the Python companion.
    Python,
    /// Go, through the Go companion.
    Go,
}

/// Runs `gilwall blog`.
pub(super) fn run(args: BlogArgs) -> Result<()> {
    let bench = Bench::start(args.url.as_deref(), ServerConfig::default())?;
    let config = BlogConfig {
        io_ms: args.io_ms,
        tasks: args.tasks,
        repeats: args.repeats,
        cpu_ratio: args.cpu_ratio,
        out: args.out.clone(),
        with: WithRuntimes {
            python: args
                .with
                .contains(&RealRuntime::Python)
                .then(|| (args.python.clone(), args.venv.clone())),
            go: args
                .with
                .contains(&RealRuntime::Go)
                .then(|| (args.go.clone(), machine::cache_dir())),
        },
    };
    eprintln!(
        "gilwall blog: the article's experiments with a {} ms fetch and CPU at {} × the fetch, N = {:?}",
        config.io_ms, config.cpu_ratio, config.tasks
    );
    let written = blog::run(&bench, &config, &progress_bar())?;
    let files = &written.files;
    let index = std::fs::read_to_string(&files[0]).unwrap_or_default();
    println!("{index}");
    println!("Wrote {} and one chart per experiment:", files[0].display());
    for p in &files[1..] {
        println!("  {}", p.display());
    }
    // Failed tasks make the run a failure, said last; every file is already written.
    if let Some(failed) = written.failed {
        anyhow::bail!(
            "{failed} Every experiment's report is in {}. Fix what failed (is the server still \
             up?) and run again.",
            args.out.display()
        );
    }
    Ok(())
}
