//! `gilwall calibrate`: how fast the CPU kernels run on this machine.

use super::args::parse_kernel;
use crate::machine::{self, InstantClock};
use anyhow::{Context, Result};
use clap::Args;
use gilwall_core::calibrate::calibrate;
use gilwall_core::{Kernel, payload};

/// Options of `gilwall calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Kernel to measure; both when left out.
    #[arg(long, value_parser = parse_kernel)]
    pub kernel: Option<Kernel>,
    /// Payload size the `features` kernel is measured on, in KiB.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub payload_kb: u64,
    /// Time to spend measuring each kernel, in ms.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=60_000), value_name = "MS")]
    pub budget_ms: u64,
}

/// Runs `gilwall calibrate`.
pub(super) fn run(args: CalibrateArgs) -> Result<()> {
    let kernels = match args.kernel {
        Some(k) => vec![k],
        None => Kernel::ALL.to_vec(),
    };
    let clock = InstantClock::new();
    let body = payload::generate(1, (args.payload_kb * 1024) as usize);
    println!(
        "{:<10} {:>16} {:>14} {:>22}  what",
        "kernel", "iterations/ms", "fixed ms/call", "iterations for 100 ms"
    );
    for kernel in kernels {
        let c = calibrate(kernel, &body, &clock, args.budget_ms as f64)
            .with_context(|| format!("calibrating the {kernel} kernel"))?;
        println!(
            "{:<10} {:>16.1} {:>14.3} {:>22}  {}",
            kernel.id(),
            c.iters_per_ms,
            c.fixed_ms,
            c.iterations_for(100.0),
            kernel.describe()
        );
    }
    println!(
        "\n{} cores; the features kernel was measured on a {} KiB payload, which each call\n\
         parses once (its fixed part) before its iterations.",
        machine::cores(),
        args.payload_kb
    );
    Ok(())
}
