//! `gilwall workshop check --python [N]`: the Python track's checker. The same five exercises
//! as the Rust track, in Python (`python/NN-name/exercise.py`), judged by pytest tests that
//! measure behaviour against gilwall's own feature server: fetches in flight, a stalled event
//! loop, CPU work in parallel, bytes pickled between processes, how long a lock was held.
//!
//! pytest runs in a virtual environment the Python companion's code makes
//! (`python::venv::ensure`, under the exercises folder's `target/`) with pytest added from
//! `python/workshop-requirements.txt`. The server starts here, on a free loopback port, and the
//! tests find it in `GILWALL_URL`. The tests' `conftest.py` writes the results as one JSON
//! document (`GILWALL_PYTEST_REPORT`), which is all this reads: pytest's text is for people.

use super::check::{Checked, Exercise, Failure};
use crate::python::venv::{self, PythonEnv};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// The workshop's Python requirements (pytest), `python/workshop-requirements.txt` in the source
/// tree, installed beside the companion's.
pub const REQUIREMENTS: &str = include_str!("../../../python/workshop-requirements.txt");

/// Makes (once) the virtual environment for the Python track in the exercises folder `root`,
/// with `python` as the interpreter; returns it.
pub fn environment(python: &OsStr, root: &Path) -> Result<PythonEnv> {
    let dir = super::check::target_dir(root).join("python-venv");
    let env = venv::ensure(python, &dir)?;
    venv::install_extra(&env, &dir, "workshop", REQUIREMENTS)?;
    Ok(env)
}

/// What `conftest.py` writes.
#[derive(Debug, Deserialize)]
struct PytestReport {
    passed: u32,
    failures: Vec<PytestFailure>,
}

#[derive(Debug, Deserialize)]
struct PytestFailure {
    test: String,
    message: String,
    verbatim: bool,
}

/// Runs Python exercise `e`'s tests in the tree at `tree` against the server at `url`.
pub fn check(tree: &Path, e: &Exercise, env: &PythonEnv, url: &str) -> Result<Checked> {
    let python_dir = tree.join("python");
    let report = super::check::target_dir(tree).join(format!("pytest-{}.json", e.dir));
    if let Some(parent) = report.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let _ = std::fs::remove_file(&report);
    let output = Command::new(&env.python)
        .args(["-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider"])
        .arg(&e.dir)
        .current_dir(&python_dir)
        .env("GILWALL_URL", url)
        .env("GILWALL_PYTEST_REPORT", &report)
        // Nothing written into the learner's folder: no __pycache__, no .pytest_cache.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", env.python.display()))?;
    let parsed = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| serde_json::from_str::<PytestReport>(&text).ok());
    let mut result = Checked {
        exercise: e.clone(),
        passed: 0,
        failures: Vec::new(),
        hint: String::new(),
    };
    match parsed {
        Some(r) => {
            result.passed = r.passed;
            result.failures = r
                .failures
                .into_iter()
                .map(|f| Failure {
                    test: f.test.trim_start_matches("test_").to_string(),
                    message: f.message,
                    verbatim: f.verbatim,
                })
                .collect();
        }
        None => {
            // pytest stopped before its conftest could write (a usage error, a broken
            // environment): say what it printed.
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let lines: Vec<&str> = text.lines().collect();
            result.failures.push(Failure {
                test: "pytest".into(),
                message: lines[lines.len().saturating_sub(12)..].join("\n"),
                verbatim: true,
            });
        }
    }
    if !output.status.success() && result.failures.is_empty() {
        result.failures.push(Failure {
            test: "pytest".into(),
            message: format!(
                "pytest exited with {} but reported no failure",
                output.status
            ),
            verbatim: false,
        });
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workshop_requirements_pin_pytest() {
        let pins: Vec<&str> = REQUIREMENTS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        assert!(pins.iter().any(|p| p.starts_with("pytest==")), "{pins:?}");
    }

    #[test]
    fn the_conftest_report_is_read_as_failures() {
        let r: PytestReport = serde_json::from_str(
            r#"{"passed": 1, "failures": [{"test": "test_x", "message": "m", "verbatim": false}]}"#,
        )
        .unwrap();
        assert_eq!((r.passed, r.failures[0].test.as_str()), (1, "test_x"));
    }
}
