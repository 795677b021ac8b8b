//! `cargo xtask browser` (and the last step of `cargo xtask test`): the page in real headless
//! Chromium, against the real `gilwall serve`, with the real wasm.
//!
//! Builds the wasm (`www/pkg`) and the `gilwall` binary, makes sure Chromium and the test
//! scripts' npm packages are there, starts `gilwall serve --port 0`, reads its port from the
//! first line it prints, and runs `node --test` on `browser-tests/*.test.mjs` (Playwright's
//! `playwright-core` driving Debian's Chromium). The server is stopped however the tests end.
//! It also builds the optimised native kernel runner (`kernel-timing`) that the wasm-vs-native
//! check compares against.

use crate::{bench_wasm, cargo, root, run, web};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where Debian's `chromium` package puts the browser; `GILWALL_CHROMIUM` overrides it.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Builds everything, starts the server and runs the browser tests.
pub fn test(only: &[String]) -> Result<()> {
    let tests = root().join("browser-tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&tests)
        .with_context(|| format!("reading {}", tests.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no *.test.mjs files in {}", tests.display());
    }
    if !only.is_empty() {
        let name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned());
        let known: Vec<String> = files.iter().filter_map(name).collect();
        // `load` and `load.test.mjs` both name browser-tests/load.test.mjs.
        let wanted: Vec<String> = only
            .iter()
            .map(|w| format!("{}.test.mjs", w.trim_end_matches(".test.mjs")))
            .collect();
        if let Some((want, _)) = only.iter().zip(&wanted).find(|(_, f)| !known.contains(f)) {
            bail!(
                "there is no browser test file {want:?} in {}; the files are: {}",
                tests.display(),
                known.join(", ")
            );
        }
        files.retain(|p| name(p).is_some_and(|n| wanted.contains(&n)));
    }
    // The kernel check compares wasm with an optimised native build of the same kernels.
    let kernel_timing = bench_wasm::build_kernel_timing()?;
    // The tests cover wasm-threads, so its shared-memory build must be there.
    web::build(web::Threads::Required)?;
    // What a user installs (`cargo xtask install`), with the page inside, and the static page
    // that binary exports: `installed.test.mjs` serves the one from an empty folder,
    // `static.test.mjs` the other from `python3 -m http.server`. A debug-profile install: it
    // reuses the test build's dependencies (about a minute here; a release install takes
    // several on two cores), and the page's wasm is the release build either way.
    let scratch = std::env::temp_dir().join(format!("gilwall-xtask-{}", std::process::id()));
    let _cleanup = RemoveOnDrop(scratch.clone());
    let installed = scratch.join("root");
    crate::install::install_page_binary(Some(&installed), true)?;
    let installed = installed.join("bin").join("gilwall");
    let exported = scratch.join("static");
    run(Command::new(&installed).arg("export-page").arg(&exported))?;
    node_against_page(web::Threads::Required, |node| {
        // One file at a time: each runs timing measurements that must not share the 2 cores.
        node.args(["--test", "--test-concurrency=1"])
            .args(&files)
            .env("GILWALL_KERNEL_TIMING", &kernel_timing)
            .env("GILWALL_INSTALLED_BIN", &installed)
            .env("GILWALL_STATIC_DIR", &exported);
    })
}

/// Removes a scratch folder however the tests end.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a node script against the page: builds the page (`threads` says whether its
/// shared-memory build must succeed) and `gilwall`, makes sure Chromium and the scripts' npm
/// packages are there, starts `gilwall serve`, and runs `node` — with what `configure` adds —
/// with `GILWALL_URL`, `GILWALL_CHROMIUM`, `GILWALL_ROOT` and `GILWALL_BIN` (the `gilwall` it
/// serves with, for tests that start a server of their own) set. The server is stopped
/// however the script ends. Shared by the browser tests, `bench-wasm` and `page-run`.
pub fn node_against_page(
    threads: web::Threads,
    configure: impl FnOnce(&mut Command),
) -> Result<()> {
    web::build(threads)?;
    run(cargo()
        .current_dir(root())
        .args(["build", "--package", "gilwall", "--bin", "gilwall"]))?;
    let chromium = ensure_chromium()?;
    ensure_npm_packages(&root().join("browser-tests"))?;
    let server = Server::start(&debug_gilwall())?;
    let mut node = Command::new("node");
    node.current_dir(root())
        .env("GILWALL_URL", &server.url)
        .env("GILWALL_CHROMIUM", &chromium)
        .env("GILWALL_ROOT", root())
        .env("GILWALL_BIN", debug_gilwall());
    configure(&mut node);
    let result = run(&mut node);
    drop(server);
    result
}

/// Where `cargo build --package gilwall` puts the binary.
pub fn debug_gilwall() -> PathBuf {
    web::target_dir().join("debug").join("gilwall")
}

/// Finds Chromium, installing Debian's package with apt-get when running as root.
pub fn ensure_chromium() -> Result<PathBuf> {
    let path = std::env::var_os("GILWALL_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM));
    if path.is_file() {
        return Ok(path);
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let has_apt = Path::new("/usr/bin/apt-get").is_file();
    if !(is_root && has_apt) {
        bail!(
            "the browser tests need Chromium at {} (or set GILWALL_CHROMIUM); on Debian or Ubuntu \
             install it with: sudo apt-get update && sudo apt-get install -y chromium chromium-driver",
            path.display()
        );
    }
    eprintln!("xtask: Chromium is missing; installing Debian's chromium package");
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        // Wait for another apt-get rather than fail on its lock.
        .args(["-o", "DPkg::Lock::Timeout=600"])
        .args(["install", "-y", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    if !path.is_file() {
        bail!(
            "apt-get installed chromium, but there is still no {}",
            path.display()
        );
    }
    Ok(path)
}

/// Installs the test scripts' npm packages exactly as locked (`npm ci`) unless they already are.
pub fn ensure_npm_packages(dir: &Path) -> Result<()> {
    if Command::new("node").arg("--version").output().is_err() {
        bail!(
            "the browser tests need Node.js 20 or later and npm on PATH (Debian: apt-get install -y nodejs npm)"
        );
    }
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules").join(".package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(l), Ok(i)) => match (l.modified(), i.modified()) {
            (Ok(l), Ok(i)) => i >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new("npm")
        .current_dir(dir)
        .args(["ci", "--no-audit", "--no-fund"]))
}

/// `gilwall serve --port 0` in the background, stopped on drop.
pub struct Server {
    child: Child,
    /// Where the page is, e.g. `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Server {
    /// Starts `binary serve --port 0` on the source tree's `www` and reads where it listens.
    pub fn start(binary: &Path) -> Result<Server> {
        let mut child = Command::new(binary)
            .args(["serve", "--port", "0", "--www"])
            .arg(root().join("www"))
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        // The server was just spawned with a piped stdout.
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().transpose()?.unwrap_or_default();
        // "gilwall: demo page at http://127.0.0.1:PORT/ (from …)"
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(|u| u.trim_end_matches('/').to_string());
        // Keep draining its output so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        match url {
            Some(url) => {
                eprintln!("xtask: gilwall serve is up at {url}");
                Ok(Server { child, url })
            }
            None => {
                let _ = child.kill();
                bail!("gilwall serve did not say where the page is; it printed {first:?}")
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Stop our own child by its handle; it may have exited already.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
