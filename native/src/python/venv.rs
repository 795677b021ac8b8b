//! The Python companion's own virtual environment: made with the user's `python3 -m venv`,
//! with the pinned `requests` and `aiohttp` installed from PyPI, and the companion script
//! written beside them.
//!
//! The script and its requirements are compiled into the binary, so `gilwall python` works from
//! any folder and an installed `gilwall` needs no source tree. The environment is made once and
//! reused: a marker file records the interpreter it was made with and the requirements installed,
//! and a change to either (another interpreter, a new gilwall) makes it again. The marker is
//! written only after pip succeeded, so a half-made environment (Debian's `python3 -m venv`
//! without `python3-venv` leaves one) is made afresh.

use super::PythonError;
use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The companion script, `python/gilwall_python.py` in the source tree.
pub const SCRIPT: &str = include_str!("../../../python/gilwall_python.py");

/// The Python app (`gilwall load --python`), `python/gilwall_app.py` in the source tree. It
/// imports the companion script for its kernel and calibration, so both are written side by side.
pub const APP_SCRIPT: &str = include_str!("../../../python/gilwall_app.py");

/// Its pinned dependencies, `python/requirements.txt` in the source tree.
pub const REQUIREMENTS: &str = include_str!("../../../python/requirements.txt");

/// The oldest Python the pinned `requests` and `aiohttp` install on.
pub const MIN_PYTHON: (u32, u32) = (3, 10);

/// The file in the environment that records which requirements are installed.
const MARKER: &str = "gilwall-installed-requirements.txt";

/// A ready environment: its interpreter and the script to run with it.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    /// The environment's own interpreter.
    pub python: PathBuf,
    /// The companion script, written into the environment.
    pub script: PathBuf,
    /// The Python app, written beside it.
    pub app: PathBuf,
}

/// The interpreter inside the environment at `dir`.
fn venv_python(dir: &Path) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join("python.exe")
    } else {
        dir.join("bin").join("python")
    }
}

/// Makes sure the environment at `dir` exists with the requirements installed, making it with
/// `base_python` if needed, and writes the script into it. Says on stderr what it installs.
pub fn ensure(base_python: &OsStr, dir: &Path) -> Result<PythonEnv> {
    let python = venv_python(dir);
    let marker = dir.join(MARKER);
    // The marker names the interpreter too, so python3.13t after a run with python3 makes a
    // new environment rather than reusing the old interpreter's.
    let wanted = format!(
        "{REQUIREMENTS}# made with: {}\n",
        base_python.to_string_lossy()
    );
    let installed = std::fs::read_to_string(&marker).ok();
    if installed.as_deref() != Some(wanted.as_str()) || !python.is_file() {
        let version = check_base_python(base_python)?;
        eprintln!(
            "gilwall python: making a virtual environment in {} with {} (Python {}.{}) and \
             installing requests and aiohttp from PyPI; this happens once",
            dir.display(),
            base_python.to_string_lossy(),
            version.0,
            version.1
        );
        // `--clear` starts from nothing, so a half-made or outdated environment is replaced.
        let made = output(
            Command::new(base_python)
                .args(["-m", "venv", "--clear"])
                .arg(dir),
        )
        .with_context(|| format!("cannot run {}", base_python.to_string_lossy()))?;
        if !made.status.success() || !python.is_file() {
            return Err(PythonError::NoVenv {
                python: base_python.to_string_lossy().into_owned(),
                venv: dir.to_path_buf(),
                output: tail(&made),
            }
            .into());
        }
        let requirements = dir.join("requirements.txt");
        std::fs::write(&requirements, REQUIREMENTS)
            .with_context(|| format!("cannot write {}", requirements.display()))?;
        let pip = output(
            Command::new(&python)
                .args(["-m", "pip", "install", "--disable-pip-version-check", "-r"])
                .arg(&requirements),
        )
        .with_context(|| format!("cannot run {}", python.display()))?;
        if !pip.status.success() {
            bail!(
                "pip could not install the Python companion's requirements (requests, aiohttp) \
                 into {}: {}\ncheck that PyPI is reachable (or set PIP_INDEX_URL to a mirror) and \
                 run again",
                dir.display(),
                tail(&pip)
            );
        }
        std::fs::write(&marker, &wanted)
            .with_context(|| format!("cannot write {}", marker.display()))?;
    }
    let script = dir.join("gilwall_python.py");
    // Rewritten on every run (it is small), so the environment always runs this gilwall's script.
    std::fs::write(&script, SCRIPT)
        .with_context(|| format!("cannot write {}", script.display()))?;
    let app = dir.join("gilwall_app.py");
    std::fs::write(&app, APP_SCRIPT).with_context(|| format!("cannot write {}", app.display()))?;
    Ok(PythonEnv {
        python,
        script,
        app,
    })
}

