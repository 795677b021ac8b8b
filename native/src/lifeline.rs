//! The lifeline: how a gilwall child process (the feature server's process, a `processes`
//! worker) knows that the process that started it is gone, however it ended.
//!
//! The parent starts every child with a pipe as its stdin and holds the writing end for as long
//! as it needs the child. When the parent ends — returning from `main`, a panic, or a signal it
//! cannot catch such as SIGKILL — the kernel closes that end, and the child reads end of file.
//! A thread of the child reads its stdin for the whole of its life, so it sees that end at once
//! even while the rest of the child is busy fetching or computing, and ends the child.
//!
//! A pipe rather than `PR_SET_PDEATHSIG`: it needs no unsafe code and no crate, and it is tied to
//! the parent *process*, while a parent-death signal fires when the *thread* that spawned the
//! child ends (the `processes` strategy spawns its workers from a repeat's own thread). Rust's
//! standard library opens every pipe close-on-exec, so no other child inherits a writing end and
//! keeps a lifeline open by mistake.
//!
//! Children also run in a process group of their own ([`command`]), so the terminal's Ctrl-C
//! reaches only the parent. Otherwise the signal would race through the tree: a worker killed by
//! it before the parent saw it would turn a clean stop into a "worker process failed" error. The
//! parent alone decides, and its children follow through their lifelines.
//!
//! **Architecture Invariant:** no child process outlives its parent, by any signal.

use std::ffi::OsStr;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A command for a child on a lifeline: `program` with a piped stdin (whose writing end the
/// parent must hold for as long as it needs the child) in a process group of its own, so signals
/// meant for the parent's group (the terminal's Ctrl-C) reach the parent only.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command.stdin(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command
}

/// How long a child whose parent is gone may take to end by itself before it is ended anyway: a
/// clean shutdown (the server's) gets this long, then the process exits regardless.
pub const GRACE: Duration = Duration::from_secs(1);

/// Reads stdin on a thread of its own for the rest of the process's life, sending each line to
/// the returned receiver. When stdin ends — the parent closed it or is gone — it calls
/// `parent_gone`, then, if the process is still alive [`GRACE`] later, exits it (code 0: the
/// child did what it was asked for as long as someone was there to ask).
///
/// A line that cannot be read (not UTF-8, say) ends stdin as end of file does: the parent
/// writes only JSON lines, so whatever sends anything else is not a parent to serve.
pub fn watch_stdin(parent_gone: impl FnOnce() + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let watcher = move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            // A receiver that is gone no longer wants lines, but the end of stdin still matters,
            // so keep reading to it.
            let _ = tx.send(line);
        }
        drop(tx);
        parent_gone();
        std::thread::sleep(GRACE);
        std::process::exit(0);
    };
    if let Err(e) = std::thread::Builder::new()
        .name("gilwall-lifeline".into())
        .spawn(watcher)
    {
        // Without the watcher the child could outlive its parent, which is never acceptable:
        // refuse to run at all.
        eprintln!("error: cannot start the thread that watches for the parent's end: {e}");
        std::process::exit(1);
    }
    rx
}
