//! No gilwall process outlives the one that started it (issue 12): a `gilwall run` whose feature
//! server runs in a child process, stopped by SIGINT, SIGTERM or SIGKILL while its `processes`
//! workers are in the middle of their kernels, leaves no descendant behind; SIGINT and SIGTERM end it with 130 and say
//! where the saved points are. Also: the server's child mode ends when its stdin (its lifeline)
//! closes, and `gilwall serve` ends cleanly on SIGTERM.
//!
//! Everything runs the real binary. Processes are found through `/proc` (Linux).

use gilwall::server::{Listening, ServerConfig};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long every descendant has to end after the signal.
const DEADLINE: Duration = Duration::from_secs(2);

/// One process as `/proc/PID/stat` shows it: its parent, its state, and when it started (which
/// tells it apart from a later process that reuses its PID).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stat {
    ppid: u32,
    state: char,
    start: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces or parentheses itself; the fields
    // after the last ')' are plain: state, ppid, … and starttime is the 20th of them.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Every process descended from `root`, with its stat.
fn descendants(root: u32) -> HashMap<u32, Stat> {
    let mut all = HashMap::new();
    for entry in std::fs::read_dir("/proc")
        .expect("/proc is there on Linux")
        .flatten()
    {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(s) = stat(pid) {
            all.insert(pid, s);
        }
    }
    let mut found = HashMap::new();
    let mut parents = vec![root];
    while let Some(parent) = parents.pop() {
        for (&pid, s) in &all {
            if s.ppid == parent && found.insert(pid, *s).is_none() {
                parents.push(pid);
            }
        }
    }
    found
}

/// Whether the process recorded as `was` still runs: same PID, same start, and not a zombie
/// (a zombie has ended; only its parent, or init once the parent is gone, has yet to reap it).
fn still_running(pid: u32, was: Stat) -> bool {
    stat(pid).is_some_and(|now| now.start == was.start && now.state != 'Z')
}

