//! Timelines: what each task did when, and where — the schedule behind a makespan.
//!
//! A task's outcome carries [`Span`]s (fetch, waiting for the CPU, computing, copying), each on
//! the [`Lane`] it ran on and timed on the repeat's clock, in ms from the repeat's start. The
//! recorder keeps one repeat's spans per point as a [`Timeline`], whose lanes are named and
//! numbered once, so the report stores an index per span rather than a name. The spans are
//! what a Gantt chart or the Chrome Trace Event export draws: the staircase of one event loop,
//! the GIL handed around every switch interval, kernels side by side on as many lanes as cores.
//!
//! When a fetch's answer arrived, for a task whose thread was busy when it did, is known from
//! the fetch's waker (`wake_stamped`): the runtime wakes the future as the answer comes in,
//! though it polls it only when the thread is free.
//!
//! Core reads no clock: the runtime hands every time in.

use crate::task::{Clock, TaskOutcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// At most this many tasks of a point are traced (the lowest task indices), so a report of
/// large points stays small.
pub const MAX_TRACED_TASKS: u32 = 64;

/// At most this many spans per traced task (a long kernel under `gil` has one per slice).
pub const MAX_SPANS_PER_TASK: usize = 4096;

/// At most this many lanes in one timeline.
pub const MAX_LANES: usize = 4096;

/// What a task was doing during a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpanKind {
    /// From the request sent to the body received.
    Fetch,
    /// Ready to compute but not computing: queued behind the event loop, waiting for the GIL
    /// or for a pool's thread.
    WaitCpu,
    /// Computing (under `gil`, one span per slice held).
    Cpu,
    /// Encoding, decoding or moving a payload between heaps that share no memory.
    Copy,
}

impl SpanKind {
    /// Every kind, in the order a legend lists them.
    pub const ALL: [SpanKind; 4] = [
        SpanKind::Fetch,
        SpanKind::WaitCpu,
        SpanKind::Cpu,
        SpanKind::Copy,
    ];

    /// Its colour on every timeline, the CLI's and the page's (`#rrggbb`): waiting is pale and
    /// computing is strong, so a staircase of CPU stands out from the fetches beside it.
    pub fn colour(self) -> &'static str {
        match self {
            SpanKind::Fetch => "#8ec1e6",
            SpanKind::WaitCpu => "#d4d4d4",
            SpanKind::Cpu => "#d9480f",
            SpanKind::Copy => "#f2b707",
        }
    }

    /// Its name in a legend.
    pub fn label(self) -> &'static str {
        match self {
            SpanKind::Fetch => "fetch",
            SpanKind::WaitCpu => "waiting for the CPU",
            SpanKind::Cpu => "CPU",
            SpanKind::Copy => "copy between heaps",
        }
    }

    /// The kind's identifier, as in the report (`fetch`, `wait-cpu`, `cpu`, `copy`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Fetch => "fetch",
            SpanKind::WaitCpu => "wait-cpu",
            SpanKind::Cpu => "cpu",
            SpanKind::Copy => "copy",
        }
    }
}

impl fmt::Display for SpanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a span ran: a thread, process or loop of the runtime, numbered from 0 within its kind.
/// Ordered so that a timeline lists the event loop first and numbered lanes in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lane {
    /// The one thread of an event loop (`async`, and the I/O side of `async-rayon`).
    EventLoop,
    /// The page's main thread.
    MainThread,
    /// The only thread of a strategy that runs tasks one after another (`serial`).
    Serial,
    /// OS thread k of a strategy's own threads (`gil`, `threads`).
    Thread(u32),
    /// Worker thread k of an async runtime's pool (`multicore`'s tokio workers).
    RuntimeWorker(u32),
    /// Thread k of a CPU pool (`async-rayon`'s rayon threads, wasm pool threads).
    PoolThread(u32),
    /// Worker process k (`processes`).
    WorkerProcess(u32),
    /// Web Worker k.
    WebWorker(u32),
    /// Task k itself, where the runtime cannot tell which thread ran it.
    Task(u32),
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lane::EventLoop => f.write_str("event loop"),
            Lane::MainThread => f.write_str("main thread"),
            Lane::Serial => f.write_str("thread"),
            Lane::Thread(k) => write!(f, "thread {k}"),
            Lane::RuntimeWorker(k) => write!(f, "runtime worker {k}"),
            Lane::PoolThread(k) => write!(f, "pool thread {k}"),
            Lane::WorkerProcess(k) => write!(f, "worker process {k}"),
            Lane::WebWorker(k) => write!(f, "Web Worker {k}"),
            Lane::Task(k) => write!(f, "task {k}"),
        }
    }
}

