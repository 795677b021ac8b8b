//! `cargo xtask install [--root DIR] [--debug]`: a `gilwall` with the demo page inside, and
//! `cargo xtask static DIR`: a copy of the page for any static file server.
//!
//! Both build the page's wasm first (`web`). `install` then runs `cargo install --path native
//! --features page`, which embeds `www/` — the wasm included — in the binary, so its `serve`
//! serves the page from any folder. `static` runs `gilwall export-page` on the freshly built
//! `www/`.

use crate::{cargo, root, run, web};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// `cargo xtask install [--root DIR] [--debug]`.
pub fn install(args: &[String]) -> Result<()> {
    let mut root_dir = None;
    let mut debug = false;
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--root" => match args.next() {
                Some(dir) => root_dir = Some(PathBuf::from(dir)),
                None => bail!("--root needs a folder, e.g. --root ~/.local"),
            },
            "--debug" => debug = true,
            other => bail!("install: unknown argument {other:?}; it takes --root DIR and --debug"),
        }
    }
    web::build(web::Threads::Optional)?;
    install_page_binary(root_dir.as_deref(), debug)
}

/// `cargo install` of `gilwall` with the page inside, into `root_dir` (cargo's default root
/// if `None`), with the dev profile when `debug` (what the tests install: it reuses the test
/// build's dependencies, where a release install takes minutes on two cores).
pub fn install_page_binary(root_dir: Option<&Path>, debug: bool) -> Result<()> {
    let mut cmd = cargo();
    cmd.current_dir(root()).args([
        "install",
        "--path",
        "native",
        "--features",
        "page",
        "--locked",
        "--force",
    ]);
    if let Some(dir) = root_dir {
        cmd.arg("--root").arg(dir);
    }
    if debug {
        cmd.arg("--debug");
    }
    run(&mut cmd)
}

/// `cargo xtask static DIR [--force]`.
pub fn static_page(args: &[String]) -> Result<()> {
    let (out, force) = match args {
        [out] => (out, false),
        [out, f] | [f, out] if f == "--force" => (out, true),
        _ => bail!(
            "static: give the folder to write the page into: cargo xtask static DIR [--force]"
        ),
    };
    web::build(web::Threads::Optional)?;
    run(cargo()
        .current_dir(root())
        .args(["build", "--package", "gilwall", "--bin", "gilwall"]))?;
    let mut cmd = std::process::Command::new(crate::browser::debug_gilwall());
    cmd.arg("export-page")
        .arg("--www")
        .arg(root().join("www"))
        .arg(out);
    if force {
        cmd.arg("--force");
    }
    run(&mut cmd)
}
