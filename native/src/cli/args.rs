//! Flag groups that several commands take (the CPU work per task, the exports of a measured
//! sweep, the embedded server's caps, its injected faults) and the parsers that check flag
//! values, each against core's limits so every command accepts the same values with the same
//! messages.

use super::UsageError;
use crate::export::Exports;
use crate::server::ServerConfig;
use crate::server::faults::Faults;
use anyhow::Result;
use clap::Args;
use gilwall_core::workload::{self, limits};
use gilwall_core::{CpuSpec, Kernel};
use std::path::PathBuf;
use std::time::Duration;

/// How much CPU work each task does; at most one of these.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct CpuArgs {
    /// CPU work per task in ms, calibrated here; 0 is I/O only (the article's step 2).
    #[arg(long, value_parser = parse_cpu_ms, allow_negative_numbers = true, value_name = "MS")]
    pub cpu_ms: Option<f64>,
    /// CPU work as a fraction of the fetch delay (the article's fraction_of_io; default 0.5).
    #[arg(long, value_parser = parse_cpu_ratio, allow_negative_numbers = true, value_name = "R")]
    pub cpu_ratio: Option<f64>,
    /// A fixed number of kernel iterations per task, to compare runtimes' raw speed.
    #[arg(long, value_parser = parse_cpu_iters, value_name = "N")]
    pub cpu_iters: Option<u64>,
}

impl CpuArgs {
    /// The CPU spec these flags ask for (half the I/O time when none is given).
    pub fn spec(&self) -> CpuSpec {
        match (self.cpu_ms, self.cpu_ratio, self.cpu_iters) {
            (Some(ms), _, _) => CpuSpec::Ms(ms),
            (_, Some(r), _) => CpuSpec::Ratio(r),
            (_, _, Some(n)) => CpuSpec::Iters(n),
            _ => CpuSpec::Ratio(0.5),
        }
    }
}

/// The exports of a measured sweep besides its JSON report (whose default file and timing each
/// command decides), shared by `run` and `python`; `-` writes to stdout. They become
/// [`Exports`], which writes them.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the points as CSV.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Write a Markdown summary (table and verdicts).
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Draw duration vs tasks as an SVG chart, the model dashed.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Write each point's timeline (one repeat's spans: fetch, waiting, CPU, copies, lane by
    /// lane) in the Chrome Trace Event format, with the model's ideal schedule of each point
    /// beside it, to open in ui.perfetto.dev or chrome://tracing.
    #[arg(long, value_name = "FILE.json")]
    pub export_trace: Option<PathBuf>,
    /// Draw the timelines at one N as an SVG Gantt chart: a panel per strategy, lanes down,
    /// time across, fetch / waiting / CPU / copy in their own colours.
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<PathBuf>,
    /// The N whose timelines --timeline draws; one of --tasks (default: the largest up to 16).
    #[arg(long, requires = "timeline", value_parser = parse_tasks, value_name = "N")]
    pub timeline_tasks: Option<u32>,
}

impl ExportArgs {
    /// Checks that --timeline-tasks is one of the sweep's task counts, before anything is
    /// measured.
    pub fn check_timeline_tasks(&self, tasks: &[u32]) -> Result<(), UsageError> {
        match self.timeline_tasks {
            Some(n) if !tasks.contains(&n) => {
                let counts: Vec<String> = tasks.iter().map(u32::to_string).collect();
                Err(UsageError(format!(
                    "--timeline-tasks {n} is not among the sweep's task counts ({}); give one of \
                     them, or add {n} to --tasks",
                    counts.join(", ")
                )))
            }
            _ => Ok(()),
        }
    }
}

impl From<&ExportArgs> for Exports {
    fn from(args: &ExportArgs) -> Exports {
        Exports {
            csv: args.export_csv.clone(),
            markdown: args.export_markdown.clone(),
            chart: args.chart.clone(),
            trace: args.export_trace.clone(),
            timeline: args.timeline.clone(),
            timeline_tasks: args.timeline_tasks,
        }
    }
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
    /// Most requests in flight; more get 503 [default: 16384; `run`: at least its largest
    /// --tasks].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000), value_name = "N")]
    pub max_in_flight: Option<u32>,
    /// Time a client has to send its request headers, in ms.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=600_000), value_name = "MS")]
    pub header_timeout_ms: u64,
}

