//! The lesson and preset tables hold together: identities are unique, every lesson runs only
//! what its runtime has, every claim and question is about a line the lesson draws, and every
//! preset is a config the page accepts.

use super::*;
use crate::strategy::StrategyId::{Async, Gil, Serial};
use std::collections::HashSet;

const NUMBERS: Numbers = Numbers {
    io_ms: 100.0,
    cpu_ms: 50.0,
    max_tasks: 16,
    cores: 2,
    copy_tasks: 8,
    max_payload_kb: 8192,
    convoy_fetches: 20,
    convoy_io_ms: 2.0,
    max_interval_ms: 50.0,
    request_cpu_ms: 20.0,
    asked_fraction: 0.8,
};

#[test]
fn every_lesson_has_a_unique_id_and_number_in_order() {
    let ids: HashSet<_> = LESSONS.iter().map(|l| l.id).collect();
    assert_eq!(ids.len(), LESSONS.len(), "two lessons share an id");
    for (i, l) in LESSONS.iter().enumerate() {
        assert_eq!(l.number, i as u32 + 1, "{} is out of order", l.id);
        assert!(l.id.starts_with(&format!("{}-", l.number)), "{}", l.id);
        assert!(
            l.id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{} is not a file name stem",
            l.id
        );
        for text in [
            l.title, l.article, l.explain, l.look_for, l.model, l.runs_for,
        ] {
            assert!(!text.is_empty(), "{} has an empty text", l.id);
        }
        assert_eq!(by_number(l.number), Some(l));
        assert_eq!(by_id(l.id), Some(l));
    }
    assert_eq!(LESSONS.len(), 9);
    assert!(by_number(0).is_none() && by_number(10).is_none() && by_id("nope").is_none());
    assert_eq!(next(&THE_WALL), Some(&PROCESSES));
    assert_eq!(next(&CONVOY), Some(&THE_CLIFF));
    assert_eq!(next(&THE_CLIFF), None);
}

#[test]
fn every_series_runs_on_its_lessons_runtime() {
    for l in LESSONS {
        for line in l.lines() {
            let s = line.strategy();
            assert!(
                s.info().runtimes.contains(&l.runtime()),
                "{}: {s} does not run on {:?}",
                l.id,
                l.runtime()
            );
        }
        assert_eq!(l.lines().is_empty(), l.run == Run::Page, "{}", l.id);
        // The convoy's model is the time a fetch takes alone, so that mode is measured first.
        if let Run::Convoy(modes) = l.run {
            assert_eq!(modes.first(), Some(&Convoy::Alone), "{}", l.id);
        }
    }
    assert_eq!(BROWSER.runtime(), Runtime::Browser);
    assert_eq!(THE_WALL.runtime(), Runtime::Native);
}

#[test]
fn every_claim_and_question_is_about_a_line_the_lesson_draws() {
    for l in LESSONS {
        let lines = l.lines();
        let drawn = |s: &Series| lines.contains(&Line::Series(*s));
        let strategy_drawn = |s: &StrategyId| drawn(&Series::cpu(*s));
        for claim in l.findings {
            let ok = match claim {
                Claim::GrowsByOneFetch(s) | Claim::StaysFlat(s) | Claim::HitsTheWall(s) => drawn(s),
                // The load claims are about a lesson that runs a load, and its lines.
                Claim::TailClimbs(s) | Claim::FallsBehind(s) => l.is_load() && drawn(s),
                Claim::Holds { steady, climbing } => {
                    l.is_load() && drawn(steady) && drawn(climbing)
                }
                Claim::MedianOnModel => l.is_load(),
                Claim::Faster { fast, slow, .. } => drawn(fast) && drawn(slow),
                Claim::CopyingCosts { cheap, dear } => {
                    strategy_drawn(cheap) && strategy_drawn(dear)
                }
                Claim::PythonPastTheWall { free, gil } => {
                    lines.contains(&Line::Python(*free)) && lines.contains(&Line::Python(*gil))
                }
                Claim::WaitsOutTheInterval | Claim::FreeThreadsCostLittle => {
                    [Convoy::Alone, Convoy::UnderGil, Convoy::Free]
                        .iter()
                        .all(|c| lines.contains(&Line::Convoy(*c)))
                }
            };
            assert!(ok, "{}: {claim:?} is about a line it does not draw", l.id);
        }
        for note in l.notes {
            let ok = match note {
                Note::PriceAtSmallestN(s) => drawn(s),
                Note::CoresCap { fast, slow } => drawn(fast) && drawn(slow),
                Note::Says(text) => !text.is_empty(),
            };
            assert!(ok, "{}: {note:?} is about a line it does not draw", l.id);
        }
        // A measured lesson asks first and checks what it claims; the page's lesson does neither.
        let measured = l.runtime() == Runtime::Native;
        assert_eq!(l.question.is_some(), measured, "{}", l.id);
        assert_eq!(!l.findings.is_empty(), measured, "{}", l.id);
        if let Some(q) = l.question {
            assert!(
                lines.contains(&q.about),
                "{}: asks about {:?}",
                l.id,
                q.about
            );
        }
    }
}

