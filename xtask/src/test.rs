//! `cargo xtask test`: every test the project has, in one command — the style checks (rustfmt,
//! clippy with warnings as errors) first, then core's wasm32 build check, the workspace's
//! tests, the workshop's exercises and the browser tests.

use crate::{cargo, ensure_target, run};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Checks formatting and lints, checks that core builds for wasm32, runs the workspace's tests, proves the workshop's
/// exercises (solutions pass, starting files fail), then runs the browser tests.
/// The checkout's root, where xtask's own crate sits.
pub fn repo() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

pub fn all() -> Result<()> {
    // Style first: the cheapest to fail, and a tree that passes is formatted and lint-free.
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Architecture invariant: core compiles for the browser as well as natively.
    ensure_target("wasm32-unknown-unknown")?;
    run(cargo().args([
        "check",
        "--package",
        "gilwall-core",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    run(cargo().args(["test", "--workspace"]))?;
    // The exercises are a workspace of their own (their starting files fail on purpose).
    crate::exercises::check(&repo())?;
    // The page in real headless Chromium against the real server.
    crate::browser::test(&[])?;
    Ok(())
}
