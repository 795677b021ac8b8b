//! `cargo xtask web`: builds the page's wasm module into `www/pkg/`.
//!
//! Three steps: `cargo build` of `gilwall-web` for wasm32 (release), the JS bindings from
//! `wasm-bindgen-cli-support` used as a library — pinned in xtask's Cargo.toml to the exact
//! wasm-bindgen in Cargo.lock, so no separately installed `wasm-bindgen` can disagree with it —
//! and `wasm-opt` if it happens to be on PATH (optional: the module works without it).

use crate::{cargo, ensure_target, root, run};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;

/// The wasm target the page runs.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// Builds `www/pkg/gilwall_web.js` and `gilwall_web_bg.wasm`, and returns the pkg folder.
pub fn build() -> Result<PathBuf> {
    ensure_target(TARGET)?;
    run(cargo().current_dir(root()).args([
        "build",
        "--package",
        "gilwall-web",
        "--lib",
        "--release",
        "--target",
        TARGET,
    ]))?;
    let wasm = target_dir()
        .join(TARGET)
        .join("release")
        .join("gilwall_web.wasm");
    let out = root().join("www").join("pkg");
    eprintln!(
        "xtask: wasm-bindgen {} -> {}",
        wasm.display(),
        out.display()
    );
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        // ES modules that the page and its module workers import directly, no bundler.
        .web(true)
        .context("selecting wasm-bindgen's web target")?
        // Keep `init()` finding gilwall_web_bg.wasm next to the JS by default.
        .omit_default_module_path(false)
        .typescript(false)
        .generate(&out)
        .with_context(|| format!("generating JS bindings for {}", wasm.display()))?;
    optimise(&out.join("gilwall_web_bg.wasm"));
    Ok(out)
}

/// Runs `wasm-opt -O2` in place when it is installed; the page works either way.
fn optimise(wasm: &std::path::Path) {
    let found = Command::new("wasm-opt").arg("--version").output().is_ok();
    if !found {
        eprintln!(
            "xtask: wasm-opt not found; keeping the unoptimised module (it works, only larger)"
        );
        return;
    }
    let status = Command::new("wasm-opt")
        .args([
            "-O2",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "-o",
        ])
        .arg(wasm)
        .arg(wasm)
        .status();
    match status {
        Ok(s) if s.success() => eprintln!("xtask: wasm-opt -O2 done"),
        // An optimiser failure is not worth failing the build for; the input is untouched.
        _ => eprintln!("xtask: wasm-opt failed; keeping the unoptimised module"),
    }
}

/// Cargo's target folder (honours CARGO_TARGET_DIR).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// `cargo xtask serve [ARGS…]`: builds the page, then runs `gilwall serve` (release) on it with
/// any extra arguments (e.g. `--port 9000`).
pub fn serve(args: &[String]) -> Result<()> {
    build()?;
    run(cargo()
        .current_dir(root())
        .args([
            "run",
            "--release",
            "--package",
            "gilwall",
            "--",
            "serve",
            "--www",
        ])
        .arg(root().join("www"))
        .args(args))
}
