//! `gilwall workshop` through the binary, as a learner runs it: the list, a whole lesson with
//! its files and its "what it means", and bad input refused with the list of lessons.

use std::process::Command;

fn gilwall(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(args)
        .output()
        .expect("the gilwall binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_lesson_writes_its_chart_and_report_and_says_what_it_means() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    // Not a terminal: no prediction prompt, no progress bar — it must not wait for input.
    let (code, stdout, stderr) = gilwall(&["workshop", "2", "--io-ms", "50", "--out", out]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Lesson 2 of 9: Async I/O scales flat"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Predict:"),
        "asked for a prediction off a terminal"
    );
    assert!(stdout.contains("| async    |  16 |"), "{stdout}");
    assert!(stdout.contains("What it means:") && stdout.contains("✓ async stayed flat"));
    assert!(stdout.contains("Next: gilwall workshop 3"));
    let svg = std::fs::read_to_string(dir.path().join("2-async.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Async I/O scales flat"));
    let report = gilwall::export::read_report(&dir.path().join("2-async.json")).unwrap();
    assert_eq!(
        report.points.len(),
        10,
        "serial and async at five task counts"
    );
}

#[test]
fn every_measured_lesson_writes_its_results_under_out() {
    // Lessons 6 and 8 run no sweep over N; they write their results all the same.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = gilwall(&["workshop", "8", "--out", out]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let text = std::fs::read_to_string(dir.path().join("8-convoy.json")).unwrap();
    let rows: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(rows["lesson"], "8-convoy");
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(15), "{text}");
    assert!(stdout.contains("Results: "), "{stdout}");
    let (code, stdout, stderr) = gilwall(&["workshop", "6", "--io-ms", "20", "--out", out]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let report = gilwall::export::read_report(&dir.path().join("6-copying.json")).unwrap();
    assert_eq!(
        report.points.len(),
        8,
        "threads and processes at four payloads"
    );
}

#[test]
fn the_list_and_bad_lesson_numbers_name_the_lessons() {
    let (code, stdout, _) = gilwall(&["workshop"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("8. The GIL's switch interval: the convoy effect"),
        "{stdout}"
    );
    let (code, _, stderr) = gilwall(&["workshop", "99"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("there is no lesson 99; the lessons are 1-9"),
        "{stderr}"
    );
    let (code, _, stderr) = gilwall(&["workshop", "3", "--io-ms", "5"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--io-ms") && stderr.contains("from 10 to 2000 ms"),
        "{stderr}"
    );
}
