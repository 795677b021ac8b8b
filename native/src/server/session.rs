//! The feature server a session of sweeps talks to: gilwall's own, in this process or in a child
//! process, or another httpbin-compatible one at a URL (checked to answer before anything runs).
//! Gilwall's own also says how late it answered, which every point records.

use super::{Background, ChildServer, ServerConfig};
use crate::fetch::{blocking_client, blocking_fetch};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;

/// The server at a URL did not answer a `/delay/0` probe; its words name no flag (the CLI says
/// which flag gave the URL).
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot reach {url} ({why}); is that server running and httpbin-compatible? Leave it out to use gilwall's embedded server"
)]
pub struct Unreachable {
    /// The server's URL.
    pub url: String,
    /// What the probe got.
    pub why: String,
}

/// Where gilwall's own server runs. Held only so that dropping the session stops it.
#[allow(dead_code)]
enum Own {
    /// On a thread of this process.
    InProcess(Background),
    /// In a child process.
    OwnProcess(ChildServer),
}

/// The server a session uses; dropping it stops gilwall's own.
pub struct FeatureServer {
    url: String,
    own: Option<Own>,
    /// Asks gilwall's own server for its lateness; `None` for a server at a URL.
    stats: Option<reqwest::blocking::Client>,
}

impl FeatureServer {
    /// The server at `url` if given (after checking it answers), else gilwall's own with
    /// `config`: in this process, or with `exe` as a child process of that binary, so a sweep
    /// may hold twice as many connections.
    pub fn start(url: Option<&str>, config: ServerConfig, exe: Option<&Path>) -> Result<Self> {
        let (url, own) = match (url, exe) {
            (Some(url), _) => {
                check_reachable(url)?;
                (url.trim_end_matches('/').to_string(), None)
            }
            (None, None) => {
                let bg = Background::start(config)
                    .context("cannot start the embedded feature server")?;
                (bg.url(), Some(Own::InProcess(bg)))
            }
            (None, Some(exe)) => {
                let child = ChildServer::start(exe, &config).with_context(|| {
                    format!("cannot start the feature server process {}", exe.display())
                })?;
                (child.url().to_string(), Some(Own::OwnProcess(child)))
            }
        };
        let stats = match own {
            Some(_) => Some(blocking_client(Duration::from_secs(5))?),
            None => None,
        };
        Ok(FeatureServer { url, own, stats })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the server runs in this process, and so holds a descriptor per connection here.
    pub fn in_process(&self) -> bool {
        matches!(self.own, Some(Own::InProcess(_)))
    }

    /// The server's lateness p99 since the last call, in ms (and resets it); `None` for servers
    /// that do not report it (httpbin, say) or before any request.
    pub fn lateness_p99(&self) -> Option<f64> {
        let client = self.stats.as_ref()?;
        let body = blocking_fetch(client, &format!("{}/stats?reset=1", self.url)).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
        v["lateness_ms"]["p99"].as_f64()
    }
}

/// Fails unless `url` answers an httpbin-style `/delay/0` within 5 s.
fn check_reachable(url: &str) -> Result<()> {
    let probe = format!("{}/delay/0", url.trim_end_matches('/'));
    let client = blocking_client(Duration::from_secs(5))?;
    blocking_fetch(&client, &probe).map(drop).map_err(|e| {
        Unreachable {
            url: url.to_string(),
            why: e.to_string(),
        }
        .into()
    })
}
