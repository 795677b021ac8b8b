//! Property test: no path or query makes the feature server panic or answer 500.

use gilwall::server::{ServerConfig, router};
use proptest::prelude::*;
use tower::ServiceExt;

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("delay".to_string()),
        Just("features".to_string()),
        Just("healthz".to_string()),
        Just("..".to_string()),
        "[-0-9.eE+]{0,8}",
        "(%[0-9a-fA-F]{2}|[a-zA-Z0-9._~-]){0,12}",
        Just("inf".to_string()),
        Just("NaN".to_string()),
    ]
}

/// Most paths start at a real endpoint, so most cases reach the handlers' parsing.
fn head() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just("delay".to_string()), 2 => Just("features".to_string()), 1 => segment()]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("delay_ms"),
        Just("size"),
        Just("seed"),
        Just("x"),
        Just(""),
        Just("fail_rate"),
        Just("drop_rate"),
        Just("malformed_rate"),
        Just("jitter_ms"),
    ];
    let value = prop_oneof![
        "[-0-9.eE+]{0,24}",
        "(%[0-9a-fA-F]{2}|[a-zA-Z0-9._~-]){0,12}",
        Just("999999999999999999999999".to_string()),
        "0\\.[0-9]{1,3}",
        Just("1".to_string()),
    ];
    prop::collection::vec((key, value), 0..4).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn any_path_and_query_gets_a_clean_answer(head in head(), segs in prop::collection::vec(segment(), 0..3), q in query()) {
        let segs: Vec<String> = std::iter::once(head).chain(segs).collect();
        let uri = format!("/{}?{q}", segs.join("/"));
        // Paths the HTTP layer itself would reject never reach the router.
        let Ok(uri) = uri.parse::<axum::http::Uri>() else { return Ok(()) };
        // A small delay cap and paused time keep 2000 cases fast.
        let config = ServerConfig { max_delay_ms: 50.0, max_payload_bytes: 64 * 1024, ..ServerConfig::default() };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
        let (status, body) = rt.block_on(async {
            let mut req = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
            req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 9))));
            let resp = router(&config).oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            // A dropped-connection fault makes the body fail part-way; that is the point of it.
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap_or_default();
            (status, String::from_utf8_lossy(&body).into_owned())
        });
        // 500 only as an injected fault; the panic handler's 500 would say "hit a bug".
        let fine = [200, 400, 404].contains(&status) || (status == 500 && body.contains("injected fault"));
        prop_assert!(fine, "{status} for /{}: {body}", segs.join("/"));
    }
}
