//! Shared by the tests that check a written report against the published JSON Schema
//! (`schema/report.schema.json`), so each says only what it expects.

/// What `report` (a report as JSON) breaks of the published schema; empty when it follows it.
pub fn violations(report: &serde_json::Value) -> Vec<String> {
    // The schema ships inside core and a unit test there checks it compiles.
    let schema: serde_json::Value = serde_json::from_str(gilwall_core::report::JSON_SCHEMA)
        .expect("the published schema is JSON");
    jsonschema::validator_for(&schema)
        .expect("the published schema is a valid schema")
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect()
}
