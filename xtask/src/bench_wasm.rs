//! `cargo xtask bench-wasm [--rounds N] [--sample-ms MS] [--export-json FILE]`: the same
//! kernels, the same iterations, in headless Chromium and natively, with the ratio per kernel.
//!
//! Builds the page's wasm (`web`), the optimised native runner (`kernel-timing` from
//! gilwall-bench, release) and `gilwall` (only to serve the page), starts `gilwall serve`, and
//! runs `browser-tests/bench-wasm.mjs`, which takes native and wasm samples in turns and prints
//! the medians, the ratios and the checksums. Extra arguments go to that script.

use crate::browser::node_against_page;
use crate::{cargo, root, run, web};
use anyhow::{Result, bail};
use std::path::PathBuf;

/// Builds everything, serves the page and runs the comparison.
pub fn run_bench(args: &[String]) -> Result<()> {
    let kernel_timing = build_kernel_timing()?;
    node_against_page(web::Threads::Optional, |node| {
        node.arg(root().join("browser-tests").join("bench-wasm.mjs"))
            .args(args)
            .env("GILWALL_KERNEL_TIMING", &kernel_timing);
    })
}

/// Builds `kernel-timing` (gilwall-bench) with the release profile — the profile the wasm is
/// built with — and returns its path.
pub fn build_kernel_timing() -> Result<PathBuf> {
    run(cargo().current_dir(root()).args([
        "build",
        "--release",
        "--package",
        "gilwall-bench",
        "--bin",
        "kernel-timing",
    ]))?;
    let path = web::target_dir().join("release").join("kernel-timing");
    if !path.is_file() {
        bail!(
            "cargo built gilwall-bench, but there is no {}",
            path.display()
        );
    }
    Ok(path)
}
