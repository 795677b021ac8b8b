//! The native side of the wasm-vs-native kernel benchmark: times one kernel from core, the same
//! code and the same payload the page's `kernel_timing` export runs in wasm, and prints one JSON
//! line (`gilwall_core::bench::KernelTiming`).
//!
//! Build it optimised — the comparison is meaningless otherwise:
//!
//! ```sh
//! cargo run --release -p gilwall-bench -- --kernel sqrt --sample-ms 200
//! ```
//!
//! `cargo xtask bench-wasm` runs it interleaved with the browser and prints the ratios; the
//! browser tests run it for their regression check. It is a crate of its own rather than a
//! `gilwall` subcommand because an optimised build of core and clap alone is quick, where an
//! optimised `gilwall` (tokio, axum, reqwest, plotters…) takes minutes on a small machine.

use clap::Parser;
use gilwall_core::bench::{self, WarmUp};
use gilwall_core::task::Clock;
use gilwall_core::{Kernel, Runtime};
use std::process::ExitCode;
use std::time::Instant;

/// Time one of gilwall's CPU kernels natively, as the wasm benchmark does in the browser.
///
/// Warms the kernel up until its speed settles, then takes --repeats samples, each one whole
/// kernel call of --iterations over a fixed payload, and prints one JSON line: the runtime, the
/// kernel, the iterations, each sample's milliseconds and the checksum.
#[derive(Debug, Parser)]
#[command(name = "kernel-timing")]
struct Args {
    /// Kernel: sqrt (the article's loop) or features (preprocess the JSON payload).
    #[arg(long, value_parser = parse_kernel, value_name = "KERNEL")]
    kernel: Kernel,
    /// Iterations per sample (the number the browser must run too).
    #[arg(long, value_name = "N", conflicts_with = "sample_ms")]
    iterations: Option<u64>,
    /// Without --iterations: calibrate here and pick iterations that take about MS each.
    #[arg(long, default_value_t = 200.0, value_name = "MS")]
    sample_ms: f64,
    /// Samples to take.
    #[arg(long, default_value_t = 5, value_name = "N")]
    repeats: u32,
}

fn parse_kernel(s: &str) -> Result<Kernel, String> {
    s.parse()
}

/// `Instant`, as core's clock.
struct InstantClock(Instant);

impl Clock for InstantClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: built without --release; these are not the figures of the release build \
             the wasm is compared with"
        );
    }
    if !(args.sample_ms.is_finite() && (1.0..=60_000.0).contains(&args.sample_ms)) {
        return Err(format!(
            "--sample-ms must be from 1 to 60000, got {}",
            args.sample_ms
        ));
    }
    // Refuse a bad size before spending time warming up.
    bench::check(args.iterations.unwrap_or(1), args.repeats).map_err(|e| e.to_string())?;
    let clock = InstantClock(Instant::now());
    let body = bench::payload();
    let mut warm = WarmUp::new(&clock);
    while !warm
        .round(args.kernel, &body, &clock)
        .map_err(|e| e.to_string())?
    {}
    let iterations = match args.iterations {
        Some(n) => n,
        None => bench::iterations_for(args.kernel, &body, args.sample_ms, &clock)
            .map_err(|e| e.to_string())?,
    };
    let timing = bench::measure(
        Runtime::Native,
        args.kernel,
        &body,
        iterations,
        args.repeats,
        warm.elapsed_ms(&clock),
        &clock,
    )
    .map_err(|e| e.to_string())?;
    // KernelTiming holds only strings, integers and finite floats.
    Ok(serde_json::to_string(&timing).expect("a KernelTiming always serialises"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Args::command().debug_assert();
    }
}
