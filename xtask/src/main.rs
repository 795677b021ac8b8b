//! gilwall's tasks: `cargo xtask test` runs every test the project has; `cargo xtask web`
//! builds the page's wasm; `cargo xtask serve` builds it and serves the page; `cargo xtask
//! bench-wasm` compares the kernels in wasm with the same kernels natively; `cargo xtask install`
//! installs a gilwall with the page inside and `cargo xtask static DIR` exports the page for a
//! static host.
//!
//! Steps that need more than cargo (the wasm target, Chromium, npm packages) install them
//! where they can and say plainly what is missing where they cannot.

mod bench_wasm;
mod browser;
mod exercises;
mod install;
mod page_run;
mod test;
mod web;

use anyhow::{Result, bail};
use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo xtask TASK --help` prints the help rather than running the task.
    let asks_help = args.iter().skip(1).any(|a| a == "--help" || a == "-h");
    let result = match args.first().map(String::as_str) {
        Some(_) if asks_help => {
            print!("{HELP}");
            Ok(())
        }
        Some("test") => test::all(),
        Some("web") => web::build(web::Threads::Optional)
            .map(|out| eprintln!("xtask: the page's wasm is in {}", out.display())),
        Some("serve") => web::serve(&args[1..]),
        Some("browser") => browser::test(&args[1..]),
        Some("exercises") => exercises::check(&test::repo()),
        Some("install") => install::install(&args[1..]),
        Some("static") => install::static_page(&args[1..]),
        Some("bench-wasm") => bench_wasm::run_bench(&args[1..]),
        Some("page-run") => page_run::page_run(&args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!("unknown task {other:?}\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "\
cargo xtask <task>

tasks:
  test     run every test: the workspace's cargo tests, core's wasm32 build check, the
           workshop's exercises (each solution passes, each starting file fails) and the
           browser tests in headless Chromium
  web      build the page's wasm modules into www/pkg and (shared memory, for wasm-threads;
           needs nightly with rust-src, installed through rustup if missing) www/pkg-threads
  serve    build the page and serve it (gilwall serve); extra arguments go to gilwall serve
  install [--root DIR] [--debug]
           build the page and install a gilwall with the page inside (cargo install --path
           native --features page): its `gilwall serve` serves the page from any folder
  static DIR [--force]
           build the page and write a copy of it into DIR that runs from any static file
           server (gilwall export-page): a service worker answers /delay and /features
  browser [FILE...]
           only the browser tests (builds the page and the server first); with FILEs, only
           those of browser-tests/ (e.g. `load` or `load.test.mjs`)
  exercises
           only the workshop's exercises: both tracks' starting files fail, solutions pass
  bench-wasm [--rounds N] [--sample-ms MS] [--export-json FILE]
           the same kernels, same iterations, in headless Chromium and natively (release),
           sampled in turns; prints the medians, the wasm/native ratio and the checksums
  page-run [--load] CONFIG [--export-json FILE]
           one sweep on the demo page in headless Chromium (CONFIG: the JSON fields of
           window.gilwall.run); prints each point with its copies and longest frame; with
           --load, a stream of requests (CONFIG: the fields of window.gilwall.load), printed
           as gilwall load's table with each strategy's knee
";

/// The workspace's root folder.
pub fn root() -> PathBuf {
    // xtask/ always sits directly in the workspace root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent folder")
        .to_path_buf()
}

/// Runs `cmd`, echoing it first, and fails if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: $ {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| anyhow::anyhow!("cannot start {cmd:?}: {e}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// The cargo that runs this task (so a `cargo +nightly xtask` stays on nightly).
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Makes sure rustup's `target` is installed for the active toolchain.
pub fn ensure_target(target: &str) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == target) =>
        {
            Ok(())
        }
        Ok(_) => run(Command::new("rustup").args(["target", "add", target])),
        Err(_) => {
            bail!("rustup is not on PATH; install the {target} target for your toolchain by hand")
        }
    }
}
