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
    /// This folder, which must hold a built page (`--www DIR`).
    Dir(PathBuf),
    /// The page inside this binary if it has one (feature `page`), else [`default_www`]; else
    /// the endpoints only, saying so.
    Default,
}

/// Where the page at `/` comes from, once [`find`] has looked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A built page in this folder.
    Dir(PathBuf),
    /// The page inside this binary.
    Inside,
    /// No page: why not, in words, with the command that gives one.
    Nothing(String),
}

/// Finds the page `page` asks for. A folder named explicitly must hold a built page (an error
/// otherwise); the default falls back to no page, saying why.
pub fn find(page: &Page) -> Result<Found, ServeError> {
    find_among(page, &www_candidates())
}

/// [`find`], with `candidates` as the folders the default looks in.
fn find_among(page: &Page, candidates: &[PathBuf]) -> Result<Found, ServeError> {
    use super::page::{BUILD_COMMAND, INSIDE, INSTALL_COMMAND, missing_in, missing_inside};
    Ok(match page {
        Page::Off => Found::Nothing("--no-www".into()),
        Page::Dir(dir) => match missing_in(dir) {
            None => Found::Dir(dir.clone()),
            Some("index.html") => return Err(ServeError::NoPage(dir.clone())),
            Some(file) => {
                return Err(ServeError::NotBuilt {
                    dir: dir.clone(),
                    file,
                });
            }
        },
        Page::Default => match (INSIDE, missing_inside()) {
            (true, None) => Found::Inside,
            _ => match first_built(candidates) {
                Some(dir) => Found::Dir(dir),
                None if INSIDE => Found::Nothing(format!(
                    "this gilwall was built with the page feature but without the page's wasm; \
                     build it with `{INSTALL_COMMAND}`"
                )),
                None => Found::Nothing(format!(
                    "this gilwall has no page inside and found no built www folder here; \
                     `{INSTALL_COMMAND}` installs one with the page inside, or `{BUILD_COMMAND}` \
                     in the checkout builds www/"
                )),
            },
        },
    })
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
    /// `Page::Dir` names a folder whose page has no wasm: it would never get past "loading…".
    #[error(
        "--www {}: the page is not built there (no {file}); build it with `cargo xtask web` in gilwall's checkout",
        dir.display()
    )]
    NotBuilt {
        /// The folder.
        dir: PathBuf,
        /// The first file of the built page that is missing.
        file: &'static str,
    },
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
    let found = find(&page)?;
    config.www = match &found {
        Found::Dir(dir) => Some(dir.clone()),
        _ => None,
    };
    config.page_inside = found == Found::Inside;
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
            match &found {
                Found::Nothing(_) if page == Page::Off => {}
                Found::Dir(dir) => println!(
                    "gilwall: demo page at http://{host}:{port}/ (from {})",
                    dir.display()
                ),
                Found::Inside => {
                    println!("gilwall: demo page at http://{host}:{port}/ (inside this binary)")
                }
                Found::Nothing(why) => {
                    println!("gilwall: no demo page: {why}; serving the API only")
                }
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

/// The demo page's folder: `./www` if the page is built there, else the source tree's `www`
/// if it is built (see [`super::page::missing_in`]).
pub fn default_www() -> Option<PathBuf> {
    first_built(&www_candidates())
}

fn www_candidates() -> [PathBuf; 2] {
    [
        PathBuf::from("www"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../www"),
    ]
}

fn first_built(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates
        .iter()
        .find(|d| super::page::missing_in(d).is_none())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(dir: &Path, built: bool) {
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html>").unwrap();
        if built {
            std::fs::write(dir.join("pkg/gilwall_web.js"), "").unwrap();
            std::fs::write(dir.join("pkg/gilwall_web_bg.wasm"), "").unwrap();
        }
    }

    #[test]
    fn a_folder_named_with_www_must_hold_a_built_page() {
        let dir = tempfile::tempdir().unwrap();
        let e = find_among(&Page::Dir(dir.path().into()), &[]).unwrap_err();
        assert!(matches!(e, ServeError::NoPage(_)), "{e}");
        page(dir.path(), false);
        let e = find_among(&Page::Dir(dir.path().into()), &[]).unwrap_err();
        assert!(e.to_string().contains("cargo xtask web"), "{e}");
        page(dir.path(), true);
        assert_eq!(
            find_among(&Page::Dir(dir.path().into()), &[]).unwrap(),
            Found::Dir(dir.path().into())
        );
    }

    #[test]
    fn the_default_takes_the_page_inside_or_the_first_built_folder_or_says_how_to_get_one() {
        let unbuilt = tempfile::tempdir().unwrap();
        page(unbuilt.path(), false);
        let built = tempfile::tempdir().unwrap();
        page(built.path(), true);
        let found = find_among(
            &Page::Default,
            &[unbuilt.path().into(), built.path().into()],
        );
        let none = find_among(&Page::Default, &[unbuilt.path().into()]).unwrap();
        if super::super::page::INSIDE {
            assert_eq!(found.unwrap(), Found::Inside);
            assert_eq!(none, Found::Inside);
        } else {
            assert_eq!(found.unwrap(), Found::Dir(built.path().into()));
            let Found::Nothing(why) = none else {
                panic!("an unbuilt folder was taken: {none:?}")
            };
            assert!(why.contains("cargo xtask install"), "{why}");
        }
        assert!(matches!(
            find_among(&Page::Off, &[built.path().into()]).unwrap(),
            Found::Nothing(_)
        ));
    }
}
