//! The app in a child process, both halves: [`AppChild`], which `gilwall load` starts (so the
//! app under test has a process of its own, as a real service does, and the load generator's
//! threads do not share its runtime) and which the `processes` app starts once per worker, and
//! [`child_main`], what that child runs (`gilwall app --config-stdin`, hidden).
//!
//! The protocol is the feature server's child's: the parent writes one JSON line, a
//! [`ChildRequest`] (the whole [`AppConfig`] and where to listen), and the child answers with
//! one line, [`Listening`], once it serves. Stdin then stays open as the child's lifeline
//! ([`crate::lifeline`]): when the parent closes it or dies, by any signal, the app stops.

use super::AppConfig;
use crate::server::Listening;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};

/// What the parent asks of an app child.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildRequest {
    /// The app to serve.
    pub config: AppConfig,
    /// Where to listen (port 0: a free one).
    pub addr: SocketAddr,
    /// Share the port with other sockets (`SO_REUSEPORT`): the `processes` workers do.
    pub reuse_port: bool,
}

/// The app as a child process of this binary. Dropping it ends the child and reaps it; if this
/// process dies without dropping it, the child ends by itself (its lifeline breaks).
pub struct AppChild {
    child: Child,
    lifeline: Option<ChildStdin>,
    url: String,
}

impl AppChild {
    /// Starts `exe app --config-stdin` for `request` and waits until it serves.
    pub fn start(exe: &Path, request: &ChildRequest) -> Result<AppChild> {
        let mut child = crate::lifeline::command(exe)
            .args(["app", "--config-stdin"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start the app process {}", exe.display()))?;
        match handshake(&mut child, request) {
            Ok((lifeline, url)) => Ok(AppChild {
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

    /// The app's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

fn handshake(child: &mut Child, request: &ChildRequest) -> Result<(ChildStdin, String)> {
    // Both pipes were asked for when spawning, so they are there.
    let mut stdin = child.stdin.take().expect("the app's stdin is piped");
    let stdout = child.stdout.take().expect("the app's stdout is piped");
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    stdin.write_all(&line)?;
    stdin.flush()?;
    let mut first = String::new();
    if BufReader::new(stdout).read_line(&mut first)? == 0 {
        anyhow::bail!("the app process exited before saying where it listens (its error is above)");
    }
    let Listening { listening } = serde_json::from_str(&first).with_context(|| {
        format!(
            "the app process's first line is not {{\"listening\":URL}}: {:?}",
            first.trim_end()
        )
    })?;
    Ok((stdin, listening))
}

impl Drop for AppChild {
    fn drop(&mut self) {
        // Killing it ends it now, and waiting reaps it; its own workers (the `processes` app)
        // follow through their lifelines.
        drop(self.lifeline.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: reads a [`ChildRequest`] line from stdin, binds, says where as a
/// [`Listening`] line on stdout once it serves, and serves until stdin ends.
pub fn child_main() -> Result<()> {
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel::<()>();
    let lines = crate::lifeline::watch_stdin(move || {
        // The app may have stopped already, and then no one is listening.
        let _ = gone_tx.send(());
    });
    let line = lines
        .recv()
        .context("the parent closed stdin before sending the app's configuration")?;
    let request: ChildRequest =
        serde_json::from_str(&line).context("the parent sent an invalid app configuration")?;
    let listener = super::bind(request.addr, request.reuse_port)
        .with_context(|| format!("cannot listen on {}", request.addr))?;
    let local = listener.local_addr()?;
    super::serve(
        request.config,
        listener,
        async move {
            let _ = gone_rx.await;
        },
        |_| {
            let line = serde_json::to_string(&Listening {
                listening: format!("http://{local}"),
            })
            .expect("a URL serialises");
            let mut out = std::io::stdout().lock();
            // The parent reads this line; if it cannot be written the parent is gone and the
            // lifeline ends us.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        },
    )
}
