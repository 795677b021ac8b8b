//! `gilwall workshop check [N]`: runs an exercise's tests and says plainly what passed; for what
//! failed, the tests' own messages (or the compiler's errors, as the compiler laid them out) and
//! how to get the hint — the hint itself only when asked (`--hint`), so a first check does not
//! give the answer away.
//!
//! The exercises are a folder of their own: the source tree's `exercises/`, or one that
//! `gilwall workshop init` wrote. It is found in the current directory or a parent (or as
//! `exercises/` there). The Rust track is a cargo workspace: exercise `NN-name` is the package
//! `exNN-name`, the learner edits `NN-name/src/lib.rs`. The Python track is `python/NN-name/`
//! (see `pycheck`). Reference solutions are `solutions/NN-name.rs` and
//! `solutions/python/NN-name.py` in the source tree, and are compiled into the binary, so a
//! learner's folder need not hold them. `--solutions` checks them instead, in a copy under the
//! folder's `target/`, so a facilitator can prove a laptop is ready (and CI proves every
//! solution passes) without touching anyone's work.

use super::{WorkshopError, embedded};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which language an exercise is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    /// `NN-name/src/lib.rs`, checked with `cargo test`.
    Rust,
    /// `python/NN-name/exercise.py`, checked with pytest.
    Python,
}

/// One exercise found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// Its number (the folder's `NN`).
    pub number: u32,
    /// Its folder name, e.g. `01-concurrent-fetch`.
    pub dir: String,
    /// Its language.
    pub track: Track,
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

    /// Its folder, relative to the exercises folder.
    pub fn folder(&self) -> String {
        match self.track {
            Track::Rust => self.dir.clone(),
            Track::Python => format!("python/{}", self.dir),
        }
    }

    /// The file the learner edits, relative to the exercises folder.
    pub fn file(&self) -> String {
        match self.track {
            Track::Rust => format!("{}/src/lib.rs", self.dir),
            Track::Python => format!("python/{}/exercise.py", self.dir),
        }
    }

    /// Its reference solution, relative to the exercises folder (or the embedded copy).
    pub fn solution(&self) -> String {
        match self.track {
            Track::Rust => format!("{}/{}.rs", embedded::SOLUTIONS, self.dir),
            Track::Python => format!("{}/python/{}.py", embedded::SOLUTIONS, self.dir),
        }
    }

    /// The command that checks it again, with `extra` flags.
    pub fn command(&self, extra: &str) -> String {
        let python = if self.track == Track::Python {
            " --python"
        } else {
            ""
        };
        format!("gilwall workshop check{python} {}{extra}", self.number)
    }
}

/// One failed test.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The test's name, or what failed (`it does not compile`).
    pub test: String,
    /// Its message.
    pub message: String,
    /// Whether the message is a compiler's or interpreter's own layout (code excerpts with
    /// `^^^` under the columns they point at), printed as it came rather than re-wrapped.
    pub verbatim: bool,
}

/// The result of checking one exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// Which exercise.
    pub exercise: Exercise,
    /// Tests that passed.
    pub passed: u32,
    /// Each failure.
    pub failures: Vec<Failure>,
    /// The hint (`HINT.md`).
    pub hint: String,
}

impl Checked {
    /// Whether every test passed (and there were tests).
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.passed > 0
    }
}

/// Whether `dir` is an exercises folder: a cargo workspace with the `support` crate.
pub fn is_root(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("support").join("Cargo.toml").is_file()
}

/// The exercises folder: `dir` if given; else the current directory or the nearest parent that
/// is one, or that holds one as `exercises/` (the source tree).
pub fn find_root(dir: Option<&Path>) -> Result<PathBuf> {
    let found = match dir {
        Some(d) => is_root(d).then(|| d.to_path_buf()),
        None => {
            let here = std::env::current_dir().context("cannot read the current directory")?;
            here.ancestors()
                .flat_map(|a| [a.to_path_buf(), a.join("exercises")])
                .find(|c| is_root(c))
        }
    };
    match found {
        Some(root) => root
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", root.display())),
        // Unwrapped, so the CLI can find the error and name its flag.
        None => Err(match dir {
            Some(d) => WorkshopError::NotExercises(d.to_path_buf()).into(),
            None => WorkshopError::NoExercisesFolder.into(),
        }),
    }
}

/// Every exercise of `track` in `root`, by number: folders named `NN-name` with a Cargo.toml
/// (Rust) or an `exercise.py` (Python, under `python/`).
pub fn exercises(root: &Path, track: Track) -> Result<Vec<Exercise>> {
    let (dir, marker) = match track {
        Track::Rust => (root.to_path_buf(), "Cargo.toml"),
        Track::Python => (root.join("python"), "exercise.py"),
    };
    let mut found = Vec::new();
    if track == Track::Python && !dir.is_dir() {
        return Ok(found);
    }
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
    {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let number = name
            .split_once('-')
            .and_then(|(n, _)| n.parse::<u32>().ok());
        if let Some(number) = number.filter(|_| dir.join(&name).join(marker).is_file()) {
            found.push(Exercise {
                number,
                dir: name,
                track,
            });
        }
    }
    found.sort_by_key(|e| e.number);
    Ok(found)
}

