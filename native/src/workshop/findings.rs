//! The lessons' claims, checked against a run: core's table says which claims and notes a
//! lesson makes ([`Claim`], [`Note`]); this says whether this run bears each out, in words with
//! the numbers measured. The same findings are printed to the learner ("what it means") and
//! asserted by the tests, so the workshop cannot quietly teach something the machine did not
//! show.

use super::measure::{Outcome, Sizes};
use gilwall_core::lesson::{Claim, Convoy, Lesson, Line, Note, Series};
use gilwall_core::strategy::StrategyId;

/// A claim the lesson makes about the measurement, and whether this run bears it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Whether the measurement shows it.
    pub holds: bool,
    /// The claim, with the numbers measured.
    pub text: String,
}

/// What a check needs beside the claim: the lesson (for its lines' names), its sizes, the
/// machine's cores and the measurements.
pub(super) struct Checker<'a> {
    pub lesson: &'a Lesson,
    pub sizes: &'a Sizes,
    pub cores: u32,
    pub outcome: &'a Outcome,
}

impl Checker<'_> {
    fn label(&self, s: Series) -> String {
        self.lesson.label(Line::Series(s))
    }

    fn ms(&self, line: Line, x: f64) -> f64 {
        self.outcome.of(line, x).map_or(f64::NAN, |r| r.measured_ms)
    }

    fn series_ms(&self, s: Series, x: f64) -> f64 {
        self.ms(Line::Series(s), x)
    }

    /// The smallest and the largest N.
    fn tasks_range(&self) -> (f64, f64) {
        let lo = self.sizes.tasks.iter().copied().min().unwrap_or(1);
        (f64::from(lo), f64::from(self.sizes.max_tasks()))
    }

    /// Extra ms per extra task between the smallest and the largest N.
    fn slope(&self, s: Series) -> f64 {
        let (lo, hi) = self.tasks_range();
        (self.series_ms(s, hi) - self.series_ms(s, lo)) / (hi - lo).max(1.0)
    }

    /// Whether `s` grew by more than 60% of `per` ms per task, and the words that say so.
    fn grows_by(&self, s: Series, per: f64, what: &str) -> (bool, String) {
        let k = self.slope(s);
        (
            k > 0.6 * per,
            format!(
                "{} grew by {k:.0} ms per extra task — about {what} ({per:.0} ms)",
                self.label(s)
            ),
        )
    }

    /// Checks `claim` against this run.
    pub fn check(&self, claim: &Claim) -> Finding {
        let s = self.sizes;
        let (io, cpu) = (s.io_ms, s.cpu_ms());
        let (lo, hi) = self.tasks_range();
        let (holds, text) = match *claim {
            Claim::GrowsByOneFetch(series) => {
                let (h, t) = self.grows_by(series, io, "one whole fetch");
                (h, format!("{t}: each fetch waits for the one before"))
            }
            Claim::StaysFlat(series) => {
                let (a, b) = (self.series_ms(series, lo), self.series_ms(series, hi));
                (
                    b < 1.6 * a,
                    format!(
                        "{} stayed flat: {a:.0} ms at N = {lo}, {b:.0} ms at N = {hi}: one thread \
                         waits for all the fetches at once",
                        self.label(series)
                    ),
                )
            }
            Claim::HitsTheWall(series) => {
                let (h, t) = self.grows_by(series, cpu, "one CPU slice");
                // Below serial's slope (io + cpu): the fetches still overlap; only CPU queues.
                let below_serial = self.slope(series) < io + cpu;
                (
                    h && below_serial,
                    format!("{t}: the CPU work takes turns on one thread — the wall"),
                )
            }
            Claim::Faster {
                fast,
                slow,
                because,
            } => {
                let (f, w) = (self.series_ms(fast, hi), self.series_ms(slow, hi));
                (
                    f < 0.85 * w,
                    format!(
                        "{} took {f:.0} ms at N = {hi} against {}'s {w:.0} ms: {:.1}× faster: \
                         {because}",
                        self.label(fast),
                        self.label(slow),
                        w / f
                    ),
                )
            }
            Claim::PythonPastTheWall { free, gil } => {
                let (f, g) = (
                    self.ms(Line::Python(free), hi),
                    self.ms(Line::Python(gil), hi),
                );
                (
                    f < 0.85 * g,
                    format!(
                        "in the article's own runtime, {} took {f:.0} ms at N = {hi} against {}'s \
                         {g:.0} ms: {:.1}× faster — the same threads, without the GIL",
                        free.label(),
                        gil.label(),
                        g / f
                    ),
                )
            }
            Claim::CopyingCosts { cheap, dear } => self.copying_costs(cheap, dear),
            Claim::WaitsOutTheInterval => self.waits_out_the_interval(),
            Claim::FreeThreadsCostLittle => {
                let hi = self.longest_interval();
                let (alone, free) = (
                    self.ms(Line::Convoy(Convoy::Alone), hi),
                    self.ms(Line::Convoy(Convoy::Free), hi),
                );
                (
                    free < 2.0 * alone + 10.0,
                    format!(
                        "with free threads the same CPU load cost little: {free:.0} ms against \
                         {alone:.0} ms alone — it is the lock, not the busy core"
                    ),
                )
            }
        };
        Finding { holds, text }
    }

    /// The copying's price, as the run measured it: what `dear` copied per task and the time
    /// it spent copying (its own clock, so others' load on the cores barely moves it), against
    /// `cheap`, which copies nothing. The makespans' gap is said too, but not judged: on two
    /// cores it swings with the scheduler by more than the copying costs at small payloads.
    fn copying_costs(&self, cheap: StrategyId, dear: StrategyId) -> (bool, String) {
        let kbs = &self.sizes.payloads_kb;
        let lo = kbs.iter().copied().min().unwrap_or(1);
        let hi = kbs.iter().copied().max().unwrap_or(1);
        let point = |s: StrategyId, kb: u64| {
            self.outcome.report.as_ref().and_then(|r| {
                r.points
                    .iter()
                    .find(|p| p.strategy == s.as_str() && p.payload_bytes == kb * 1024)
            })
        };
        let copy_ms = |s, kb| point(s, kb).and_then(|p| p.copy_ms).unwrap_or(f64::NAN);
        let copied = |s, kb| point(s, kb).and_then(|p| p.copied_bytes);
        let (ms_lo, ms_hi) = (copy_ms(dear, lo), copy_ms(dear, hi));
        let dear_bytes = copied(dear, hi).unwrap_or(0);
        let gap = |x: u64| {
            let x = x as f64;
            self.series_ms(Series::cpu(dear), x) - self.series_ms(Series::cpu(cheap), x)
        };
        let holds = dear_bytes >= hi * 1024
            && copied(cheap, hi).unwrap_or(0) == 0
            && ms_hi > 1.0
            && ms_hi > 10.0 * ms_lo;
        (
            holds,
            format!(
                "{dear} copied {:.1} MiB per task at {hi} KiB ({cheap}: nothing) and spent \
                 {ms_hi:.1} ms a task on it, against {ms_lo:.2} ms at {lo} KiB; in all it took \
                 {:+.0} ms over {cheap} at {hi} KiB ({:+.0} ms at {lo} KiB): the bigger the \
                 payload, the more serialising and copying between processes costs",
                dear_bytes as f64 / f64::from(1u32 << 20),
                gap(hi),
                gap(lo)
            ),
        )
    }

    fn longest_interval(&self) -> f64 {
        self.sizes
            .switch_intervals_ms
            .iter()
            .copied()
            .fold(0.0, f64::max)
    }

    fn waits_out_the_interval(&self) -> (bool, String) {
        let k = self.sizes.convoy_fetches;
        let lo = self
            .sizes
            .switch_intervals_ms
            .iter()
            .copied()
            .fold(f64::MAX, f64::min);
        let hi = self.longest_interval();
        let gil = |x: f64| self.ms(Line::Convoy(Convoy::UnderGil), x);
        let (gil_lo, gil_hi) = (gil(lo), gil(hi));
        let alone = self.ms(Line::Convoy(Convoy::Alone), hi);
        (
            gil_hi > 2.0 * gil_lo && gil_hi > 3.0 * alone,
            format!(
                "under the GIL the {k} fetches took {gil_lo:.0} ms with a {lo} ms interval and \
                 {gil_hi:.0} ms with {hi} ms ({:.0} ms a fetch, against {:.0} ms alone): after \
                 each fetch the I/O thread waits for the CPU thread's interval to run out",
                gil_hi / f64::from(k),
                alone / f64::from(k)
            ),
        )
    }

    /// Says `note` with this run's numbers; `None` when the run lacks what it needs.
    pub fn note(&self, note: &Note) -> Option<String> {
        let (lo, hi) = self.tasks_range();
        match *note {
            Note::PriceAtSmallestN(series) => self.outcome.of(Line::Series(series), lo).map(|r| {
                format!(
                    "the price: at N = {lo}, {} took {:.0} ms against the model's {:.0} ms — \
                     {:+.0} ms for starting a process and sending data both ways",
                    self.label(series),
                    r.measured_ms,
                    r.model_ms,
                    r.measured_ms - r.model_ms
                )
            }),
            Note::CoresCap { fast, slow } => {
                let at = |s: Series| self.outcome.of(Line::Series(s), hi);
                at(slow).zip(at(fast)).map(|(w, f)| {
                    format!(
                        "with {} cores the model allows at most {:.1}× over {} at N = {hi}: more \
                         tasks than cores share the cores",
                        self.cores,
                        w.model_ms / f.model_ms,
                        self.label(slow)
                    )
                })
            }
            Note::Says(text) => Some(text.to_string()),
        }
    }
}
