//! `processes` — article step 4: `ProcessPoolExecutor`. A pool of child processes of this same
//! binary (the hidden `gilwall worker` subcommand), one per task unless `--workers` says
//! otherwise, started afresh for each run as the article's `with ProcessPoolExecutor(...)` does.
//! Each task's spec goes to a worker serialised as JSON; the worker fetches, computes, and sends
//! back its result *with the fetched features*, serialised again — the article's pickling, whose
//! cost grows with the payload. The parent decodes every reply. Each reply says how long the
//! worker took to encode it, and the parent times its decoding: together, with the payload's
//! size, they are the point's `copy_ms` and `copied_bytes` (the pipe's own transfer is not
//! counted, so `copy_ms` is a lower bound).
//!
//! The parent drives each worker from its own thread: send a task, read the reply, send the
//! next, until none are left. A worker's stdin is also its lifeline (`crate::lifeline`): it ends
//! when its parent does, however that ends.
//!
//! Each worker process is a lane. A worker times its spans from when it received the task, and
//! the parent shifts them by when it sent it, as it does `fetched_at_ms`; the reply's encoding
//! (in the worker) and decoding (in the parent's thread that drives it) are `copy` spans on the
//! worker's lane.

use super::{PointCtx, PointRun};
use crate::machine::InstantClock;
use anyhow::Context;
use gilwall_core::task::{Clock, Copied, TaskOutcome, TaskSpec, traced_compute};
use gilwall_core::timeline::{Lane, Span, SpanKind};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// One task sent to a worker.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerRequest {
    /// What to do.
    pub spec: TaskSpec,
    /// Per-request timeout, ms.
    pub timeout_ms: u64,
    /// Speak HTTP/2 to the server.
    #[serde(default)]
    pub http2: bool,
}

/// A worker's answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerReply {
    /// How the task went, by core's task body; `fetched_at_ms` and the spans count from when
    /// the worker received the task, and the spans are on [`Lane::Serial`], the worker's one
    /// thread, until the parent says which worker it was.
    pub outcome: TaskOutcome,
    /// The fetched features, sent back as the article's pickled result.
    pub features: String,
}

/// What a worker writes for each task: its reply, and how long encoding the reply took (which
/// cannot be inside the reply it measures).
#[derive(Debug, Deserialize)]
pub struct Envelope {
    /// Time the worker spent serialising `reply`, ms.
    pub encode_ms: f64,
    /// When the serialising began, ms from when the worker received the task.
    #[serde(default)]
    pub encode_at_ms: Option<f64>,
    /// The reply.
    pub reply: WorkerReply,
}

/// Runs the point on a pool of worker processes.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let pool = ctx.pool().clamp(1, ctx.tasks().max(1));
    let mut children = Vec::with_capacity(pool as usize);
    for _ in 0..pool {
        children.push(spawn_worker(ctx)?);
    }
    let next = AtomicU32::new(0);
    let timeout_ms = ctx.timeout.as_millis() as u64;
    let mut outcomes = Vec::with_capacity(ctx.tasks() as usize);
    let mut problems = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = children
            .iter_mut()
            .enumerate()
            .map(|(k, child)| {
                let (next, clock) = (&next, &clock);
                // At most `pool` workers, a u32.
                let lane = Lane::WorkerProcess(k as u32);
                scope.spawn(move || drive(child, lane, ctx, next, timeout_ms, clock))
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(Ok(mine)) => outcomes.extend(mine),
                Ok(Err(e)) => problems.push(format!("{e:#}")),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
    });
    for mut child in children {
        drop(child.stdin.take());
        let _ = child.wait();
    }
    let makespan_ms = clock.now_ms();
    if let Some(first) = problems.first() {
        anyhow::bail!("a worker process failed: {first}");
    }
    Ok(PointRun {
        makespan_ms,
        outcomes,
    })
}

fn spawn_worker(ctx: &PointCtx) -> anyhow::Result<Child> {
    crate::lifeline::command(&ctx.worker_exe)
        .arg("worker")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| {
            format!(
                "cannot start the worker process {}",
                ctx.worker_exe.display()
            )
        })
}