/// Picks exercise `which` (all when `None`), with an error that lists the ones that exist.
pub fn select(all: Vec<Exercise>, which: Option<u32>) -> Result<Vec<Exercise>> {
    match which {
        None if all.is_empty() => bail!("the exercises folder holds no exercises of this track"),
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

/// Where cargo builds the exercises of the tree at `tree`: its own `target/`, as a plain
/// `cargo test` there would.
///
/// One build folder per tree, never shared: cargo names a workspace member's build by its
/// place in its workspace and judges it fresh by file times, so two trees (the learner's and
/// the solutions' copy) building into one folder could each run the other's stale build. Apart,
/// cargo's own fingerprints are right, so an unchanged exercise is checked without rebuilding.
pub fn target_dir(tree: &Path) -> PathBuf {
    tree.join("target")
}

/// Writes a copy of the exercises to `<root>/target/solution-tree`, with every reference
/// solution (the folder's own `solutions/` where it has one, else the binary's) in place of
/// the starting file, and returns the copy's root.
pub fn solution_tree(root: &Path) -> Result<PathBuf> {
    let copy = target_dir(root).join("solution-tree");
    copy_dir(root, &copy)?;
    for track in [Track::Rust, Track::Python] {
        for e in exercises(root, track)? {
            let on_disk = root.join(e.solution());
            let solution = match std::fs::read(&on_disk) {
                Ok(bytes) => bytes,
                Err(_) => embedded::file(&e.solution()).with_context(|| {
                    format!(
                        "exercise {} ({}) has no reference solution here or in this gilwall",
                        e.number,
                        e.folder()
                    )
                })?,
            };
            write_if_changed(&copy.join(e.file()), &solution)?;
        }
    }
    Ok(copy)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == "__pycache__" || name == ".pytest_cache" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            write_if_changed(&dst, &std::fs::read(&src)?)?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `to` unless it already holds them, so cargo does not rebuild an unchanged
/// exercise.
fn write_if_changed(to: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(to).ok().as_deref() != Some(bytes) {
        std::fs::write(to, bytes).with_context(|| format!("cannot write {}", to.display()))?;
    }
    Ok(())
}

/// Reads exercise `e`'s hint from the exercises folder `root` (or the binary's copy).
pub fn hint(root: &Path, e: &Exercise) -> String {
    let path = format!("{}/HINT.md", e.folder());
    std::fs::read_to_string(root.join(&path))
        .ok()
        .or_else(|| embedded::file(&path).map(|b| String::from_utf8_lossy(&b).into_owned()))
        .unwrap_or_else(|| format!("(no {path})"))
}

/// Runs Rust exercise `e`'s tests in the workspace at `tree`, building into its own target.
pub fn check(tree: &Path, e: &Exercise) -> Result<Checked> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .args(["test", "--no-fail-fast", "--color", "never", "--package"])
        .arg(e.package())
        .arg("--manifest-path")
        .arg(tree.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir(tree))
        .env("RUST_BACKTRACE", "0")
        .output()
        .with_context(|| {
            format!("cannot run {cargo}; is cargo on PATH? (rustup.rs installs it)")
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut result = parse(e.clone(), &stdout, &stderr);
    if !output.status.success() && result.failures.is_empty() {
        // Something failed that is neither a test nor a compile error: show cargo's words.
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        result.failures.push(Failure {
            test: "cargo test".into(),
            message: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            verbatim: true,
        });
    }
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
        // The compiler's errors as it printed them: blank lines and columns kept, up to the
        // first few errors, without cargo's own closing lines.
        let errors: Vec<&str> = stderr
            .lines()
            .skip_while(|l| !l.starts_with("error"))
            .filter(|l| !l.starts_with("error: could not compile"))
            .filter(|l| !l.starts_with("warning: build failed"))
            .take(60)
            .collect();
        failures.push(Failure {
            test: "it does not compile".into(),
            message: errors.join("\n").trim_end().to_string(),
            verbatim: true,
        });
    }
    Checked {
        exercise,
        passed,
        failures,
        hint: String::new(),
    }
}

fn finish((name, lines): (String, Vec<String>)) -> Failure {
    Failure {
        test: name.rsplit("::").next().unwrap_or(&name).to_string(),
        message: lines.join("\n"),
        verbatim: false,
    }
}

/// The report for the learner: one line per exercise, and for each that failed, the failing
/// tests' messages, then the hint when `hints` is set, or else how to ask for it. `shown` is
/// how the exercises folder is named to the learner (`""` when it is the current directory).
pub fn render(results: &[Checked], hints: bool, shown: &str) -> String {
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
        for f in &r.failures {
            out.push_str(&format!("    ✗ {}\n", f.test.replace('_', " ")));
            for line in f.message.lines() {
                // A compiler's excerpt keeps its layout, so `^^^` stays under its column;
                // a test's long sentence wraps.
                let line = if !f.verbatim && line.chars().count() > 88 {
                    super::wrap(line, 88)
                } else {
                    line.to_string()
                };
                for part in line.lines() {
                    out.push_str(format!("        {part}").trim_end());
                    out.push('\n');
                }
            }
        }
        if hints {
            out.push_str(&format!("    Hint ({shown}{}/HINT.md):\n", e.folder()));
            for line in r.hint.lines().filter(|l| !l.starts_with("# ")) {
                out.push_str(format!("    │ {line}").trim_end());
                out.push('\n');
            }
        } else {
            out.push_str(&format!(
                "    Stuck? `{}` shows the hint.\n",
                e.command(" --hint")
            ));
        }
        out.push_str(&format!(
            "    Edit {shown}{}, then run `{}` again.\n",
            e.file(),
            e.command("")
        ));
    }
    let ok = results.iter().filter(|r| r.ok()).count();
    out.push_str(&format!("\n{ok} of {} exercises pass.\n", results.len()));
    out
}

/// How to name the exercises folder `root` to someone in the current directory: `""` when it is
/// the current directory, else its path with a trailing `/`.
pub fn shown(root: &Path) -> String {
    let here = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    match here {
        Some(h) if h == root => String::new(),
        Some(h) => match root.strip_prefix(&h) {
            Ok(rel) => format!("{}/", rel.display()),
            Err(_) => format!("{}/", root.display()),
        },
        None => format!("{}/", root.display()),
    }
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
            track: Track::Rust,
        }
    }

    #[test]
    fn a_failing_run_names_the_test_and_its_message_and_says_how_to_get_the_hint() {
        let mut r = parse(ex(), FAILED, "");
        assert_eq!(r.passed, 1);
        assert_eq!(
            r.failures,
            [Failure {
                test: "eight_fetches_take_about_as_long_as_one".to_string(),
                message: "8 fetches of 200 ms took 1614 ms: they still run one after another"
                    .to_string(),
                verbatim: false,
            }]
        );
        r.hint = "# Hint\nUse try_join_all.".into();
        let shown = render(std::slice::from_ref(&r), false, "exercises/");
        assert!(shown.contains("✗ exercise 1 (concurrent fetch): not yet — 1 passed, 1 failed"));
        assert!(shown.contains("✗ eight fetches take about as long as one"));
        assert!(shown.contains("took 1614 ms"));
        assert!(
            !shown.contains("try_join_all"),
            "the hint came unasked:\n{shown}"
        );
        assert!(
            shown.contains("Stuck? `gilwall workshop check 1 --hint` shows the hint."),
            "{shown}"
        );
        assert!(shown.contains("Edit exercises/01-concurrent-fetch/src/lib.rs"));
        assert!(shown.contains("0 of 1 exercises pass."), "{shown}");
        let asked = render(&[r], true, "");
        assert!(
            asked.contains("Hint (01-concurrent-fetch/HINT.md):"),
            "{asked}"
        );
        assert!(asked.contains("│ Use try_join_all."), "{asked}");
    }

    #[test]
    fn a_passing_run_says_so_and_a_compile_error_keeps_its_columns() {
        let ok =
            "test result: ok. 3 passed; 0 failed; 0 ignored\ntest result: ok. 0 passed; 0 failed";
        let r = parse(ex(), ok, "");
        assert!(r.ok());
        assert!(
            render(&[r], false, "")
                .contains("✓ exercise 1 (concurrent fetch): passed — all 3 tests")
        );
        let long = format!(
            "   |     ^^^^^^^^^^^^ {}",
            "a label that runs long ".repeat(6)
        );
        let stderr = format!(
            "   Compiling ex01\nerror[E0308]: mismatched types\n  --> src/lib.rs:3:5\n   |\n\
             3  |     let x: u32 = fetch(&url).await?;\n{long}\n\nerror: could not compile `ex01`"
        );
        let broken = parse(ex(), "", &stderr);
        assert!(!broken.ok());
        assert_eq!(broken.failures[0].test, "it does not compile");
        assert!(broken.failures[0].verbatim);
        let shown = render(&[broken], false, "");
        assert!(
            shown.contains(&format!("        {}\n", long.trim_end())),
            "re-wrapped:\n{shown}"
        );
        assert!(!shown.contains("could not compile"), "{shown}");
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

    #[test]
    fn python_exercises_name_their_own_files_and_command() {
        let e = Exercise {
            track: Track::Python,
            ..ex()
        };
        assert_eq!(e.file(), "python/01-concurrent-fetch/exercise.py");
        assert_eq!(e.solution(), "solutions/python/01-concurrent-fetch.py");
        assert_eq!(
            e.command(" --hint"),
            "gilwall workshop check --python 1 --hint"
        );
    }
}
