//! `cargo xtask page-run CONFIG [--export-json FILE]`: one sweep on the demo page in headless
//! Chromium, printed as a table (with copies between heaps and the longest frame), for
//! browser figures that anyone can reproduce with one command.
//!
//! Builds the page (both wasm builds; the threaded one is required, since configs may name
//! `wasm-threads`) and `gilwall`, starts `gilwall serve`, and runs `browser-tests/page-run.mjs`
//! with the arguments given.

use crate::browser::{Server, debug_gilwall, ensure_chromium, ensure_npm_packages};
use crate::{cargo, root, run, web};
use anyhow::{Result, bail};
use std::process::Command;

/// Builds, serves and runs the config.
pub fn page_run(args: &[String]) -> Result<()> {
    if args.is_empty() {
        bail!(
            "give a config as JSON, e.g. cargo xtask page-run '{{\"strategies\":[\"async\",\"wasm-threads\"],\"tasks\":[1,4]}}'"
        );
    }
    web::build(web::Threads::Required)?;
    run(cargo()
        .current_dir(root())
        .args(["build", "--package", "gilwall", "--bin", "gilwall"]))?;
    let chromium = ensure_chromium()?;
    ensure_npm_packages(&root().join("browser-tests"))?;
    let server = Server::start(&debug_gilwall())?;
    let result = run(Command::new("node")
        .current_dir(root())
        .arg(root().join("browser-tests").join("page-run.mjs"))
        .args(args)
        .env("GILWALL_URL", &server.url)
        .env("GILWALL_CHROMIUM", &chromium)
        .env("GILWALL_ROOT", root()));
    drop(server);
    result
}
