//! The `gilwall` binary: parse the command line, run it, report errors with their causes.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: every fetch allocates and frees a few dozen small
/// buffers and futures on each side, and with 10 000 to 100 000 in flight (the article's step 2
/// at scale) glibc's allocator was a fifth of what a request costs (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = gilwall::cli::Cli::parse();
    match gilwall::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A signal stopped a sweep: say where its points are, and exit as a shell expects of
            // a program ended by Ctrl-C (128 + SIGINT). Every `Drop` on the way here has run.
            if let Some(interrupted) = e.downcast_ref::<gilwall::interrupt::Interrupted>() {
                eprintln!("\n{interrupted}");
                return ExitCode::from(130);
            }
            eprintln!("error: {e:#}");
            // Flags that are wrong together are a usage error, like clap's own (exit code 2).
            if e.downcast_ref::<gilwall::cli::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
