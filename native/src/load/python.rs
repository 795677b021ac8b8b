//! `gilwall load --python`: the article's app served by Python (`python/gilwall_app.py`, on
//! aiohttp, in the companion's virtual environment), so Python's tail-latency cliff is measured
//! by the same generator as gilwall's and sits beside it on one chart.
//!
//! Each [`PyApp`] is named after what Python users deploy and is modelled by the gilwall
//! schedule it has ([`PyApp::schedule`]); the point says which (`modelled_as`), and that Python
//! served it (`runtime: "python"`). The model takes the CPU per request that Python measured.
//!
//! The app runs as a child on a lifeline: its stdin is held here, and it stops when stdin ends,
//! by any signal to this process; its own pool or worker processes stop when it does.

use crate::python::PythonEnv;
use anyhow::{Context, Result};
use gilwall_core::StrategyId;
use gilwall_core::load::UNBOUNDED;
use gilwall_core::serving::AppModel;
use gilwall_core::strategy::Schedule;
use serde::Deserialize;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Stdio};

/// One of the Python app's strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyApp {
    /// The CPU inline in the handler: a FastAPI `async def` doing CPU work. One event loop
    /// runs every request's CPU, so it is gilwall's `async`.
    Asyncio,
    /// `loop.run_in_executor(None, ...)`, the default ThreadPoolExecutor (article step 3). The
    /// fetch stays on the loop; under the GIL the pool's threads take turns (gilwall's `gil`),
    /// on a free-threaded build they compute at once (`threads`).
    Executor,
    /// A `ProcessPoolExecutor` for the CPU (article step 4): gilwall's `processes`.
    ProcessPool,
    /// P aiohttp processes on one port (`SO_REUSEPORT`), CPU inline in each: gunicorn `-w P`
    /// with uvicorn workers, gilwall's `processes`.
    Workers,
}

impl PyApp {
    /// Every strategy, in the article's order.
    pub const ALL: [PyApp; 4] = [
        PyApp::Asyncio,
        PyApp::Executor,
        PyApp::ProcessPool,
        PyApp::Workers,
    ];

    /// The name the app takes and the points carry.
    pub fn as_str(self) -> &'static str {
        match self {
            PyApp::Asyncio => "asyncio",
            PyApp::Executor => "executor",
            PyApp::ProcessPool => "process-pool",
            PyApp::Workers => "workers",
        }
    }

    /// The gilwall strategy whose schedule it has.
    pub fn modelled_as(self, gil_enabled: bool) -> StrategyId {
        match self {
            PyApp::Asyncio => StrategyId::Async,
            PyApp::Executor if gil_enabled => StrategyId::Gil,
            PyApp::Executor => StrategyId::Threads,
            PyApp::ProcessPool | PyApp::Workers => StrategyId::Processes,
        }
    }

    /// What the open model needs: every request admitted (the fetch is on an event loop in all
    /// four), and the CPU on one executor (the loop; the GIL) or on the `pool`'s.
    pub fn schedule(self, gil_enabled: bool, pool: u32) -> Schedule {
        let cpu_executors = match self {
            PyApp::Asyncio => 1,
            PyApp::Executor if gil_enabled => 1,
            PyApp::Executor | PyApp::ProcessPool | PyApp::Workers => pool.max(1),
        };
        Schedule {
            slots: UNBOUNDED,
            cpu_executors,
        }
    }

    /// How it serves a stream, for core's open model (`serving`): every request's fetch starts
    /// on the one event loop that also runs `asyncio`'s CPU (as gilwall's `async` app);
    /// `executor` under the GIL computes on threads that share one core; `process-pool` queues
    /// every request's CPU for the one pool; `workers` are P such event loops, each a queue of
    /// its own, with requests spread over them by the kernel (as gilwall's `processes`).
    pub fn serving(self, gil_enabled: bool, pool: u32, cores: u32) -> AppModel {
        match self {
            PyApp::Asyncio | PyApp::Workers => {
                gilwall_core::serving::app_model(self.modelled_as(gil_enabled), pool, cores)
            }
            PyApp::Executor if gil_enabled => {
                gilwall_core::serving::app_model(StrategyId::Gil, pool, cores)
            }
            PyApp::Executor | PyApp::ProcessPool => AppModel {
                schedule: self.schedule(gil_enabled, pool),
                cores: cores.max(1),
                queues: 1,
                loop_starts_fetch: false,
            },
        }
    }

    /// The pool it gets unless told: concurrent.futures' default thread count for `executor`
    /// (`min(32, cores + 4)`), one process per core for the others; `asyncio` has none.
    pub fn default_pool(self, cores: u32) -> Option<u32> {
        match self {
            PyApp::Asyncio => None,
            PyApp::Executor => Some((cores + 4).min(32)),
            PyApp::ProcessPool | PyApp::Workers => Some(cores.max(1)),
        }
    }
}

impl std::str::FromStr for PyApp {
    type Err = String;

    fn from_str(s: &str) -> Result<PyApp, String> {
        PyApp::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| {
                let all: Vec<&str> = PyApp::ALL.iter().map(|a| a.as_str()).collect();
                format!(
                    "{s:?} is not a Python app strategy; expected one of: {}",
                    all.join(", ")
                )
            })
    }
}

