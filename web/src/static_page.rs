//! What the static page (`gilwall export-page`) needs from wasm: its service worker answers
//! `/features` with core's own payload, byte for byte what `gilwall serve` sends, and the page
//! says in its reports which mode it ran in.
//!
//! The mode is set by `www/static.js`, which only the export loads (as
//! `globalThis.GILWALL_PAGE_MODE = "static"`); a page without it was served by `gilwall serve`.

use gilwall_core::payload;
use gilwall_core::report::PageMode;
use gilwall_core::workload::limits::MAX_PAYLOAD_BYTES;
use wasm_bindgen::prelude::*;

/// `/features?size=…&seed=…`'s body: core's deterministic payload, as the native server builds it.
#[wasm_bindgen]
pub fn static_features(seed: u64, size: usize) -> Result<Vec<u8>, JsError> {
    if size as u64 > MAX_PAYLOAD_BYTES {
        return Err(JsError::new(&format!(
            "size {size} is above the server's cap of {MAX_PAYLOAD_BYTES} bytes"
        )));
    }
    Ok(payload::generate(seed, size))
}

/// The largest `/features` payload, in bytes: the native server's default cap.
#[wasm_bindgen]
pub fn static_max_payload_bytes() -> f64 {
    MAX_PAYLOAD_BYTES as f64
}

/// How this page was served: `static` when `www/static.js` said so, else `served`.
pub fn mode() -> PageMode {
    let said = js_sys::Reflect::get(&js_sys::global(), &"GILWALL_PAGE_MODE".into())
        .ok()
        .and_then(|v| v.as_string());
    match said.as_deref() {
        Some("static") => PageMode::Static,
        _ => PageMode::Served,
    }
}

/// [`mode`] as the page shows it: `"served"` or `"static"`.
#[wasm_bindgen]
pub fn page_mode() -> String {
    match mode() {
        PageMode::Served => "served".into(),
        PageMode::Static => "static".into(),
    }
}
