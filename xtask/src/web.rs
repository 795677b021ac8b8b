//! `cargo xtask web`: builds the page's wasm modules: `www/pkg/` and `www/pkg-threads/`.
//!
//! Three steps each: `cargo build` of `gilwall-web` for wasm32 (release), the JS bindings from
//! `wasm-bindgen-cli-support` used as a library — pinned in xtask's Cargo.toml to the exact
//! wasm-bindgen in Cargo.lock, so no separately installed `wasm-bindgen` can disagree with it —
//! and `wasm-opt` if it happens to be on PATH (optional: the module works without it).
//!
//! The second module is the shared-memory build for the `wasm-threads` strategy: the same
//! crate with `--features threads`, atomics, and a standard library rebuilt with them, which
//! needs the nightly toolchain with `rust-src` (installed through rustup when missing). The
//! normal build stays on stable. `cargo xtask web` carries on without the threads build if it
//! cannot be made (the page then says why the strategy is missing); the tests require it.

use crate::{cargo, ensure_target, root, run};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;

/// The wasm target the page runs.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// The nightly toolchain the shared-memory build uses (`-Z build-std` is unstable).
pub const NIGHTLY: &str = "nightly";

/// Flags of the shared-memory build. `+atomics` alone no longer makes the memory shared: the
/// linker is told to share and import it, with a maximum size (1 GiB, room for 32 tasks of
/// 16 MiB payloads with copies), and to export the thread-local-storage symbols
/// wasm-bindgen's thread start-up calls.
const THREADS_RUSTFLAGS: &str = "-C target-feature=+atomics,+bulk-memory,+mutable-globals \
    -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=1073741824 \
    -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
    -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base";

/// Whether a failed shared-memory build fails the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The tests: the `wasm-threads` strategy must be there.
    Required,
    /// `cargo xtask web` and `serve`: say what failed, serve the page without it.
    Optional,
}

/// Builds both modules; returns the folder of the normal one.
pub fn build(threads: Threads) -> Result<PathBuf> {
    let out = build_normal()?;
    match (build_threads(), threads) {
        (Ok(dir), _) => eprintln!("xtask: the shared-memory build is in {}", dir.display()),
        (Err(e), Threads::Required) => return Err(e.context("building the wasm-threads module")),
        (Err(e), Threads::Optional) => {
            // A stale module from an older build would answer the new page's driver wrongly.
            let _ = std::fs::remove_dir_all(root().join("www").join("pkg-threads"));
            eprintln!(
                "xtask: warning: no shared-memory build, so the page will offer wasm-threads \
                 as unavailable: {e:#}"
            );
        }
    }
    Ok(out)
}

/// Builds `www/pkg/gilwall_web.js` and `gilwall_web_bg.wasm` on the active (stable) toolchain.
fn build_normal() -> Result<PathBuf> {
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
    bindgen(&wasm, &root().join("www").join("pkg"))
}

/// Builds `www/pkg-threads/`: the shared-memory module, on nightly, in its own target folder
/// (its flags differ, so it must not evict the normal build's cache).
fn build_threads() -> Result<PathBuf> {
    ensure_nightly()?;
    let target = target_dir().join("wasm-threads");
    let mut cmd = Command::new("rustup");
    cmd.current_dir(root())
        .args(["run", NIGHTLY, "cargo", "build", "--package", "gilwall-web"])
        .args([
            "--lib",
            "--release",
            "--features",
            "threads",
            "--target",
            TARGET,
        ])
        .args(["-Z", "build-std=panic_abort,std", "--target-dir"])
        .arg(&target)
        // This cargo's own settings must not leak into the nightly one.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env(
            "RUSTFLAGS",
            THREADS_RUSTFLAGS
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        );
    run(&mut cmd)?;
    let wasm = target.join(TARGET).join("release").join("gilwall_web.wasm");
    bindgen(&wasm, &root().join("www").join("pkg-threads"))
}

/// Makes sure the nightly toolchain and its `rust-src` (for `-Z build-std`) are installed.
fn ensure_nightly() -> Result<()> {
    let has_nightly = Command::new("rustup")
        .args(["run", NIGHTLY, "rustc", "--version"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .map_err(|e| anyhow::anyhow!("rustup is not on PATH ({e}); install rustup first"))?
        .status
        .success();
    if !has_nightly {
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            NIGHTLY,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ]))?;
        return Ok(());
    }
    let components = Command::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", NIGHTLY])
        .output()
        .context("asking rustup for the nightly toolchain's components")?;
    let has_src = String::from_utf8_lossy(&components.stdout)
        .lines()
        .any(|l| l.trim() == "rust-src");
    if !has_src {
        run(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", NIGHTLY]))?;
    }
    Ok(())
}

/// Generates the JS bindings for `wasm` into `out` and optimises the module.
fn bindgen(wasm: &std::path::Path, out: &std::path::Path) -> Result<PathBuf> {
    eprintln!(
        "xtask: wasm-bindgen {} -> {}",
        wasm.display(),
        out.display()
    );
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        // ES modules that the page and its module workers import directly, no bundler.
        .web(true)
        .context("selecting wasm-bindgen's web target")?
        // Keep `init()` finding gilwall_web_bg.wasm next to the JS by default.
        .omit_default_module_path(false)
        .typescript(false)
        .generate(out)
        .with_context(|| format!("generating JS bindings for {}", wasm.display()))?;
    optimise(&out.join("gilwall_web_bg.wasm"));
    Ok(out.to_path_buf())
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
            "--enable-threads",
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
    build(Threads::Optional)?;
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
