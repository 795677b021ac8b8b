//! `gilwall workshop check` on a real exercise: the untouched starting file fails, with the
//! test's message and the hint; the reference solution passes. Runs cargo on exercise 1 (the
//! first run builds the exercises' dependencies into target/exercises).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("native/ sits in the checkout")
        .to_path_buf()
}

fn check(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(["workshop", "check"])
        .args(args)
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
fn the_checker_fails_a_starting_file_with_the_hint_and_passes_the_solution() {
    // A copy of the exercises with exercise 1's starting file as committed, so a learner's
    // work in the checkout neither breaks this test nor gets touched by it.
    let copy = repo()
        .join("target")
        .join("exercises")
        .join("test-starting-tree");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&repo().join("exercises"), &copy);
    let committed = Command::new("git")
        .arg("-C")
        .arg(repo())
        .args(["show", "HEAD:exercises/01-concurrent-fetch/src/lib.rs"])
        .output();
    if let Some(out) = committed.ok().filter(|o| o.status.success()) {
        std::fs::write(copy.join("01-concurrent-fetch/src/lib.rs"), out.stdout).unwrap();
    }
    let (ok, text) = check(&["1", "--exercises", copy.to_str().unwrap()]);
    assert!(!ok, "the starting file passed:\n{text}");
    assert!(
        text.contains("✗ exercise 1 (concurrent fetch): not yet"),
        "{text}"
    );
    assert!(text.contains("they still run one after another"), "{text}");
    assert!(
        text.contains("Hint (exercises/01-concurrent-fetch/HINT.md)"),
        "{text}"
    );
    assert!(text.contains("try_join_all"), "{text}");

    let (ok, text) = check(&["1", "--solutions"]);
    assert!(ok, "the reference solution failed:\n{text}");
    assert!(
        text.contains("✓ exercise 1 (concurrent fetch): passed"),
        "{text}"
    );

    let (ok, text) = check(&["9"]);
    assert!(!ok);
    assert!(
        text.contains("there is no exercise 9; the exercises are 1 (concurrent fetch)"),
        "{text}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "target" {
            continue;
        }
        let dst = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            std::fs::copy(entry.path(), &dst).unwrap();
        }
    }
}
