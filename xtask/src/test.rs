//! `cargo xtask test`: every test the project has, in one command.

use crate::{cargo, ensure_target, run};
use anyhow::Result;

/// Checks that core builds for wasm32, runs the workspace's tests, then the browser tests.
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
    // The page in real headless Chromium against the real server.
    crate::browser::test()?;
    Ok(())
}
