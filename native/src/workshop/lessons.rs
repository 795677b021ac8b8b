//! The workshop's lessons: what each one shows, which part of the article it follows, what to
//! look for and what the model says. The measuring is in `measure`; this is the text a
//! facilitator reads out, kept in one place so WORKSHOP.md and the command agree.

/// One lesson of the workshop.
#[derive(Debug)]
pub struct Lesson {
    /// Its number, as typed after `gilwall workshop`.
    pub number: u32,
    /// File name stem of its chart and report, e.g. `3-the-wall`.
    pub slug: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The article's section it follows (or "beyond the article").
    pub article: &'static str,
    /// What happens, in a few sentences.
    pub explain: &'static str,
    /// What to look for on the chart.
    pub look_for: &'static str,
    /// The model's prediction, as formulas.
    pub model: &'static str,
    /// About how long it runs with the default sizes on a 2-core laptop.
    pub runs_for: &'static str,
}

/// Every lesson, in order.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        number: 1,
        slug: "1-serial",
        title: "Serial I/O",
        article: "section 1, \"Serial\"",
        explain: "N tasks each fetch features from a server that answers after a delay (the \
                  article's httpbin.org/delay/1; here a local server, shorter). A blocking \
                  client fetches them one after another on one thread, like requests.get in a \
                  loop. The CPU sits idle: it is only waiting.",
        look_for: "a straight line: every extra task adds one full delay.",
        model: "serial = N × io",
        runs_for: "about 5 s",
    },
    Lesson {
        number: 2,
        slug: "2-async",
        title: "Async I/O scales flat",
        article: "section 2, \"Non-blocking I/O\"",
        explain: "The same fetches on one thread, but non-blocking: a tokio current-thread \
                  runtime starts every fetch and waits for all of them at once, like \
                  asyncio.gather. Waiting costs no CPU, so one thread can wait for many.",
        look_for: "serial climbs as before; async stays at about one delay however many tasks.",
        model: "serial = N × io;  async = io",
        runs_for: "about 5 s",
    },
    Lesson {
        number: 3,
        slug: "3-the-wall",
        title: "CPU joins: the wall",
        article: "section 3, \"What if it is not just I/O, but I/O + CPU?\"",
        explain: "Now each task also does CPU work after its fetch (half the delay, as the \
                  article's fraction_of_io = 0.5). The fetches still overlap, but the CPU work \
                  runs on the event loop's one thread, one task after another. The gil \
                  strategy shows the article's run_in_executor under the GIL: real threads, \
                  but CPU work only while holding one global lock.",
        look_for: "async with CPU leaves the flat I/O-only line and climbs by one CPU slice per \
                   task; gil climbs just the same. That slope is the wall.",
        model: "async (I/O only) = io;  async + CPU = gil + CPU = io + N × cpu",
        runs_for: "about 10 s",
    },
    Lesson {
        number: 4,
        slug: "4-processes",
        title: "Processes get past the wall, at a price",
        article: "section 4, \"Existing Python parallelization techniques\"",
        explain: "A pool of worker processes (ProcessPoolExecutor): each task goes to a child \
                  process, which fetches, computes and sends its result back — with the \
                  features — serialised, as pickling does. Separate processes have separate \
                  locks, so the CPU work runs on every core.",
        look_for: "processes well below async at large N; and at N = 1, processes above the \
                   model: the price of starting processes and copying data.",
        model: "serial = N × (io + cpu);  async = io + N × cpu;  \
                processes ≈ io + cpu × max(1, N / cores)",
        runs_for: "about 15 s",
    },
    Lesson {
        number: 5,
        slug: "5-free-threads",
        title: "Free threads",
        article: "section 5, \"No-GIL!\"",
        explain: "Plain OS threads with no global lock — free-threaded Python 3.13t, or simply \
                  Rust. One heap, nothing to copy, CPU work on every core. Processes run again \
                  beside them for comparison.",
        look_for: "threads level with (or below) processes, both far below async. On a 2-core \
                   laptop the best is about 2× better than the wall, not N×: the cores are the \
                   limit now.",
        model: "async = io + N × cpu;  threads ≈ processes ≈ io + cpu × max(1, N / cores)",
        runs_for: "about 15 s",
    },
    Lesson {
        number: 6,
        slug: "6-copying",
        title: "The price of copying",
        article: "section 4's \"pickling is expensive for large objects\", measured",
        explain: "Threads and processes at a fixed N, with the realistic features kernel: \
                  each task parses the fetched JSON and makes one pass over it (normalise, \
                  bucket), so the work grows with the payload — the same work for both. \
                  Threads parse the payload where it landed; processes also serialise it back \
                  to the parent, which decodes it again, as pickling a result does.",
        look_for: "threads and processes start together at small payloads; as the payload \
                   grows, processes pull away from threads. The model has no term for copying, \
                   so the gap between the two is its price.",
        model: "threads ≈ processes ≈ io + cpu × max(1, N / cores), where cpu is one parse and \
                pass at that size (calibrated here)",
        runs_for: "about 20 s",
    },
    Lesson {
        number: 7,
        slug: "7-browser",
        title: "The wall in the browser",
        article: "sections 2-5, in a web page",
        explain: "The demo page runs the same workload in the browser: async on the main \
                  thread (Promise.all of fetches, CPU in the same thread), Web Workers (each \
                  its own wasm instance, messages copied: the browser's processes) and \
                  shared-memory wasm threads (the browser's free threads). A frame meter shows \
                  the main thread itself.",
        look_for: "while main-thread async computes, the frame meter drops and the page stops \
                   responding — the wall, felt; workers and wasm threads keep it smooth.",
        model: "the same formulas as lessons 3-5, drawn dashed on the page's chart",
        runs_for: "as long as you like (it runs in the browser)",
    },
    Lesson {
        number: 8,
        slug: "8-convoy",
        title: "The GIL's switch interval: the convoy effect",
        article: "beyond the article: why I/O threads suffer under the GIL",
        explain: "One thread does a run of short fetches, needing the lock briefly after each \
                  (to parse the answer, as Python code must). Beside it, one CPU-bound thread \
                  holds the lock and hands it over only every switch interval \
                  (sys.setswitchinterval; CPython's default is 5 ms). So after every fetch, the \
                  I/O thread waits in line behind the CPU thread — a convoy. The same run \
                  alone, and beside a CPU thread with no global lock, show the difference.",
        look_for: "under the GIL, the I/O thread's time grows with the switch interval — each \
                   fetch costs a whole interval; alone or with free threads it stays flat.",
        model: "for K fetches that take f each alone: alone = free = K × f;  under the GIL = \
                K × ⌈f / interval⌉ × interval (each fetch waits for the next hand-over)",
        runs_for: "about 10 s",
    },
];

/// The lesson numbered `n`.
pub fn lesson(n: u32) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.number == n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lessons_are_numbered_one_to_eight_in_order_with_unique_slugs() {
        for (i, l) in LESSONS.iter().enumerate() {
            assert_eq!(l.number, i as u32 + 1);
            assert!(l.slug.starts_with(&format!("{}-", l.number)));
            assert!(!l.explain.is_empty() && !l.look_for.is_empty() && !l.model.is_empty());
        }
        assert_eq!(LESSONS.len(), 8);
        assert!(lesson(8).is_some() && lesson(9).is_none() && lesson(0).is_none());
    }
}
