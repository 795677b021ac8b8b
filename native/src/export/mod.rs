//! Exports of a report: JSON, CSV, Markdown and an SVG chart, following hyperfine's
//! `--export-*` flags. Every exporter returns bytes, so golden tests need no files; [`write`]
//! puts them on disk atomically (temp file, then rename) or on stdout for `-`.

pub mod chart;
pub mod csv;
pub mod json;
pub mod markdown;

use anyhow::{Context, Result};
use gilwall_core::report::Report;
use std::io::Write;
use std::path::Path;

/// Turns reports into a file's bytes.
pub trait Exporter {
    /// The file's contents for `reports` (most formats use only the first).
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>>;
}

/// Writes `bytes` to `path`, or to stdout when `path` is `-`. A file is written to a temporary
/// name beside it and renamed into place, so a crash never leaves half a file.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return out.flush().context("writing to stdout");
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} into place", path.display()))
}

/// Reads and checks a saved report, with an error that names the file and what is wrong.
pub fn read_report(path: &Path) -> Result<Report> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > gilwall_core::report::MAX_REPORT_BYTES as u64 {
        anyhow::bail!(
            "{}: {} bytes is larger than the {} bytes a report may have",
            path.display(),
            meta.len(),
            gilwall_core::report::MAX_REPORT_BYTES
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Report::from_json(&bytes)
        .with_context(|| format!("{} is not a usable gilwall report", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_is_atomic_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
    }

    #[test]
    fn bad_report_files_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "{\"schema_version\": 1").unwrap();
        let e = format!("{:#}", read_report(&path).unwrap_err());
        assert!(
            e.contains("r.json is not a usable gilwall report")
                && e.contains("not a gilwall report"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            read_report(&dir.path().join("missing.json")).unwrap_err()
        );
        assert!(e.contains("cannot read"), "{e}");
    }
}
