//! The app's routes: `GET /predict` (the article's endpoint: fetch features, compute, answer),
//! `GET /healthz`, and a 404 naming them for anything else. The query is checked here, every
//! parameter with its range, so a bad one gets 400 with its name; the bound on requests in
//! flight is here too, so the excess gets 503 before any work is queued.

use super::exec::Exec;
use super::{AppConfig, MAX_REQUEST_CPU_MS, MAX_REQUEST_IO_MS};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use gilwall_core::calibrate::Calibration;
use gilwall_core::kernel::checksum_hex;
use gilwall_core::task::TaskSpec;
use gilwall_core::workload::fetch_url;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Semaphore;

struct App {
    config: AppConfig,
    calibration: Calibration,
    exec: Exec,
    in_flight: Arc<Semaphore>,
}

/// The app's routes over `exec`.
pub(super) fn router(config: AppConfig, calibration: Calibration, exec: Exec) -> Router {
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight as usize));
    let app = Arc::new(App {
        config,
        calibration,
        exec,
        in_flight,
    });
    Router::new()
        .route("/predict", get(predict))
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback(not_found)
        .with_state(app)
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn not_found(uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {}; the app serves /predict?seed=&io_ms=&cpu_ms= and /healthz",
            uri.path()
        ),
    )
}

/// What one request asks for; each parameter falls back to the app's own setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Query {
    pub seed: u32,
    pub io_ms: f64,
    pub cpu_ms: f64,
}

/// Parses `/predict`'s query string against the app's defaults; the error names the parameter
/// and says what it takes.
pub(super) fn parse_query(raw: Option<&str>, config: &AppConfig) -> Result<Query, String> {
    let mut q = Query {
        seed: 0,
        io_ms: config.io_ms,
        cpu_ms: config.cpu_ms,
    };
    let raw = raw.unwrap_or("");
    if raw.len() > 1024 {
        return Err("the query string is longer than 1024 bytes".into());
    }
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let ms = |max: f64| -> Result<f64, String> {
            match value.parse::<f64>() {
                Ok(v) if v.is_finite() && (0.0..=max).contains(&v) => Ok(v),
                _ => Err(format!(
                    "{name} must be a number of ms from 0 to {max}, got {value:?}"
                )),
            }
        };
        match name {
            "seed" => {
                q.seed = value.parse().map_err(|_| {
                    format!(
                        "seed must be an integer from 0 to {}, got {value:?}",
                        u32::MAX
                    )
                })?
            }
            "io_ms" => q.io_ms = ms(MAX_REQUEST_IO_MS)?,
            "cpu_ms" => q.cpu_ms = ms(MAX_REQUEST_CPU_MS)?,
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(format!(
                    "unknown parameter {shown:?}; /predict takes seed, io_ms and cpu_ms"
                ));
            }
        }
    }
    Ok(q)
}

async fn predict(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let query = match parse_query(raw.as_deref(), &app.config) {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    // The bounded queue: a request beyond the limit is refused now, not queued without end.
    let Ok(_permit) = app.in_flight.clone().try_acquire_owned() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the app is at its limit of {} requests in flight; try again later",
                app.config.max_in_flight
            ),
        );
    };
    let c = &app.config;
    let spec = TaskSpec {
        index: query.seed,
        url: fetch_url(
            &c.feature_url,
            c.kernel,
            query.io_ms,
            c.payload_bytes,
            u64::from(query.seed),
        ),
        kernel: c.kernel,
        iterations: app.calibration.iterations_for(query.cpu_ms),
    };
    let outcome = app.exec.run(spec).await;
    match outcome.result {
        Ok(checksum) => Json(json!({
            "strategy": c.strategy,
            "seed": query.seed,
            "checksum": checksum_hex(checksum),
            "cpu_ms": outcome.cpu_time_ms.unwrap_or(outcome.cpu_ms),
        }))
        .into_response(),
        // The feature server failed us: a bad gateway, in its own words.
        Err(e) => error(StatusCode::BAD_GATEWAY, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::StrategyId;

    #[test]
    fn a_bad_query_names_its_parameter() {
        let c = AppConfig::new(StrategyId::Async, "http://x".into(), 2);
        let q = parse_query(Some("seed=7&io_ms=10&cpu_ms=0"), &c).unwrap();
        assert_eq!(
            q,
            Query {
                seed: 7,
                io_ms: 10.0,
                cpu_ms: 0.0
            }
        );
        assert_eq!(parse_query(None, &c).unwrap().cpu_ms, c.cpu_ms);
        for (raw, names) in [
            ("seed=-1", "seed must be an integer"),
            ("seed=abc", "seed must be"),
            ("io_ms=-1", "io_ms must be a number of ms from 0 to 10000"),
            ("cpu_ms=1e9", "cpu_ms must be"),
            ("cpu_ms=NaN", "cpu_ms must be"),
            ("bogus=1", "unknown parameter \"bogus\""),
        ] {
            let e = parse_query(Some(raw), &c).unwrap_err();
            assert!(e.contains(names), "{raw}: {e}");
        }
        assert!(parse_query(Some(&"a".repeat(2000)), &c).is_err());
    }
}
