//! The command line: clap definitions and the dispatch to each subcommand.

use crate::machine::{self, InstantClock};
use crate::server::{self, ServerConfig};
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use gilwall_core::calibrate::calibrate;
use gilwall_core::{Kernel, payload};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Shows, measures and teaches why async I/O stops scaling once each request also needs CPU work.
///
/// gilwall reproduces the article "Async I/O Is Not Enough": N tasks each fetch features over
/// HTTP and then do CPU work. It runs the article's strategies against its own feature server
/// on loopback (no internet needed) and compares every measurement with an ideal model.
#[derive(Debug, Parser)]
#[command(name = "gilwall", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the feature endpoints and the demo page.
    ///
    /// Endpoints: GET /delay/{seconds} (httpbin-compatible), GET /features?delay_ms=&size=&seed=
    /// (a deterministic JSON feature payload after the delay), GET /healthz, and the demo page
    /// from the www folder at /. Binds 127.0.0.1 unless --bind says otherwise.
    Serve(ServeArgs),
    /// Print how fast the CPU kernels run here (iterations per millisecond).
    ///
    /// Every run calibrates itself, so `--cpu-ms 100` means 100 ms of work on any machine; this
    /// command shows what that amounts to here.
    Calibrate(CalibrateArgs),
}

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
    #[arg(long, value_name = "DIR")]
    pub www: Option<PathBuf>,
    /// The server's caps.
    #[command(flatten, next_help_heading = "Server limits")]
    pub limits: ServerLimits,
}

/// The server's caps, shared by every command that starts one.
#[derive(Debug, Args, Clone)]
pub struct ServerLimits {
    /// Longest delay a request may ask for, in seconds; longer ones get 400.
    #[arg(long, default_value_t = 10.0, value_parser = parse_max_delay_s, value_name = "S")]
    pub max_delay_s: f64,
    /// Largest /features payload, in KiB; larger ones get 400.
    #[arg(long, default_value_t = 16 * 1024, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub max_payload_kb: u64,
    /// Most requests in flight; more get 503.
    #[arg(long, default_value_t = 16_384, value_parser = clap::value_parser!(u32).range(1..=1_000_000), value_name = "N")]
    pub max_in_flight: u32,
    /// Time a client has to send its request headers, in ms.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=600_000), value_name = "MS")]
    pub header_timeout_ms: u64,
}

impl ServerLimits {
    /// The server configuration these caps describe.
    pub fn config(&self, www: Option<PathBuf>) -> ServerConfig {
        ServerConfig {
            max_delay_ms: self.max_delay_s * 1000.0,
            max_payload_bytes: self.max_payload_kb * 1024,
            max_in_flight: self.max_in_flight as usize,
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            www,
        }
    }
}

fn parse_max_delay_s(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if v.is_finite() && (0.0..=gilwall_core::workload::limits::MAX_IO_MS / 1000.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "must be from 0 to {} seconds",
            gilwall_core::workload::limits::MAX_IO_MS / 1000.0
        ))
    }
}

/// Options of `gilwall calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Kernel to measure; both when left out.
    #[arg(long, value_parser = parse_kernel)]
    pub kernel: Option<Kernel>,
    /// Payload size the `features` kernel is measured on, in KiB.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub payload_kb: u64,
    /// Time to spend measuring each kernel, in ms.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=60_000), value_name = "MS")]
    pub budget_ms: u64,
}

/// Parses a kernel name for clap.
pub fn parse_kernel(s: &str) -> Result<Kernel, String> {
    s.parse()
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Calibrate(args) => calibrate_command(args),
    }
}

fn serve(args: ServeArgs) -> Result<()> {
    let www = match args.www {
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
    let config = args.limits.config(www.clone());
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

fn calibrate_command(args: CalibrateArgs) -> Result<()> {
    let kernels = match args.kernel {
        Some(k) => vec![k],
        None => Kernel::ALL.to_vec(),
    };
    let clock = InstantClock::new();
    let body = payload::generate(1, (args.payload_kb * 1024) as usize);
    println!(
        "{:<10} {:>16} {:>22}  what",
        "kernel", "iterations/ms", "iterations for 100 ms"
    );
    for kernel in kernels {
        let c = calibrate(kernel, &body, &clock, args.budget_ms as f64)
            .with_context(|| format!("calibrating the {kernel} kernel"))?;
        println!(
            "{:<10} {:>16.1} {:>22}  {}",
            kernel.id(),
            c.iters_per_ms,
            c.iterations_for(100.0),
            kernel.describe()
        );
    }
    println!(
        "\n{} cores; the features kernel was measured on a {} KiB payload.",
        machine::cores(),
        args.payload_kb
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
