//! The nine lessons, in order: the text a facilitator reads out (kept here so WORKSHOP.md, the
//! command and the page agree), what each runs, what it asks and which claims it checks.

use super::{Claim, Convoy, Lesson, Line, Note, PythonSeries, Question, Run, Series};
use super::{load_presets, presets};
use crate::strategy::StrategyId::{Async, Gil, Multicore, Processes, Serial, Threads};

/// Every lesson, in order.
pub const LESSONS: &[Lesson] = &[
    SERIAL_IO,
    ASYNC_IO,
    THE_WALL,
    PROCESSES,
    FREE_THREADS,
    COPYING,
    BROWSER,
    CONVOY,
    THE_CLIFF,
];

/// Lesson 1: serial I/O grows with every task.
pub const SERIAL_IO: Lesson = Lesson {
    id: "1-serial",
    number: 1,
    title: "Serial I/O",
    article: "section 1, \"Serial\"",
    explain: "N tasks each fetch features from a server that answers after a delay (the \
              article's httpbin.org/delay/1; here a local server, shorter). A blocking client \
              fetches them one after another on one thread, like requests.get in a loop. The \
              CPU sits idle: it is only waiting.",
    look_for: "a straight line: every extra task adds one full delay.",
    model: "serial = N × io",
    runs_for: "about 5 s",
    run: Run::Tasks(&[Series::io_only(Serial)]),
    python: &[],
    question: Some(Question {
        ask: "Each fetch takes {io} ms. How long will serial take for N = {n}?",
        why: "serial waits for each fetch before starting the next: {n} × {io} ms",
        about: Line::Series(Series::io_only(Serial)),
    }),
    findings: &[Claim::GrowsByOneFetch(Series::io_only(Serial))],
    notes: &[],
    preset: Some(&presets::SERIAL),
    load_preset: None,
};

/// Lesson 2: async I/O stays flat.
pub const ASYNC_IO: Lesson = Lesson {
    id: "2-async",
    number: 2,
    title: "Async I/O scales flat",
    article: "section 2, \"Non-blocking I/O\"",
    explain: "The same fetches on one thread, but non-blocking: a tokio current-thread runtime \
              starts every fetch and waits for all of them at once, like asyncio.gather. \
              Waiting costs no CPU, so one thread can wait for many.",
    look_for: "serial climbs as before; async stays at about one delay however many tasks.",
    model: "serial = N × io;  async = io",
    runs_for: "about 5 s",
    run: Run::Tasks(&[Series::io_only(Serial), Series::io_only(Async)]),
    python: &[],
    question: Some(Question {
        ask: "Each fetch takes {io} ms. How long will async take for N = {n}?",
        why: "waiting costs no CPU, so one thread waits for all {n} fetches at once: about one \
              delay, {io} ms",
        about: Line::Series(Series::io_only(Async)),
    }),
    findings: &[
        Claim::GrowsByOneFetch(Series::io_only(Serial)),
        Claim::StaysFlat(Series::io_only(Async)),
    ],
    notes: &[],
    preset: Some(&presets::ASYNC_IO),
    load_preset: None,
};

/// Lesson 3: CPU work joins, and async and the GIL hit the wall.
pub const THE_WALL: Lesson = Lesson {
    id: "3-the-wall",
    number: 3,
    title: "CPU joins: the wall",
    article: "section 3, \"What if it is not just I/O, but I/O + CPU?\"",
    explain: "Now each task also does CPU work after its fetch (half the delay, as the \
              article's fraction_of_io = 0.5). The fetches still overlap, but the CPU work runs \
              on the event loop's one thread, one task after another. The gil strategy shows \
              the article's run_in_executor under the GIL: real threads, but CPU work only \
              while holding one global lock.",
    look_for: "async with CPU leaves the flat I/O-only line and climbs by one CPU slice per \
               task; gil climbs just the same. That slope is the wall.",
    model: "async (I/O only) = io;  async + CPU = gil + CPU = io + N × cpu",
    runs_for: "about 10 s",
    run: Run::Tasks(&[Series::io_only(Async), Series::cpu(Async), Series::cpu(Gil)]),
    python: &[],
    question: Some(Question {
        ask: "Each task fetches ({io} ms) and then computes ({cpu} ms). How long will async + \
              CPU take for N = {n}?",
        why: "async overlaps the waiting, not the computing: the fetches take {io} ms together, \
              then {n} × {cpu} ms of CPU work queue on the one thread",
        about: Line::Series(Series::cpu(Async)),
    }),
    findings: &[
        Claim::StaysFlat(Series::io_only(Async)),
        Claim::HitsTheWall(Series::cpu(Async)),
        Claim::HitsTheWall(Series::cpu(Gil)),
    ],
    notes: &[Note::Says(
        "Python hits the same wall: `gilwall python --compare` runs the article's own asyncio \
         and run_in_executor against this server, beside these strategies",
    )],
    preset: Some(&presets::THE_WALL),
    load_preset: None,
};