/// One stretch of one task's time, as a task's outcome carries it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// What the task was doing.
    pub kind: SpanKind,
    /// Where.
    pub lane: Lane,
    /// Start, ms on the repeat's clock.
    pub start_ms: f64,
    /// End, ms on the repeat's clock.
    pub end_ms: f64,
}

impl Span {
    /// A span of `kind` on `lane` from `start_ms` to `end_ms`.
    pub fn new(kind: SpanKind, lane: Lane, start_ms: f64, end_ms: f64) -> Span {
        Span {
            kind,
            lane,
            start_ms,
            end_ms,
        }
    }

    /// The same span `by_ms` later: a worker's span on its own clock, placed on the parent's.
    pub fn shifted(self, by_ms: f64) -> Span {
        Span {
            start_ms: self.start_ms + by_ms,
            end_ms: self.end_ms + by_ms,
            ..self
        }
    }

    /// The same span on another lane (a worker process knows its lane only in the parent).
    pub fn on(self, lane: Lane) -> Span {
        Span { lane, ..self }
    }
}

/// One repeat's schedule of a point, as the report keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Which measured repeat it is, from 0 (the recorder keeps the first).
    pub repeat: u32,
    /// How many tasks are traced: all of them, or the first [`MAX_TRACED_TASKS`].
    pub traced_tasks: u32,
    /// The cap on traced tasks, where it left some out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capped_at: Option<u32>,
    /// The lanes, in order; spans refer to them by index.
    pub lanes: Vec<TracedLane>,
    /// The traced tasks' spans, in task order.
    pub tasks: Vec<TracedTask>,
}

/// A lane's name in a timeline, e.g. "event loop", "thread 3", "worker process 2".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracedLane {
    /// The lane's name.
    pub name: String,
}

/// One task's spans in a timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracedTask {
    /// The task's index.
    pub task: u32,
    /// Its spans, in the order they were recorded.
    pub spans: Vec<TracedSpan>,
    /// Spans left out past [`MAX_SPANS_PER_TASK`] (the last ones), where any were.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_spans: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A span in a timeline: its lane is an index into the timeline's `lanes`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TracedSpan {
    /// What the task was doing.
    pub kind: SpanKind,
    /// Index into the timeline's `lanes`.
    pub lane: u32,
    /// Start, ms from the repeat's start.
    pub start_ms: f64,
    /// End, ms from the repeat's start.
    pub end_ms: f64,
}

impl Timeline {
    /// The timeline of one repeat (its `repeat`-th), from its outcomes; `None` when no
    /// outcome carries spans (a runtime that does not trace). At most [`MAX_TRACED_TASKS`]
    /// tasks and [`MAX_SPANS_PER_TASK`] spans per task are kept.
    pub fn of(repeat: u32, outcomes: &[TaskOutcome]) -> Option<Timeline> {
        Timeline::of_tasks(
            repeat,
            outcomes.iter().map(|o| (o.index, o.spans.as_slice())),
        )
    }

