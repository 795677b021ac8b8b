//! The workshop's lessons and the demo page's presets, as data: one value per lesson and one per
//! preset, each holding all of itself.
//!
//! A [`Lesson`] says what it is (id, number, title, the article's section, the text a
//! facilitator reads out), what it runs ([`Run`]: typed series of strategies, with or without
//! CPU work), the prediction it asks for ([`Question`]), the claims its findings check
//! ([`Claim`]), the notes it adds ([`Note`]) and the page's [`Preset`] it opens, if any. The
//! `gilwall workshop` command measures and checks them; the page builds its preset buttons and
//! `/?lesson=N` from the same values (through the wasm module), so a lesson is added by adding
//! a value here, not by editing the command and the page apart.
//!
//! Like the rest of core this holds no I/O: measuring and checking the claims is the runtime's
//! business, and only the numbers a question is asked with come in from outside ([`Numbers`]).

mod lessons;
mod load_presets;
mod presets;

pub use lessons::{
    ASYNC_IO, BROWSER, CONVOY, COPYING, FREE_THREADS, LESSONS, PROCESSES, PYTHON_FREE_THREADS,
    PYTHON_GIL_THREADS, SERIAL_IO, THE_CLIFF, THE_WALL,
};
pub use load_presets::{DEFAULT_LOAD_PRESET, LOAD_PRESETS};
pub use presets::{DEFAULT_PRESET, PRESETS};

/// The page's presets by name, for lessons that open one and for tests.
pub mod preset {
    pub use super::presets::{
        ASYNC_IO, ASYNC_WORKERS, PICKLING, SERIAL, THE_WALL, WASM_THREADS, WORKERS,
    };
}

/// The page's load presets by name, for the lesson that opens one and for tests.
pub mod load_preset {
    pub use super::load_presets::{SAME_RATES, SERVICE, THE_CLIFF};
}

use crate::kernel::Kernel;
use crate::load::Arrivals;
use crate::load_spec::LoadSpec;
use crate::strategy::{Runtime, StrategyId};
use crate::sweep::SweepSpec;
use serde::{Deserialize, Serialize};

/// One line a lesson measures over N: a strategy, with or without its CPU work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Series {
    /// The strategy.
    pub strategy: StrategyId,
    /// Whether its tasks do CPU work after the fetch (the lesson's CPU ratio) or only fetch.
    pub cpu: bool,
}

impl Series {
    /// `strategy` with CPU work.
    pub const fn cpu(strategy: StrategyId) -> Series {
        Series {
            strategy,
            cpu: true,
        }
    }

    /// `strategy` fetching only.
    pub const fn io_only(strategy: StrategyId) -> Series {
        Series {
            strategy,
            cpu: false,
        }
    }
}

/// Lesson 8's ways of running one I/O thread: alone, or beside a CPU-bound thread with or
/// without one global lock between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Convoy {
    /// The I/O thread on its own (it still takes the lock, uncontended).
    Alone,
    /// Beside a CPU-bound thread, both under one global lock handed over every switch interval.
    UnderGil,
    /// Beside a CPU-bound thread, with no global lock.
    Free,
}

impl Convoy {
    /// Its name on the chart and in the table.
    pub fn label(self) -> &'static str {
        match self {
            Convoy::Alone => "I/O thread alone",
            Convoy::UnderGil => "beside a CPU thread, under the GIL",
            Convoy::Free => "beside a CPU thread, free threads",
        }
    }

    /// The strategy whose colour it wears: the GIL's red, free threads' blue, serial's green
    /// for the thread alone.
    pub fn looks_like(self) -> StrategyId {
        match self {
            Convoy::Alone => StrategyId::Serial,
            Convoy::UnderGil => StrategyId::Gil,
            Convoy::Free => StrategyId::Threads,
        }
    }
}

