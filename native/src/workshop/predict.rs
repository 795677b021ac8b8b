//! Predictions: the question each lesson asks before its run, the prompt, and how the guess
//! compares with what was measured. Guessing first is the point — a wrong guess that the chart then corrects is what
//! people remember. The prompt only appears on a terminal, and `--no-predict` turns it off.

use super::convoy;
use super::measure::Sizes;
use std::io::{BufRead, Write};

/// A prediction the learner is asked for before the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The question.
    pub ask: String,
    /// The series and x it refers to.
    pub series: String,
    /// The x it refers to.
    pub x: f64,
    /// The reasoning behind the right answer, shown when the guess was off.
    pub why: String,
}

/// The prediction lesson `n` asks for, at these sizes.
pub fn question(n: u32, s: &Sizes, cores: u32) -> Option<Question> {
    let n_max = s.max_tasks();
    let (io, cpu) = (s.io_ms, s.cpu_ms());
    let q = |ask: String, series: &str, x: f64, why: String| {
        Some(Question {
            ask,
            series: series.to_string(),
            x,
            why,
        })
    };
    // The model's ideal past the wall: the CPU work shared by the cores.
    let spread = io + cpu * (f64::from(n_max) / f64::from(cores.max(1))).max(1.0);
    match n {
        1 => q(
            format!("Each fetch takes {io} ms. How long will serial take for N = {n_max}?"),
            "serial",
            n_max.into(),
            format!("serial waits for each fetch before starting the next: {n_max} × {io} ms"),
        ),
        2 => q(
            format!("Each fetch takes {io} ms. How long will async take for N = {n_max}?"),
            "async",
            n_max.into(),
            format!(
                "waiting costs no CPU, so one thread waits for all {n_max} fetches at once: \
                 about one delay, {io} ms"
            ),
        ),
        3 => q(
            format!(
                "Each task fetches ({io} ms) and then computes ({cpu} ms). How long will async + \
                 CPU take for N = {n_max}?"
            ),
            "async + CPU",
            n_max.into(),
            format!(
                "async overlaps the waiting, not the computing: the fetches take {io} ms \
                 together, then {n_max} × {cpu} ms of CPU work queue on the one thread"
            ),
        ),
        4 => q(
            format!(
                "Fetch {io} ms + CPU {cpu} ms per task. How long will processes take for \
                 N = {n_max} on this machine's cores?"
            ),
            "processes",
            n_max.into(),
            format!(
                "the CPU work spreads over the {cores} cores: {io} ms + {n_max} × {cpu} ms ÷ \
                 {cores} = {spread} ms, plus \
                 starting the processes and copying data to and fro"
            ),
        ),
        5 => q(
            format!(
                "Fetch {io} ms + CPU {cpu} ms per task. How long will threads take for \
                 N = {n_max}?"
            ),
            "threads",
            n_max.into(),
            format!(
                "the CPU work spreads over the {cores} cores: {io} ms + {n_max} × {cpu} ms ÷ \
                 {cores} = {spread} ms — \
                 with nothing to start or copy"
            ),
        ),
        6 => {
            let kb = s.payloads_kb.iter().copied().max().unwrap_or(1);
            q(
                format!(
                    "At 1 KiB, threads and processes both take about one fetch ({io} ms). With {} \
                     tasks each fetching a payload of {kb} KiB, how long will processes take?",
                    s.copy_tasks
                ),
                "processes",
                kb as f64,
                "both strategies parse and pass over every payload on the cores (the threads' \
                 time); processes also serialise each payload back to the parent, which decodes \
                 it again — extra work that grows with the payload"
                    .to_string(),
            )
        }
        8 => {
            let si = s.switch_intervals_ms.iter().copied().fold(0.0, f64::max);
            q(
                format!(
                    "{} fetches of {} ms, one after another, beside a CPU-bound thread, with a \
                     {si} ms switch interval. How long will they take under the GIL?",
                    s.convoy_fetches, s.convoy_io_ms
                ),
                convoy::UNDER_GIL,
                si,
                format!(
                    "after each fetch the I/O thread needs the lock, and the CPU thread hands it \
                     over only when its interval runs out: about {} × {si} ms",
                    s.convoy_fetches
                ),
            )
        }
        _ => None,
    }
}

/// Reads a duration such as `900`, `900 ms`, `0.9s` or `1.2 s`, in ms. A bare number is ms.
pub fn parse_guess(input: &str) -> Result<f64, String> {
    let s = input.trim().to_ascii_lowercase();
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (s.as_str(), 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v * scale),
        _ => Err(format!(
            "{:?} is not a duration; type e.g. 900, 900 ms or 0.9 s",
            input.trim()
        )),
    }
}

/// Asks `question` on `output` and reads a guess from `input`, asking again (up to three
/// times) when the answer is not a duration. An empty line or end of input skips: `None`.
pub fn ask(question: &str, input: &mut impl BufRead, output: &mut impl Write) -> Option<f64> {
    let _ = writeln!(output, "Predict: {question}");
    for _ in 0..3 {
        let _ = write!(output, "Your guess (e.g. 900 ms or 0.9 s; Enter to skip): ");
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
        crate::export::markdown::format_ms(guess_ms),
        crate::export::markdown::format_ms(measured_ms),
        crate::export::markdown::format_ms(model_ms),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_read_as_milliseconds_or_seconds_and_nonsense_is_named() {
        assert_eq!(parse_guess("900"), Ok(900.0));
        assert_eq!(parse_guess(" 900 ms\n"), Ok(900.0));
        assert_eq!(parse_guess("0.9s"), Ok(900.0));
        assert_eq!(parse_guess("1.5 S"), Ok(1500.0));
        assert!(
            parse_guess("soon")
                .unwrap_err()
                .contains("\"soon\" is not a duration")
        );
        assert!(parse_guess("-3").is_err());
        assert!(parse_guess("0").is_err());
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
            low.contains("9.0× too low") && low.contains("You predicted 100 ms"),
            "{low}"
        );
        assert!(judge(4000.0, 900.0, 900.0).contains("4.4× too high"));
        assert!(judge(500.0, 990.0, 500.0).contains("you matched the model"));
        assert!(!judge(900.0, 950.0, 900.0).contains("you matched the model"));
    }
}
