//! `gilwall serve`: the feature server and the demo page, in the foreground until Ctrl-C.

use super::args::{FaultArgs, ServerLimits};
use crate::machine;
use crate::server;
use anyhow::{Context, Result, bail};
use clap::Args;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Options of `gilwall serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind. Anything but loopback exposes the server to your network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Folder with the demo page (default: ./www, or the www folder of the source tree).
    #[arg(long, value_name = "DIR", conflicts_with = "no_www")]
    pub www: Option<PathBuf>,
    /// Serve the feature endpoints only, no page.
    #[arg(long)]
    pub no_www: bool,
    /// The server's caps.
    #[command(flatten, next_help_heading = "Server limits")]
    pub limits: ServerLimits,
    /// Faults to inject.
    #[command(flatten, next_help_heading = "Fault injection")]
    pub faults: FaultArgs,
}

/// Runs `gilwall serve`.
pub(super) fn run(args: ServeArgs) -> Result<()> {
    let www = match args.www {
        _ if args.no_www => None,
        Some(dir) => {
            if !dir.join("index.html").is_file() {
                bail!(
                    "--www {}: no index.html there; point it at gilwall's www folder",
                    dir.display()
                );
            }
            Some(dir)
        }
        None => default_www(),
    };
    let config = args.limits.config(www.clone(), args.faults.faults()?);
    machine::raise_open_files_limit();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(args.bind, args.port);
        let listener = server::bind(addr).with_context(|| {
            format!("cannot listen on {addr}; is the port in use? pick another with --port, or --port 0 for any free one")
        })?;
        let local = listener.local_addr()?;
        if !args.bind.is_loopback() {
            eprintln!(
                "WARNING: listening on {local}, which is NOT loopback: anyone who can reach this \
                 machine can use this server. Use --bind 127.0.0.1 unless you mean it."
            );
        }
        let host = if args.bind.is_unspecified() { "127.0.0.1".to_string() } else { args.bind.to_string() };
        match &www {
            None if args.no_www => {}
            Some(dir) => println!("gilwall: demo page at http://{host}:{}/ (from {})", local.port(), dir.display()),
            None => println!("gilwall: no www folder found; serving the API only (build the page with `cargo xtask web`)"),
        }
        println!("gilwall: feature server at http://{host}:{}/delay/1 and /features; Ctrl-C stops it", local.port());
        server::run(listener, config, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped with an error")
    })
}

/// The demo page's folder: `./www` if it has an index.html, else the source tree's `www`.
pub fn default_www() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("www"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../www"),
    ];
    candidates
        .into_iter()
        .find(|d| d.join("index.html").is_file())
}