/// A line the article's own CPython measures beside gilwall's series (through the Python
/// companion, with CPU work), when the interpreter it needs is on the machine: lesson 5 runs
/// the thread pool on the free-threaded build (3.13t) and on the GIL build, so the article's
/// "No-GIL!" claim is checked with the article's runtime. Where the free-threaded build is
/// missing the lesson runs without these lines and says how to get it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PythonSeries {
    /// The companion's strategy, as `gilwall python --strategy` names it (`thread-pool`).
    pub strategy: &'static str,
    /// Whether it runs on the free-threaded build rather than the GIL build.
    pub free_threaded: bool,
    /// The gilwall strategy with the same schedule, whose colour it wears and whose model it
    /// is compared with (`threads` free-threaded, `gil` under the GIL).
    pub twin: StrategyId,
}

impl PythonSeries {
    /// Its name on the chart and in the table, e.g. `Python 3.13t thread-pool`.
    pub fn label(self) -> String {
        let build = if self.free_threaded {
            "3.13t (free-threaded)"
        } else {
            "(GIL)"
        };
        format!("Python {build} {}", self.strategy)
    }
}

/// One line on a lesson's chart, by identity: what the findings and the question refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Line {
    /// A strategy's measurements (over N, or over payload sizes with CPU work).
    Series(Series),
    /// One of lesson 8's modes, over switch intervals.
    Convoy(Convoy),
    /// CPython's measurements over N, beside the lesson's series.
    Python(PythonSeries),
}

impl Line {
    /// The strategy whose colour the line wears.
    pub fn strategy(self) -> StrategyId {
        match self {
            Line::Series(s) => s.strategy,
            Line::Convoy(c) => c.looks_like(),
            Line::Python(p) => p.twin,
        }
    }
}

