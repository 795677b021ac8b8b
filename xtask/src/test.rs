//! `cargo xtask test`: every test the project has, in one command.

use crate::{cargo, ensure_target, run};
use anyhow::{Context, Result};
use std::path::Path;

/// Checks that core builds for wasm32, runs the workspace's tests, proves the workshop's
/// exercises (solutions pass, starting files fail), then runs the browser tests.
pub fn all() -> Result<()> {
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
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask sits in the checkout")?;
    crate::exercises::check(repo)?;
    // The page in real headless Chromium against the real server.
    crate::browser::test()?;
    Ok(())
}
