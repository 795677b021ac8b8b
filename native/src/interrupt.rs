//! Ctrl-C (SIGINT) and SIGTERM during a sweep. Every point so far is already on disk (saved
//! atomically after each), so a signal only has to stop the sweep: the handler sets a stop flag,
//! [`interruptible`] returns [`Interrupted`] as soon as it sees the flag, even in the middle of a
//! long point, and the error travels up to `main`, which prints where the points are and how to
//! go on, and exits with 130.
//!
//! Returning instead of calling `std::process::exit` from the handler is the point: on the way
//! up every `Drop` runs, so a feature server in a child process is killed and reaped and the
//! in-process one is stopped. A repeat still running is abandoned on its thread and dies with the
//! process when `main` returns; its worker processes then read the end of their lifeline.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

static STATE: Mutex<Option<(PathBuf, usize)>> = Mutex::new(None);
static STOP: AtomicBool = AtomicBool::new(false);

/// How often [`interruptible`] looks at the stop flag: short enough that a signal ends a sweep
/// well within a second, long enough to cost nothing beside a run.
const POLL: Duration = Duration::from_millis(50);

/// A signal (SIGINT, SIGTERM) stopped the sweep. Its message says where the points measured so
/// far are saved and how to resume; `main` exits with 130 for it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(String);

impl Interrupted {
    fn now() -> Interrupted {
        let state = STATE.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Interrupted(match state {
            Some((path, n)) if n > 0 => format!(
                "interrupted: {n} point(s) are saved in {}; continue with --resume {}",
                path.display(),
                path.display()
            ),
            Some(_) => "interrupted before the first point was measured; nothing to save".into(),
            None => "interrupted".into(),
        })
    }
}

/// Installs the handler for SIGINT and SIGTERM, for a sweep saving into `path`. A second signal
/// while the first is being handled exits at once (the lifelines still end every child).
pub fn watch(path: &Path) {
    *STATE.lock().unwrap_or_else(|p| p.into_inner()) = Some((path.to_path_buf(), 0));
    // Installing fails only if a handler is already set (a second sweep in this process),
    // and that one sets the same flag.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            eprintln!("\n{}", Interrupted::now());
            std::process::exit(130);
        }
    });
}

/// Whether a signal asked the sweep to stop.
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Notes that `points` points are now saved.
pub fn saved(points: usize) {
    if let Some((_, n)) = STATE.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        *n = points;
    }
}

/// Runs `f` on a thread of its own and returns its result, or [`Interrupted`] as soon as a
/// signal sets the stop flag (at once if it is set already). An interrupted `f` is abandoned: it
/// runs on until the process ends, so the caller should return to `main` promptly. A panic in `f`
/// is resumed here.
pub fn interruptible<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Interrupted> {
    run_unless(&STOP, f)
}

/// [`interruptible`] with the flag to watch as an argument, so tests need not raise the
/// process's own.
fn run_unless<T: Send + 'static>(
    stop: &AtomicBool,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Interrupted> {
    if stop.load(Ordering::SeqCst) {
        return Err(Interrupted::now());
    }
    // `f` waits here until its thread takes it, so that if no thread can be started it is still
    // here to run on this one.
    let job = Arc::new(Mutex::new(Some(f)));
    let theirs = Arc::clone(&job);
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("gilwall-run".into())
        .spawn(move || {
            let f = theirs.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(f) = f {
                // The receiver is gone only if the caller was interrupted and stopped waiting.
                let _ = tx.send(f());
            }
        });
    let handle = match spawned {
        Ok(handle) => handle,
        Err(_) => {
            // No thread to spare: run it here, only then a signal waits for it to finish.
            let f = job.lock().unwrap_or_else(|p| p.into_inner()).take();
            // The thread never started, so nothing else took `f`.
            return Ok(f
                .expect("the job is still here when its thread did not start")(
            ));
        }
    };
    loop {
        match rx.recv_timeout(POLL) {
            Ok(value) => return Ok(value),
            Err(mpsc::RecvTimeoutError::Timeout) if stop.load(Ordering::SeqCst) => {
                return Err(Interrupted::now());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // The sender went away without sending: `f` panicked.
            Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!("the run's thread sends its result before it ends"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_run_returns_its_value_and_a_panic_is_resumed() {
        let stop = AtomicBool::new(false);
        assert_eq!(run_unless(&stop, || 6 * 7).unwrap(), 42);
        let caught = std::panic::catch_unwind(|| run_unless(&stop, || panic!("boom")));
        assert!(caught.is_err());
    }

    #[test]
    fn a_raised_flag_ends_a_long_run_early() {
        static STOP_SOON: AtomicBool = AtomicBool::new(false);
        let t0 = Instant::now();
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            STOP_SOON.store(true, Ordering::SeqCst);
        });
        let long = run_unless(&STOP_SOON, || std::thread::sleep(Duration::from_secs(30)));
        assert!(long.is_err());
        // Far below the 30 s run, with room for a busy machine.
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
        assert!(
            run_unless(&STOP_SOON, || ()).is_err(),
            "a raised flag stops the next run"
        );
    }
}
