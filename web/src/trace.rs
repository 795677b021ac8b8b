//! The browser's timelines: one clock for the page and its workers, and what only the browser
//! can say about when a fetch's answer came in.
//!
//! Every scope (the page, each Web Worker, the wasm-threads driver and each of its pool
//! threads) has its own `performance.now()` origin. A repeat's spans are all on one clock,
//! [`RepeatClock`]: `performance.timeOrigin + performance.now()` (epoch ms, high resolution)
//! less the repeat's start as the page read it, which the page sends along with every job. So a
//! worker records its spans directly on the repeat's clock; the page checks that they lie
//! between its own post and the reply ([`fit`]) and, in a browser whose time origins disagree,
//! places them at the post instead.
//!
//! On the page's main thread a fetch's promise resolves only when the thread is free: under
//! `async` the answers of tasks queued behind a kernel come in while it runs, and are seen
//! only after. Resource Timing's `responseEnd` is when the network delivered the last byte,
//! whatever the thread was doing, so [`split_at_arrival`] ends each fetch there and shows the
//! rest as `wait-cpu` — the queue behind the event loop, as core's waker shows it natively.

use crate::browser;
use gilwall_core::task::{Clock, TaskOutcome, TaskSpec};
use gilwall_core::timeline::{MAX_TRACED_TASKS, Span, SpanKind};

/// A wait shorter than this is the runtime's own latency, not a queue (core's rule natively).
const PROMPT_MS: f64 = 0.2;

/// A worker's span may lie this far outside the page's post → reply window (clock reading and
/// rounding) before the page distrusts the time origins.
const FIT_SLACK_MS: f64 = 1.0;

/// Most Resource Timing entries kept per repeat: the traced tasks' fetches, with room.
const RESOURCE_BUFFER: u32 = 4 * MAX_TRACED_TASKS;

/// ms since a repeat's start, the same in every scope of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepeatClock {
    /// The repeat's start, epoch ms (`performance.timeOrigin + performance.now()`).
    pub start_epoch_ms: f64,
}

impl RepeatClock {
    /// A repeat starting now (called on the page, which then sends `start_epoch_ms` along).
    /// Also empties the page's Resource Timing buffer, so the repeat's fetches are found there.
    pub fn start() -> RepeatClock {
        browser::reset_resource_timings(RESOURCE_BUFFER);
        RepeatClock {
            start_epoch_ms: browser::epoch_now_ms(),
        }
    }

    /// The clock of a repeat that started at `start_epoch_ms` (in a worker).
    pub fn at(start_epoch_ms: f64) -> RepeatClock {
        RepeatClock { start_epoch_ms }
    }

    /// This scope's `performance.now()` reading `t` on the repeat's clock.
    pub fn from_perf(&self, t: f64) -> f64 {
        browser::time_origin() + t - self.start_epoch_ms
    }
}

impl Clock for RepeatClock {
    fn now_ms(&self) -> f64 {
        browser::epoch_now_ms() - self.start_epoch_ms
    }
}

/// Ends each traced task's fetch (fetched on this page's main thread) where Resource Timing
/// says its last byte arrived, and marks the rest, until the task was polled, as `wait-cpu`.
/// Tasks of one URL are matched to its entries in the order they got their bodies, earliest
/// arrival first. A task whose entry is not found keeps its fetch as it was measured.
pub fn split_at_arrival(clock: &RepeatClock, specs: &[TaskSpec], outcomes: &mut [TaskOutcome]) {
    let mut order: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].index < MAX_TRACED_TASKS)
        .collect();
    order.sort_by(|&a, &b| {
        let end = |i: usize| outcomes[i].fetched_at_ms.unwrap_or(f64::INFINITY);
        end(a).total_cmp(&end(b))
    });
    // Each URL's entries of this repeat, as (arrived on the repeat's clock, claimed).
    let mut entries: Vec<(String, Vec<(f64, bool)>)> = Vec::new();
    for i in order {
        let Some(spec) = specs.iter().find(|s| s.index == outcomes[i].index) else {
            continue;
        };
        let list = match entries.iter().position(|(u, _)| *u == spec.url) {
            Some(k) => &mut entries[k].1,
            None => {
                let mut arrived: Vec<(f64, bool)> = browser::resource_times(&spec.url)
                    .into_iter()
                    .map(|(start, end)| (clock.from_perf(start), clock.from_perf(end)))
                    .filter(|&(start, _)| start >= -FIT_SLACK_MS)
                    .map(|(_, end)| (end, false))
                    .collect();
                arrived.sort_by(|a, b| a.0.total_cmp(&b.0));
                entries.push((spec.url.clone(), arrived));
                // Just pushed.
                &mut entries.last_mut().expect("an entry was just pushed").1
            }
        };
        let Some(entry) = list.iter_mut().find(|(_, claimed)| !claimed) else {
            continue;
        };
        entry.1 = true;
        let arrived = entry.0;
        let spans = &mut outcomes[i].spans;
        // The fetch span that ends where the task got its body (its last fetch span).
        let Some(k) = spans.iter().rposition(|s| s.kind == SpanKind::Fetch) else {
            continue;
        };
        let fetch = spans[k];
        if arrived > fetch.start_ms && fetch.end_ms - arrived > PROMPT_MS {
            spans[k].end_ms = arrived;
            spans.insert(
                k + 1,
                Span::new(SpanKind::WaitCpu, fetch.lane, arrived, fetch.end_ms),
            );
        }
    }
}

/// A worker's `spans`, recorded on the repeat's clock in its own scope, checked against the
/// page's window from posting the job (`sent`) to reading the reply (`replied`): kept as they
/// are if they lie inside it, else moved so the first starts at `sent` (a browser whose time
/// origins disagree between scopes).
pub fn fit(spans: &mut [Span], sent: f64, replied: f64) {
    let first = spans
        .iter()
        .map(|s| s.start_ms)
        .fold(f64::INFINITY, f64::min);
    let last = spans
        .iter()
        .map(|s| s.end_ms)
        .fold(f64::NEG_INFINITY, f64::max);
    if spans.is_empty() || (first >= sent - FIT_SLACK_MS && last <= replied + FIT_SLACK_MS) {
        return;
    }
    for s in spans.iter_mut() {
        *s = s.shifted(sent - first);
        // Never before the repeat or past the reply: a report refuses spans before 0.
        s.start_ms = s.start_ms.max(0.0);
        s.end_ms = s.end_ms.clamp(s.start_ms, replied.max(s.start_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::timeline::Lane;

    #[test]
    fn spans_inside_the_window_are_kept_and_others_moved_to_the_post() {
        let lane = Lane::WebWorker(1);
        let mut inside = vec![Span::new(SpanKind::Cpu, lane, 10.0, 20.0)];
        fit(&mut inside, 9.5, 21.0);
        assert_eq!((inside[0].start_ms, inside[0].end_ms), (10.0, 20.0));
        let mut off = vec![
            Span::new(SpanKind::Fetch, lane, 100.0, 110.0),
            Span::new(SpanKind::Cpu, lane, 110.0, 130.0),
        ];
        fit(&mut off, 5.0, 40.0);
        assert_eq!((off[0].start_ms, off[0].end_ms), (5.0, 15.0));
        assert_eq!((off[1].start_ms, off[1].end_ms), (15.0, 35.0));
    }
}