#[test]
fn every_question_fills_every_placeholder() {
    for l in LESSONS {
        let Some(q) = l.question else { continue };
        for text in [q.ask(&NUMBERS), q.why(&NUMBERS)] {
            assert!(
                !text.contains('{') && !text.contains('}'),
                "{}: a placeholder is left: {text}",
                l.id
            );
        }
    }
    let q = PROCESSES.question.expect("lesson 4 asks");
    assert_eq!(
        q.why(&NUMBERS),
        "the CPU work spreads over the 2 cores: 100 ms + 16 × 50 ms ÷ 2 = 500 ms, plus starting \
         the processes and copying data to and fro"
    );
    assert_eq!(
        SERIAL_IO.question.expect("lesson 1 asks").ask(&NUMBERS),
        "Each fetch takes 100 ms. How long will serial take for N = 16?"
    );
    assert_eq!(
        THE_CLIFF.question.expect("lesson 9 asks").ask(&NUMBERS),
        "Each request fetches (100 ms), then computes (20 ms), so async's one thread serves at \
         most 50 requests a second. Offered 40 a second — 80% of that — at random moments, what \
         will async's p99 latency be?"
    );
}

#[test]
fn load_rates_are_whole_fractions_of_one_threads_capacity() {
    assert_eq!(load_rate(0.8, 20.0), 40.0);
    assert_eq!(load_rate(1.2, 20.0), 60.0);
    assert_eq!(load_rate(0.2, 30.0), 7.0, "6.67 rounds to 7");
    assert_eq!(load_rate(0.001, 20.0), 1.0, "never below one a second");
    assert_eq!(NUMBERS.one_thread_rps(), 50.0);
    // The load lesson's lines are its strategies with their CPU work, named plainly.
    assert_eq!(
        THE_CLIFF.lines(),
        [
            Line::Series(Series::cpu(Async)),
            Line::Series(Series::cpu(crate::strategy::StrategyId::Multicore))
        ]
    );
    assert_eq!(THE_CLIFF.label(THE_CLIFF.lines()[0]), "async");
    assert!(THE_CLIFF.is_load() && !THE_WALL.is_load());
    assert_eq!(THE_CLIFF.runtime(), Runtime::Native);
}

#[test]
fn labels_mark_the_cpu_only_where_a_lesson_runs_both_kinds() {
    let labels = |l: &Lesson| {
        l.lines()
            .into_iter()
            .map(|x| l.label(x))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        labels(&THE_WALL),
        ["async (I/O only)", "async + CPU", "gil + CPU"]
    );
    assert_eq!(labels(&ASYNC_IO), ["serial", "async"]);
    assert_eq!(labels(&PROCESSES), ["serial", "async", "processes"]);
    assert_eq!(labels(&COPYING), ["threads", "processes"]);
    assert_eq!(labels(&CONVOY)[1], "beside a CPU thread, under the GIL");
    assert_eq!(
        THE_WALL.label(Line::Series(Series::cpu(Gil))),
        format!("{} + CPU", Gil)
    );
}

