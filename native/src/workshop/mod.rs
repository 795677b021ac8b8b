//! `gilwall workshop`: the article as a series of lessons to run, predict and discuss, plus
//! exercises to solve and check.
//!
//! A lesson explains which part of the article it follows and what to look for, asks for a
//! prediction (on a terminal), runs a small sweep with a progress bar, writes the chart, prints
//! the table with the model beside every measurement, and says what the result means — the
//! lesson's claims checked against this run, and the learner's guess against the measurement.
//! Facilitators: see WORKSHOP.md.
//!
//! Each lesson is one value in core's table ([`gilwall_core::lesson`]): its text, what it runs,
//! its question, the claims its findings check and the page's preset it opens. Here:
//!
//! - `measure` — runs what a lesson's table entry says, into rows, a table and a chart;
//! - `findings` — checks the lesson's claims against the run and says its notes;
//! - `convoy` — lesson 8's experiment (an I/O thread behind a CPU thread under the GIL);
//! - `cliff` — lesson 9's load (the app as services under the same open-loop requests);
//! - `plot` — charts and tables whose x axis is not N;
//! - `predict` — each lesson's question, the prompt and its judgement;
//! - `check` — `gilwall workshop check`, the exercises' checker (the Python track's in
//!   `pycheck`);
//! - `init` — `gilwall workshop init`, which writes the exercises (`embedded` in the binary)
//!   into a learner's folder;
//! - `options` — the typed options a lesson and a check take, and what can be wrong with them.
//!
//! The CLI maps `gilwall workshop`'s flags onto [`LessonOptions`] and [`CheckOptions`] and says
//! a [`WorkshopError`] in its flags' names.

pub mod check;
pub mod cliff;
pub mod convoy;
pub mod embedded;
pub mod findings;
pub mod init;
pub mod measure;
mod options;
pub mod plot;
pub mod predict;
pub mod pycheck;

pub use options::{CheckOptions, IO_MS, LessonOptions, WorkshopError, check_io_ms, check_lesson};

use crate::export::{self, Exporter, json::Json};
use crate::server::ServerConfig;
use crate::sweep::Bench;
use anyhow::{Result, bail};
use gilwall_core::lesson::{self, LESSONS, Lesson, Run};
use indicatif::{ProgressBar, ProgressStyle};
use measure::Sizes;
use std::io::IsTerminal;
use std::time::Duration;

/// Runs a lesson: lesson 7 prints the page's instructions (and serves it on request), every
/// other lesson measures, charts and explains.
pub fn run_lesson(options: &LessonOptions) -> Result<()> {
    let lesson = options.validate()?;
    match lesson.run {
        Run::Page => browser_lesson(options.serve),
        _ => measured_lesson(lesson, options),
    }
}

/// The list of lessons and exercises, as `gilwall workshop` prints it.
pub fn list() -> String {
    let mut out = String::from(
        "gilwall workshop: the article \"Async I/O Is Not Enough\", one step at a time.\n\n",
    );
    for l in LESSONS {
        out.push_str(&format!(
            "  {}. {}\n     {}; {}\n",
            l.number, l.title, l.article, l.runs_for
        ));
    }
    out.push_str(
        "\nRun one:          gilwall workshop 1    (then 2, 3, …; each asks you to predict first)\n\
         Exercises:        gilwall workshop init ex && cd ex   (writes them into a new folder)\n\
         \x20                 edit NN-name/src/lib.rs, then gilwall workshop check N\n\
         \x20                 (Python: python/NN-name/exercise.py, gilwall workshop check --python N)\n\
         Python's own wall: gilwall python --compare   (the article's Python beside gilwall)\n\
         Facilitators:     WORKSHOP.md\n\n\
         In the checkout, `gilwall` is `cargo run --release --`, e.g. cargo run --release -- workshop 1\n",
    );
    out
}

