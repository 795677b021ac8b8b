//! `gilwall serve`'s body as a typed function: [`serve`] listens where [`ServeOptions`] says,
//! tells people where the page and the endpoints are, and serves in the foreground until SIGINT
//! (Ctrl-C) or SIGTERM. The command line only maps its flags onto [`ServeOptions`]; the
//! workshop's lesson 7 calls [`serve`] directly.
//!
//! `serve_until` is the part shared with the server's child process (`super::child`), which
//! announces its address in a machine-readable line instead.

use super::{ServerConfig, bind};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Which page `gilwall serve` serves at `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// None: the feature endpoints only (`--no-www`).
    Off,
    /// This folder, which must hold an `index.html` (`--www DIR`).
    Dir(PathBuf),
    /// [`default_www`] if the page is built there; else the endpoints only, saying so.
    Default,
}

/// What `gilwall serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The page at `/`; it decides `config.www`.
    pub page: Page,
    /// The server's caps and faults (its `www` is replaced by what `page` finds).
    pub config: ServerConfig,
}

/// Why `gilwall serve` (or the server's child process) could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// `Page::Dir` names a folder without the page.
    #[error("--www {}: no index.html there; point it at gilwall's www folder", .0.display())]
    NoPage(PathBuf),
    /// The tokio runtime could not start.
    #[error("cannot start the tokio runtime")]
    Runtime(#[source] std::io::Error),
    /// The address could not be bound.
    #[error(
        "cannot listen on {addr}; is the port in use? pick another with --port, or --port 0 for any free one"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Saying where it listens failed (stdout closed, say).
    #[error("cannot say where the server listens")]
    Announce(#[source] std::io::Error),
    /// The server itself failed.
    #[error("the server stopped with an error")]
    Server(#[source] std::io::Error),
    /// The server's child process got no configuration before its stdin closed.
    #[error(
        "no server configuration on stdin: `gilwall serve --config-stdin` is for gilwall's own use; run `gilwall serve` instead"
    )]
    NoConfig,
    /// The server's child process got a configuration it cannot read.
    #[error(
        "the server configuration on stdin is not valid: `gilwall serve --config-stdin` is for gilwall's own use; run `gilwall serve` instead"
    )]
    BadConfig(#[source] serde_json::Error),
}

/// Runs `gilwall serve`: prints where the page and the feature endpoints are, then serves until
/// SIGINT or SIGTERM. Warns on stderr when `addr` is not loopback.
pub fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let ServeOptions {
        addr,
        page,
        mut config,
    } = options;
    config.www = match &page {
        Page::Off => None,
        Page::Dir(dir) if !dir.join("index.html").is_file() => {
            return Err(ServeError::NoPage(dir.clone()));
        }
        Page::Dir(dir) => Some(dir.clone()),
        Page::Default => default_www(),
    };
    let www = config.www.clone();
    serve_until(
        addr,
        config,
        |local| {
            if !addr.ip().is_loopback() {
                eprintln!(
                    "WARNING: listening on {local}, which is NOT loopback: anyone who can reach this \
                     machine can use this server. Use --bind 127.0.0.1 unless you mean it."
                );
            }
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                addr.ip().to_string()
            };
            let port = local.port();
            // `cargo xtask browser` reads the page's URL from the first of these lines.
            match (&page, &www) {
                (Page::Off, _) => {}
                (_, Some(dir)) => println!(
                    "gilwall: demo page at http://{host}:{port}/ (from {})",
                    dir.display()
                ),
                (_, None) => println!(
                    "gilwall: no www folder found; serving the API only (build the page with `cargo xtask web`)"
                ),
            }
            println!(
                "gilwall: feature server at http://{host}:{port}/delay/1 and /features; Ctrl-C stops it"
            );
            Ok(())
        },
        std::future::pending(),
    )
}

/// Binds `addr`, calls `listening` with the bound address, and serves `config` until SIGINT,
/// SIGTERM or `stop` completes.
pub(super) fn serve_until(
    addr: SocketAddr,
    config: ServerConfig,
    listening: impl FnOnce(SocketAddr) -> std::io::Result<()>,
    stop: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    crate::machine::raise_open_files_limit();
    let runtime = tokio::runtime::Runtime::new().map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let listener = bind(addr).map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener.local_addr().map_err(ServeError::Server)?;
        let signalled = signalled();
        listening(local).map_err(ServeError::Announce)?;
        super::run(listener, config, async {
            tokio::select! {
                () = signalled => {}
                () = stop => {}
            }
        })
        .await
        .map_err(ServeError::Server)
    })
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM: the two ways people and service managers
/// ask a server to stop. The handlers are registered when this is called, not when the future
/// is first polled, so a signal sent the moment the server says it listens is not lost to the
/// default action (which would kill it without a clean stop).
fn signalled() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        // A handler that cannot be registered leaves that signal's default, which still ends
        // the process.
        let int = signal(SignalKind::interrupt()).ok();
        let term = signal(SignalKind::terminate()).ok();
        async fn next(signal: Option<Signal>) {
            match signal {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        async move {
            tokio::select! {
                () = next(int) => {}
                () = next(term) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The demo page's folder: `./www` if it has an index.html, else the source tree's `www`.
pub fn default_www() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("www"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../www"),
    ];
    candidates
        .into_iter()
        .find(|d| d.join("index.html").is_file())
}
