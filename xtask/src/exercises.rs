//! `cargo xtask test`'s exercises step: proves every reference solution passes its exercise's
//! tests and every starting file fails them, through the same checker learners use
//! (`gilwall workshop check`). An exercise whose starting file passes teaches nothing; one
//! whose solution fails cannot be finished.

use crate::cargo;
use anyhow::{Result, bail};
use std::path::Path;

/// Runs the checker on the reference solutions (all must pass) and on the starting files (each
/// must fail and say how to get its hint), for the Rust track and then the Python one.
pub fn check(repo: &Path) -> Result<()> {
    let numbers = exercise_numbers(&repo.join("exercises"), "Cargo.toml")?;
    if numbers.is_empty() {
        bail!("no exercises found in {}", repo.join("exercises").display());
    }
    track(&numbers, &[])?;
    let python = exercise_numbers(&repo.join("exercises").join("python"), "exercise.py")?;
    if python.is_empty() {
        bail!("no Python exercises found in exercises/python");
    }
    track(&python, &["--python"])
}

/// Checks one track (`flags` selects it): solutions pass, starting files fail.
fn track(numbers: &[u32], flags: &[&str]) -> Result<()> {
    let name = if flags.is_empty() { "Rust" } else { "Python" };
    let (ok, text) = workshop_check(&[flags, &["--solutions"]].concat())?;
    eprint!("{text}");
    if !ok {
        bail!("a reference solution fails its exercise's tests (see above)");
    }

    let (ok, text) = workshop_check(flags)?;
    eprint!("{text}");
    if ok {
        bail!("every starting file passes its tests; an exercise should start failing");
    }
    for n in numbers {
        if !text.contains(&format!("✗ exercise {n} (")) {
            bail!(
                "the starting file of exercise {n} passes its tests; it should fail until solved \
                 (if you solved it in this checkout, `git stash` or `git checkout exercises/` first)"
            );
        }
    }
    let pointers = text.matches("--hint` shows the hint.").count();
    if pointers != numbers.len() {
        bail!(
            "the checker said how to get the hint {pointers} times for {} failing exercises",
            numbers.len()
        );
    }
    eprintln!(
        "xtask: {name} exercises OK — {} reference solutions pass, {} starting files fail and \
         say how to get their hint",
        numbers.len(),
        numbers.len()
    );
    Ok(())
}

/// Runs `gilwall workshop check ARGS`; returns whether it passed and everything it printed.
fn workshop_check(args: &[&str]) -> Result<(bool, String)> {
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--package",
        "gilwall",
        "--",
        "workshop",
        "check",
    ])
    .args(args);
    eprintln!("xtask: $ {cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| anyhow::anyhow!("cannot start {cmd:?}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

/// The numbers of the exercises: folders named `NN-name` holding `marker`.
fn exercise_numbers(dir: &Path, marker: &str) -> Result<Vec<u32>> {
    let mut numbers = Vec::new();
    for entry in
        std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot list {}: {e}", dir.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let n = name
            .split_once('-')
            .and_then(|(n, _)| n.parse::<u32>().ok());
        if let Some(n) = n.filter(|_| entry.path().join(marker).is_file()) {
            numbers.push(n);
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}
