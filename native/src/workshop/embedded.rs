//! The exercises, compiled into the binary: the starting files, tests, hints, the `support`
//! crate, the Python track and the reference solutions, as they are in the source tree's
//! `exercises/` folder when gilwall is built. So an installed `gilwall` (no checkout beside it)
//! can write a learner's folder (`gilwall workshop init`) and check the reference solutions.
//!
//! Build output and caches (`target/`, `__pycache__/`, `.pytest_cache/`) are left out.

use anyhow::{Context, Result};
use rust_embed::RustEmbed;
use std::path::Path;

/// Every file of `exercises/`, by its path relative to that folder (`/`-separated).
#[derive(RustEmbed)]
#[folder = "../exercises/"]
#[exclude = "target/*"]
#[exclude = "*__pycache__/*"]
#[exclude = "*.pytest_cache/*"]
#[exclude = "*.pyc"]
struct Exercises;

/// The folder inside the exercises that holds the reference solutions, kept out of a learner's
/// folder.
pub const SOLUTIONS: &str = "solutions";

/// Every embedded path, sorted.
pub fn paths() -> Vec<String> {
    let mut all: Vec<String> = Exercises::iter().map(|p| p.into_owned()).collect();
    all.sort();
    all
}

/// The embedded file at `path` (relative to `exercises/`).
pub fn file(path: &str) -> Option<Vec<u8>> {
    Exercises::get(path).map(|f| f.data.into_owned())
}

/// Whether `path` belongs to the reference solutions.
pub fn is_solution(path: &str) -> bool {
    path.split('/').next() == Some(SOLUTIONS)
}

/// Writes every embedded file for which `keep(path)` holds under `dest`, making folders as
/// needed; an existing file with the same bytes is left alone (so cargo sees no change).
pub fn write_to(dest: &Path, keep: impl Fn(&str) -> bool) -> Result<usize> {
    let mut written = 0;
    for path in paths().iter().filter(|p| keep(p)) {
        // `paths` lists only files that `get` finds.
        let bytes = file(path).expect("an embedded path has its file");
        let to = dest.join(path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        if std::fs::read(&to).ok().as_deref() != Some(&bytes[..]) {
            std::fs::write(&to, &bytes)
                .with_context(|| format!("cannot write {}", to.display()))?;
        }
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_holds_the_exercises_and_no_build_output() {
        let all = paths();
        for p in [
            "Cargo.toml",
            "Cargo.lock",
            "support/src/lib.rs",
            "01-concurrent-fetch/src/lib.rs",
            "01-concurrent-fetch/tests/oracle.rs",
            "01-concurrent-fetch/HINT.md",
            "solutions/01-concurrent-fetch.rs",
            "python/01-concurrent-fetch/exercise.py",
            "solutions/python/01-concurrent-fetch.py",
        ] {
            assert!(all.iter().any(|a| a == p), "{p} is not embedded: {all:?}");
        }
        assert!(
            all.iter()
                .all(|p| !p.starts_with("target/") && !p.contains("__pycache__")),
            "{all:?}"
        );
        assert!(is_solution("solutions/python/01-concurrent-fetch.py"));
        assert!(!is_solution("01-concurrent-fetch/src/lib.rs"));
    }
}