/// Lesson 4: processes get past the wall, at a price.
pub const PROCESSES: Lesson = Lesson {
    id: "4-processes",
    number: 4,
    title: "Processes get past the wall, at a price",
    article: "section 4, \"Existing Python parallelization techniques\"",
    explain: "A pool of worker processes (ProcessPoolExecutor): each task goes to a child \
              process, which fetches, computes and sends its result back — with the features — \
              serialised, as pickling does. Separate processes have separate locks, so the CPU \
              work runs on every core.",
    look_for: "processes well below async at large N; and at N = 1, processes above the model: \
               the price of starting processes and copying data.",
    model: "serial = N × (io + cpu);  async = io + N × cpu;  \
            processes ≈ io + cpu × max(1, N / cores)",
    runs_for: "about 15 s",
    run: Run::Tasks(&[
        Series::cpu(Serial),
        Series::cpu(Async),
        Series::cpu(Processes),
    ]),
    python: &[],
    question: Some(Question {
        ask: "Fetch {io} ms + CPU {cpu} ms per task. How long will processes take for N = {n} \
              on this machine's cores?",
        why: "the CPU work spreads over the {cores} cores: {io} ms + {n} × {cpu} ms ÷ {cores} = \
              {spread} ms, plus starting the processes and copying data to and fro",
        about: Line::Series(Series::cpu(Processes)),
    }),
    findings: &[Claim::Faster {
        fast: Series::cpu(Processes),
        slow: Series::cpu(Async),
        because: "the CPU work ran on several cores",
    }],
    notes: &[Note::PriceAtSmallestN(Series::cpu(Processes))],
    preset: Some(&presets::WORKERS),
    load_preset: None,
};

/// Lesson 5's CPython line on the free-threaded build: a `ThreadPoolExecutor` with no GIL.
pub const PYTHON_FREE_THREADS: PythonSeries = PythonSeries {
    strategy: "thread-pool",
    free_threaded: true,
    twin: Threads,
};

/// The same thread pool on the ordinary (GIL) build: the wall, in the article's runtime.
pub const PYTHON_GIL_THREADS: PythonSeries = PythonSeries {
    strategy: "thread-pool",
    free_threaded: false,
    twin: Gil,
};

/// Lesson 5: free threads get past the wall without copying. Where the free-threaded CPython
/// is on the machine (`gilwall python --free-threaded` builds it once), the article's own
/// runtime runs beside: its thread pool on 3.13t and on the GIL build.
pub const FREE_THREADS: Lesson = Lesson {
    id: "5-free-threads",
    number: 5,
    title: "Free threads",
    article: "section 5, \"No-GIL!\"",
    explain: "Plain OS threads with no global lock — free-threaded Python 3.13t, or simply \
              Rust. One heap, nothing to copy, CPU work on every core. Processes run again \
              beside them for comparison. Where the free-threaded CPython is on this machine, \
              the article's own thread pool runs too, on 3.13t and on the GIL build.",
    look_for: "threads level with (or below) processes, both far below async. On a 2-core \
               laptop the best is about 2× better than the wall, not N×: the cores are the \
               limit now. CPython's thread pool: at the wall under the GIL, past it on 3.13t.",
    model: "async = io + N × cpu;  threads ≈ processes ≈ io + cpu × max(1, N / cores)",
    runs_for: "about 15 s; about a minute with the article's CPython",
    run: Run::Tasks(&[
        Series::cpu(Async),
        Series::cpu(Processes),
        Series::cpu(Threads),
    ]),
    python: &[PYTHON_FREE_THREADS, PYTHON_GIL_THREADS],
    question: Some(Question {
        ask: "Fetch {io} ms + CPU {cpu} ms per task. How long will threads take for N = {n}?",
        why: "the CPU work spreads over the {cores} cores: {io} ms + {n} × {cpu} ms ÷ {cores} = \
              {spread} ms — with nothing to start or copy",
        about: Line::Series(Series::cpu(Threads)),
    }),
    findings: &[
        Claim::Faster {
            fast: Series::cpu(Threads),
            slow: Series::cpu(Async),
            because: "free threads get past the wall",
        },
        Claim::PythonPastTheWall {
            free: PYTHON_FREE_THREADS,
            gil: PYTHON_GIL_THREADS,
        },
    ],
    notes: &[Note::CoresCap {
        fast: Series::cpu(Threads),
        slow: Series::cpu(Async),
    }],
    preset: Some(&presets::WASM_THREADS),
    load_preset: None,
};

