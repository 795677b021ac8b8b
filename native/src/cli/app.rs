//! `gilwall app`'s flags, mapped onto [`crate::app::AppConfig`]; the serving itself is
//! [`crate::app::serve`].

use super::UsageError;
use super::args::{number, parse_io_ms, parse_kernel, parse_url};
use crate::app::{self, APP_STRATEGIES, AppConfig, MAX_REQUEST_CPU_MS};
use crate::server::Background;
use anyhow::{Context, Result};
use clap::Args;
use gilwall_core::{Kernel, StrategyId};
use std::net::{IpAddr, SocketAddr};

/// Options of `gilwall app`.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// How the app schedules requests: async (FastAPI `async def` with CPU inline), gil
    /// (gunicorn threads under the GIL), threads (free-threaded Python), processes (gunicorn -w P
    /// on one port), multicore (Go's net/http), async-rayon (run_in_executor to a pool).
    #[arg(long, short = 's', value_parser = parse_app_strategy, value_name = "STRATEGY",
          required_unless_present = "config_stdin")]
    pub strategy: Option<StrategyId>,
    /// Address to bind. Anything but loopback exposes the app to your network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Fetch features from this gilwall feature server (default: an embedded one).
    #[arg(long, value_parser = parse_url, value_name = "URL")]
    pub url: Option<String>,
    /// Fetch delay per request, in ms (a request may ask for another with ?io_ms=).
    #[arg(long, default_value_t = 50.0, value_parser = parse_io_ms, allow_negative_numbers = true, value_name = "MS")]
    pub io_ms: f64,
    /// CPU work per request, in ms, calibrated here (a request may ask with ?cpu_ms=).
    #[arg(long, default_value_t = 20.0, value_parser = parse_request_cpu_ms, allow_negative_numbers = true, value_name = "MS")]
    pub cpu_ms: f64,
    /// CPU kernel: sqrt (the article's loop) or features (preprocess the fetched JSON).
    #[arg(long, default_value = "sqrt", value_parser = parse_kernel, value_name = "KERNEL")]
    pub kernel: Kernel,
    /// Size of each fetched feature payload, in KiB (used by the features kernel).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=16 * 1024), value_name = "KB")]
    pub payload_kb: u64,
    /// Threads (gil, threads: default 32) or processes (processes: default one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096), value_name = "N")]
    pub workers: Option<u32>,
    /// Most requests admitted at once; the rest get 503 at once.
    #[arg(long, default_value_t = app::DEFAULT_MAX_IN_FLIGHT, value_parser = clap::value_parser!(u32).range(1..=1_000_000), value_name = "N")]
    pub max_in_flight: u32,
    /// (internal, hidden) Run as a child app: read the whole configuration as one JSON line on
    /// stdin, answer `{"listening":URL}` on stdout, serve until stdin closes.
    #[arg(long, hide = true, conflicts_with_all = ["strategy", "url", "workers"])]
    pub config_stdin: bool,
}

fn parse_app_strategy(s: &str) -> Result<StrategyId, String> {
    let id: StrategyId = s.trim().parse()?;
    if APP_STRATEGIES.contains(&id) {
        return Ok(id);
    }
    let all: Vec<&str> = APP_STRATEGIES.iter().map(|s| s.as_str()).collect();
    Err(format!(
        "{id} is not an app strategy; expected one of: {}",
        all.join(", ")
    ))
}

pub(super) fn parse_request_cpu_ms(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && (0.0..=MAX_REQUEST_CPU_MS).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "must be from 0 to {MAX_REQUEST_CPU_MS} ms, got {s}"
        ))
    }
}

/// Runs `gilwall app`.
pub(super) fn run(args: AppArgs) -> Result<()> {
    if args.config_stdin {
        return app::child::child_main();
    }
    // clap requires --strategy unless --config-stdin.
    let strategy = args.strategy.context("--strategy is required")?;
    let cores = crate::machine::cores();
    // The embedded feature server lives as long as the app.
    let embedded = match &args.url {
        Some(_) => None,
        None => Some(
            Background::start(crate::server::ServerConfig::default())
                .context("cannot start the embedded feature server")?,
        ),
    };
    let feature_url = args
        .url
        .clone()
        .or_else(|| embedded.as_ref().map(Background::url))
        .unwrap_or_default();
    let mut config = AppConfig::new(strategy, feature_url, cores);
    config.io_ms = args.io_ms;
    config.cpu_ms = args.cpu_ms;
    config.kernel = args.kernel;
    config.payload_bytes = args.payload_kb * 1024;
    config.max_in_flight = args.max_in_flight;
    if let Some(w) = args.workers {
        config.workers = w;
    }
    config.check().map_err(|e| {
        UsageError(
            e.replacen("io_ms", "--io-ms", 1)
                .replacen("cpu_ms", "--cpu-ms", 1)
                .replacen("workers", "--workers", 1),
        )
    })?;
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = app::bind(addr, strategy == StrategyId::Processes)
        .with_context(|| format!("cannot listen on {addr} (is --port {} in use?)", args.port))?;
    let local = listener.local_addr()?;
    // Registered before saying where it listens, so a stop right after is a clean one.
    let (stop_tx, mut stop_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .context("cannot install the SIGINT/SIGTERM handler")?;
    let (io, cpu) = (config.io_ms, config.cpu_ms);
    app::serve(
        config,
        listener,
        async move {
            stop_rx.recv().await;
        },
        |cal| {
            println!("gilwall app ({strategy}) listening on http://{local}/predict");
            eprintln!(
                "each request: fetch {io} ms, then {cpu} ms of CPU ({} kernel, {:.0} iterations/ms); Ctrl-C stops",
                cal.kernel, cal.iters_per_ms
            );
        },
    )
}