/// A sweep whose server must run in a child process: the open-files limit is lowered to 256,
/// and 100 tasks over HTTP/1.1 (forced: left to itself, `run` would share HTTP/2 connections)
/// need 2 × 100 + 64 descriptors with the server in the same process. Each task
/// fetches for 100 ms and computes for 3 s, on 2 worker processes: the first point (N = 2) takes
/// about 3 s, the second (N = 100) about 150 s.
/// It runs in a process group of its own, so a signal can be sent to the group as a terminal's
/// Ctrl-C is, without reaching this test.
fn start_sweep(dir: &Path) -> Child {
    let report = dir.join("sweep.json");
    let log = std::fs::File::create(dir.join("stderr.txt")).expect("the temp dir is writable");
    Command::new("sh")
        .process_group(0)
        .args(["-c", r#"ulimit -n 256 && exec "$0" "$@""#])
        .arg(env!("CARGO_BIN_EXE_gilwall"))
        .args(["run", "--strategy", "processes", "--tasks", "2,100"])
        .args(["--workers", "2", "--io-ms", "100", "--cpu-ms", "3000"])
        .arg("--http1")
        .arg("--export-json")
        .arg(&report)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("sh runs")
}

/// Waits until the first point is saved and the second point's workers are in the middle of
/// their kernels (where only the lifeline can end them: a worker that noticed its parent's end
/// only when its answer found no reader would live on for seconds), and returns the sweep's
/// descendants.
fn wait_for_children(root: &mut Child, dir: &Path) -> HashMap<u32, Stat> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = root.try_wait().expect("waiting on the sweep") {
            panic!("the sweep ended early ({status}): {}", stderr(dir));
        }
        let saved = gilwall_core::report::Report::from_json(
            &std::fs::read(dir.join("sweep.json")).unwrap_or_default(),
        )
        .map_or(0, |r| r.points.len());
        let found = descendants(root.id());
        let has = |what: &str| found.keys().any(|&pid| cmdline(pid).contains(what));
        if saved == 1 && has("serve --config-stdin") && has(" worker") {
            // Past the 100 ms fetch, into the 3 s kernel.
            std::thread::sleep(Duration::from_millis(600));
            return descendants(root.id());
        }
        if Instant::now() >= deadline {
            // Killed by SIGKILL, the sweep's children follow through their lifelines, so a
            // failed test leaves nothing running.
            let _ = root.kill();
            let _ = root.wait();
            panic!(
                "no saved point, server process and worker after 120 s: {found:?}\n{}",
                stderr(dir)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stderr(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default()
}

/// Who gets a signal.
#[derive(Debug, Clone, Copy)]
enum To {
    /// The process alone, as `kill PID` sends it.
    Process,
    /// Its whole process group, as a terminal sends Ctrl-C to the job in the foreground.
    Group,
}

fn send(signal: &str, pid: u32, to: To) {
    let target = match to {
        To::Process => pid.to_string(),
        To::Group => format!("-{pid}"),
    };
    let sent = Command::new("kill")
        .args(["-s", signal, "--", &target])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -s {signal} -- {target} failed");
}

/// Sends `signal` to a sweep in the middle of its `processes` point and checks that it and all
/// its descendants are gone within [`DEADLINE`]; returns how it ended and what it printed.
fn interrupt_sweep(signal: &str, to: To) -> (ExitStatus, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut sweep = start_sweep(dir.path());
    let children = wait_for_children(&mut sweep, dir.path());
    assert!(
        stderr(dir.path()).contains("the feature server runs in its own process"),
        "{}",
        stderr(dir.path())
    );
    send(signal, sweep.id(), to);
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = sweep.try_wait().expect("waiting on the sweep") {
            break status;
        }
        if sent.elapsed() > DEADLINE {
            let _ = sweep.kill();
            panic!(
                "gilwall run was still running {DEADLINE:?} after SIG{signal}:\n{}",
                stderr(dir.path())
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut left: HashSet<u32> = children.keys().copied().collect();
    while !left.is_empty() && sent.elapsed() < DEADLINE {
        left.retain(|pid| still_running(*pid, children[pid]));
        std::thread::sleep(Duration::from_millis(10));
    }
    left.retain(|pid| still_running(*pid, children[pid]));
    let named: Vec<String> = left
        .iter()
        .map(|&pid| format!("{pid}: {}", cmdline(pid)))
        .collect();
    assert!(
        named.is_empty(),
        "still running {DEADLINE:?} after SIG{signal} to gilwall run: {named:?}"
    );
    (status, stderr(dir.path()), dir)
}

/// For SIGINT and SIGTERM: exit code 130, and the message names the saved file, which holds the
/// point measured before the signal.
fn assert_stopped_cleanly(signal: &str, to: To) {
    let (status, stderr, dir) = interrupt_sweep(signal, to);
    let report = dir.path().join("sweep.json");
    assert_eq!(status.code(), Some(130), "SIG{signal}: {stderr}");
    assert!(
        stderr.contains(&format!(
            "interrupted: 1 point(s) are saved in {}; continue with --resume {}",
            report.display(),
            report.display()
        )),
        "SIG{signal}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "SIG{signal}: {stderr}");
    let saved = gilwall_core::report::Report::from_json(&std::fs::read(&report).unwrap())
        .expect("the saved report is valid");
    assert_eq!(saved.points.len(), 1, "SIG{signal}");
}

#[test]
fn sigint_mid_point_ends_the_sweep_and_every_child() {
    assert_stopped_cleanly("INT", To::Process);
}

#[test]
fn ctrl_c_at_a_terminal_ends_the_sweep_cleanly_and_every_child() {
    // Only gilwall run may get it: a worker killed by it first would turn the clean stop into
    // a failed point.
    assert_stopped_cleanly("INT", To::Group);
}

#[test]
fn sigterm_mid_point_ends_the_sweep_and_every_child() {
    assert_stopped_cleanly("TERM", To::Process);
}

#[test]
fn sigkill_mid_point_leaves_no_child_behind() {
    let (status, stderr, _dir) = interrupt_sweep("KILL", To::Process);
    assert_eq!(status.signal(), Some(9), "{stderr}");
}

#[test]
fn the_server_process_speaks_json_lines_and_ends_when_its_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(["serve", "--config-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let config = ServerConfig {
        max_delay_ms: 500.0,
        ..ServerConfig::default()
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    writeln!(stdin, "{}", serde_json::to_string(&config).unwrap()).unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    stdout.read_line(&mut first).unwrap();
    let Listening { listening } = serde_json::from_str(&first).expect("a {\"listening\"} line");
    assert!(listening.starts_with("http://127.0.0.1:"), "{listening}");
    let health = reqwest::blocking::get(format!("{listening}/healthz")).expect("it serves");
    assert_eq!(health.status(), 200);
    // A delay within the default cap but beyond the one sent shows that the configuration came.
    let over = reqwest::blocking::get(format!("{listening}/delay/1")).expect("it answers");
    assert_eq!(over.status(), 400, "max_delay_ms was sent as 500");

    drop(stdin);
    let closed = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            closed.elapsed() < DEADLINE,
            "the server process outlived its stdin by {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn gilwall_serve_ends_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(["serve", "--port", "0", "--no-www"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut first)
        .unwrap();
    assert!(
        first.starts_with("gilwall: feature server at http://127.0.0.1:"),
        "{first}"
    );
    send("TERM", child.id(), To::Process);
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(sent.elapsed() < DEADLINE, "gilwall serve ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{status}");
}

/// `gilwall app --strategy processes` is gunicorn `-w 2`: a parent that only waits and two
/// worker processes on one port. Killed by SIGKILL while a worker is in the middle of a
/// one-second kernel, the parent takes its workers with it (their lifelines break).
#[test]
fn sigkill_to_the_processes_app_ends_its_workers() {
    let mut app = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args([
            "app",
            "--strategy",
            "processes",
            "--workers",
            "2",
            "--port",
            "0",
        ])
        .args(["--io-ms", "10", "--cpu-ms", "1000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut first = String::new();
    BufReader::new(app.stdout.take().expect("stdout is piped"))
        .read_line(&mut first)
        .unwrap();
    let Some(url) = first.split_whitespace().find(|w| w.starts_with("http://")) else {
        let _ = app.kill();
        panic!("no URL in the app's first line {first:?}");
    };
    // A request whose kernel holds a worker when the signal comes; its answer never comes.
    let url = url.to_string();
    std::thread::spawn(move || {
        let _ = reqwest::blocking::Client::new().get(url).send();
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let children = loop {
        let found = descendants(app.id());
        if found.len() >= 2 {
            break found;
        }
        if Instant::now() > deadline {
            let _ = app.kill();
            panic!("the app started {} worker processes, not 2", found.len());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Into the kernel: the fetch takes 10 ms, the kernel a second.
    std::thread::sleep(Duration::from_millis(300));
    app.kill().expect("SIGKILL reaches the app");
    let killed = Instant::now();
    assert_eq!(app.wait().unwrap().signal(), Some(9));
    loop {
        let left: Vec<String> = children
            .iter()
            .filter(|&(&pid, &was)| still_running(pid, was))
            .map(|(&pid, _)| format!("{pid} {}", cmdline(pid)))
            .collect();
        if left.is_empty() {
            break;
        }
        if killed.elapsed() > DEADLINE {
            for pid in children.keys() {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
            panic!("workers outlived the killed app by {DEADLINE:?}: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
