//! The `gilwall` binary: parse the command line, run it, report errors with their causes.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc, not glibc's allocator: HTTP/2 allocates and frees several small blocks a request
/// on both the client's one thread and the server's, and with 100 000 requests in flight
/// glibc's free (coalescing chunks across a heap of 400 MB) was a tenth of each thread's
/// samples. mimalloc frees to a per-thread page list: 100 000 fetches of 1 s took 1.45-1.57 s
/// against 1.52-1.65 s, eight runs each in turns (BENCHMARKS.md, "Scale, fifth pass").
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
