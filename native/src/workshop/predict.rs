//! Predictions: the question each lesson asks before its run (core's lesson table holds it),
//! the prompt, and how the guess compares with what was measured. Guessing first is the point
//! — a wrong guess that the chart then corrects is what people remember. The prompt only
//! appears on a terminal, and `--no-predict` turns it off.

use super::measure::Sizes;
use gilwall_core::lesson::{self, Line};
use std::io::{BufRead, Write};

/// A prediction the learner is asked for before the run: core's question for the lesson, with
/// this run's numbers filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The question.
    pub ask: String,
    /// The name of the series it refers to, as the table shows it.
    pub series: String,
    /// The line it refers to, by identity.
    pub line: Line,
    /// The x it refers to: the largest the lesson sweeps (the load lesson: the rate it names).
    pub x: f64,
    /// The reasoning behind the right answer, shown when the guess was off.
    pub why: String,
}

/// The prediction lesson `n` asks for, at these sizes on `cores` cores; `None` for a lesson
/// that asks none (or no lesson).
pub fn question(n: u32, s: &Sizes, cores: u32) -> Option<Question> {
    let lesson = lesson::by_number(n)?;
    let q = lesson.question?;
    let numbers = s.numbers(cores);
    Some(Question {
        ask: q.ask(&numbers),
        series: lesson.label(q.about),
        line: q.about,
        x: s.asked_x(&lesson.run)?,
        why: q.why(&numbers),
    })
}

/// What the prompt says after the question. It names the unit and shows no number: an example
/// duration would anchor the guess (the old "e.g. 900 ms or 0.9 s" was lesson 3's answer).
pub const PROMPT: &str = "Your guess, in seconds (or add ms; Enter to skip): ";

/// The longest guess taken, in ms: a day. Beyond it a guess is a typo, not a prediction.
const LONGEST_GUESS_MS: f64 = 86_400_000.0;

/// Reads a duration in ms from what the learner typed. A bare number is seconds, as a Python
/// developer's `time.perf_counter()` differences are (`0.9` is 0.9 s); `ms` or `s` after it
/// says the unit (`900 ms`, `0.9s`).
pub fn parse_guess(input: &str) -> Result<f64, String> {
    let s = input.trim().to_ascii_lowercase();
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("sec") {
        (n, 1000.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (s.as_str(), 1000.0)
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v * scale <= LONGEST_GUESS_MS => Ok(v * scale),
        Ok(v) if v.is_finite() && v > 0.0 => Err(format!(
            "{:?} is more than a day; type a number of seconds, or add ms for milliseconds",
            input.trim()
        )),
        _ => Err(format!(
            "{:?} is not a duration; type a number of seconds, or add ms for milliseconds",
            input.trim()
        )),
    }
}

/// Asks `question` on `output` and reads a guess from `input`, asking again (up to three
/// times) when the answer is not a duration. An empty line or end of input skips: `None`.
pub fn ask(question: &str, input: &mut impl BufRead, output: &mut impl Write) -> Option<f64> {
    let _ = writeln!(output, "Predict: {question}");
    for _ in 0..3 {
        let _ = write!(output, "{PROMPT}");
        let _ = output.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) if line.trim().is_empty() => return None,
            Ok(_) => match parse_guess(&line) {
                Ok(ms) => return Some(ms),
                Err(e) => {
                    let _ = writeln!(output, "  {e}");
                }
            },
        }
    }
    None
}

/// Says how a guess compares with the measurement (and the model).
pub fn judge(guess_ms: f64, measured_ms: f64, model_ms: f64) -> String {
    let ratio = guess_ms / measured_ms;
    let verdict = if (0.8..=1.25).contains(&ratio) {
        "spot on".to_string()
    } else if (0.5..=2.0).contains(&ratio) {
        format!(
            "close: {} by {:.0}%",
            if ratio < 1.0 { "low" } else { "high" },
            (ratio - 1.0).abs() * 100.0
        )
    } else if ratio < 1.0 {
        format!("{:.1}× too low", 1.0 / ratio)
    } else {
        format!("{ratio:.1}× too high")
    };
    let matched_model = (0.85..=1.18).contains(&(guess_ms / model_ms));
    let verdict = if matched_model && !(0.8..=1.25).contains(&ratio) {
        format!(
            "{verdict} — but you matched the model; the gap is this machine's overhead or other \
             work on its cores"
        )
    } else {
        verdict
    };
    format!(
        "You predicted {}; it took {} (the model says {}): {verdict}.",
        seconds(guess_ms),
        seconds(measured_ms),
        seconds(model_ms),
    )
}

