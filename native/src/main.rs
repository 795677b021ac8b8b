//! The `gilwall` binary: parse the command line, run it, report errors with their causes.

use clap::Parser;
use std::process::ExitCode;

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