/// Feeds one worker (whose lane is `lane`) tasks until none are left; returns the outcomes it
/// produced.
fn drive(
    child: &mut Child,
    lane: Lane,
    ctx: &PointCtx,
    next: &AtomicU32,
    timeout_ms: u64,
    clock: &InstantClock,
) -> anyhow::Result<Vec<TaskOutcome>> {
    // Both pipes were asked for when spawning, so they are there.
    let mut stdin = child.stdin.take().expect("worker stdin is piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("worker stdout is piped"));
    let mut mine = Vec::new();
    let mut line = String::new();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= ctx.tasks() {
            break;
        }
        let request = WorkerRequest {
            spec: ctx.spec(index),
            timeout_ms,
            http2: ctx.http2(),
        };
        let sent_at = clock.now_ms();
        serde_json::to_writer(&mut stdin, &request)?;
        stdin.write_all(b"\n")?;
        stdin.flush().context("the worker process went away")?;
        line.clear();
        if stdout
            .read_line(&mut line)
            .context("reading from a worker process")?
            == 0
        {
            anyhow::bail!("the worker process exited before answering task {index}");
        }
        let t0 = clock.now_ms();
        let Envelope {
            encode_ms,
            encode_at_ms,
            reply,
        } = serde_json::from_str(&line)
            .with_context(|| format!("the worker's answer to task {index} is not valid"))?;
        let decoded = clock.now_ms();
        let copied = Copied {
            bytes: reply.features.len() as u64,
            ms: encode_ms + (decoded - t0),
        };
        let mut outcome = reply.outcome;
        // The worker's times count from when it got the task; the parent's from its own start.
        outcome.fetched_at_ms = outcome.fetched_at_ms.map(|at| sent_at + at);
        let mut spans = std::mem::take(&mut outcome.spans);
        if let Some(at) = encode_at_ms {
            spans.push(Span::new(SpanKind::Copy, lane, at, at + encode_ms));
        }
        let spans = spans
            .into_iter()
            .map(|s| s.shifted(sent_at).on(lane))
            .chain([Span::new(SpanKind::Copy, lane, t0, decoded)]);
        mine.push(outcome.with_copied(copied).with_spans(spans));
    }
    drop(stdin);
    Ok(mine)
}

/// The worker process's side (`gilwall worker`): answer task requests from stdin, one JSON line
/// each, until stdin closes. Stdin is the worker's lifeline: when it closes the worker ends at
/// once, even in the middle of a fetch or a kernel, since then the parent is done or gone.
pub fn worker_main() -> anyhow::Result<()> {
    let clock = InstantClock::new();
    let mut client: Option<(u64, bool, reqwest::blocking::Client)> = None;
    // Its answers have all been read by the time the parent closes stdin, so nothing is lost.
    let tasks = crate::lifeline::watch_stdin(|| std::process::exit(0));
    let mut stdout = std::io::stdout().lock();
    for line in tasks {
        let request: WorkerRequest =
            serde_json::from_str(&line).context("the parent sent an invalid task")?;
        let client = match &client {
            Some((t, h, c)) if *t == request.timeout_ms && *h == request.http2 => c.clone(),
            _ => {
                let c = crate::fetch::blocking_client_with(
                    Duration::from_millis(request.timeout_ms),
                    request.http2,
                )?;
                client = Some((request.timeout_ms, request.http2, c.clone()));
                c
            }
        };
        // The worker's clock starts with each task, so the parent can place its times.
        let task_clock = InstantClock::new();
        let body = crate::fetch::blocking_fetch(&client, &request.spec.url);
        let fetched_at_ms = task_clock.now_ms();
        let fetch = Span::new(SpanKind::Fetch, Lane::Serial, 0.0, fetched_at_ms);
        let spec = &request.spec;
        let reply = match body {
            Err(e) => WorkerReply {
                outcome: TaskOutcome::fetch_failed(spec, e, Some(fetched_at_ms))
                    .with_spans([fetch]),
                features: String::new(),
            },
            Ok(body) => {
                let (computed, cpu) = traced_compute(&task_clock, Lane::Serial, &body, spec);
                WorkerReply {
                    outcome: TaskOutcome::computed(spec.index, Some(fetched_at_ms), computed)
                        .with_spans([fetch, cpu]),
                    features: String::from_utf8_lossy(&body).into_owned(),
                }
            }
        };
        let encode_at_ms = task_clock.now_ms();
        let t0 = clock.now_ms();
        let encoded = serde_json::to_vec(&reply)?;
        let encode_ms = clock.now_ms() - t0;
        // The envelope by hand, so the reply is not encoded twice.
        write!(
            stdout,
            "{{\"encode_ms\":{encode_ms},\"encode_at_ms\":{encode_at_ms},\"reply\":"
        )?;
        stdout.write_all(&encoded)?;
        stdout.write_all(b"}\n")?;
        stdout.flush()?;
    }
    Ok(())
}
