//! The exercises as a learner who installed gilwall meets them: a copy of the binary, run from an
//! empty folder, writes the exercises (`workshop init ex`), and inside `ex` the checker fails
//! the untouched starting file with the test's message and how to get the hint, shows the hint
//! on request, and passes the reference solution once it is copied in — for the Rust track and
//! the Python one. The first check builds the exercises' dependencies in `ex/target`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("native/ sits in the checkout")
        .to_path_buf()
}

/// An "installed" gilwall: the binary copied into `<tmp>/bin`, far from the source tree.
fn install(tmp: &Path) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("gilwall");
    std::fs::copy(env!("CARGO_BIN_EXE_gilwall"), &exe).unwrap();
    exe
}

fn gilwall(exe: &Path, dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        // Whatever the test runner's cargo set, the checker builds in the folder's own target.
        .env("CARGO_TARGET_DIR", repo().join("target"))
        .output()
        .expect("the gilwall binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn an_installed_gilwall_sets_up_the_exercises_and_checks_them_there() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = install(tmp.path());
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();

    let (ok, text) = gilwall(&exe, &home, &["workshop", "init", "ex"]);
    assert!(ok, "{text}");
    assert!(text.contains("cd ex"), "{text}");
    let ex = home.join("ex");
    assert!(
        !ex.join("solutions").exists(),
        "the solutions were written out"
    );

    // From a subfolder too: the exercises are found in a parent.
    let (ok, text) = gilwall(
        &exe,
        &ex.join("01-concurrent-fetch"),
        &["workshop", "check", "1"],
    );
    assert!(!ok, "the starting file passed:\n{text}");
    assert!(
        text.contains("✗ exercise 1 (concurrent fetch): not yet"),
        "{text}"
    );
    assert!(text.contains("they still run one after another"), "{text}");
    assert!(
        text.contains("Stuck? `gilwall workshop check 1 --hint` shows the hint."),
        "{text}"
    );
    assert!(
        !text.contains("try_join_all"),
        "the hint came unasked:\n{text}"
    );

    let (ok, text) = gilwall(&exe, &ex, &["workshop", "check", "1", "--hint"]);
    assert!(!ok);
    assert!(
        text.contains("Hint (01-concurrent-fetch/HINT.md)") && text.contains("try_join_all"),
        "{text}"
    );

    std::fs::copy(
        repo().join("exercises/solutions/01-concurrent-fetch.rs"),
        ex.join("01-concurrent-fetch/src/lib.rs"),
    )
    .unwrap();
    let (ok, text) = gilwall(&exe, &ex, &["workshop", "check", "1"]);
    assert!(ok, "the reference solution failed:\n{text}");
    assert!(
        text.contains("✓ exercise 1 (concurrent fetch): passed"),
        "{text}"
    );

    let (ok, text) = gilwall(&exe, &ex, &["workshop", "check", "9"]);
    assert!(!ok);
    assert!(
        text.contains("there is no exercise 9; the exercises are 1 (concurrent fetch)"),
        "{text}"
    );

    // The same folder is never written over, and outside any exercises folder the checker
    // says how to get one.
    let (ok, text) = gilwall(&exe, &home, &["workshop", "init", "ex"]);
    assert!(!ok && text.contains("may hold your work"), "{text}");
    let (ok, text) = gilwall(&exe, &home, &["workshop", "check", "1"]);
    assert!(!ok && text.contains("gilwall workshop init DIR"), "{text}");

    // The Python track, in the same folder, against gilwall's own server.
    let (ok, text) = gilwall(&exe, &ex, &["workshop", "check", "--python", "1"]);
    assert!(!ok, "the Python starting file passed:\n{text}");
    assert!(
        text.contains("✗ exercise 1 (concurrent fetch): not yet"),
        "{text}"
    );
    assert!(
        text.contains("in flight at once") || text.contains("one after another"),
        "{text}"
    );
    assert!(
        text.contains("`gilwall workshop check --python 1 --hint`"),
        "{text}"
    );
    std::fs::copy(
        repo().join("exercises/solutions/python/01-concurrent-fetch.py"),
        ex.join("python/01-concurrent-fetch/exercise.py"),
    )
    .unwrap();
    let (ok, text) = gilwall(&exe, &ex, &["workshop", "check", "--python", "1"]);
    assert!(ok, "the Python reference solution failed:\n{text}");
    assert!(
        text.contains("✓ exercise 1 (concurrent fetch): passed"),
        "{text}"
    );
    assert!(
        !ex.join("python/__pycache__").exists() && !ex.join("python/.pytest_cache").exists(),
        "pytest wrote caches into the learner's folder"
    );
}
