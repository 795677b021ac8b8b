//! The `gilwall` binary: parse the command line, run it, report errors with their causes.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = gilwall::cli::Cli::parse();
    match gilwall::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
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