/// Lesson 6: the price of copying, over payload sizes.
pub const COPYING: Lesson = Lesson {
    id: "6-copying",
    number: 6,
    title: "The price of copying",
    article: "section 4's \"pickling is expensive for large objects\", measured",
    explain: "Threads and processes at a fixed N, with the realistic features kernel: each \
              task parses the fetched JSON and makes one pass over it (normalise, bucket), so \
              the work grows with the payload — the same work for both. Threads parse the \
              payload where it landed; processes also serialise it back to the parent, which \
              decodes it again, as pickling a result does.",
    look_for: "threads and processes start together at small payloads; as the payload grows, \
               processes pull away from threads. The model has no term for copying, so the gap \
               between the two is its price.",
    model: "threads ≈ processes ≈ io + cpu × max(1, N / cores), where cpu is one parse and pass \
            at that size (calibrated here)",
    runs_for: "about 20 s",
    run: Run::Payloads(&[Threads, Processes]),
    python: &[],
    question: Some(Question {
        ask: "At 1 KiB, threads and processes both take about one fetch ({io} ms). With {tasks} \
              tasks each fetching a payload of {kb} KiB, how long will processes take?",
        why: "both strategies parse and pass over every payload on the cores (the threads' \
              time); processes also serialise each payload back to the parent, which decodes \
              it again — extra work that grows with the payload",
        about: Line::Series(Series::cpu(Processes)),
    }),
    findings: &[Claim::CopyingCosts {
        cheap: Threads,
        dear: Processes,
    }],
    notes: &[Note::Says(
        "both run above the model at large payloads: the server generates and sends every \
         payload, and the model counts only the fetch delay and the kernel",
    )],
    preset: Some(&presets::ASYNC_WORKERS),
    load_preset: None,
};

/// Lesson 7: the wall in the browser, on the demo page.
pub const BROWSER: Lesson = Lesson {
    id: "7-browser",
    number: 7,
    title: "The wall in the browser",
    article: "sections 2-5, in a web page",
    explain: "The demo page runs the same workload in the browser: async on the main thread \
              (Promise.all of fetches, CPU in the same thread), Web Workers (each its own wasm \
              instance, messages copied: the browser's processes) and shared-memory wasm \
              threads (the browser's free threads). A frame meter shows the main thread itself.",
    look_for: "while main-thread async computes, the frame meter drops and the page stops \
               responding — the wall, felt; workers and wasm threads keep it smooth.",
    model: "the same formulas as lessons 3-5, drawn dashed on the page's chart",
    runs_for: "as long as you like (it runs in the browser)",
    run: Run::Page,
    python: &[],
    question: None,
    findings: &[],
    notes: &[],
    preset: Some(&presets::WORKERS),
    load_preset: None,
};

