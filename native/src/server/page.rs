//! The demo page's files: a built `www` folder on disk, or — in a `gilwall` built with the
//! feature `page`, as `cargo xtask install` builds it — the copy of `www/` inside the binary.
//!
//! A page is *built* when its wasm is there beside `index.html` (`pkg/gilwall_web.js` and
//! `pkg/gilwall_web_bg.wasm`, which `cargo xtask web` writes): without them the page would sit
//! at "loading…" forever, so nothing serves a page that is not built. The shared-memory build
//! (`pkg-threads/`) is optional: without it the page offers `wasm-threads` as unavailable.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The files without which the page cannot start, relative to the page's folder.
pub const REQUIRED: [&str; 3] = [
    "index.html",
    "pkg/gilwall_web.js",
    "pkg/gilwall_web_bg.wasm",
];

/// The command that builds a `gilwall` with the page inside, for messages.
pub const INSTALL_COMMAND: &str = "cargo xtask install";

/// The command that builds the page's wasm in a checkout, for messages.
pub const BUILD_COMMAND: &str = "cargo xtask web";

/// The first of [`REQUIRED`] missing from `dir`, or `None` when the page there is built.
pub fn missing_in(dir: &Path) -> Option<&'static str> {
    REQUIRED.into_iter().find(|f| !dir.join(f).is_file())
}

/// Whether this binary was built with the page inside (feature `page`).
pub const INSIDE: bool = cfg!(feature = "page");

/// The first of [`REQUIRED`] missing from the page inside this binary; `Some("index.html")`
/// when it has none at all (built without the feature).
pub fn missing_inside() -> Option<&'static str> {
    REQUIRED.into_iter().find(|f| file_inside(f).is_none())
}

/// A file of the page inside this binary, with its content type; `None` if there is no such
/// file (or no page inside). `path` is relative, with `/` separators: the lookup is in a table
/// of the files that were embedded, so no path can reach anything else.
pub fn file_inside(path: &str) -> Option<(Cow<'static, [u8]>, String)> {
    #[cfg(feature = "page")]
    {
        Embedded::get(path).map(|f| (f.data, f.metadata.mimetype().to_string()))
    }
    #[cfg(not(feature = "page"))]
    {
        let _ = path;
        None
    }
}

/// The paths of every file of the page inside this binary (empty without the feature).
pub fn files_inside() -> Vec<String> {
    #[cfg(feature = "page")]
    {
        Embedded::iter().map(|p| p.into_owned()).collect()
    }
    #[cfg(not(feature = "page"))]
    {
        Vec::new()
    }
}

/// Where a static export takes the page from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A built page in this folder.
    Dir(PathBuf),
    /// The page inside this binary.
    Inside,
}

/// The line of `index.html` that starts the page, and what a static export puts there instead.
const START: &str = r#"<script type="module" src="app.js"></script>"#;
const STATIC_START: &str = r#"<script src="static.js"></script>"#;

/// Why a static export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The destination holds files already.
    #[error(
        "{}: not empty; pick a new folder, or pass --force to write over what is there",
        .0.display()
    )]
    NotEmpty(PathBuf),
    /// The source lacks a file the static page needs.
    #[error("the page to export has no {0}; build it again (`cargo xtask web`)")]
    Missing(String),
    /// `index.html` does not start the page the way the export knows how to change.
    #[error("index.html has no `{START}` line to replace with the static page's start")]
    NoStart,
    /// Reading or writing a file failed.
    #[error("{}", .0.display())]
    Io(PathBuf, #[source] std::io::Error),
}

/// Writes a copy of the page into `out` that runs from any static file server: every file of
/// the page, with `index.html` starting `static.js` (which registers `sw.js`, the service worker
/// standing in for gilwall serve) instead of `app.js`. Refuses a folder with files in it unless
/// `force`. Returns how many files it wrote.
pub fn export_static(source: &Source, out: &Path, force: bool) -> Result<usize, ExportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e| ExportError::Io(path, e)
    };
    let files: Vec<(String, Cow<'static, [u8]>)> = match source {
        Source::Inside => files_inside()
            .into_iter()
            .filter_map(|f| file_inside(&f).map(|(data, _)| (f, data)))
            .collect(),
        Source::Dir(dir) => {
            let mut found = Vec::new();
            walk(dir, dir, &mut found)?;
            found
        }
    };
    let names: Vec<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
    for needed in REQUIRED.iter().chain(&["sw.js", "static.js", "app.js"]) {
        if !names.contains(needed) {
            return Err(ExportError::Missing((*needed).to_string()));
        }
    }
    let occupied = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some());
    if occupied && !force {
        return Err(ExportError::NotEmpty(out.to_path_buf()));
    }
    for (name, data) in &files {
        let path = out.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let data: Cow<[u8]> = if name == "index.html" {
            let html = String::from_utf8_lossy(data);
            if !html.contains(START) {
                return Err(ExportError::NoStart);
            }
            Cow::Owned(html.replacen(START, STATIC_START, 1).into_bytes())
        } else {
            Cow::Borrowed(data)
        };
        std::fs::write(&path, data).map_err(io(&path))?;
    }
    Ok(files.len())
}