    /// The timeline of one repeat from each task's number and spans, for a runtime whose tasks
    /// report no [`TaskOutcome`] (the Python companion) and for the model's ideal schedule;
    /// the same caps as [`Timeline::of`].
    pub fn of_tasks<'s>(
        repeat: u32,
        tasks: impl IntoIterator<Item = (u32, &'s [Span])>,
    ) -> Option<Timeline> {
        struct Traced<'s> {
            index: u32,
            spans: &'s [Span],
        }
        let mut traced: Vec<Traced> = tasks
            .into_iter()
            .map(|(index, spans)| Traced { index, spans })
            .collect();
        if traced.iter().all(|o| o.spans.is_empty()) {
            return None;
        }
        traced.sort_by_key(|o| o.index);
        let capped_at = (traced.len() > MAX_TRACED_TASKS as usize).then_some(MAX_TRACED_TASKS);
        traced.truncate(MAX_TRACED_TASKS as usize);
        let lanes: Vec<Lane> = traced
            .iter()
            .flat_map(|o| o.spans.iter().map(|s| s.lane))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .take(MAX_LANES)
            .collect();
        let tasks = traced
            .iter()
            .map(|o| TracedTask {
                task: o.index,
                // Outcomes hold far fewer than u32::MAX spans.
                dropped_spans: o.spans.len().saturating_sub(MAX_SPANS_PER_TASK) as u32,
                spans: o
                    .spans
                    .iter()
                    .filter_map(|s| {
                        let lane = lanes.binary_search(&s.lane).ok()?;
                        Some(TracedSpan {
                            kind: s.kind,
                            // At most MAX_LANES lanes, so the index fits.
                            lane: lane as u32,
                            start_ms: s.start_ms,
                            end_ms: s.end_ms,
                        })
                    })
                    .take(MAX_SPANS_PER_TASK)
                    .collect(),
            })
            .collect();
        Some(Timeline {
            repeat,
            traced_tasks: traced.len() as u32,
            capped_at,
            lanes: lanes
                .iter()
                .map(|l| TracedLane {
                    name: l.to_string(),
                })
                .collect(),
            tasks,
        })
    }

    /// Checks the timeline is well formed: bounded, every span finite, non-negative, ending
    /// no earlier than it starts, on a lane that exists. The problem, in words, otherwise.
    pub fn check(&self) -> Result<(), String> {
        if self.lanes.len() > MAX_LANES {
            return Err(format!("timeline.lanes holds more than {MAX_LANES} lanes"));
        }
        if self.tasks.len() > MAX_TRACED_TASKS as usize
            || self.tasks.len() != self.traced_tasks as usize
        {
            return Err(format!(
                "timeline.tasks must hold traced_tasks ({}) tasks, at most {MAX_TRACED_TASKS}",
                self.traced_tasks
            ));
        }
        for t in &self.tasks {
            if t.spans.len() > MAX_SPANS_PER_TASK {
                return Err(format!(
                    "timeline: task {} has more than {MAX_SPANS_PER_TASK} spans",
                    t.task
                ));
            }
            for s in &t.spans {
                let bad = |what: &str| {
                    Err(format!(
                        "timeline: task {}'s {} span from {} to {} ms {what}",
                        t.task, s.kind, s.start_ms, s.end_ms
                    ))
                };
                if !s.start_ms.is_finite() || !s.end_ms.is_finite() {
                    return bad("must have finite times");
                }
                if s.start_ms < 0.0 {
                    return bad("must not start before the repeat");
                }
                if s.end_ms < s.start_ms {
                    return bad("must not end before it starts");
                }
                if s.lane as usize >= self.lanes.len() {
                    return bad(&format!("is on lane {}, which is not listed", s.lane));
                }
            }
        }
        Ok(())
    }
}

/// A wake answered within this long is the runtime's own latency, not a queue.
pub(crate) const PROMPT_MS: f64 = 0.2;