/// Lesson 8: the GIL's switch interval and the convoy effect.
pub const CONVOY: Lesson = Lesson {
    id: "8-convoy",
    number: 8,
    title: "The GIL's switch interval: the convoy effect",
    article: "beyond the article: why I/O threads suffer under the GIL",
    explain: "One thread does a run of short fetches, needing the lock briefly after each (to \
              parse the answer, as Python code must). Beside it, one CPU-bound thread holds the \
              lock and hands it over only every switch interval (sys.setswitchinterval; \
              CPython's default is 5 ms). So after every fetch, the I/O thread waits in line \
              behind the CPU thread — a convoy. The same run alone, and beside a CPU thread \
              with no global lock, show the difference.",
    look_for: "under the GIL, the I/O thread's time grows with the switch interval — each fetch \
               costs a whole interval; alone or with free threads it stays flat.",
    model: "for K fetches that take f each alone: alone = free = K × f;  under the GIL = K × \
            ⌈f / interval⌉ × interval (each fetch waits for the next hand-over)",
    runs_for: "about 10 s",
    run: Run::Convoy(&[Convoy::Alone, Convoy::UnderGil, Convoy::Free]),
    python: &[],
    question: Some(Question {
        ask: "{fetches} fetches of {fetch_ms} ms, one after another, beside a CPU-bound thread, \
              with a {interval} ms switch interval. How long will they take under the GIL?",
        why: "after each fetch the I/O thread needs the lock, and the CPU thread hands it over \
              only when its interval runs out: about {fetches} × {interval} ms",
        about: Line::Convoy(Convoy::UnderGil),
    }),
    findings: &[Claim::WaitsOutTheInterval, Claim::FreeThreadsCostLittle],
    notes: &[Note::Says(
        "CPython's default switch interval is 5 ms; an I/O-heavy thread beside CPU-bound ones \
         pays up to that after every blocking call",
    )],
    preset: None,
    load_preset: None,
};

/// Lesson 9: the wall as a service's users feel it — latency under an open-loop load.
pub const THE_CLIFF: Lesson = Lesson {
    id: "9-the-cliff",
    number: 9,
    title: "The cliff: latency under load",
    article: "beyond the article: its premise, a latency-critical service",
    explain: "The article's app as a real HTTP service (gilwall app): each request fetches \
              features, then computes. async is FastAPI's async def doing CPU work inline, on \
              one event loop; multicore is a multi-threaded runtime on every core (Go's \
              net/http). Both get exactly the same stream of requests — random (Poisson) \
              arrivals at rates that are fractions of what one thread can serve, 1000 ÷ CPU ms \
              a second — sent at their times whatever the answers do (open loop), each timed \
              from when it was meant to be sent, so a queue cannot hide.",
    look_for: "async's p99 leaves its flat start long before the dotted line of its capacity, \
               and past it the latency is no longer a number: it grows for as long as the \
               step lasts. multicore, offered the same requests, answers the typical one as \
               fast as ever — its own capacity, cores ÷ CPU, is further right.",
    model: "capacity = CPU executors ÷ cpu: async 1 ÷ cpu, multicore cores ÷ cpu;  below it the \
            latency is io + cpu + the wait in the queue (the same arrivals, simulated: dashed); \
            past it the queue grows by (rate − capacity) requests every second",
    runs_for: "about a minute",
    run: Run::Load(&[Async, Multicore]),
    python: &[],
    question: Some(Question {
        ask: "Each request fetches ({io} ms), then computes ({req_cpu} ms), so async's one \
              thread serves at most {capacity} requests a second. Offered {rate} a second — \
              {percent}% of that — at random moments, what will async's p99 latency be?",
        why: "the thread is busy {percent}% of the time, and random arrivals bunch: a request \
              that lands in a bunch waits for each one ahead of it to finish its {req_cpu} ms \
              of CPU, so the slowest one in a hundred waits for several — far more than the \
              {io} + {req_cpu} ms a request takes alone",
        about: Line::Series(Series::cpu(Async)),
    }),
    findings: &[
        Claim::TailClimbs(Series::cpu(Async)),
        Claim::Holds {
            steady: Series::cpu(Multicore),
            climbing: Series::cpu(Async),
        },
        Claim::MedianOnModel,
        Claim::FallsBehind(Series::cpu(Async)),
    ],
    notes: &[
        Note::Says(
            "your own rates and strategies: `gilwall load --strategy async,async-rayon,multicore \
             --cpu-ms 20 --chart load.svg` (async-rayon is run_in_executor with no GIL: async \
             I/O, the CPU handed to a pool), and the app alone for any load tool: `gilwall app \
             --strategy async`",
        ),
        Note::Says(
            "the browser's version: the demo page's /?lesson=9 opens its \"requests per \
             second\" mode with the \"9 · the cliff\" preset, the same kind of stream sent to \
             the page's main thread and to Web Workers (about 30 s)",
        ),
    ],
    preset: None,
    load_preset: Some(&load_presets::THE_CLIFF),
};
