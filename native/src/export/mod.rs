//! Exports of a report: JSON, CSV, Markdown, an SVG chart, the timelines as a Chrome trace
//! (`trace`) and as a Gantt chart (`gantt`), following hyperfine's
//! `--export-*` flags. Every exporter returns bytes, so golden tests need no files; [`write`]
//! puts them on disk atomically (temp file, then rename) or on stdout for `-`. [`Exports`] is
//! the set of files a measured sweep was asked for besides its JSON report, so `run`, `python`
//! and any other caller write, print and announce them the same way.

pub mod chart;
pub mod csv;
pub mod gantt;
pub mod json;
pub mod load;
pub mod load_chart;
pub mod markdown;
pub mod notes;
pub mod trace;

use anyhow::{Context, Result};
use gilwall_core::report::Report;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Turns reports into a file's bytes.
pub trait Exporter {
    /// The file's contents for `reports` (most formats use only the first).
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>>;
}

/// Writes `bytes` to `path`, or to stdout when `path` is `-`. A file is written to a temporary
/// name beside it and renamed into place, so a crash never leaves half a file.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_stdout(path) {
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

/// The exports of a measured sweep besides its JSON report (whose file each caller decides):
/// each is written where asked, `-` meaning stdout.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exports {
    /// The points as CSV.
    pub csv: Option<PathBuf>,
    /// The Markdown summary: the table and the verdicts.
    pub markdown: Option<PathBuf>,
    /// Duration vs tasks as an SVG chart, the model dashed.
    pub chart: Option<PathBuf>,
    /// The timelines in the Chrome Trace Event format, the model's ideal schedules beside them.
    pub trace: Option<PathBuf>,
    /// The timelines at one N as an SVG Gantt chart.
    pub timeline: Option<PathBuf>,
    /// The N the Gantt chart shows; [`gantt::default_tasks`] of the reports' task counts when
    /// `None`.
    pub timeline_tasks: Option<u32>,
}

impl Exports {
    /// Writes each export asked for. `reports` holds the caller's own report first, then any
    /// it was compared with: the CSV and the chart (titled `title`) hold them all, the Markdown
    /// summary the first, followed by `appendix` when there is one.
    pub fn write(&self, reports: &[Report], title: String, appendix: Option<&str>) -> Result<()> {
        if let Some(path) = &self.csv {
            write(path, &csv::Csv.export(reports)?)?;
        }
        if let Some(path) = &self.markdown {
            let mut md = markdown::Markdown.export(reports)?;
            if let Some(text) = appendix {
                md.extend_from_slice(b"\n");
                md.extend_from_slice(text.as_bytes());
            }
            write(path, &md)?;
        }
        if let Some(path) = &self.trace {
            write(path, &trace::Trace.export(reports)?)?;
        }
        if let Some(path) = &self.timeline {
            let counts = gantt::task_counts(reports);
            let tasks = self
                .timeline_tasks
                .or_else(|| gantt::default_tasks(&counts))
                .context("no point to draw a timeline of")?;
            let title = format!("The schedule at N={tasks}: {title}");
            write(path, &gantt::Gantt { title, tasks }.export(reports)?)?;
        }
        if let Some(path) = &self.chart {
            write(path, &chart::Chart { title }.export(reports)?)?;
        }
        Ok(())
    }

    /// Prints `summary` (the table and verdicts) to stdout, unless an export already goes there
    /// (or the JSON report does: `json_to_stdout`); then it goes to stderr, so stdout holds one
    /// document.
    pub fn print(&self, summary: &str, json_to_stdout: bool) {
        let to_stdout = json_to_stdout
            || [
                &self.csv,
                &self.markdown,
                &self.chart,
                &self.trace,
                &self.timeline,
            ]
            .iter()
            .any(|p| p.as_deref().is_some_and(is_stdout));
        if to_stdout {
            eprint!("{summary}");
        } else {
            print!("{summary}");
        }
    }

    /// Says on stderr which file each export went to.
    pub fn say_written(&self) {
        for (path, what) in [
            (&self.csv, "CSV"),
            (&self.markdown, "summary"),
            (&self.chart, "chart"),
            (&self.trace, "trace (open it in ui.perfetto.dev)"),
            (&self.timeline, "timeline"),
        ] {
            if let Some(p) = path.as_deref().filter(|p| !is_stdout(p)) {
                eprintln!("wrote the {what} to {}", p.display());
            }
        }
    }
}

/// Whether `path` is `-`, which [`write`] takes for stdout.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
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
    fn exports_write_only_what_was_asked_and_the_appendix_after_the_summary() {
        use gilwall_core::report::{Machine, Point, PointSpec, ReportRuntime};
        let dir = tempfile::tempdir().unwrap();
        let spec = PointSpec {
            strategy: "async".into(),
            tasks: 2,
            workers: None,
            io_ms: 100.0,
            cpu_ms: 50.0,
            cpu_iters: None,
            kernel: Some("sqrt".into()),
            payload_bytes: 1024,
        };
        let mut report = Report::new(ReportRuntime::Native, Machine::default(), "now".into());
        report.points = vec![Point::new(spec, vec![200.0], 200.0, 0).unwrap()];
        let exports = Exports {
            markdown: Some(dir.path().join("s.md")),
            ..Exports::default()
        };
        exports
            .write(&[report], "t".into(), Some("APPENDIX\n"))
            .unwrap();
        let md = std::fs::read_to_string(dir.path().join("s.md")).unwrap();
        assert!(
            md.contains("| async") && md.ends_with("\nAPPENDIX\n"),
            "{md}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "only the summary was asked for");
        assert!(is_stdout(Path::new("-")) && !is_stdout(Path::new("a.svg")));
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
