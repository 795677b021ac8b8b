//! `gilwall workshop check [N]`: runs an exercise's tests with cargo and says plainly what
//! passed; for what failed, it shows the tests' own messages and the exercise's hint.
//!
//! The exercises live in `exercises/`, a cargo workspace of their own (their starting files
//! fail on purpose, so they must stay out of gilwall's). Exercise `NN-name` is the package
//! `exNN-name`; the learner edits `NN-name/src/lib.rs`; the reference solution is
//! `solutions/NN-name.rs`. `--solutions` checks the reference solutions instead, in a copy of
//! the exercises under the target folder, so a facilitator can prove a laptop is ready (and CI
//! proves every solution passes) without touching anyone's work.

use super::WorkshopError;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One exercise found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// Its number (the folder's `NN`).
    pub number: u32,
    /// Its folder name, e.g. `01-concurrent-fetch`.
    pub dir: String,
}

impl Exercise {
    /// The cargo package, e.g. `ex01-concurrent-fetch`.
    pub fn package(&self) -> String {
        format!("ex{}", self.dir)
    }

    /// Its name in words, e.g. `concurrent fetch`.
    pub fn name(&self) -> String {
        self.dir
            .split_once('-')
            .map_or(self.dir.as_str(), |(_, n)| n)
            .replace('-', " ")
    }
}

/// The result of checking one exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// Which exercise.
    pub exercise: Exercise,
    /// Tests that passed.
    pub passed: u32,
    /// Each failure: the test's name and its message (or the compiler's errors).
    pub failures: Vec<(String, String)>,
    /// The hint, shown when something failed.
    pub hint: String,
}

impl Checked {
    /// Whether every test passed (and there were tests).
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.passed > 0
    }
}

/// The exercises folder: `dir` if given, else `./exercises`, else the source tree's.
pub fn find_root(dir: Option<&Path>) -> Result<PathBuf> {
    let candidates = match dir {
        Some(d) => vec![d.to_path_buf()],
        None => vec![
            PathBuf::from("exercises"),
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../exercises"),
        ],
    };
    for c in &candidates {
        if c.join("Cargo.toml").is_file() {
            return c
                .canonicalize()
                .with_context(|| format!("cannot resolve {}", c.display()));
        }
    }
    // Unwrapped, so the CLI can find the error and name its flag.
    Err(match dir {
        Some(d) => WorkshopError::NotExercises(d.to_path_buf()).into(),
        None => WorkshopError::NoExercisesFolder.into(),
    })
}

/// Every exercise in `root`, by number: folders named `NN-name` with a Cargo.toml.
pub fn exercises(root: &Path) -> Result<Vec<Exercise>> {
    let mut found = Vec::new();
    for entry in
        std::fs::read_dir(root).with_context(|| format!("cannot list {}", root.display()))?
    {
        let dir = entry?.file_name().to_string_lossy().into_owned();
        let number = dir.split_once('-').and_then(|(n, _)| n.parse::<u32>().ok());
        if let Some(number) = number.filter(|_| root.join(&dir).join("Cargo.toml").is_file()) {
            found.push(Exercise { number, dir });
        }
    }
    found.sort_by_key(|e| e.number);
    Ok(found)
}