/// What a lesson runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Run {
    /// Every series at every task count N (lessons 1-5); the x axis is N.
    Tasks(&'static [Series]),
    /// These strategies at one N over growing payloads, with the `features` kernel making one
    /// pass over each (lesson 6); the x axis is the payload size.
    Payloads(&'static [StrategyId]),
    /// One I/O thread in each of these modes over switch intervals (lesson 8); the x axis is
    /// the switch interval.
    Convoy(&'static [Convoy]),
    /// Nothing natively: the lesson runs on the demo page, with its preset (lesson 7).
    Page,
    /// These app strategies as services (`gilwall app`), each offered the same open-loop
    /// stream of requests — the same Poisson arrivals at the same rates, fractions of what one
    /// thread can serve (1000 / CPU ms req/s) — and timed from each request's intended send
    /// time (lesson 9); the x axis is the offered rate, the y the latency percentiles.
    Load(&'static [StrategyId]),
}

/// The prediction a lesson asks for before its run, about one line at the largest x it sweeps.
///
/// `ask` and `why` are templates: `{name}` stands for one of the [`Numbers`] (`{io}`, `{cpu}`,
/// `{n}`, `{cores}`, `{spread}`, `{tasks}`, `{kb}`, `{fetches}`, `{fetch_ms}`, `{interval}`,
/// and for the load lesson `{req_cpu}`, `{capacity}`, `{rate}`, `{percent}`), filled in by
/// [`Question::ask`] and [`Question::why`]. The load lesson asks at the rate it names
/// (`{rate}`), not at the largest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Question {
    /// The question, as a template.
    pub ask: &'static str,
    /// The reasoning behind the right answer, shown when the guess was off, as a template.
    pub why: &'static str,
    /// The line it asks about.
    pub about: Line,
}

/// The numbers a question is asked with: the sizes the lesson runs at, and the machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Numbers {
    /// Delay of one fetch, ms (`{io}`).
    pub io_ms: f64,
    /// CPU work per task, ms (`{cpu}`).
    pub cpu_ms: f64,
    /// The largest task count N (`{n}`).
    pub max_tasks: u32,
    /// Cores (`{cores}`).
    pub cores: u32,
    /// Tasks in the payload sweep (`{tasks}`).
    pub copy_tasks: u32,
    /// The largest payload, KiB (`{kb}`).
    pub max_payload_kb: u64,
    /// Fetches the I/O thread makes in the convoy (`{fetches}`).
    pub convoy_fetches: u32,
    /// Delay of each of those fetches, ms (`{fetch_ms}`).
    pub convoy_io_ms: f64,
    /// The longest switch interval, ms (`{interval}`).
    pub max_interval_ms: f64,
    /// CPU work per request in the load lesson, ms (`{req_cpu}`).
    pub request_cpu_ms: f64,
    /// The fraction of one thread's capacity the load lesson asks about (`{percent}`, as a
    /// percentage; `{rate}` is that rate).
    pub asked_fraction: f64,
}

impl Numbers {
    /// The model's ideal past the wall (`{spread}`): the fetch, then the CPU work shared by
    /// the cores.
    pub fn spread_ms(&self) -> f64 {
        let per_core = f64::from(self.max_tasks) / f64::from(self.cores.max(1));
        self.io_ms + self.cpu_ms * per_core.max(1.0)
    }

    /// What one thread serves at most, one request's CPU after another (`{capacity}`): the
    /// load lesson's rates are fractions of it.
    pub fn one_thread_rps(&self) -> f64 {
        1000.0 / self.request_cpu_ms.max(f64::MIN_POSITIVE)
    }

    /// The rate the load lesson asks about, req/s (`{rate}`).
    pub fn asked_rps(&self) -> f64 {
        crate::lesson::load_rate(self.asked_fraction, self.request_cpu_ms)
    }

    /// Every placeholder with its value, as a question shows it.
    fn values(&self) -> [(&'static str, String); 14] {
        [
            ("io", self.io_ms.to_string()),
            ("cpu", self.cpu_ms.to_string()),
            ("n", self.max_tasks.to_string()),
            ("cores", self.cores.to_string()),
            ("spread", self.spread_ms().to_string()),
            ("tasks", self.copy_tasks.to_string()),
            ("kb", self.max_payload_kb.to_string()),
            ("fetches", self.convoy_fetches.to_string()),
            ("fetch_ms", self.convoy_io_ms.to_string()),
            ("interval", self.max_interval_ms.to_string()),
            ("req_cpu", self.request_cpu_ms.to_string()),
            ("capacity", self.one_thread_rps().to_string()),
            ("rate", self.asked_rps().to_string()),
            ("percent", (self.asked_fraction * 100.0).round().to_string()),
        ]
    }

    /// `template` with every `{name}` replaced by its value.
    fn fill(&self, template: &str) -> String {
        self.values()
            .iter()
            .fold(template.to_string(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

impl Question {
    /// The question, with these numbers.
    pub fn ask(&self, numbers: &Numbers) -> String {
        numbers.fill(self.ask)
    }

    /// The reasoning, with these numbers.
    pub fn why(&self, numbers: &Numbers) -> String {
        numbers.fill(self.why)
    }
}

/// The offered rate, req/s, at `fraction` of what one thread serves with `cpu_ms` of CPU per
/// request, rounded to whole requests per second (they read better in a table and lose nothing
/// at these rates) and at least 1.
pub fn load_rate(fraction: f64, cpu_ms: f64) -> f64 {
    (fraction * 1000.0 / cpu_ms.max(f64::MIN_POSITIVE))
        .round()
        .max(1.0)
}

/// A claim a lesson makes about its measurement. The runtime checks it against the run and
/// says it with the numbers measured ("what it means"); the table only says which a lesson
/// makes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Claim {
    /// The series grows by about one whole fetch per extra task: each fetch waits for the one
    /// before.
    GrowsByOneFetch(Series),
    /// The series stays flat from the smallest N to the largest: one thread waits for all the
    /// fetches at once.
    StaysFlat(Series),
    /// The series grows by about one CPU slice per extra task, and by less than serial's fetch
    /// plus CPU: the CPU work takes turns on one thread — the wall.
    HitsTheWall(Series),
    /// `fast` is clearly faster than `slow` at the largest N, `because`.
    Faster {
        /// The faster series.
        fast: Series,
        /// The slower one.
        slow: Series,
        /// Why, in a few words.
        because: &'static str,
    },
    /// `dear`'s extra time over `cheap` grows with the payload: the price of copying.
    CopyingCosts {
        /// The strategy that shares the payload.
        cheap: StrategyId,
        /// The strategy that copies it.
        dear: StrategyId,
    },
    /// Under the GIL the I/O thread waits out a switch interval after each fetch, and grows
    /// with the interval.
    WaitsOutTheInterval,
    /// Beside a CPU thread with no global lock, the I/O thread costs little more than alone.
    FreeThreadsCostLittle,
    /// CPython's `free` line (the free-threaded build) is clearly faster than its `gil` line
    /// (the same strategy under the GIL) at the largest N. Checked only where both ran.
    PythonPastTheWall {
        /// The line on the free-threaded build.
        free: PythonSeries,
        /// The same strategy on the GIL build.
        gil: PythonSeries,
    },
    /// Offered the load lesson's asked rate (below what one thread serves), the series' p99 is
    /// well above its p99 at the lowest rate: random arrivals queue on one thread.
    TailClimbs(Series),
    /// Offered the very same requests, `steady` still answers the typical request at the asked
    /// rate in about what one takes alone: its median stays near its median at the lowest rate
    /// (more CPU executors than the load needs), where `climbing`'s does not. The median, not
    /// the p99: on two cores a request that lands while both compute waits for one, so
    /// `steady`'s own tail moves too, and the words say by how much.
    Holds {
        /// The series that holds.
        steady: Series,
        /// The series whose tail climbs, offered the same requests.
        climbing: Series,
    },
    /// At every rate up to 0.7 of a line's own capacity, its measured p50 is near the queueing
    /// model's (the same arrivals, simulated at the CPU the app measured).
    MedianOnModel,
    /// Offered more than it can serve, the series answers fewer requests a second than it is
    /// sent, and its p99 climbs far past its p99 at the lowest rate: overload shown, not hidden.
    FallsBehind(Series),
}

impl Claim {
    /// The CPython lines it needs measured, if any: a claim whose lines did not run (no such
    /// interpreter here) is left out, not failed.
    pub fn python_lines(&self) -> Vec<PythonSeries> {
        match *self {
            Claim::PythonPastTheWall { free, gil } => vec![free, gil],
            _ => Vec::new(),
        }
    }
}

/// Something worth saying after a lesson's run that is not a pass/fail claim.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Note {
    /// What the series paid over its model at the smallest N (processes: start-up and copies).
    PriceAtSmallestN(Series),
    /// The most the model allows `fast` over `slow` at the largest N on this machine's cores.
    CoresCap {
        /// The series past the wall.
        fast: Series,
        /// The series at the wall.
        slow: Series,
    },
    /// A fixed remark.
    Says(&'static str),
}

/// One lesson of the workshop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lesson {
    /// Its stable identifier, also the file name stem of its chart and report: `3-the-wall`.
    pub id: &'static str,
    /// Its number, as typed after `gilwall workshop` and in the page's `/?lesson=N`.
    pub number: u32,
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
    /// What it runs.
    pub run: Run,
    /// CPython's lines beside it, measured where their interpreters are found (lesson 5).
    pub python: &'static [PythonSeries],
    /// The prediction it asks for, if any.
    pub question: Option<Question>,
    /// The claims its findings check, in the order they are said.
    pub findings: &'static [Claim],
    /// The notes it adds after the findings.
    pub notes: &'static [Note],
    /// The page's preset that shows the same step in the browser, if any.
    pub preset: Option<&'static Preset>,
    /// The page's load preset that shows the same load in the browser, if any (lesson 9's
    /// browser twin: `/?lesson=N` opens it in the page's requests-per-second mode).
    pub load_preset: Option<&'static LoadPreset>,
}

impl Lesson {
    /// Where it runs: on the page for [`Run::Page`], natively otherwise.
    pub fn runtime(&self) -> Runtime {
        match self.run {
            Run::Page => Runtime::Browser,
            _ => Runtime::Native,
        }
    }

    /// Whether it runs a load, whose x axis is the offered rate (lesson 9).
    pub fn is_load(&self) -> bool {
        matches!(self.run, Run::Load(_))
    }

    /// Every line its chart has, in the order it runs them (CPython's last, where it runs).
    pub fn lines(&self) -> Vec<Line> {
        match self.run {
            Run::Tasks(series) => series
                .iter()
                .copied()
                .map(Line::Series)
                .chain(self.python.iter().copied().map(Line::Python))
                .collect(),
            Run::Payloads(strategies) | Run::Load(strategies) => strategies
                .iter()
                .map(|&s| Line::Series(Series::cpu(s)))
                .collect(),
            Run::Convoy(modes) => modes.iter().copied().map(Line::Convoy).collect(),
            Run::Page => Vec::new(),
        }
    }

    /// A line's name on the chart and in the table: the strategy, marked `(I/O only)` or
    /// `+ CPU` only in a lesson that runs both kinds (as `gilwall run`'s table marks a report
    /// that mixes them).
    pub fn label(&self, line: Line) -> String {
        let s = match line {
            Line::Convoy(c) => return c.label().to_string(),
            Line::Python(p) => return p.label(),
            Line::Series(s) => s,
        };
        let mixed = match self.run {
            Run::Tasks(series) => series.iter().any(|s| s.cpu) && series.iter().any(|s| !s.cpu),
            _ => false,
        };
        match (mixed, s.cpu) {
            (false, _) => s.strategy.to_string(),
            (true, false) => format!("{} (I/O only)", s.strategy),
            (true, true) => format!("{} + CPU", s.strategy),
        }
    }
}

/// The lesson numbered `n`.
pub fn by_number(n: u32) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.number == n)
}

/// The lesson whose id is `id`.
pub fn by_id(id: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.id == id)
}

/// The lesson after `lesson`, if it is not the last.
pub fn next(lesson: &Lesson) -> Option<&'static Lesson> {
    by_number(lesson.number + 1)
}