/// Every file under `dir`, as paths relative to `root` with `/` separators.
fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, Cow<'static, [u8]>)>,
) -> Result<(), ExportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ExportError::Io(dir.to_path_buf(), e))?;
    for entry in entries {
        let path = entry
            .map_err(|e| ExportError::Io(dir.to_path_buf(), e))?
            .path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            let data = std::fs::read(&path).map_err(|e| ExportError::Io(path.clone(), e))?;
            // `path` came from walking `root`, so it lies under it.
            let rel = path.strip_prefix(root).expect("walked from root");
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, Cow::Owned(data)));
        }
    }
    Ok(())
}

/// `www/` as it was when the binary was built. rust-embed turns each file into an
/// `include_bytes!`, so cargo rebuilds when one changes; `debug-embed` embeds in debug builds
/// too (by default they would read the folder at run time, which an installed binary must not).
#[cfg(feature = "page")]
#[derive(rust_embed::Embed)]
#[folder = "../www/"]
struct Embedded;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_the_wasm_is_not_a_built_page() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(missing_in(dir.path()), Some("index.html"));
        std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        assert_eq!(missing_in(dir.path()), Some("pkg/gilwall_web.js"));
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/gilwall_web.js"), "").unwrap();
        std::fs::write(dir.path().join("pkg/gilwall_web_bg.wasm"), "").unwrap();
        assert_eq!(missing_in(dir.path()), None);
    }

    fn built_page(dir: &Path) {
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        for f in REQUIRED.iter().chain(&["sw.js", "static.js", "app.js"]) {
            std::fs::write(dir.join(f), f.as_bytes()).unwrap();
        }
        std::fs::write(
            dir.join("index.html"),
            format!("<head>\n  {START}\n</head>"),
        )
        .unwrap();
    }

    #[test]
    fn a_static_export_starts_static_js_and_refuses_a_full_folder() {
        let src = tempfile::tempdir().unwrap();
        built_page(src.path());
        let out = tempfile::tempdir().unwrap();
        let n = export_static(&Source::Dir(src.path().into()), out.path(), false).unwrap();
        assert_eq!(n, 6);
        let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
        assert!(
            html.contains(STATIC_START) && !html.contains(START),
            "{html}"
        );
        assert_eq!(
            std::fs::read(out.path().join("pkg/gilwall_web_bg.wasm")).unwrap(),
            b"pkg/gilwall_web_bg.wasm"
        );
        let again = export_static(&Source::Dir(src.path().into()), out.path(), false);
        assert!(matches!(again, Err(ExportError::NotEmpty(_))), "{again:?}");
        assert!(export_static(&Source::Dir(src.path().into()), out.path(), true).is_ok());
    }

    #[test]
    fn an_export_without_the_service_worker_or_its_start_line_is_refused() {
        let src = tempfile::tempdir().unwrap();
        built_page(src.path());
        std::fs::remove_file(src.path().join("sw.js")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let e = export_static(&Source::Dir(src.path().into()), out.path(), false).unwrap_err();
        assert!(e.to_string().contains("sw.js"), "{e}");
        built_page(src.path());
        std::fs::write(src.path().join("index.html"), "<head></head>").unwrap();
        let e = export_static(&Source::Dir(src.path().into()), out.path(), false).unwrap_err();
        assert!(matches!(e, ExportError::NoStart), "{e}");
    }

    #[test]
    fn the_page_inside_is_whole_exactly_when_built_with_it() {
        if INSIDE {
            assert_eq!(
                missing_inside(),
                None,
                "built with `page` but without the wasm"
            );
            let (_, mime) = file_inside("pkg/gilwall_web_bg.wasm").unwrap();
            assert_eq!(mime, "application/wasm");
            assert!(files_inside().iter().any(|f| f == "index.html"));
        } else {
            assert_eq!(missing_inside(), Some("index.html"));
            assert!(files_inside().is_empty());
        }
    }
}
