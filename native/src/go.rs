//! `gilwall go`: the article's own Go strategies, measured beside gilwall's.
//!
//! The article sets its Python figures beside a Go program's: one goroutine per task and a
//! `sync.WaitGroup`, which Go spreads over every core. gilwall reproduces that schedule in Rust
//! (`multicore`); this command runs it in Go. It builds the companion (`go/gilwall_go.go`,
//! compiled into the binary) once into the cache with the machine's Go toolchain (installing
//! Debian's `golang-go` when run as root and none is there), runs it against gilwall's feature
//! server, gives every Go point the ideal model's prediction and writes the shared report format
//! with `runtime: "go"` and its GOMAXPROCS. With `compare` it also runs gilwall's `serial`,
//! `async` (the wall) and `multicore`, taking turns with Go at each N.
//!
//! The Go kernel is gilwall's square-root kernel bit for bit, calibrated in Go (so `cpu_ms`
//! means Go CPU time) and its result kept, so each point's checksum proves the work was done;
//! at a fixed iteration count it equals gilwall's. `as_written` also runs the article's loop as
//! it wrote it, whose unused result lets the compiler delete the work; the summary and the
//! report's title say what that did.
//!
//! It takes typed [`GoOptions`], onto which the CLI maps `gilwall go`'s flags; [`GoError`] says
//! what is wrong in the options' words, which the CLI says in its flags'.

mod companion;
mod toolchain;

pub use companion::{
    AsWritten, GoOutput, GoPoint, GoStrategy, build_report, compare_sweep, side_by_side,
};
pub use toolchain::{MIN_GO, SOURCE, Toolchain};

use crate::export::{self, Exporter, Exports, json::Json};
use crate::lifeline;
use crate::machine;
use crate::server::ServerConfig;
use crate::sweep::Bench;
use anyhow::{Context, Result, bail};
use gilwall_core::report::Report;
use gilwall_core::workload::{self, WorkloadError};
use indicatif::ProgressBar;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Where Go's report goes unless the caller names another file.
pub const DEFAULT_JSON: &str = "gilwall-results/go.json";
/// Where gilwall's comparison report goes unless the caller names another file.
pub const DEFAULT_COMPARE_JSON: &str = "gilwall-results/go-compare-native.json";

/// What to run and where to write it: one sweep of the companion's strategies over task counts.
#[derive(Debug, Clone)]
pub struct GoOptions {
    /// The Go strategies to run, in this order.
    pub strategies: Vec<GoStrategy>,
    /// The task counts N.
    pub tasks: Vec<u32>,
    /// Delay of one fetch, in ms.
    pub io_ms: f64,
    /// CPU work per task, in ms of Go CPU time (the kernel calibrated in Go).
    pub cpu_ms: f64,
    /// A fixed iteration count of the kernel instead of `cpu_ms`: the same work as gilwall's
    /// `sqrt` kernel at that count, so the checksums must agree.
    pub cpu_iters: Option<u64>,
    /// Measured runs per point; the median is reported.
    pub repeats: u32,
    /// Also run the article's loop as written (result unused, N+1 goroutines).
    pub as_written: bool,
    /// Also run gilwall's serial, async and multicore, taking turns with Go at each N.
    pub compare: bool,
    /// The `go` command; found (or installed) when `None`.
    pub go: Option<OsString>,
    /// Where the built companion is kept.
    pub cache: PathBuf,
    /// An httpbin-compatible server to use instead of the embedded one.
    pub url: Option<String>,
    /// The report's and chart's title; one naming the toolchain and workload otherwise.
    pub title: Option<String>,
    /// Where Go's report goes (`-` is stdout).
    pub export_json: PathBuf,
    /// Where gilwall's report goes with `compare`.
    pub compare_json: PathBuf,
    /// CSV, Markdown and the chart; with `compare` they hold gilwall's points too.
    pub exports: Exports,
}