/// Faults the server injects on purpose, to see how strategies cope.
#[derive(Debug, Args, Clone)]
pub struct FaultArgs {
    /// Share of fetches answered 500 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "P")]
    pub fail_rate: f64,
    /// Share of fetches whose connection is cut mid-response (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "P")]
    pub drop_rate: f64,
    /// Share of fetches answered with truncated, invalid JSON (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "P")]
    pub malformed_rate: f64,
    /// Extra delay per fetch, uniform from 0 to this many ms.
    #[arg(long, default_value_t = 0.0, value_parser = parse_jitter, value_name = "MS")]
    pub jitter_ms: f64,
}

impl FaultArgs {
    /// The faults, checked together (the rates may add up to at most 1).
    pub fn faults(&self) -> Result<Faults> {
        let f = Faults {
            fail_rate: self.fail_rate,
            drop_rate: self.drop_rate,
            malformed_rate: self.malformed_rate,
            jitter_ms: self.jitter_ms,
        };
        f.validate(limits::MAX_IO_MS).map_err(|e| {
            let flags = [
                ("fail_rate", "--fail-rate"),
                ("drop_rate", "--drop-rate"),
                ("malformed_rate", "--malformed-rate"),
                ("jitter_ms", "--jitter-ms"),
            ];
            UsageError(
                flags
                    .iter()
                    .fold(e, |msg, (field, flag)| msg.replace(field, flag)),
            )
        })?;
        Ok(f)
    }
}

pub(crate) fn parse_rate(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be a probability from 0 to 1, got {s}"))
    }
}

pub(crate) fn parse_jitter(s: &str) -> Result<f64, String> {
    let v: f64 = number(s)?;
    if v.is_finite() && (0.0..=limits::MAX_IO_MS).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "must be from 0 to {} ms, got {s}",
            limits::MAX_IO_MS
        ))
    }
}

impl ServerLimits {
    /// Whether `--max-in-flight` was given (else the command may raise the default).
    pub fn max_in_flight_given(&self) -> bool {
        self.max_in_flight.is_some()
    }

    /// The server configuration these caps describe.
    pub fn config(&self, www: Option<PathBuf>, faults: Faults) -> ServerConfig {
        ServerConfig {
            faults,
            max_delay_ms: self.max_delay_s * 1000.0,
            max_payload_bytes: self.max_payload_kb * 1024,
            max_in_flight: self
                .max_in_flight
                .map_or(ServerConfig::default().max_in_flight, |n| n as usize),
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            www,
            page_inside: false,
        }
    }
}

pub(crate) fn parse_max_delay_s(s: &str) -> Result<f64, String> {
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

/// A sweep specification's error in the words of the command line: the field it names becomes
/// the flag that sets it (`payload_kb` → `--payload-kb`, `strategies` → `--strategy`).
pub fn spec_error(e: gilwall_core::sweep::SpecError) -> UsageError {
    let flag = match e.field.as_str() {
        "" => return UsageError(e.message),
        "strategies" => "--strategy".to_string(),
        field => format!("--{}", field.replace('_', "-")),
    };
    UsageError(e.message.replacen(&e.field, &flag, 1))
}

/// Parses a kernel name for clap.
pub fn parse_kernel(s: &str) -> Result<Kernel, String> {
    s.parse()
}

pub(crate) fn number<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))
}

pub(crate) fn parse_tasks(s: &str) -> Result<u32, String> {
    let n: u64 = number(s)?;
    workload::check_tasks(u32::try_from(n).unwrap_or(u32::MAX)).map_err(|e| e.to_string())
}
pub(crate) fn parse_io_ms(s: &str) -> Result<f64, String> {
    workload::check_io_ms(number(s)?).map_err(|e| e.to_string())
}
pub(crate) fn parse_cpu_ms(s: &str) -> Result<f64, String> {
    workload::check_cpu_ms(number(s)?).map_err(|e| e.to_string())
}
pub(crate) fn parse_cpu_ratio(s: &str) -> Result<f64, String> {
    workload::check_cpu_ratio(number(s)?).map_err(|e| e.to_string())
}
pub(crate) fn parse_cpu_iters(s: &str) -> Result<u64, String> {
    workload::check_cpu_iters(number(s)?).map_err(|e| e.to_string())
}
pub(crate) fn parse_repeats(s: &str) -> Result<u32, String> {
    let n: u64 = number(s)?;
    workload::check_repeats(u32::try_from(n).unwrap_or(u32::MAX)).map_err(|e| e.to_string())
}
pub(crate) fn parse_url(s: &str) -> Result<String, String> {
    if (s.starts_with("http://") || s.starts_with("https://")) && s.len() > "http://".len() {
        Ok(s.trim_end_matches('/').to_string())
    } else {
        Err(format!("{s:?} is not an http:// or https:// URL"))
    }
}