impl std::fmt::Display for PyApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the Python app runs from.
#[derive(Debug, Clone)]
pub struct PythonLoad {
    /// The Python strategies to drive, in turn, after gilwall's.
    pub apps: Vec<PyApp>,
    /// The interpreter with the GIL that makes the virtual environment.
    pub python: OsString,
    /// The virtual environment (the companion's; a free-threaded one is beside it, named with
    /// `-free-threaded`).
    pub venv: PathBuf,
    /// Run on a free-threaded CPython: `Some(None)` finds or builds one, `Some(Some(path))`
    /// uses that one.
    pub free_threaded: Option<Option<OsString>>,
    /// Where a free-threaded build is kept.
    pub cache: PathBuf,
}

impl PythonLoad {
    /// Makes (or reuses) the environment the app runs in.
    pub fn environment(&self) -> Result<PythonEnv> {
        use crate::python::{free_threaded, venv};
        match &self.free_threaded {
            Some(explicit) => {
                let python = free_threaded::find_or_build(explicit.as_deref(), &self.cache)?;
                let mut dir = self.venv.clone().into_os_string();
                dir.push("-free-threaded");
                venv::ensure(&python, &PathBuf::from(dir))
            }
            None => venv::ensure(&self.python, &self.venv),
        }
    }
}

/// The app's first line on stdout, once it serves.
#[derive(Debug, Clone, Deserialize)]
pub struct Hello {
    /// Its base URL.
    pub listening: String,
    /// e.g. "CPython 3.11.7".
    pub interpreter: String,
    /// Whether the GIL is on.
    pub gil_enabled: bool,
    /// Its pool's threads or processes, where it has one.
    pub workers: Option<u32>,
}

/// What the app is asked to serve.
#[derive(Debug, Clone)]
pub struct AppArgs {
    /// The strategy.
    pub app: PyApp,
    /// The feature server's base URL.
    pub feature_url: String,
    /// Fetch delay per request, ms.
    pub io_ms: f64,
    /// CPU per request, ms of the article's loop as calibrated in the interpreter.
    pub cpu_ms: f64,
    /// Its pool, where it has one (default: [`PyApp::default_pool`]).
    pub workers: Option<u32>,
    /// Requests admitted at once; the rest get 503.
    pub max_in_flight: u32,
}

/// The Python app as a child process. Dropping it ends it (and, through their own watch on it,
/// its pool or worker processes) and reaps it.
pub struct PythonApp {
    child: Child,
    lifeline: Option<ChildStdin>,
    /// What it said once it served.
    pub hello: Hello,
}

impl PythonApp {
    /// Starts `gilwall_app.py` in `env` for `args` and waits until it serves.
    pub fn start(env: &PythonEnv, args: &AppArgs) -> Result<PythonApp> {
        let mut command = crate::lifeline::command(&env.python);
        command
            .arg(&env.app)
            .args(["--lifeline", "--strategy", args.app.as_str()])
            .args(["--feature-url", &args.feature_url])
            .args(["--io-ms", &args.io_ms.to_string()])
            .args(["--cpu-ms", &args.cpu_ms.to_string()])
            .args(["--max-in-flight", &args.max_in_flight.to_string()]);
        if let Some(w) = args.workers.filter(|_| args.app != PyApp::Asyncio) {
            command.args(["--workers", &w.to_string()]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", env.python.display()))?;
        // Both pipes were asked for above, so they are there.
        let lifeline = child.stdin.take().expect("the app's stdin is piped");
        let stdout = child.stdout.take().expect("the app's stdout is piped");
        let mut first = String::new();
        let read = BufReader::new(stdout).read_line(&mut first);
        let hello = match read {
            Ok(n) if n > 0 => serde_json::from_str::<Hello>(&first).with_context(|| {
                format!(
                    "the Python app's first line is not {{\"listening\":URL,…}}: {:?}",
                    first.trim_end()
                )
            }),
            Ok(_) => Err(anyhow::anyhow!(
                "the Python app ({} {}) exited before saying where it listens; its error is above",
                env.python.display(),
                env.app.display()
            )),
            Err(e) => Err(e).context("cannot read the Python app's first line"),
        };
        match hello {
            Ok(hello) => Ok(PythonApp {
                child,
                lifeline: Some(lifeline),
                hello,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }
}

impl Drop for PythonApp {
    fn drop(&mut self) {
        // Closing its stdin asks it to stop; killing it makes sure, and its children see it
        // gone within 100 ms (they watch their parent).
        drop(self.lifeline.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_app_has_a_name_and_a_schedule() {
        for app in PyApp::ALL {
            assert_eq!(app.as_str().parse::<PyApp>(), Ok(app));
        }
        assert!("gunicorn".parse::<PyApp>().unwrap_err().contains("asyncio"));
        assert_eq!(PyApp::Executor.modelled_as(true), StrategyId::Gil);
        assert_eq!(PyApp::Executor.modelled_as(false), StrategyId::Threads);
        assert_eq!(PyApp::Executor.schedule(true, 6).cpu_executors, 1);
        assert_eq!(PyApp::Executor.schedule(false, 6).cpu_executors, 6);
        assert_eq!(PyApp::Workers.schedule(true, 2).cpu_executors, 2);
        assert_eq!(PyApp::Asyncio.schedule(false, 9).cpu_executors, 1);
        assert_eq!(PyApp::Executor.default_pool(2), Some(6));
    }
}