/// What is wrong with the options or the machine, in the options' own words; [`run`] returns
/// these unwrapped, so a caller finds them with `anyhow::Error::downcast_ref`.
#[derive(Debug, thiserror::Error)]
pub enum GoError {
    /// A workload field out of its range; the error names the field.
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// No Go toolchain runs (or it is too old), and none could be installed.
    #[error(
        "cannot run the Go toolchain `{go}` ({error}); install Go {}.{} or newer (on Debian or \
         Ubuntu: `apt-get install golang-go`) or set `go` to its `go` command",
        MIN_GO.0,
        MIN_GO.1
    )]
    NoToolchain {
        /// The command, as given or looked for.
        go: String,
        /// Why it did not do.
        error: String,
    },
    /// apt-get could not install `golang-go`.
    #[error(
        "apt-get could not install golang-go: {output}\ninstall a Go toolchain yourself and set \
         `go` to its `go` command"
    )]
    InstallFailed {
        /// The last lines it printed.
        output: String,
    },
    /// `go build` failed on the companion.
    #[error("`go build` of the Go companion in {} failed:\n{output}", dir.display())]
    BuildFailed {
        /// Where its source was written.
        dir: PathBuf,
        /// The last lines it printed.
        output: String,
    },
    /// More tasks than this process may hold sockets for.
    #[error(
        "{tasks} tasks need about {needed} open files, but this process may open {open_files}; \
         run fewer tasks or raise `ulimit -n`"
    )]
    OpenFiles {
        /// The largest task count asked for.
        tasks: u64,
        /// Open files it needs.
        needed: u64,
        /// Open files this process may hold.
        open_files: u64,
    },
}

impl GoOptions {
    /// Checks the workload against core's limits; the error names the field.
    pub fn validate(&self) -> Result<(), GoError> {
        for &n in &self.tasks {
            workload::check_tasks(n)?;
        }
        workload::check_io_ms(self.io_ms)?;
        workload::check_cpu_ms(self.cpu_ms)?;
        if let Some(n) = self.cpu_iters {
            workload::check_cpu_iters(n)?;
        }
        workload::check_repeats(self.repeats)?;
        Ok(())
    }
}

/// Builds the companion if needed, runs its sweep (and with `compare` gilwall's), writes the
/// reports and the exports asked for, and prints the summary.
pub fn run(options: &GoOptions) -> Result<()> {
    options.validate()?;
    let mut strategies: Vec<GoStrategy> = Vec::new();
    for &s in &options.strategies {
        if !strategies.contains(&s) {
            strategies.push(s);
        }
    }
    if options.as_written && !strategies.contains(&GoStrategy::GoroutinesAsWritten) {
        strategies.push(GoStrategy::GoroutinesAsWritten);
    }
    let max_tasks = options.tasks.iter().copied().max().unwrap_or(1) as u64;
    // A socket per goroutine (N+1 as written) and one per task in the embedded server.
    let needed = (max_tasks + 1) * 2 + 64;
    let open_files = machine::raise_open_files_limit();
    if needed > open_files {
        return Err(GoError::OpenFiles {
            tasks: max_tasks,
            needed,
            open_files,
        }
        .into());
    }
    let companion = Companion::start(options.go.as_deref(), &options.cache)?;
    let bench = Bench::start(options.url.as_deref(), ServerConfig::default())?;
    let names: Vec<&str> = strategies.iter().map(|s| s.as_str()).collect();
    eprintln!(
        "gilwall go: running {} at N = {:?} against {} ({}){}",
        names.join(", "),
        options.tasks,
        bench.url(),
        companion.version,
        if options.compare {
            ", each N followed by gilwall's serial, async and multicore"
        } else {
            ""
        }
    );
    let mut go: Option<GoOutput> = None;
    let mut native: Option<Report> = None;
    for &n in &options.tasks {
        let out = companion.measure(
            bench.url(),
            &strategies,
            n,
            options.io_ms,
            (options.cpu_ms, options.cpu_iters),
            options.repeats,
        )?;
        match go.as_mut() {
            Some(g) => g.points.extend(out.points),
            None => go = Some(out),
        }
        if options.compare {
            let mut sweep = compare_sweep(&[n], options.io_ms, options.cpu_ms, options.repeats);
            if let Some(iters) = options.cpu_iters {
                sweep.cpu_ms = None;
                sweep.cpu_iters = Some(iters);
            }
            let r = bench.run(&sweep, &ProgressBar::hidden(), |_| Ok(()))?;
            match native.as_mut() {
                Some(all) => all.points.extend(r.points),
                None => native = Some(r),
            }
        }
    }
    let parsed = go.context("no task count to run")?;
    let as_written = AsWritten::of(&parsed);
    let cpu = match options.cpu_iters {
        Some(n) => format!("{n} kernel iterations"),
        None => format!("{} ms CPU", options.cpu_ms),
    };
    let title = options.title.clone().unwrap_or_else(|| {
        let mut t = format!(
            "{} (GOMAXPROCS {}): {} ms fetch + {cpu} per task",
            parsed.go_version, parsed.gomaxprocs, options.io_ms
        );
        if let Some(a) = as_written {
            t.push_str(&format!(
                "; as written, the loop ran {:.1}× faster than kept",
                a.speedup()
            ));
        }
        t
    });
    eprintln!(
        "gilwall go: {}, GOMAXPROCS {}, {:.0} iterations of the kept loop per ms",
        parsed.go_version, parsed.gomaxprocs, parsed.iters_per_ms
    );
    let report = build_report(
        &parsed,
        bench.cores(),
        machine::now_rfc3339(),
        Some(title.clone()),
    )?;
    let json_path = &options.export_json;
    export::write(json_path, &Json.export(std::slice::from_ref(&report))?)?;
    let native = native.map(|mut n| {
        n.title = Some(format!(
            "gilwall: {} ms fetch + {cpu} per task",
            options.io_ms
        ));
        n
    });
    if let Some(n) = &native {
        export::write(
            &options.compare_json,
            &Json.export(std::slice::from_ref(n))?,
        )?;
        eprintln!(
            "wrote gilwall's report to {}",
            options.compare_json.display()
        );
    }
    let mut appendix = String::new();
    if let Some(a) = as_written {
        appendix.push_str(&format!("\nWhat the compiler did: {}.\n", a.describe()));
    }
    if let Some(n) = &native {
        appendix.push_str(
            "\nGo beside gilwall: same schedules, same server, taking turns at each N:\n\n",
        );
        appendix.push_str(&side_by_side(&report, n));
    }
    let mut summary = export::markdown::summary(&report);
    summary.push_str(&appendix);
    let mut charted = vec![report];
    charted.extend(native);
    let exports = &options.exports;
    exports.write(
        &charted,
        title,
        (!appendix.is_empty()).then_some(appendix.as_str()),
    )?;
    let json_to_stdout = export::is_stdout(json_path);
    exports.print(&summary, json_to_stdout);
    if !json_to_stdout {
        eprintln!("wrote Go's report to {}", json_path.display());
    }
    exports.say_written();
    let measured: Vec<&Report> = charted.iter().collect();
    if let Some(failed) = export::notes::failure_summary(&measured) {
        bail!(
            "{failed} Go's report is in {}. Fix what failed (is the server still up?) and run \
             again.",
            json_path.display()
        );
    }
    Ok(())
}

