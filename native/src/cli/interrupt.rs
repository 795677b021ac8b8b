//! Ctrl-C during a sweep: every point so far is already on disk (saved atomically after each),
//! so the handler only says where and how to go on, then exits with 130.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static STATE: Mutex<Option<(PathBuf, usize)>> = Mutex::new(None);

/// Installs the handler for a sweep saving into `path`.
pub fn watch(path: &Path) {
    *STATE.lock().unwrap_or_else(|p| p.into_inner()) = Some((path.to_path_buf(), 0));
    // Installing fails only if a handler is already set (a second sweep in this process),
    // and that one reads the same state.
    let _ = ctrlc::set_handler(|| {
        let state = STATE.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match state {
            Some((path, n)) if n > 0 => eprintln!(
                "\ninterrupted: {n} point(s) are saved in {}; continue with --resume {}",
                path.display(),
                path.display()
            ),
            _ => {
                eprintln!("\ninterrupted before the first point was measured; nothing to save")
            }
        }
        std::process::exit(130);
    });
}

/// Notes that `points` points are now saved.
pub fn saved(points: usize) {
    if let Some((_, n)) = STATE.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        *n = points;
    }
}