/// Picks exercise `which` (all when `None`), with an error that lists the ones that exist.
pub fn select(all: Vec<Exercise>, which: Option<u32>) -> Result<Vec<Exercise>> {
    match which {
        None if all.is_empty() => bail!("the exercises folder holds no exercises"),
        None => Ok(all),
        Some(n) => match all.iter().find(|e| e.number == n) {
            Some(e) => Ok(vec![e.clone()]),
            None => bail!(
                "there is no exercise {n}; the exercises are {}",
                all.iter()
                    .map(|e| format!("{} ({})", e.number, e.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

/// Where cargo builds the exercises: `exercises` under `$CARGO_TARGET_DIR` if set, else
/// `target/exercises` of the checkout — shared by every exercise and by `--solutions`, so the
/// dependencies build once.
pub fn target_dir(root: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("exercises");
    }
    match root.parent() {
        Some(repo) if repo.join("Cargo.toml").is_file() => repo.join("target").join("exercises"),
        _ => root.join("target"),
    }
}

/// Copies the exercises to `<target>/solution-tree` with every reference solution in place of
/// the starting file, and returns the copy's root.
pub fn solution_tree(root: &Path, target: &Path) -> Result<PathBuf> {
    let copy = target.join("solution-tree");
    copy_dir(root, &copy)?;
    for e in exercises(root)? {
        let solution = root.join("solutions").join(format!("{}.rs", e.dir));
        let lib = copy.join(&e.dir).join("src").join("lib.rs");
        std::fs::copy(&solution, &lib)
            .with_context(|| format!("cannot put the solution {} in place", solution.display()))?;
    }
    Ok(copy)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            // Rewrite only what changed, so cargo does not rebuild an unchanged exercise.
            let bytes = std::fs::read(&src)?;
            if std::fs::read(&dst).ok().as_deref() != Some(&bytes[..]) {
                std::fs::write(&dst, bytes)
                    .with_context(|| format!("cannot write {}", dst.display()))?;
            }
        }
    }
    Ok(())
}

/// Runs exercise `e`'s tests in the workspace at `root`, building into `target`.
pub fn check(root: &Path, target: &Path, e: &Exercise, hint_root: &Path) -> Result<Checked> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Cargo names a path package's build by its place in its workspace, so this tree, the
    // solutions' copy and the learner's tree share one build of each exercise and of
    // `support`, and cargo judges it fresh by the file times of whichever tree built it last —
    // it could test the *other* tree's code. Cleaning these two packages (seconds to rebuild)
    // rules that out.
    let clean = Command::new(&cargo)
        .args(["clean", "--quiet", "--package", "support", "--package"])
        .arg(e.package())
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .status()
        .with_context(|| format!("cannot run {cargo}; is cargo on PATH?"))?;
    if !clean.success() {
        bail!("cargo clean --package {} failed ({clean})", e.package());
    }
    let output = Command::new(&cargo)
        .args(["test", "--no-fail-fast", "--color", "never", "--package"])
        .arg(e.package())
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env("RUST_BACKTRACE", "0")
        .output()
        .with_context(|| format!("cannot run {cargo}; is cargo on PATH?"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut result = parse(e.clone(), &stdout, &stderr);
    if !output.status.success() && result.failures.is_empty() {
        // Something failed that is neither a test nor a compile error: show cargo's words.
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        result.failures.push((
            "cargo test".into(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        ));
    }
    result.hint = std::fs::read_to_string(hint_root.join(&e.dir).join("HINT.md"))
        .unwrap_or_else(|_| format!("(no HINT.md in {})", e.dir));
    Ok(result)
}

/// Reads cargo test's output: passed counts, each failed test's message, compile errors.
pub fn parse(exercise: Exercise, stdout: &str, stderr: &str) -> Checked {
    let passed = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: "))
        .filter_map(|l| l.split("; ").find_map(|p| p.split_once(" passed")))
        .filter_map(|(n, _)| n.rsplit(' ').next()?.parse::<u32>().ok())
        .sum();
    let mut failures = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in stdout.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            failures.extend(current.take().map(finish));
            current = Some((name.to_string(), Vec::new()));
        } else if line == "failures:" || line.starts_with("test result:") {
            failures.extend(current.take().map(finish));
        } else if let Some((_, lines)) = current.as_mut() {
            let noise = line.starts_with("thread '")
                || line.starts_with("note: run with `RUST_BACKTRACE")
                || line.trim().is_empty();
            if !noise {
                lines.push(line.to_string());
            }
        }
    }
    failures.extend(current.map(finish));
    if stderr.contains("could not compile") {
        let errors: Vec<&str> = stderr
            .lines()
            .skip_while(|l| !l.starts_with("error"))
            .take(20)
            .collect();
        failures.push(("it does not compile".into(), errors.join("\n")));
    }
    Checked {
        exercise,
        passed,
        failures,
        hint: String::new(),
    }
}

fn finish((name, lines): (String, Vec<String>)) -> (String, String) {
    let name = name.rsplit("::").next().unwrap_or(&name).to_string();
    (name, lines.join("\n"))
}

/// The report for the learner: one line per exercise, and for each that failed, the failing
/// tests' messages and the hint.
pub fn render(results: &[Checked]) -> String {
    let mut out = String::new();
    for r in results {
        let e = &r.exercise;
        if r.ok() {
            out.push_str(&format!(
                "✓ exercise {} ({}): passed — all {} tests\n",
                e.number,
                e.name(),
                r.passed
            ));
            continue;
        }
        out.push_str(&format!(
            "✗ exercise {} ({}): not yet — {} passed, {} failed\n",
            e.number,
            e.name(),
            r.passed,
            r.failures.len()
        ));
        for (test, message) in &r.failures {
            out.push_str(&format!("    ✗ {}\n", test.replace('_', " ")));
            for line in message.lines() {
                // Long sentences wrap; shorter lines (a compiler's code excerpts) keep their
                // layout.
                let line = if line.chars().count() > 88 {
                    super::wrap(line, 88)
                } else {
                    line.to_string()
                };
                for part in line.lines() {
                    out.push_str(&format!("        {part}\n"));
                }
            }
        }
        out.push_str(&format!("    Hint (exercises/{}/HINT.md):\n", e.dir));
        for line in r.hint.lines().filter(|l| !l.starts_with("# ")) {
            out.push_str(format!("    │ {line}").trim_end());
            out.push('\n');
        }
        out.push_str(&format!(
            "    Edit exercises/{}/src/lib.rs, then run `gilwall workshop check {}` again.\n",
            e.dir, e.number
        ));
    }
    let ok = results.iter().filter(|r| r.ok()).count();
    out.push_str(&format!("\n{ok} of {} exercises pass.\n", results.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILED: &str = "\
running 2 tests
test results_come_back_in_order ... ok
test eight_fetches_take_about_as_long_as_one ... FAILED

failures:

---- eight_fetches_take_about_as_long_as_one stdout ----

thread 'eight_fetches_take_about_as_long_as_one' (1) panicked at tests/oracle.rs:21:5:
8 fetches of 200 ms took 1614 ms: they still run one after another
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    eight_fetches_take_about_as_long_as_one

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.11s
";

    fn ex() -> Exercise {
        Exercise {
            number: 1,
            dir: "01-concurrent-fetch".into(),
        }
    }

    #[test]
    fn a_failing_run_names_the_test_its_message_and_shows_the_hint() {
        let mut r = parse(ex(), FAILED, "");
        assert_eq!(r.passed, 1);
        assert_eq!(
            r.failures,
            [(
                "eight_fetches_take_about_as_long_as_one".to_string(),
                "8 fetches of 200 ms took 1614 ms: they still run one after another".to_string()
            )]
        );
        r.hint = "# Hint\nUse try_join_all.".into();
        let shown = render(&[r]);
        assert!(shown.contains("✗ exercise 1 (concurrent fetch): not yet — 1 passed, 1 failed"));
        assert!(shown.contains("✗ eight fetches take about as long as one"));
        assert!(shown.contains("took 1614 ms") && shown.contains("│ Use try_join_all."));
        assert!(shown.contains("0 of 1 exercises pass."), "{shown}");
    }

    #[test]
    fn a_passing_run_says_so_and_a_compile_error_is_a_failure() {
        let ok =
            "test result: ok. 3 passed; 0 failed; 0 ignored\ntest result: ok. 0 passed; 0 failed";
        let r = parse(ex(), ok, "");
        assert!(r.ok());
        assert!(render(&[r]).contains("✓ exercise 1 (concurrent fetch): passed — all 3 tests"));
        let broken = parse(
            ex(),
            "",
            "   Compiling ex01\nerror[E0308]: mismatched types\n  --> src/lib.rs:3:5\nerror: could not compile `ex01`",
        );
        assert!(!broken.ok());
        assert_eq!(broken.failures[0].0, "it does not compile");
        assert!(broken.failures[0].1.contains("E0308"));
    }

    #[test]
    fn unknown_exercise_numbers_list_the_ones_that_exist() {
        let all = vec![ex()];
        let e = select(all.clone(), Some(9)).unwrap_err().to_string();
        assert_eq!(
            e,
            "there is no exercise 9; the exercises are 1 (concurrent fetch)"
        );
        assert_eq!(select(all, Some(1)).unwrap().len(), 1);
    }
}