/// The Go companion, built and ready to run at any N (`gilwall go`, `gilwall blog --with go`).
#[derive(Debug, Clone)]
pub struct Companion {
    /// The built program.
    pub binary: PathBuf,
    /// The toolchain that built it, e.g. "go1.19.8".
    pub version: String,
}

impl Companion {
    /// Finds (or installs) the Go toolchain and builds the companion into `cache` if this
    /// source and toolchain have not been built there before.
    pub fn start(go: Option<&std::ffi::OsStr>, cache: &Path) -> Result<Companion> {
        let toolchain = toolchain::find(go)?;
        let binary = toolchain::build(&toolchain, cache)?;
        Ok(Companion {
            binary,
            version: toolchain.version,
        })
    }

    /// Runs the companion once, at one task count, on a lifeline, and reads what it printed.
    /// `cpu` is the CPU work in ms of Go CPU time, or a fixed iteration count when given.
    pub fn measure(
        &self,
        url: &str,
        strategies: &[GoStrategy],
        tasks: u32,
        io_ms: f64,
        cpu: (f64, Option<u64>),
        repeats: u32,
    ) -> Result<GoOutput> {
        let binary = &self.binary;
        let names: Vec<&str> = strategies.iter().map(|s| s.as_str()).collect();
        let mut cmd = lifeline::command(binary);
        cmd.arg("-lifeline")
            .args(["-url", url])
            .args(["-strategies", &names.join(",")])
            .args(["-tasks", &tasks.to_string()])
            .args(["-io-ms", &io_ms.to_string()])
            .args(["-cpu-ms", &cpu.0.to_string()])
            .args(["-repeats", &repeats.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(n) = cpu.1 {
            cmd.args(["-cpu-iters", &n.to_string()]);
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot run {}", binary.display()))?;
        // The writing end of the child's stdin is its lifeline: held until it has answered,
        // and closed by the kernel if this process dies first, which ends the child too.
        let lifeline = child.stdin.take();
        let mut stdout = Vec::new();
        if let Some(mut out) = child.stdout.take() {
            out.read_to_end(&mut stdout)
                .context("cannot read the Go companion's output")?;
        }
        let status = child
            .wait()
            .context("cannot wait for the Go companion to end")?;
        drop(lifeline);
        if !status.success() {
            bail!(
                "the Go companion failed ({status}); its messages are above. It is {}",
                binary.display()
            );
        }
        serde_json::from_slice(&stdout).with_context(|| {
            format!(
                "the Go companion printed something other than its JSON document: {:?}",
                String::from_utf8_lossy(&stdout)
                    .chars()
                    .take(200)
                    .collect::<String>()
            )
        })
    }
}