#[test]
fn every_preset_is_a_config_the_page_accepts() {
    let ids: HashSet<_> = PRESETS.iter().map(|p| p.id).collect();
    let labels: HashSet<_> = PRESETS.iter().map(|p| p.label).collect();
    assert_eq!(ids.len(), PRESETS.len(), "two presets share an id");
    assert_eq!(labels.len(), PRESETS.len(), "two presets share a label");
    for p in PRESETS {
        let spec = p.spec();
        spec.check(Runtime::Browser)
            .unwrap_or_else(|e| panic!("preset {}: {e}", p.id));
        assert!(!p.strategies.is_empty() && !p.note.is_empty(), "{}", p.id);
        // What the page is handed reads back as the same sweep.
        let text = serde_json::to_string(&spec).expect("a spec serialises");
        assert_eq!(SweepSpec::from_json(&text).as_ref(), Ok(&spec), "{}", p.id);
        assert_eq!(preset_by_id(p.id), Some(p));
    }
    assert!(PRESETS.iter().any(|p| p.id == DEFAULT_PRESET.id));
    assert_eq!(DEFAULT_PRESET.label, "3 · async + CPU: the wall");
    assert_eq!(preset_by_id("nope"), None);
}

#[test]
fn lessons_open_presets_of_the_same_step() {
    for l in LESSONS {
        if let Some(p) = l.preset {
            assert_eq!(
                preset_by_id(p.id),
                Some(p),
                "{}: its preset is not listed",
                l.id
            );
            assert!(p.lessons().contains(&l.number));
        }
    }
    assert_eq!(preset::THE_WALL.lessons(), [3]);
    assert_eq!(preset::WORKERS.lessons(), [4, 7]);
    assert_eq!(preset::PICKLING.lessons(), Vec::<u32>::new());
    assert_eq!(CONVOY.preset, None);
    assert_eq!(
        preset::THE_WALL.spec().strategies,
        [Async],
        "the wall is async alone"
    );
    assert_eq!(preset::SERIAL.spec().strategies, [Serial]);
    assert_eq!(
        serde_json::to_value(preset::PICKLING.chart).expect("a view serialises"),
        "copy"
    );
}

#[test]
fn every_load_preset_is_a_config_the_page_s_load_mode_accepts() {
    use crate::load_spec::{LoadSpec, PAGE_LOAD_STRATEGIES};
    let ids: HashSet<_> = LOAD_PRESETS.iter().map(|p| p.id).collect();
    let labels: HashSet<_> = LOAD_PRESETS.iter().map(|p| p.label).collect();
    assert_eq!(
        ids.len(),
        LOAD_PRESETS.len(),
        "two load presets share an id"
    );
    assert_eq!(
        labels.len(),
        LOAD_PRESETS.len(),
        "two load presets share a label"
    );
    // A load preset's id is also a link (`/?load=ID`), and no sweep preset's: one id, one page.
    for p in LOAD_PRESETS {
        assert!(
            preset_by_id(p.id).is_none(),
            "{} is a sweep preset's id too",
            p.id
        );
        assert_eq!(load_preset_by_id(p.id), Some(p));
        assert!(!p.note.is_empty() && !p.strategies.is_empty(), "{}", p.id);
        let spec = p.spec();
        // Every strategy runs in the page's load mode, the main thread's first: the ruler.
        assert_eq!(spec.strategies()[0], Async, "{}", p.id);
        assert!(
            spec.strategies()
                .iter()
                .all(|s| PAGE_LOAD_STRATEGIES.contains(s))
        );
        // What the page is handed reads back as the same load.
        let text = serde_json::to_string(&spec).expect("a load spec serialises");
        assert_eq!(LoadSpec::from_json(&text).as_ref(), Ok(&spec), "{}", p.id);
    }
    assert!(LOAD_PRESETS.contains(DEFAULT_LOAD_PRESET));
    assert_eq!(
        DEFAULT_LOAD_PRESET.spec(),
        crate::load_spec::LoadSpec {
            strategies: vec![Async, crate::strategy::StrategyId::AsyncWorkers],
            fractions: crate::load_spec::AUTO_FRACTIONS.to_vec(),
            ..crate::load_spec::LoadSpec::default()
        },
        "the default is step 3 as a service, LoadSpec's defaults"
    );
    assert_eq!(load_preset_by_id("nope"), None);
    assert_eq!(
        load_preset_by_id("the-wall"),
        None,
        "a sweep preset is not a load preset"
    );
}