fn measured_lesson(lesson: &Lesson, options: &LessonOptions) -> Result<()> {
    let sizes = Sizes::new(options.io_ms);
    println!("{}", intro(lesson));
    let interactive =
        options.predict && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let question = predict::question(lesson.number, &sizes, crate::machine::cores());
    let guess = match (&question, interactive) {
        (Some(q), true) => {
            // Continuation lines line up under the question, after "Predict: ".
            let ask = wrap(&q.ask, WIDTH - 9).replace('\n', "\n         ");
            let g = predict::ask(&ask, &mut std::io::stdin().lock(), &mut std::io::stdout());
            println!();
            g
        }
        _ => None,
    };
    eprintln!("Running… (starting a local feature server; nothing leaves this machine)");
    let bench = Bench::start(None, ServerConfig::default())?;
    // Lesson 5 runs the article's own CPython too, where a free-threaded build is already here.
    let pythons = if lesson.python.is_empty() {
        None
    } else {
        match measure::Pythons::find(&crate::machine::cache_dir(), &options.out) {
            Ok(found) => found,
            Err(e) => {
                eprintln!("gilwall workshop: the article's own CPython lines are left out: {e:#}");
                None
            }
        }
    };
    let outcome = measure::run(
        lesson.number,
        &bench,
        &sizes,
        pythons.as_ref(),
        &progress_bar(),
    )?;

    println!("{}", outcome.table);
    let chart = options.out.join(format!("{}.svg", lesson.id));
    export::write(&chart, &outcome.chart)?;
    println!("Chart: {} (open it in a browser)", chart.display());
    let json = options.out.join(format!("{}.json", lesson.id));
    match &outcome.report {
        Some(report) => {
            export::write(&json, &Json.export(std::slice::from_ref(report))?)?;
            println!(
                "Report: {} (gilwall plot can draw it beside others)",
                json.display()
            );
        }
        None => {
            let x = match lesson.run {
                Run::Convoy(_) => "switch interval (ms)",
                Run::Payloads(_) => "payload (KiB)",
                _ => "tasks",
            };
            let rows = outcome.rows_json(lesson, x);
            // A `Value` built from strings and finite numbers always serialises.
            let bytes = serde_json::to_vec_pretty(&rows).expect("JSON values serialise");
            export::write(&json, &bytes)?;
            println!(
                "Results: {} (JSON: each line's measurements and model)",
                json.display()
            );
        }
    }
    for r in &outcome.python_reports {
        let build = if r.machine.gil_enabled == Some(false) {
            "free-threaded"
        } else {
            "gil"
        };
        let path = options
            .out
            .join(format!("{}-python-{build}.json", lesson.id));
        export::write(&path, &Json.export(std::slice::from_ref(r))?)?;
        println!("Report: {} (CPython, {build})", path.display());
    }
    println!("\n{}", wrap(&format!("The model: {}", lesson.model), WIDTH));
    if let (Some(q), Some(g)) = (&question, guess) {
        if let Some(row) = outcome.of(q.line, q.x) {
            let verdict = predict::judge(g, row.measured_ms, row.model_ms);
            println!("\n{}", wrap(&verdict, WIDTH));
            if !verdict.contains("spot on") {
                println!("{}", indent(&format!("Why: {}.", q.why), "  "));
            }
        }
    }
    println!("\nWhat it means:");
    for f in &outcome.findings {
        if f.holds {
            println!("{}", bullet("✓", &f.text));
        } else {
            println!(
                "{}",
                bullet(
                    "✗",
                    &format!(
                        "not on this run: {} (a busy machine can blur the shape; run the lesson \
                         again, or close other programs)",
                        f.text
                    )
                )
            );
        }
    }
    for n in &outcome.notes {
        println!("{}", bullet("•", n));
    }
    match lesson::next(lesson) {
        Some(next) => println!("\nNext: gilwall workshop {} — {}", next.number, next.title),
        None => println!("\nThat was the last lesson. Exercises: gilwall workshop check"),
    }
    if let Some(failed) = outcome.report.as_ref().and_then(failed_steps) {
        bail!(
            "{failed}, so the lesson measured failures there, not times; everything is saved in \
             {}; run the lesson again",
            options.out.display()
        );
    }
    Ok(())
}

