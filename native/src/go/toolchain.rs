//! The Go companion's build: find the Go toolchain (installing Debian's `golang-go` when run as
//! root and none is there), and build `go/gilwall_go.go` once into the cache.
//!
//! The source is compiled into the gilwall binary, so an installed `gilwall` needs no source
//! tree. The built program is named after a hash of the source and of `go version`'s answer,
//! so a new gilwall or another toolchain builds afresh and an unchanged pair reuses it. The
//! build needs no network: the companion uses Go's standard library only (`GOPROXY=off`).

use super::GoError;
use crate::machine;
use crate::python::venv::{output, tail};
use anyhow::{Context, Result};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The companion's source, `go/gilwall_go.go` in the source tree.
pub const SOURCE: &str = include_str!("../../../go/gilwall_go.go");

/// Its module file, `go/go.mod`: no dependencies, Go 1.19 (Debian bookworm's `golang-go`).
pub const GO_MOD: &str = include_str!("../../../go/go.mod");

/// The oldest Go the companion is written for.
pub const MIN_GO: (u32, u32) = (1, 19);

/// Where Debian's `golang-go` puts the toolchain, for a shell whose PATH lacks it.
const DEBIAN_GO: &str = "/usr/lib/go/bin/go";

/// A Go toolchain that runs: its command and what `go version` said.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The `go` command.
    pub go: OsString,
    /// e.g. "go1.19.8".
    pub version: String,
}

/// Finds the Go toolchain: `go` as given, else `go` on PATH, else Debian's; installs Debian's
/// `golang-go` with apt-get when none runs and this process is root. Says on stderr what it
/// installs.
pub fn find(go: Option<&OsStr>) -> Result<Toolchain> {
    if let Some(go) = go {
        return version_of(go).map_err(|error| {
            GoError::NoToolchain {
                go: go.to_string_lossy().into_owned(),
                error,
            }
            .into()
        });
    }
    for candidate in ["go", DEBIAN_GO] {
        if let Ok(t) = version_of(OsStr::new(candidate)) {
            return Ok(t);
        }
    }
    if !machine::is_root() {
        return Err(GoError::NoToolchain {
            go: "go".into(),
            error: "not on PATH, and installing it needs root".into(),
        }
        .into());
    }
    eprintln!(
        "gilwall go: no Go toolchain found; installing Debian's golang-go with apt-get (once, \
         about a minute)"
    );
    let install = |args: &[&str]| {
        Command::new("apt-get")
            // Wait for another apt-get (another `gilwall go` installing the same package, or
            // the free-threaded build's) rather than fail on its lock.
            .args(["-o", APT_LOCK_WAIT])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
    };
    let mut out = install(&["install", "-y", "--no-install-recommends", "golang-go"]);
    if !matches!(&out, Ok(o) if o.status.success()) {
        // A fresh machine may not have fetched the package lists yet.
        let _ = install(&["update"]);
        out = install(&["install", "-y", "--no-install-recommends", "golang-go"]);
    }
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Err(GoError::InstallFailed { output: tail(&o) }.into());
        }
        Err(e) => {
            return Err(GoError::InstallFailed {
                output: format!("cannot run apt-get: {e}"),
            }
            .into());
        }
    }
    version_of(OsStr::new(DEBIAN_GO)).map_err(|error| {
        GoError::NoToolchain {
            go: DEBIAN_GO.into(),
            error,
        }
        .into()
    })
}

/// apt-get's option to wait up to ten minutes for the package system's lock.
const APT_LOCK_WAIT: &str = "DPkg::Lock::Timeout=600";

/// Runs `go version` and checks it is new enough.
fn version_of(go: &OsStr) -> std::result::Result<Toolchain, String> {
    let out = output(Command::new(go).arg("version")).map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(tail(&out));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // "go version go1.19.8 linux/amd64"
    let version = text
        .split_whitespace()
        .find(|w| w.starts_with("go1"))
        .ok_or_else(|| format!("`go version` printed {:?}", text.trim()))?
        .to_string();
    let parsed =
        parse_version(&version).ok_or_else(|| format!("`go version` printed {:?}", text.trim()))?;
    if parsed < MIN_GO {
        return Err(format!(
            "it is {version}, but the companion needs Go {}.{} or newer",
            MIN_GO.0, MIN_GO.1
        ));
    }
    Ok(Toolchain {
        go: go.to_owned(),
        version,
    })
}

/// `go1.19.8` (or `go1.21`, `go1.22rc1`) as (1, 19).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let rest = text.strip_prefix("go")?;
    let mut parts = rest.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// FNV-1a over the source and the toolchain's version: the built program's name.
fn build_key(version: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in SOURCE.bytes().chain(GO_MOD.bytes()).chain(version.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The companion built with `toolchain` in `cache`, building it if this source and toolchain
/// have not been built there before. Says on stderr when it builds.
pub fn build(toolchain: &Toolchain, cache: &Path) -> Result<PathBuf> {
    let dir = cache.join("go-companion");
    let binary = dir.join(format!("gilwall-go-{}", build_key(&toolchain.version)));
    if binary.is_file() {
        return Ok(binary);
    }
    let src = dir.join("src");
    std::fs::create_dir_all(&src).with_context(|| format!("cannot create {}", src.display()))?;
    for (name, text) in [("gilwall_go.go", SOURCE), ("go.mod", GO_MOD)] {
        let path = src.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "gilwall go: building the Go companion with {} into {} (once, a few seconds)",
        toolchain.version,
        binary.display()
    );
    // Built under a temporary name and renamed, so a build cut short never looks finished.
    let partial = dir.join(format!("building-{}", std::process::id()));
    let mut cmd = Command::new(&toolchain.go);
    cmd.args(["build", "-trimpath", "-o"])
        .arg(&partial)
        .arg(".")
        .current_dir(&src)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod");
    // Go keeps its build cache under $HOME; a service account may have none.
    if std::env::var_os("GOCACHE").is_none() && std::env::var_os("HOME").is_none() {
        cmd.env("GOCACHE", dir.join("go-build"));
    }
    let out = output(&mut cmd)
        .with_context(|| format!("cannot run {}", toolchain.go.to_string_lossy()))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(GoError::BuildFailed {
            dir: src,
            output: tail(&out),
        }
        .into());
    }
    std::fs::rename(&partial, &binary)
        .with_context(|| format!("cannot move the built companion to {}", binary.display()))?;
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_versions_parse_and_compare() {
        assert_eq!(parse_version("go1.19.8"), Some((1, 19)));
        assert_eq!(parse_version("go1.22rc1"), Some((1, 22)));
        assert_eq!(parse_version("go1.21"), Some((1, 21)));
        assert_eq!(parse_version("devel"), None);
        assert!((1, 18) < MIN_GO && (1, 22) >= MIN_GO);
    }

    #[test]
    fn the_build_key_follows_source_and_toolchain() {
        assert_eq!(build_key("go1.19.8"), build_key("go1.19.8"));
        assert_ne!(build_key("go1.19.8"), build_key("go1.22.0"));
        assert!(SOURCE.contains("func sqrtLoop") && GO_MOD.contains("go 1.19"));
    }

    #[test]
    fn a_missing_go_is_named() {
        let e = find(Some(OsStr::new("/nonexistent/go"))).unwrap_err();
        assert!(
            matches!(e.downcast_ref::<GoError>(), Some(GoError::NoToolchain { go, .. }) if go == "/nonexistent/go"),
            "{e:#}"
        );
    }
}