/// `ms` in seconds, the unit the prompt asks in, with enough digits for a 10 ms fetch.
fn seconds(ms: f64) -> String {
    let s = ms / 1000.0;
    if s < 0.1 {
        format!("{s:.3} s")
    } else {
        format!("{s:.2} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::StrategyId;
    use gilwall_core::lesson::{Convoy, Series};

    #[test]
    fn questions_come_from_the_lesson_table_with_this_runs_numbers() {
        let s = Sizes::new(100.0);
        let q = question(3, &s, 2).expect("lesson 3 asks");
        assert_eq!(
            q.ask,
            "Each task fetches (100 ms) and then computes (50 ms). How long will async + CPU \
             take for N = 16?"
        );
        assert_eq!(
            (q.series.as_str(), q.line, q.x),
            (
                "async + CPU",
                Line::Series(Series::cpu(StrategyId::Async)),
                16.0
            )
        );
        let q = question(6, &s, 2).expect("lesson 6 asks");
        assert_eq!((q.series.as_str(), q.x), ("processes", 8192.0));
        let q = question(8, &s, 2).expect("lesson 8 asks");
        assert_eq!((q.line, q.x), (Line::Convoy(Convoy::UnderGil), 50.0));
        assert!(q.why.ends_with("about 20 × 50 ms"), "{}", q.why);
        assert_eq!(question(7, &s, 2), None, "the page's lesson asks nothing");
        let q = question(9, &s, 2).expect("lesson 9 asks");
        assert_eq!(
            (q.series.as_str(), q.line, q.x),
            ("async", Line::Series(Series::cpu(StrategyId::Async)), 40.0),
            "at 0.8 of what one thread serves with 20 ms of CPU each"
        );
        assert!(q.ask.contains("p99") && q.ask.contains("80%"), "{}", q.ask);
        assert_eq!(question(10, &s, 2), None);
    }

    #[test]
    fn a_bare_number_is_seconds_and_a_unit_says_otherwise() {
        assert_eq!(parse_guess("0.9"), Ok(900.0));
        assert_eq!(parse_guess("2"), Ok(2000.0));
        assert_eq!(parse_guess(" 900 ms\n"), Ok(900.0));
        assert_eq!(parse_guess("0.9s"), Ok(900.0));
        assert_eq!(parse_guess("1.5 S"), Ok(1500.0));
        assert_eq!(parse_guess("3 sec"), Ok(3000.0));
        assert!(
            parse_guess("soon")
                .unwrap_err()
                .contains("\"soon\" is not a duration; type a number of seconds")
        );
        assert!(parse_guess("-3").is_err());
        assert!(parse_guess("0").is_err());
        assert!(parse_guess("1e9").unwrap_err().contains("more than a day"));
    }

    #[test]
    fn the_prompt_names_its_unit_and_suggests_no_answer() {
        assert!(PROMPT.contains("in seconds") && PROMPT.contains("ms"));
        assert!(
            !PROMPT.chars().any(|c| c.is_ascii_digit()),
            "an example number anchors the guess: {PROMPT}"
        );
    }

    #[test]
    fn the_prompt_asks_again_on_nonsense_and_skips_on_an_empty_line() {
        let mut out = Vec::new();
        let guess = ask("how long?", &mut &b"soon\n800ms\n"[..], &mut out);
        assert_eq!(guess, Some(800.0));
        let shown = String::from_utf8(out).unwrap();
        assert!(shown.contains("Predict: how long?") && shown.contains("not a duration"));
        assert_eq!(ask("q", &mut &b"\n"[..], &mut Vec::new()), None);
        assert_eq!(ask("q", &mut &b""[..], &mut Vec::new()), None);
    }

    #[test]
    fn judgements_say_how_far_off_and_which_way() {
        assert!(judge(900.0, 950.0, 900.0).contains("spot on"));
        assert!(judge(600.0, 900.0, 900.0).contains("close: low by 33%"));
        let low = judge(100.0, 900.0, 900.0);
        assert!(
            low.contains("9.0× too low") && low.contains("You predicted 0.10 s; it took 0.90 s"),
            "{low}"
        );
        assert!(judge(4000.0, 900.0, 900.0).contains("4.4× too high"));
        assert!(judge(500.0, 990.0, 500.0).contains("you matched the model"));
        assert!(!judge(900.0, 950.0, 900.0).contains("you matched the model"));
    }
}
