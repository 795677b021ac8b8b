//! `gilwall serve`'s flags, mapped onto [`server::serve::ServeOptions`]; the serving itself is
//! [`server::serve::serve`], outside the command line, so the workshop can call it too.

use super::args::{FaultArgs, ServerLimits};
use crate::server::{self, serve::Page, serve::ServeOptions};
use anyhow::Result;
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
    /// Folder with the built demo page (default: the page inside this binary, else ./www or
    /// the www folder of the source tree, if built).
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
    /// (internal, hidden) Run as a sweep's server process: read the whole configuration as one
    /// JSON line on stdin, answer `{"listening":URL}` on stdout, serve until stdin closes (see
    /// `server::ChildServer`). The other flags would be ignored, so clap refuses them.
    #[arg(long, hide = true, conflicts_with_all = ["bind", "port", "www", "no_www", "ServerLimits", "FaultArgs"])]
    pub config_stdin: bool,
}

/// Runs `gilwall serve`.
pub(super) fn run(args: ServeArgs) -> Result<()> {
    if args.config_stdin {
        return Ok(server::child_main()?);
    }
    let page = match args.www {
        _ if args.no_www => Page::Off,
        Some(dir) => Page::Dir(dir),
        None => Page::Default,
    };
    let config = args.limits.config(None, args.faults.faults()?);
    server::serve::serve(ServeOptions {
        addr: SocketAddr::new(args.bind, args.port),
        page,
        config,
    })?;
    Ok(())
}