/// Runs `fut` and also returns every stretch (woken, polled), on `clock`, in which it had been
/// woken but was polled more than [`PROMPT_MS`] later: ready to go on, waiting for its thread.
///
/// It takes the future pinned where its caller holds it: an `async fn` keeps a future it is
/// handed by value twice over, as its argument and as the pinned local it polls, and every
/// task of a schedule carries this one (a fetch's future was 600 of a task's 1 400 bytes
/// twice; at 100 000 tasks, 60 MB more to fault in before the first request went out).
pub(crate) async fn wake_stamped<Fut: std::future::Future, C: Clock + Send + Sync + 'static>(
    mut fut: std::pin::Pin<&mut Fut>,
    clock: C,
) -> (Fut::Output, Vec<(f64, f64)>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Wake, Waker};

    /// Notes the first wake since the last poll, then wakes the task as asked.
    struct Stamp<C> {
        inner: Mutex<Waker>,
        clock: C,
        woken: AtomicU64,
    }
    impl<C: Clock + Send + Sync + 'static> Wake for Stamp<C> {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            let now = self.clock.now_ms().to_bits();
            // Only the first wake counts: later ones find it set and change nothing.
            let _ =
                self.woken
                    .compare_exchange(NOT_WOKEN, now, Ordering::Relaxed, Ordering::Relaxed);
            // A poisoned lock means a waker panicked mid-wake; the waker inside is still whole.
            self.inner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .wake_by_ref();
        }
    }
    const NOT_WOKEN: u64 = u64::MAX;

    let stamp = Arc::new(Stamp {
        inner: Mutex::new(Waker::noop().clone()),
        clock,
        woken: AtomicU64::new(NOT_WOKEN),
    });
    let waker = Waker::from(stamp.clone());
    let mut queued = Vec::new();
    let out = std::future::poll_fn(|cx| {
        let woken = stamp.woken.swap(NOT_WOKEN, Ordering::Relaxed);
        if woken != NOT_WOKEN {
            let (woken, polled) = (f64::from_bits(woken), stamp.clock.now_ms());
            if polled - woken > PROMPT_MS {
                queued.push((woken, polled));
            }
        }
        // The task's own waker can change between polls; the stamp forwards to the latest.
        let mut inner = stamp.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !inner.will_wake(cx.waker()) {
            *inner = cx.waker().clone();
        }
        drop(inner);
        fut.as_mut()
            .poll(&mut std::task::Context::from_waker(&waker))
    })
    .await;
    (out, queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::Computed;

    fn outcome(index: u32, spans: Vec<Span>) -> TaskOutcome {
        let done = Computed {
            result: Ok(1),
            wall_ms: 1.0,
            cpu_time_ms: None,
        };
        TaskOutcome::computed(index, Some(1.0), done).with_spans(spans)
    }

    #[test]
    fn lanes_are_named_once_and_spans_refer_to_them() {
        let outcomes = [
            outcome(
                1,
                vec![
                    Span::new(SpanKind::Fetch, Lane::EventLoop, 0.0, 100.0),
                    Span::new(SpanKind::Cpu, Lane::PoolThread(1), 100.0, 150.0),
                ],
            ),
            outcome(
                0,
                vec![Span::new(SpanKind::Cpu, Lane::PoolThread(0), 1.0, 2.0)],
            ),
        ];
        let t = Timeline::of(0, &outcomes).unwrap();
        let names: Vec<&str> = t.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["event loop", "pool thread 0", "pool thread 1"]);
        assert_eq!((t.traced_tasks, t.capped_at), (2, None));
        assert_eq!(t.tasks[0].task, 0);
        assert_eq!(t.tasks[1].spans[1].lane, 2);
        assert_eq!(t.check(), Ok(()));
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""kind":"fetch""#), "{json}");
    }

    #[test]
    fn outcomes_without_spans_have_no_timeline_and_large_points_are_capped() {
        assert_eq!(Timeline::of(0, &[outcome(0, vec![])]), None);
        let many: Vec<_> = (0..100)
            .map(|i| outcome(i, vec![Span::new(SpanKind::Cpu, Lane::Task(i), 0.0, 1.0)]))
            .collect();
        let t = Timeline::of(0, &many).unwrap();
        assert_eq!((t.traced_tasks, t.capped_at), (64, Some(64)));
        assert_eq!(t.lanes.len(), 64);
        assert_eq!(t.check(), Ok(()));
        let long = vec![Span::new(SpanKind::Cpu, Lane::Serial, 0.0, 1.0); MAX_SPANS_PER_TASK + 3];
        let t = Timeline::of(0, &[outcome(0, long)]).unwrap();
        assert_eq!(t.tasks[0].spans.len(), MAX_SPANS_PER_TASK);
        assert_eq!(t.tasks[0].dropped_spans, 3);
    }

    #[test]
    fn malformed_spans_are_refused_in_words() {
        let mut t = Timeline::of(
            0,
            &[outcome(
                0,
                vec![Span::new(SpanKind::Cpu, Lane::Serial, 5.0, 9.0)],
            )],
        )
        .unwrap();
        t.tasks[0].spans[0].end_ms = 4.0;
        assert!(
            t.check()
                .unwrap_err()
                .contains("must not end before it starts")
        );
        t.tasks[0].spans[0].end_ms = f64::NAN;
        assert!(t.check().unwrap_err().contains("finite"));
        t.tasks[0].spans[0] = TracedSpan {
            kind: SpanKind::Copy,
            lane: 3,
            start_ms: 1.0,
            end_ms: 2.0,
        };
        assert!(t.check().unwrap_err().contains("lane 3"));
    }

    #[test]
    fn every_kind_has_its_own_colour() {
        let colours: BTreeSet<&str> = SpanKind::ALL.iter().map(|k| k.colour()).collect();
        assert_eq!(colours.len(), SpanKind::ALL.len());
        for k in SpanKind::ALL {
            let c = k.colour();
            assert!(
                c.len() == 7 && c.starts_with('#') && u32::from_str_radix(&c[1..], 16).is_ok(),
                "{k}: {c}"
            );
        }
    }

    #[test]
    fn spans_shift_onto_the_parents_clock() {
        let s = Span::new(SpanKind::Fetch, Lane::Serial, 1.0, 3.0)
            .shifted(10.0)
            .on(Lane::WorkerProcess(2));
        assert_eq!(
            s,
            Span::new(SpanKind::Fetch, Lane::WorkerProcess(2), 11.0, 13.0)
        );
    }
}
