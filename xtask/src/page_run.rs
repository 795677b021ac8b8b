//! `cargo xtask page-run [--load] CONFIG [--export-json FILE]`: one sweep (or, with `--load`, one
//! stream of requests at rates) on the demo page in headless
//! Chromium, printed as a table (with copies between heaps and the longest frame), for
//! browser figures that anyone can reproduce with one command.
//!
//! Builds the page (both wasm builds; the threaded one is required, since configs may name
//! `wasm-threads`) and `gilwall`, starts `gilwall serve`, and runs `browser-tests/page-run.mjs`
//! with the arguments given.

use crate::browser::node_against_page;
use crate::{root, web};
use anyhow::{Result, bail};

/// Builds, serves and runs the config.
pub fn page_run(args: &[String]) -> Result<()> {
    if args.is_empty() {
        bail!(
            "give a config as JSON, e.g. cargo xtask page-run '{{\"strategies\":[\"async\",\"wasm-threads\"],\"tasks\":[1,4]}}'"
        );
    }
    node_against_page(web::Threads::Required, |node| {
        node.arg(root().join("browser-tests").join("page-run.mjs"))
            .args(args);
    })
}
