//! `cargo xtask test`'s exercises step: proves every reference solution passes its exercise's
//! tests and every starting file fails them, through the same checker learners use
//! (`gilwall workshop check`). An exercise whose starting file passes teaches nothing; one
//! whose solution fails cannot be finished.

use crate::cargo;
use anyhow::{Result, bail};
use std::path::Path;

/// Runs the checker on the reference solutions (all must pass) and on the starting files (each
/// must fail and show its hint).
pub fn check(repo: &Path) -> Result<()> {
    let numbers = exercise_numbers(&repo.join("exercises"))?;
    if numbers.is_empty() {
        bail!("no exercises found in {}", repo.join("exercises").display());
    }

    let (ok, text) = workshop_check(&["--solutions"])?;
    eprint!("{text}");
    if !ok {
        bail!("a reference solution fails its exercise's tests (see above)");
    }

    let (ok, text) = workshop_check(&[])?;
    eprint!("{text}");
    if ok {
        bail!("every starting file passes its tests; an exercise should start failing");
    }
    for n in &numbers {
        if !text.contains(&format!("✗ exercise {n} (")) {
            bail!(
                "the starting file of exercise {n} passes its tests; it should fail until solved \
                 (if you solved it in this checkout, `git stash` or `git checkout exercises/` first)"
            );
        }
    }
    let hints = text.matches("Hint (exercises/").count();
    if hints != numbers.len() {
        bail!(
            "the checker showed {hints} hints for {} failing exercises",
            numbers.len()
        );
    }
    eprintln!(
        "xtask: exercises OK — {} reference solutions pass, {} starting files fail with their hint",
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

/// The numbers of the exercises: folders named `NN-name` with a Cargo.toml.
fn exercise_numbers(dir: &Path) -> Result<Vec<u32>> {
    let mut numbers = Vec::new();
    for entry in
        std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot list {}: {e}", dir.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let n = name
            .split_once('-')
            .and_then(|(n, _)| n.parse::<u32>().ok());
        if let Some(n) = n.filter(|_| entry.path().join("Cargo.toml").is_file()) {
            numbers.push(n);
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}
