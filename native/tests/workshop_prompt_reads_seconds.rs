//! The prediction prompt as a learner meets it: on a terminal (a pseudo-terminal here, so the
//! binary sees a tty on stdin and stdout), lesson 3 asks its question, the prompt names its unit
//! and shows no example near the answer, and `0.9` typed as a Python developer would is judged
//! as 0.9 s.

use expectrl::{Eof, Expect, Session};
use std::process::Command;
use std::time::Duration;

#[test]
fn lesson_3_asks_in_seconds_without_giving_its_answer_away() {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gilwall"));
    // A short fetch keeps the run to a few seconds; the question and prompt are the same.
    cmd.args(["workshop", "3", "--io-ms", "20", "--out"])
        .arg(out.path());
    let mut p = Session::spawn(cmd).expect("a pseudo-terminal can be opened");
    p.set_expect_timeout(Some(Duration::from_secs(60)));

    let asked = p.expect("Enter to skip): ").expect("the prompt appears");
    let screen = String::from_utf8_lossy(asked.before()).into_owned();
    let question = screen
        .split("Predict: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no question before the prompt:\n{screen}"));
    // The question wraps to the terminal's width; compare its words.
    let words = question.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("How long will async + CPU take for N = 16?"),
        "{question}"
    );
    // The prompt line itself: everything after the question.
    let prompt = question.rsplit('?').next().unwrap_or_default();
    assert!(prompt.contains("in seconds"), "{prompt:?}");
    // Lesson 3's answer at these sizes: io + N × cpu = 20 + 16 × 10 = 180 ms. No number the
    // prompt shows may be within 50 % of it (0.09-0.27 s, or 90-270 as ms).
    for number in numbers(prompt) {
        for as_ms in [number * 1000.0, number] {
            assert!(
                !(90.0..=270.0).contains(&as_ms),
                "the prompt's {number} is near the answer: {prompt:?}"
            );
        }
    }

    p.send_line("0.9").unwrap();
    let judged = p
        .expect("What it means:")
        .expect("the lesson runs and judges the guess");
    let text = String::from_utf8_lossy(judged.before()).into_owned();
    assert!(
        text.contains("You predicted 0.90 s;"),
        "0.9 was not read as 0.9 s:\n{text}"
    );
    // The run takes about 0.18 s, so 0.9 s is too high, never "too low" as 0.9 ms would be.
    assert!(text.contains("high"), "{text}");
    p.expect(Eof).expect("the lesson ends");
}

/// The numbers written in `text`.
fn numbers(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.trim_matches('.').parse().ok())
        .collect()
}
