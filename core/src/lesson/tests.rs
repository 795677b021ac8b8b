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
