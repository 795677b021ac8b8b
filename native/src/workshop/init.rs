//! `gilwall workshop init [DIR]`: writes the exercises a learner works on — the Rust track's
//! starting files, tests and hints with the `support` crate, and the Python track — from the
//! copy compiled into the binary into a new folder, as `rustlings init` does. The reference
//! solutions stay in the binary (`check --solutions` uses them), out of the learner's sight.
//!
//! It never overwrites: a folder that exists and is not empty may hold someone's work, so it is
//! refused, whatever it holds.

use super::embedded;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The folder `init` writes when none is named.
pub const DEFAULT_DIR: &str = "gilwall-exercises";

/// What `init` can refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InitError {
    /// The folder exists and holds something.
    #[error(
        "{dir} already exists and is not empty; it may hold your work, so nothing was written. \
         Name a new folder (gilwall workshop init NEW-DIR), or move that one away first",
        dir = .0.display()
    )]
    NotEmpty(PathBuf),
    /// Something that is not a folder is in the way.
    #[error("{dir} exists and is not a folder; name a new folder", dir = .0.display())]
    NotAFolder(PathBuf),
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The folder.
    pub dir: PathBuf,
    /// How many files.
    pub files: usize,
}

/// Writes the exercises into `dir`, which must not exist or be empty.
pub fn init(dir: &Path) -> Result<Written> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(InitError::NotEmpty(dir.to_path_buf()).into());
            }
        }
        Err(_) if dir.exists() => return Err(InitError::NotAFolder(dir.to_path_buf()).into()),
        Err(_) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    let files = embedded::write_to(dir, |p| !embedded::is_solution(p))?;
    for (name, text) in [(".gitignore", GITIGNORE), ("README.md", README)] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Written {
        dir: dir.to_path_buf(),
        files: files + 2,
    })
}

/// Build output and caches stay out of a learner's repository.
const GITIGNORE: &str = "target/\n__pycache__/\n.pytest_cache/\n";

/// The folder's own README: what is where and the commands.
const README: &str = "\
# gilwall workshop exercises

Five exercises, in Rust and in Python, each checked by tests that measure what your code does
against a real server on loopback (fetches in flight, a stalled event loop, bytes copied).

Rust:   edit `NN-name/src/lib.rs`, then `gilwall workshop check N`
Python: edit `python/NN-name/exercise.py`, then `gilwall workshop check --python N`
Stuck:  add `--hint` to the check
All:    `gilwall workshop check` (or `--python`) checks every exercise

The first Rust check builds the exercises' dependencies (tokio, futures: a minute or two); later
checks take seconds. The first Python check makes a virtual environment under `target/` and
installs aiohttp, requests and pytest from PyPI.

The lessons (`gilwall workshop 1` … `8`) run from any folder.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_the_exercises_without_their_solutions_and_never_over_work() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ex");
        let w = init(&dir).unwrap();
        assert!(w.files > 20, "{w:?}");
        assert!(dir.join("01-concurrent-fetch/src/lib.rs").is_file());
        assert!(dir.join("support/src/lib.rs").is_file());
        assert!(dir.join("python/02-cpu-off-the-loop/exercise.py").is_file());
        assert!(
            !dir.join("solutions").exists(),
            "the solutions were written"
        );
        assert!(super::super::check::is_root(&dir));

        // A learner's work is never overwritten.
        std::fs::write(dir.join("01-concurrent-fetch/src/lib.rs"), "my work").unwrap();
        let e = init(&dir).unwrap_err();
        assert!(
            matches!(e.downcast_ref::<InitError>(), Some(InitError::NotEmpty(_))),
            "{e:#}"
        );
        assert!(e.to_string().contains("may hold your work"));
        assert_eq!(
            std::fs::read_to_string(dir.join("01-concurrent-fetch/src/lib.rs")).unwrap(),
            "my work"
        );
        // An empty folder is fine; a file in the way is not.
        std::fs::create_dir(tmp.path().join("empty")).unwrap();
        init(&tmp.path().join("empty")).unwrap();
        std::fs::write(tmp.path().join("file"), "x").unwrap();
        assert!(init(&tmp.path().join("file")).is_err());
    }
}
