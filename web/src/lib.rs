//! gilwall in the browser: core compiled to wasm, plus what only the browser has.
//!
//! The page (`www/`) loads this module on the main thread and in every Web Worker. On the main
//! thread it runs sweeps ([`sweep::Sweep`]) with the browser strategies ([`strategy`]); in a
//! worker it answers jobs ([`worker::worker_handle`]); in its shared-memory build, loaded by the
//! wasm-threads driver worker, it runs repeats on a pool of threads ([`threads`]). Fetch and the
//! clock come from [`browser`], and work the same in a window and in a worker. The page's preset
//! buttons and strategy colours come from core's tables through [`presets`] and
//! [`strategy_colours`].
//!
//! **Architecture Invariant:** the kernels, the task body, the single-thread `async` schedule,
//! the model and the report format come from `gilwall-core`; nothing here re-implements them.
//! Errors cross into JavaScript once, as `JsError`, at the exported functions below.

pub mod bench;
pub mod browser;
pub mod load;
pub mod pool;
pub mod preset;
pub mod static_page;
pub mod strategy;
pub mod sweep;
pub mod threads;
pub mod trace;
pub mod wire;
pub mod worker;

use gilwall_core::kernel::{self, Kernel};
use gilwall_core::report::Report;
use gilwall_core::strategy::STRATEGIES;
use wasm_bindgen::prelude::*;

/// Runs once per wasm instance (page and each worker): panics then print their message and
/// location to the console instead of an opaque `unreachable`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The version of gilwall this module was built from (`window.gilwall.version`).
#[wasm_bindgen]
pub fn version() -> String {
    gilwall_core::VERSION.to_string()
}

/// The `features` checksum of `body` after `passes` passes, as 16 hex digits, computed by the
/// very kernel the strategies run. The browser tests feed it the pinned payload from the server.
#[wasm_bindgen]
pub fn features_checksum(body: &[u8], passes: u64) -> Result<String, JsError> {
    kernel::features(body, passes)
        .map(kernel::checksum_hex)
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The pinned case from core, natively checked by core's unit test: seed, size, passes and the
/// expected checksum (hex), so the page can fetch that payload and compare.
#[wasm_bindgen]
pub fn pinned_features_case() -> JsValue {
    browser::to_js(&serde_json::json!({
        "seed": kernel::PINNED_FEATURES_SEED,
        "size": kernel::PINNED_FEATURES_SIZE,
        "passes": kernel::PINNED_FEATURES_PASSES,
        "checksum": kernel::checksum_hex(kernel::PINNED_FEATURES_CHECKSUM),
    }))
}

/// The browser's strategies with their titles, article steps and whether this build runs them,
/// for the page's controls (core's list is the single source).
#[wasm_bindgen]
pub fn browser_strategies() -> JsValue {
    browser::to_js(&strategy::describe_all())
}

/// The colour of every strategy, native and browser (`{"serial": "#2ca02c", …}`): core's, the
/// same as on the `gilwall` command's charts, for the page's lines, swatches and loaded reports.
#[wasm_bindgen]
pub fn strategy_colours() -> JsValue {
    let colours: serde_json::Map<String, serde_json::Value> = STRATEGIES
        .iter()
        .map(|s| (s.id.as_str().to_string(), s.colour.into()))
        .collect();
    browser::to_js(&serde_json::Value::Object(colours))
}

/// The page's presets from core's lesson table, in the order of the buttons: id, label, note,
/// the config they set (one `gilwall.run` takes), the chart view, the lessons that open them
/// and which is the default.
#[wasm_bindgen]
pub fn presets() -> JsValue {
    browser::to_js(&preset::describe_all())
}

/// The workshop's lessons (number, id, title, runtime, preset, load preset), so `/?lesson=N`
/// opens the preset or load preset a lesson names, and can say what a lesson without one is.
#[wasm_bindgen]
pub fn lessons() -> JsValue {
    browser::to_js(&preset::lessons())
}

/// The kernels, for the page's controls.
#[wasm_bindgen]
pub fn kernels() -> JsValue {
    let list: Vec<_> = Kernel::ALL
        .iter()
        .map(|k| serde_json::json!({ "id": k.id(), "describe": k.describe() }))
        .collect();
    browser::to_js(&serde_json::Value::Array(list))
}

/// The page's load presets from core's lesson table, in the order of the buttons: id, label,
/// note, the config `gilwall.runLoad` takes, the lessons that open them (`/?lesson=9`) and
/// which is the default.
#[wasm_bindgen]
pub fn load_presets() -> JsValue {
    browser::to_js(&preset::describe_load())
}

/// Each strategy's knee in words for a report's load points (`[{strategy, words}]`), in
/// core's wording: the same sentences `gilwall load` prints under its table.
#[wasm_bindgen]
pub fn load_knees(report_json: &str) -> Result<JsValue, JsError> {
    let report =
        Report::from_json(report_json.as_bytes()).map_err(|e| JsError::new(&e.to_string()))?;
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for p in &report.load_points {
        if seen.contains(&p.strategy.as_str()) {
            continue;
        }
        seen.push(&p.strategy);
        let mine: Vec<_> = report
            .load_points
            .iter()
            .filter(|q| q.strategy == p.strategy)
            .collect();
        out.push(serde_json::json!({
            "strategy": p.strategy,
            "words": gilwall_core::load::knee_words(&mine, report.machine.cores),
        }));
    }
    Ok(browser::to_js(&out))
}

/// Parses and checks a saved report (from the CLI's `--export-json`, this page, or the Python
/// companion) with core's loader, so the page reads exactly what the CLI writes.
#[wasm_bindgen]
pub fn load_report(text: &str) -> Result<JsValue, JsError> {
    let report = Report::from_json(text.as_bytes()).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(browser::to_js(&report))
}
