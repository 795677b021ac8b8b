//! What the native runtime hands to core: a clock, thread CPU time, and a description of the
//! machine for reports.

use gilwall_core::report::Machine;
use gilwall_core::task::Clock;
use std::time::Instant;

/// A monotonic clock in ms from a fixed origin ([`Instant`]).
#[derive(Debug, Clone, Copy)]
pub struct InstantClock(Instant);

impl InstantClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        InstantClock(Instant::now())
    }
}

impl Default for InstantClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for InstantClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }

    fn thread_cpu_ms(&self) -> Option<f64> {
        Some(thread_cpu_ms()).filter(|t| t.is_finite())
    }
}

/// CPU time the calling thread has used, in ms (its own clock, not wall time), so a report can
/// tell a slow machine (CPU time grew) from a slow runtime (only wall time grew).
pub fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid pointer we pass.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc == 0 {
        ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
    } else {
        f64::NAN
    }
}

/// Logical cores this process may use.
pub fn cores() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1)
}

/// This machine, as reports describe it.
pub fn describe() -> Machine {
    Machine {
        cores: cores(),
        cpu_model: cpu_model(),
        os: Some(format!(
            "{} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
        ..Machine::default()
    }
}

/// The CPU's model name from `/proc/cpuinfo`, where there is one.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// Now, as RFC 3339 UTC with seconds, for `created_at`.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Raises this process's soft limit on open files to its hard limit, so large task counts
/// can hold one connection per task, and returns the limit now in force.
pub fn raise_open_files_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write one rlimit struct we own.
    #[allow(unsafe_code)]
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    lim.rlim_cur
}

/// Whether this process runs as root, and so may install packages with apt-get (the Go
/// toolchain, a free-threaded CPython's build dependencies).
pub fn is_root() -> bool {
    // SAFETY: geteuid takes nothing and cannot fail.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid() == 0
    }
}

/// Where gilwall keeps what it builds once and reuses (the Go companion, a free-threaded
/// CPython): `$XDG_CACHE_HOME/gilwall`, else `~/.cache/gilwall`, else a folder in the system's
/// temporary directory.
pub fn cache_dir() -> std::path::PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| std::path::PathBuf::from(h).join(".cache"))
        })
        .unwrap_or_else(std::env::temp_dir);
    base.join("gilwall")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_cpu_time_advances_with_work_not_sleep() {
        let t0 = thread_cpu_ms();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let slept = thread_cpu_ms() - t0;
        let t1 = thread_cpu_ms();
        std::hint::black_box(gilwall_core::kernel::sqrt_loop(0.5, 20_000_000));
        let worked = thread_cpu_ms() - t1;
        assert!(slept < 10.0, "sleeping used {slept} ms of CPU");
        assert!(worked > slept, "work {worked} ms vs sleep {slept} ms");
    }

    #[test]
    fn machine_is_described() {
        let m = describe();
        assert!(m.cores >= 1);
        assert!(now_rfc3339().ends_with('Z'));
        assert!(raise_open_files_limit() >= 256);
    }
}
