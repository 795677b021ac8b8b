//! A free-threaded CPython (the article's step 5, "No-GIL!", 3.13t): found, or built once.
//!
//! No Debian or PyPI package ships one, and PyPI's installers download one at run time. So
//! gilwall looks for one — the interpreter it was given, `python3.13t` or `python3.14t` on PATH,
//! or the one it built before in its cache — and otherwise builds one from Debian trixie's
//! python3.13 source package with `python/build-free-threaded.sh` (compiled into the binary;
//! `.ci/run` runs the same script from the tree, so both fill the same cache). The script needs
//! root (apt-get) and the Debian archive; where it cannot build, it says why and exits 2, and
//! that message becomes [`PythonError::CannotBuild`].
//!
//! The script reports progress as machine-readable lines on stdout (`progress DONE TOTAL
//! PHASE`, then `python PATH`), drawn here as a progress bar; its sentences for people come on
//! stderr and are passed on.

use super::PythonError;
use crate::lifeline;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The build script, `python/build-free-threaded.sh` in the source tree.
pub const BUILD_SCRIPT: &str = include_str!("../../../python/build-free-threaded.sh");

/// Free-threaded interpreters looked for on PATH, newest last.
const ON_PATH: [&str; 2] = ["python3.13t", "python3.14t"];

/// Where the script installs the interpreter inside the cache.
pub fn cached_python(cache: &Path) -> PathBuf {
    cache
        .join("python3.13-free-threaded")
        .join("bin")
        .join("python3.13t")
}

/// A free-threaded interpreter: `explicit` if given (it must be one), else one on PATH, else the
/// cached build, else a new build into `cache`.
pub fn find_or_build(explicit: Option<&OsStr>, cache: &Path) -> Result<OsString> {
    if let Some(python) = explicit {
        return match is_free_threaded(python) {
            Ok(true) => Ok(python.to_owned()),
            Ok(false) => Err(PythonError::NotFreeThreaded {
                python: python.to_string_lossy().into_owned(),
            }
            .into()),
            Err(error) => Err(PythonError::NoInterpreter {
                python: python.to_string_lossy().into_owned(),
                error,
            }
            .into()),
        };
    }
    match find(cache) {
        Some(python) => Ok(python),
        None => build(cache),
    }
}

/// A free-threaded interpreter already here: one on PATH, else the cached build. Never builds
/// one (that takes minutes: [`find_or_build`] does it when asked).
pub fn find(cache: &Path) -> Option<OsString> {
    ON_PATH
        .iter()
        .map(OsString::from)
        .chain([cached_python(cache).into_os_string()])
        .find(|candidate| is_free_threaded(candidate) == Ok(true))
}

/// Whether `python` runs and is a free-threaded build (`Py_GIL_DISABLED`); why not, if it does
/// not run.
pub fn is_free_threaded(python: &OsStr) -> std::result::Result<bool, String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(bool(sysconfig.get_config_var('Py_GIL_DISABLED')))",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("it exited with {}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "True")
}

/// Runs the build script into `cache`, drawing its progress; returns the interpreter it built.
fn build(cache: &Path) -> Result<OsString> {
    std::fs::create_dir_all(cache).with_context(|| format!("cannot create {}", cache.display()))?;
    let script = cache.join("build-free-threaded.sh");
    std::fs::write(&script, BUILD_SCRIPT)
        .with_context(|| format!("cannot write {}", script.display()))?;
    let bar = progress_bar();
    let mut child = lifeline::command("bash")
        .arg(&script)
        .arg(cache)
        .env("GILWALL_LIFELINE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run bash for the free-threaded build")?;
    // The writing end of the script's stdin: its lifeline, held until it is done.
    let lifeline = child.stdin.take();
    // The script's sentences, passed on above the bar (or plainly when there is none); the
    // last ones are kept for the error if it cannot build.
    let stderr = child.stderr.take().context("the build's stderr is piped")?;
    let said = {
        let bar = bar.clone();
        std::thread::spawn(move || {
            let mut last = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if bar.is_hidden() {
                    eprintln!("{line}");
                } else {
                    bar.println(&line);
                }
                last.push(line);
            }
            last
        })
    };
    let mut built = None;
    let stdout = child.stdout.take().context("the build's stdout is piped")?;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let words: Vec<&str> = line.splitn(4, ' ').collect();
        match words.as_slice() {
            ["progress", done, total, phase] => {
                if let (Ok(done), Ok(total)) = (done.parse::<u64>(), total.parse::<u64>()) {
                    bar.set_length(total);
                    bar.set_position(done);
                    bar.set_message(phase.to_string());
                }
            }
            ["python", ..] => built = Some(line["python ".len()..].to_string()),
            _ => {}
        }
    }
    let status = child
        .wait()
        .context("cannot wait for the free-threaded build")?;
    drop(lifeline);
    bar.finish_and_clear();
    let said = said.join().unwrap_or_default();
    let last = said
        .iter()
        .rev()
        .find(|l| l.starts_with("build-free-threaded: "))
        .map(|l| l["build-free-threaded: ".len()..].to_string())
        .unwrap_or_else(|| format!("the build script exited with {status}"));
    match (status.code(), built) {
        (Some(0), Some(python)) => Ok(OsString::from(python)),
        (Some(2), _) => Err(PythonError::CannotBuild { reason: last }.into()),
        _ => Err(PythonError::BuildFailed {
            script,
            reason: last,
        }
        .into()),
    }
}

/// A bar for the build's phases and files compiled, on a terminal only.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(5);
    // The template is a constant that indicatif accepts; a typo would show in every build.
    let style = ProgressStyle::with_template(
        "{spinner} building CPython 3.13t: {msg:<12} [{bar:30}] {pos}/{len}  {elapsed}",
    )
    .expect("the progress template is valid")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_embedded_and_speaks_the_protocol_read_here() {
        assert!(BUILD_SCRIPT.contains("--disable-gil"));
        assert!(BUILD_SCRIPT.contains("echo \"progress "));
        assert!(BUILD_SCRIPT.contains("echo \"python $PYTHON\""));
        assert!(BUILD_SCRIPT.contains("PREFIX=\"$CACHE/python$VERSION_SERIES-free-threaded\""));
        assert!(
            cached_python(Path::new("/c")).ends_with("python3.13-free-threaded/bin/python3.13t")
        );
    }

    #[test]
    fn an_interpreter_with_the_gil_is_not_taken_for_a_free_threaded_one() {
        // The machine's python3 (3.11 here, and CI's) is built with the GIL.
        assert_eq!(is_free_threaded(OsStr::new("python3")), Ok(false));
        let e = find_or_build(Some(OsStr::new("python3")), Path::new("/nonexistent")).unwrap_err();
        assert!(
            matches!(
                e.downcast_ref::<PythonError>(),
                Some(PythonError::NotFreeThreaded { .. })
            ),
            "{e:#}"
        );
        assert!(is_free_threaded(OsStr::new("/nonexistent/python3.13t")).is_err());
    }
}