proptest::proptest! {
    /// On any machine the page may run on, every load preset checks, and one whose rates are
    /// fractions of one thread's capacity offers every strategy the same rates: those.
    #[test]
    fn load_presets_check_on_any_number_of_cores(cores in 1u32..=64) {
        for p in LOAD_PRESETS {
            let spec = p.spec();
            proptest::prop_assert_eq!(spec.check(cores), Ok(()), "{} on {} cores", p.id, cores);
            if let LoadRates::OneThread(fractions) = p.rates {
                let want: Vec<f64> = fractions.iter().map(|&f| load_rate(f, p.cpu_ms)).collect();
                for s in spec.strategies() {
                    proptest::prop_assert_eq!(&spec.rates_for(s, cores).unwrap(), &want);
                }
            }
        }
    }
}

#[test]
fn lesson_9_opens_its_browser_twin_a_short_cliff() {
    use crate::strategy::StrategyId::AsyncWorkers;
    let p = THE_CLIFF.load_preset.expect("lesson 9 opens a load preset");
    assert_eq!(
        load_preset_by_id(p.id),
        Some(p),
        "its load preset is listed"
    );
    assert_eq!(p.lessons(), [9]);
    assert_eq!(
        THE_CLIFF.preset, None,
        "a load lesson opens no sweep preset"
    );
    // Only a load lesson opens a load preset, and every one it opens is listed.
    for l in LESSONS {
        if let Some(lp) = l.load_preset {
            assert!(l.is_load(), "{} opens a load preset but runs no load", l.id);
            assert_eq!(load_preset_by_id(lp.id), Some(lp), "{}", l.id);
            assert!(lp.lessons().contains(&l.number));
        }
    }
    assert_eq!(load_preset::SERVICE.lessons(), Vec::<u32>::new());
    // The main thread beside a pool, offered the same rates: the lesson's fractions of the
    // main thread's capacity, 1000 / 40 = 25 req/s.
    let spec = p.spec();
    assert_eq!(spec.strategies(), [Async, AsyncWorkers]);
    assert_eq!(spec.rates, [5.0, 13.0, 20.0, 30.0]);
    let cores = 2;
    let main = spec.capacity(Async, cores).expect("async has a capacity");
    let pool = spec
        .capacity(AsyncWorkers, cores)
        .expect("the pool has a capacity");
    assert_eq!((main, pool), (25.0, 50.0));
    // The knee is on the chart: rates below the main thread's capacity and one past it, all
    // below the pool's, which holds.
    let highest = spec.rates.iter().copied().fold(0.0, f64::max);
    assert!(spec.rates.iter().filter(|&&r| r < main).count() >= 2);
    assert!(highest > main && highest < 0.7 * pool, "{highest}");
    // The page shares 6 connections to one host: the highest rate needs fewer in flight.
    assert!(highest * (spec.io_ms + spec.cpu_ms) / 1000.0 < 6.0);
    // Short enough for a talk: its steps, with the page's 0.3 s pauses, within 30 s.
    let steps = (spec.rates.len() * spec.strategies().len()) as f64;
    let seconds = p.seconds(cores) + steps * 0.3;
    assert!(seconds <= 30.0, "{seconds} s");
    assert_eq!(p.seconds(cores), 24.0);
}