/// What failed in a lesson's report, if anything: points with failed tasks, load steps with
/// failed requests (503s from a full queue included). A lesson with failures exits non-zero.
fn failed_steps(report: &gilwall_core::report::Report) -> Option<String> {
    let points = report.points.iter().filter(|p| !p.complete()).count();
    let steps: Vec<String> = report
        .load_points
        .iter()
        .filter(|p| !p.complete())
        .map(|p| {
            format!(
                "{} at {} req/s: {} of {} requests failed{}",
                p.strategy,
                p.rate_rps,
                p.errors,
                p.sent,
                p.error_sample
                    .as_deref()
                    .map(|e| format!(" (e.g. {e})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    match (points, steps.is_empty()) {
        (0, true) => None,
        (0, false) => Some(steps.join("; ")),
        (n, true) => Some(format!("{n} points had failed tasks")),
        (n, false) => Some(format!("{n} points had failed tasks; {}", steps.join("; "))),
    }
}

/// A lesson's opening: title, article section, explanation and what to look for.
pub fn intro(l: &Lesson) -> String {
    format!(
        "Lesson {} of {}: {}\nArticle: {}.\n\n{}\n\n{}\n",
        l.number,
        LESSONS.len(),
        l.title,
        l.article,
        wrap(l.explain, WIDTH),
        wrap(&format!("Look for: {}", l.look_for), WIDTH)
    )
}

/// Lesson 7's instructions: the page's URL with the lesson preset.
pub fn browser_instructions(port: u16) -> String {
    let l = &lesson::BROWSER;
    let n = l.number;
    format!(
        "{}\nThe page's own server (it builds the wasm first):\n\n    cargo xtask serve\n\n\
         or, once the page is built, `gilwall workshop {n} --serve`. Then open\n\n    \
         http://127.0.0.1:{port}/?lesson={n}\n\n\
         and run, in turn, async with CPU work on the main thread, Web Workers and wasm\n\
         threads, watching the frame meter while each runs. (?lesson=N asks the page for\n\
         lesson N's preset; a page without presets opens as usual and you pick by hand.)\n",
        intro(l)
    )
}

fn browser_lesson(serve: bool) -> Result<()> {
    use crate::server::serve::{Page, ServeOptions, find};
    use std::net::{Ipv4Addr, SocketAddr};
    print!("{}", browser_instructions(PAGE_PORT));
    if !serve {
        return Ok(());
    }
    let page = lesson_page(find(&Page::Default)?)?;
    // What `gilwall serve --port 8000` does, with the page that was just found.
    crate::server::serve::serve(ServeOptions {
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, PAGE_PORT)),
        page,
        config: ServerConfig::default(),
    })?;
    Ok(())
}

/// The page lesson 7 serves: the one found, or an error saying how to build it — a page whose
/// wasm is missing would sit at "loading…", so it is refused rather than served.
fn lesson_page(found: crate::server::serve::Found) -> Result<crate::server::serve::Page> {
    use crate::server::serve::{Found, Page};
    Ok(match found {
        Found::Dir(dir) => Page::Dir(dir),
        Found::Inside => Page::Default,
        Found::Nothing(why) => bail!(
            "--serve: the demo page is not built: {why}; or run `cargo xtask serve` in the \
             checkout, which builds the page and serves it"
        ),
    })
}

/// The port the page's URL names: `gilwall serve`'s and `cargo xtask serve`'s default.
const PAGE_PORT: u16 = 8000;

/// Checks the exercises asked for, prints what passed and, for what did not, the failures and
/// how to get the hint (the hint itself with `hint`); fails when any exercise does not pass.
pub fn check_exercises(options: &CheckOptions) -> Result<()> {
    use check::Track;
    let root = check::find_root(options.exercises.as_deref())?;
    let track = if options.python.is_some() {
        Track::Python
    } else {
        Track::Rust
    };
    let chosen = check::select(check::exercises(&root, track)?, options.exercise)?;
    let tree = if options.solutions {
        check::solution_tree(&root)?
    } else {
        root.clone()
    };
    let what = if options.solutions {
        "the reference solution of "
    } else {
        ""
    };
    // The Python track's environment and server, made once for every exercise checked.
    let python = match &options.python {
        Some(interpreter) => {
            let env = pycheck::environment(interpreter, &root)?;
            let server = crate::server::Background::start(ServerConfig::default())
                .map_err(|e| anyhow::anyhow!("cannot start the feature server: {e}"))?;
            Some((env, server))
        }
        None => None,
    };
    let mut results = Vec::new();
    for e in &chosen {
        let first = match &python {
            None if !check::target_dir(&tree).join("debug").is_dir() => {
                " — the first check builds the dependencies, a minute or two"
            }
            _ => "",
        };
        let how = match &python {
            Some(_) => format!("pytest python/{}", e.dir),
            None => format!("cargo test -p {}", e.package()),
        };
        eprintln!(
            "checking {what}exercise {} ({}): {how}{first}",
            e.number,
            e.name()
        );
        let mut result = match &python {
            Some((env, server)) => pycheck::check(&tree, e, env, &server.url())?,
            None => check::check(&tree, e)?,
        };
        result.hint = check::hint(&root, e);
        results.push(result);
    }
    print!(
        "{}",
        check::render(&results, options.hint, &check::shown(&root))
    );
    let failing = results.iter().filter(|r| !r.ok()).count();
    if failing > 0 {
        bail!("{failing} of {} exercises do not pass yet", results.len());
    }
    Ok(())
}

/// `gilwall workshop init DIR`: writes the exercises into `dir` and says what to do next.
pub fn init_exercises(dir: &std::path::Path) -> Result<()> {
    let written = init::init(dir)?;
    println!(
        "Wrote the workshop's exercises ({} files: Rust and Python tracks) into {}.\n\n\
         Next:\n    cd {}\n    gilwall workshop check 1            (Rust: edit 01-concurrent-fetch/src/lib.rs)\n    \
         gilwall workshop check --python 1   (Python: edit python/01-concurrent-fetch/exercise.py)\n\n\
         Add --hint to a check when stuck. README.md there says the rest.",
        written.files,
        written.dir.display(),
        written.dir.display()
    );
    Ok(())
}

/// Columns the lesson's prose is wrapped to (a laptop terminal in a workshop is not wide).
const WIDTH: usize = 92;

/// `text` as a bullet: the mark, then the text wrapped and indented under itself.
fn bullet(mark: &str, text: &str) -> String {
    let body = indent(&wrap(text, WIDTH - 4), "    ");
    format!("  {mark} {}", body.trim_start())
}

/// Every line of `text` indented by `by`.
fn indent(text: &str, by: &str) -> String {
    wrap(text, WIDTH - by.len())
        .lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps `text` at `width` columns, for the terminal.
pub(crate) fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.chars().count() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.chars().count();
    }
    out
}

/// A progress bar with an ETA on a terminal; hidden when stderr is piped.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    // The template is a constant that indicatif accepts; a typo would show in every run.
    let style =
        ProgressStyle::with_template("{spinner} {msg:<34} [{bar:30}] {percent:>3}%  ETA {eta}")
            .expect("the progress template is valid")
            .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_names_every_lesson_and_how_to_check_exercises() {
        let l = list();
        for lesson in LESSONS {
            assert!(l.contains(lesson.title), "{l}");
        }
        assert!(l.contains("gilwall workshop check N") && l.contains("cargo run --release --"));
        assert!(l.contains("gilwall workshop init") && l.contains("gilwall python --compare"));
    }

    #[test]
    fn lesson_seven_prints_the_page_url_with_its_preset() {
        let text = browser_instructions(8000);
        assert!(text.contains("http://127.0.0.1:8000/?lesson=7"), "{text}");
        assert!(text.contains("cargo xtask serve") && text.contains("frame meter"));
    }

    #[test]
    fn lesson_seven_refuses_to_serve_a_page_that_is_not_built() {
        use crate::server::serve::{Found, Page};
        let e = lesson_page(Found::Nothing(
            "no built www folder; `cargo xtask install` installs one".into(),
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("not built")
                && e.contains("cargo xtask install")
                && e.contains("cargo xtask serve"),
            "{e}"
        );
        assert_eq!(lesson_page(Found::Inside).unwrap(), Page::Default);
    }

    #[test]
    fn text_wraps_at_word_boundaries() {
        assert_eq!(wrap("aaa bbb ccc", 7), "aaa bbb\nccc");
        assert_eq!(wrap("one", 2), "one");
    }
}