/// Which of the page's chart views a preset opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChartView {
    /// The time for all tasks against N, with the model.
    Makespan,
    /// Each task's time copying payloads between heaps, against N.
    Copy,
}

/// One of the demo page's presets: a button that sets the controls for one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// Its stable identifier, as in the page's `/?preset=ID`.
    pub id: &'static str,
    /// The button's label.
    pub label: &'static str,
    /// What the step shows, shown under the buttons.
    pub note: &'static str,
    /// The strategies it selects.
    pub strategies: &'static [StrategyId],
    /// Its task counts.
    pub tasks: &'static [u32],
    /// Delay of one fetch, ms.
    pub io_ms: f64,
    /// CPU work as a fraction of the fetch delay.
    pub cpu_ratio: f64,
    /// The kernel doing the CPU work.
    pub kernel: Kernel,
    /// Size of each fetched payload, KiB.
    pub payload_kb: u64,
    /// The chart view it opens.
    pub chart: ChartView,
}

impl Preset {
    /// The sweep it sets up, as the page's `gilwall.run(config)` takes it.
    pub fn spec(&self) -> SweepSpec {
        SweepSpec {
            strategies: self.strategies.to_vec(),
            tasks: self.tasks.to_vec(),
            io_ms: self.io_ms,
            cpu_ratio: Some(self.cpu_ratio),
            kernel: self.kernel,
            payload_kb: self.payload_kb,
            ..SweepSpec::default()
        }
    }

