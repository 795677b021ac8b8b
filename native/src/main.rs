//! The `gilwall` binary: parse the command line, run it, report errors with their causes.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = gilwall::cli::Cli::parse();
    match gilwall::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