/// Installs `requirements` (pinned lines, as a requirements file) into the environment `env` at
/// `dir` unless they are already there; `name` names them in the marker file and messages
/// (the workshop's pytest, beside the companion's own requirements). Like [`ensure`], the
/// marker is written only after pip succeeded.
pub fn install_extra(env: &PythonEnv, dir: &Path, name: &str, requirements: &str) -> Result<()> {
    let marker = dir.join(format!("gilwall-installed-{name}-requirements.txt"));
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(requirements) {
        return Ok(());
    }
    eprintln!(
        "gilwall: installing the {name} requirements into {} from PyPI; this happens once",
        dir.display()
    );
    let file = dir.join(format!("{name}-requirements.txt"));
    std::fs::write(&file, requirements)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let pip = output(
        Command::new(&env.python)
            .args(["-m", "pip", "install", "--disable-pip-version-check", "-r"])
            .arg(&file),
    )
    .with_context(|| format!("cannot run {}", env.python.display()))?;
    if !pip.status.success() {
        bail!(
            "pip could not install the {name} requirements into {}: {}\ncheck that PyPI is \
             reachable (or set PIP_INDEX_URL to a mirror) and run again",
            dir.display(),
            tail(&pip)
        );
    }
    std::fs::write(&marker, requirements)
        .with_context(|| format!("cannot write {}", marker.display()))
}

/// Checks that `python` runs and is recent enough; returns its (major, minor) version.
fn check_base_python(python: &OsStr) -> Result<(u32, u32)> {
    let name = python.to_string_lossy();
    let out = output(
        Command::new(python).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]),
    )
    .map_err(|e| PythonError::NoInterpreter {
        python: name.to_string(),
        error: e.to_string(),
    })?;
    if !out.status.success() {
        bail!("{name} did not run: {}", tail(&out));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let version = parse_version(text.trim())
        .with_context(|| format!("{name} printed {:?}, not a Python version", text.trim()))?;
    if version < MIN_PYTHON {
        return Err(PythonError::TooOld {
            python: name.into_owned(),
            version,
        }
        .into());
    }
    Ok(version)
}

/// Parses `3.11` into (3, 11).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Runs `cmd` with its output captured.
pub(crate) fn output(cmd: &mut Command) -> std::io::Result<Output> {
    cmd.stdin(std::process::Stdio::null()).output()
}

/// The last lines a failed command printed, to quote in an error.
pub(crate) fn tail(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = &lines[lines.len().saturating_sub(8)..];
    if last.is_empty() {
        format!("it exited with {} and printed nothing", out.status)
    } else {
        last.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_compare() {
        assert_eq!(parse_version("3.11"), Some((3, 11)));
        assert_eq!(parse_version("3"), None);
        assert_eq!(parse_version("x.y"), None);
        assert!((3, 9) < MIN_PYTHON && (3, 13) >= MIN_PYTHON);
    }

    #[test]
    fn the_embedded_requirements_pin_both_clients() {
        let pins: Vec<&str> = REQUIREMENTS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        assert_eq!(pins.len(), 2, "{pins:?}");
        assert!(pins.iter().any(|p| p.starts_with("requests==")));
        assert!(pins.iter().any(|p| p.starts_with("aiohttp==")));
        assert!(SCRIPT.contains("def fake_cpu_op"));
    }

    #[test]
    fn a_missing_interpreter_names_what_to_install() {
        let e = check_base_python(OsStr::new("/nonexistent/python3")).unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("cannot run /nonexistent/python3") && msg.contains("python3-venv"),
            "{msg}"
        );
        // Unwrapped, so the CLI can find it and name its flag.
        assert!(
            matches!(
                e.downcast_ref::<PythonError>(),
                Some(PythonError::NoInterpreter { .. })
            ),
            "{e:?}"
        );
    }
}
