//! The feature server in a child process, both halves: [`ChildServer`], which a sweep too large
//! for one process starts (a client and a server in one process hold two descriptors per
//! connection, so 10 000 connections would not fit under a 20 000 open-files limit), and
//! [`child_main`], what that child runs (`gilwall serve --config-stdin`, hidden).
//!
//! The protocol is two JSON lines. The parent writes the whole [`ServerConfig`] as one line to
//! the child's stdin — the configuration comes from one struct in one place, not from a flag list
//! rebuilt by hand — and the child answers with one line on stdout before anything else,
//! [`Listening`], `{"listening":"http://127.0.0.1:PORT"}`. Then stdin stays open as the child's
//! lifeline (see [`crate::lifeline`]): when the parent closes it or dies, by any signal, the
//! server shuts down.

use super::ServerConfig;
use super::serve::{ServeError, serve_until};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};

/// The child's first line on stdout: where it listens.
#[derive(Debug, Serialize, Deserialize)]
pub struct Listening {
    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub listening: String,
}

/// The server as a child process of this binary. Dropping it ends the child and reaps it; if
/// this process dies without dropping it, the child ends by itself (its lifeline breaks).
pub struct ChildServer {
    child: Child,
    /// The writing end of the child's stdin, held open only as its lifeline.
    lifeline: Option<ChildStdin>,
    url: String,
}

impl ChildServer {
    /// Starts `exe serve --config-stdin` serving `config` on a free loopback port.
    pub fn start(exe: &Path, config: &ServerConfig) -> std::io::Result<ChildServer> {
        let mut child = crate::lifeline::command(exe)
            .args(["serve", "--config-stdin"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        match handshake(&mut child, config) {
            Ok((lifeline, url)) => Ok(ChildServer {
                child,
                lifeline: Some(lifeline),
                url,
            }),
            Err(e) => {
                // It may have exited already; either way it is of no use now.
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Sends the configuration and reads where the child listens; returns the lifeline and the URL.
fn handshake(child: &mut Child, config: &ServerConfig) -> std::io::Result<(ChildStdin, String)> {
    // Both pipes were asked for when spawning, so they are there.
    let mut stdin = child.stdin.take().expect("the server's stdin is piped");
    let stdout = child.stdout.take().expect("the server's stdout is piped");
    let mut line = serde_json::to_vec(config).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stdin.write_all(&line)?;
    stdin.flush()?;
    let mut first = String::new();
    if BufReader::new(stdout).read_line(&mut first)? == 0 {
        return Err(std::io::Error::other(
            "the server process exited before saying where it listens",
        ));
    }
    let Listening { listening } = serde_json::from_str(&first).map_err(|e| {
        std::io::Error::other(format!(
            "the server process's first line is not {{\"listening\":URL}} ({e}): {:?}",
            first.trim_end()
        ))
    })?;
    Ok((stdin, listening))
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // Closing the lifeline alone would end it within a moment; killing it ends it now, and
        // waiting reaps it, so no zombie is left either. It may have exited already.
        drop(self.lifeline.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: reads a [`ServerConfig`] line from stdin, listens on a free loopback port,
/// says where as a [`Listening`] line on stdout, and serves until stdin ends (the parent is gone),
/// SIGINT or SIGTERM.
pub fn child_main() -> Result<(), ServeError> {
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel::<()>();
    let lines = crate::lifeline::watch_stdin(move || {
        // The server may have stopped already (a signal), and then no one is listening.
        let _ = gone_tx.send(());
    });
    let line = lines.recv().map_err(|_| ServeError::NoConfig)?;
    let config: ServerConfig = serde_json::from_str(&line).map_err(ServeError::BadConfig)?;
    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
    serve_until(
        addr,
        config,
        |local| {
            let line = serde_json::to_string(&Listening {
                listening: format!("http://{local}"),
            })
            .map_err(std::io::Error::other)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}")?;
            out.flush()
        },
        async move {
            let _ = gone_rx.await;
        },
    )
}