    /// The numbers of the lessons that open it, in order.
    pub fn lessons(&self) -> Vec<u32> {
        LESSONS
            .iter()
            .filter(|l| l.preset.is_some_and(|p| p.id == self.id))
            .map(|l| l.number)
            .collect()
    }
}

/// The preset whose id is `id`.
pub fn preset_by_id(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// The rates a load preset offers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoadRates {
    /// These fractions of each strategy's own modelled capacity: each is taken to its knee.
    OwnCapacity(&'static [f64]),
    /// These fractions of what one thread serves (1000 ÷ CPU ms a second, as the load lesson's
    /// [`load_rate`]), the same rates for every strategy: the main thread's capacity is the
    /// ruler, so the pool is offered the very requests that push the main thread off its cliff.
    OneThread(&'static [f64]),
    /// These rates, requests per second, for every strategy.
    Given(&'static [f64]),
}

/// One of the page's load presets: a button of its requests-per-second mode that sets the
/// controls for one load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadPreset {
    /// Its stable identifier, as in the page's `/?load=ID`.
    pub id: &'static str,
    /// The button's label.
    pub label: &'static str,
    /// What the load shows, shown under the buttons.
    pub note: &'static str,
    /// The strategies it selects, in the order they run.
    pub strategies: &'static [StrategyId],
    /// The rates it offers.
    pub rates: LoadRates,
    /// How requests arrive.
    pub arrivals: Arrivals,
    /// Measured seconds per rate.
    pub duration_s: f64,
    /// Unmeasured seconds per rate before them.
    pub warmup_s: f64,
    /// Fetch delay per request, ms.
    pub io_ms: f64,
    /// CPU work per request, ms.
    pub cpu_ms: f64,
    /// The kernel doing the CPU work.
    pub kernel: Kernel,
    /// Size of each fetched payload, KiB.
    pub payload_kb: u64,
    /// Seed of the arrivals.
    pub seed: u64,
}

impl LoadPreset {
    /// The load it sets up, as the page's `gilwall.runLoad(config)` takes it.
    pub fn spec(&self) -> LoadSpec {
        let (rates, fractions) = match self.rates {
            LoadRates::OwnCapacity(f) => (Vec::new(), f.to_vec()),
            LoadRates::OneThread(f) => (
                f.iter().map(|&f| load_rate(f, self.cpu_ms)).collect(),
                Vec::new(),
            ),
            LoadRates::Given(r) => (r.to_vec(), Vec::new()),
        };
        LoadSpec {
            strategies: self.strategies.to_vec(),
            rates,
            fractions,
            arrivals: self.arrivals,
            duration_s: self.duration_s,
            warmup_s: self.warmup_s,
            io_ms: self.io_ms,
            cpu_ms: self.cpu_ms,
            kernel: self.kernel,
            payload_kb: self.payload_kb,
            seed: self.seed,
            ..LoadSpec::default()
        }
    }

    /// Seconds its steps take on `cores` cores (warm-up and measured part, every strategy at
    /// every rate), before the page's pauses between steps and its calibration.
    pub fn seconds(&self, cores: u32) -> f64 {
        let spec = self.spec();
        let steps: usize = spec
            .strategies()
            .into_iter()
            .map(|s| spec.rates_for(s, cores).map_or(0, |r| r.len()))
            .sum();
        steps as f64 * (self.warmup_s + self.duration_s)
    }

    /// The numbers of the lessons that open it, in order.
    pub fn lessons(&self) -> Vec<u32> {
        LESSONS
            .iter()
            .filter(|l| l.load_preset.is_some_and(|p| p.id == self.id))
            .map(|l| l.number)
            .collect()
    }
}

/// The load preset whose id is `id`.
pub fn load_preset_by_id(id: &str) -> Option<&'static LoadPreset> {
    LOAD_PRESETS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests;
