//! The embedded feature server, over real loopback HTTP: httpbin-shaped answers, capped inputs
//! with messages, and no panic on any path or query.

use gilwall::server::{self, RunningServer, ServerConfig};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(url: &str) -> (u16, serde_json::Value, Vec<u8>) {
    let resp = reqwest::get(url).await.expect("the server answers");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap().to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json, bytes)
}

#[tokio::test]
async fn delay_answers_after_the_delay_with_httpbin_shaped_json() {
    let server = RunningServer::start(ServerConfig::default()).await.unwrap();
    let t0 = Instant::now();
    let (status, body, _) = get(&format!("{}/delay/0.2?x=1", server.url())).await;
    let took = t0.elapsed();
    assert_eq!(status, 200);
    assert!(
        took >= Duration::from_millis(200),
        "answered after {took:?}"
    );
    assert!(
        took < Duration::from_millis(1500),
        "answered after {took:?}"
    );
    for key in ["args", "data", "files", "form", "headers", "origin", "url"] {
        assert!(body.get(key).is_some(), "missing {key} in {body}");
    }
    assert_eq!(body["args"]["x"], "1");
    assert_eq!(body["origin"], "127.0.0.1");
    assert!(
        body["url"].as_str().unwrap().ends_with("/delay/0.2?x=1"),
        "{body}"
    );
    assert!(
        body["headers"]["Host"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_delays_and_sizes_get_400_with_a_message() {
    let server = RunningServer::start(ServerConfig::default()).await.unwrap();
    for path in [
        "/delay/11",
        "/delay/-1",
        "/delay/abc",
        "/delay/NaN",
        "/delay/1e9",
        "/features?size=999999999999",
        "/features?delay_ms=-5",
        "/features?seed=x",
    ] {
        let (status, body, _) = get(&format!("{}{path}", server.url())).await;
        assert_eq!(status, 400, "{path}");
        let msg = body["error"].as_str().unwrap_or_default();
        assert!(msg.len() > 10, "{path}: no message in {body}");
    }
    let (status, body, _) = get(&format!("{}/nope", server.url())).await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("/nope"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn features_serves_the_deterministic_payload_after_the_delay() {
    let server = RunningServer::start(ServerConfig::default()).await.unwrap();
    let t0 = Instant::now();
    let (status, _, bytes) = get(&format!(
        "{}/features?delay_ms=150&size=4096&seed=42",
        server.url()
    ))
    .await;
    assert_eq!(status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(150));
    assert_eq!(bytes, gilwall_core::payload::generate(42, 4096));
    let sum = gilwall_core::kernel::features(&bytes, gilwall_core::kernel::PINNED_FEATURES_PASSES)
        .unwrap();
    assert_eq!(sum, gilwall_core::kernel::PINNED_FEATURES_CHECKSUM);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn requests_beyond_the_in_flight_cap_get_503() {
    let config = ServerConfig {
        max_in_flight: 2,
        ..ServerConfig::default()
    };
    let server = RunningServer::start(config).await.unwrap();
    let url = server.url();
    let slow: Vec<_> = (0..2)
        .map(|_| tokio::spawn(get_owned(format!("{url}/delay/0.5"))))
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, body, _) = get(&format!("{url}/delay/0")).await;
    assert_eq!(status, 503);
    assert!(body["error"].as_str().unwrap().contains("--max-in-flight"));
    for s in slow {
        assert_eq!(s.await.unwrap().0, 200);
    }
    // Once they finish, there is room again.
    assert_eq!(get(&format!("{url}/healthz")).await.0, 200);
    server.stop().await.unwrap();
}

async fn get_owned(url: String) -> (u16, serde_json::Value, Vec<u8>) {
    get(&url).await
}

#[tokio::test]
async fn a_slow_header_client_is_cut_off_while_others_are_served() {
    let config = ServerConfig {
        header_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let server = RunningServer::start(config).await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let t0 = Instant::now();
    // Meanwhile a well-behaved client is served.
    assert_eq!(get(&format!("{}/healthz", server.url())).await.0, 200);
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the slow client was never cut off");
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "cut off after {took:?}"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_page_is_served_with_isolation_headers_and_never_escapes_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("m.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let www = dir.path().join("www");
    std::fs::create_dir(&www).unwrap();
    std::fs::rename(dir.path().join("index.html"), www.join("index.html")).unwrap();
    std::fs::rename(dir.path().join("m.wasm"), www.join("m.wasm")).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    let config = ServerConfig {
        www: Some(www),
        ..ServerConfig::default()
    };
    let server = RunningServer::start(config).await.unwrap();
    let resp = reqwest::get(format!("{}/", server.url())).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cross-origin-opener-policy"], "same-origin");
    assert_eq!(
        resp.headers()["cross-origin-embedder-policy"],
        "require-corp"
    );
    let resp = reqwest::get(format!("{}/m.wasm", server.url()))
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/wasm");
    // reqwest normalises `..` away, so send the raw request line ourselves.
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "//../secret.txt",
    ] {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(
            !out.contains("secret\n") && !out.ends_with("secret"),
            "{path} leaked: {out}"
        );
        assert!(
            out.starts_with("HTTP/1.1 404") || out.starts_with("HTTP/1.1 400"),
            "{path}: {out}"
        );
    }
    server.stop().await.unwrap();
}

#[test]
fn the_listener_binds_loopback_with_a_large_backlog() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let l = server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert!(l.local_addr().unwrap().ip().is_loopback());
    });
}

#[tokio::test]
async fn oversized_headers_are_refused_and_the_server_goes_on() {
    let server = RunningServer::start(ServerConfig::default()).await.unwrap();
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let huge = "a".repeat(server::MAX_HEADER_BYTES * 2);
    // The server may close before reading it all; a failed write is part of being refused.
    let _ = s
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {huge}\r\n\r\n").as_bytes())
        .await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .expect("the connection is closed");
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 431"),
        "{text}"
    );
    assert_eq!(get(&format!("{}/healthz", server.url())).await.0, 200);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn faults_can_be_asked_for_per_request() {
    let server = RunningServer::start(ServerConfig::default()).await.unwrap();
    let (status, body, _) = get(&format!("{}/delay/0?fail_rate=1", server.url())).await;
    assert_eq!(status, 500);
    assert!(body["error"].as_str().unwrap().contains("injected fault"));
    let (status, _, bytes) = get(&format!(
        "{}/features?size=512&malformed_rate=1",
        server.url()
    ))
    .await;
    assert_eq!(status, 200);
    assert!(
        serde_json::from_slice::<serde_json::Value>(&bytes).is_err(),
        "malformed JSON parsed"
    );
    // The cut may come before or after the headers; either way no whole answer arrives.
    let dropped = match reqwest::get(format!("{}/delay/0?drop_rate=1", server.url())).await {
        Ok(resp) => resp.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(dropped, "a dropped connection delivered a whole body");
    let (status, body, _) = get(&format!("{}/delay/0?fail_rate=2", server.url())).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("fail_rate"));
    server.stop().await.unwrap();
}

/// A client of each HTTP version the server speaks: HTTP/1.1, and HTTP/2 with prior knowledge.
fn both_versions() -> [reqwest::Client; 2] {
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    [reqwest::Client::new(), h2]
}

/// A plain `GET /delay/{s}` is answered before axum's router (the server's fast path); one with
/// a query string goes through the router. Both must answer alike, over HTTP/1.1 and HTTP/2:
/// the same headers, the same body but for the query, the lateness counted, the cap shared.
#[tokio::test]
async fn the_fast_delay_path_answers_as_the_router_does() {
    let config = ServerConfig {
        max_in_flight: 1,
        ..ServerConfig::default()
    };
    let server = RunningServer::start(config).await.unwrap();
    let base = server.url();
    let [h1, h2] = both_versions();
    let fetch = |client: &reqwest::Client, url: String| {
        let request = client.get(url);
        async move {
            let resp = request.send().await.expect("the server answers");
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body: serde_json::Value = resp.json().await.expect("a JSON body");
            (status, headers, body)
        }
    };
    for (client, version) in [(&h1, "HTTP/1.1"), (&h2, "HTTP/2")] {
        let t0 = Instant::now();
        let (fast_status, fast_headers, fast) = fetch(client, format!("{base}/delay/0.1")).await;
        assert!(t0.elapsed() >= Duration::from_millis(100), "{version}");
        let (slow_status, slow_headers, slow) =
            fetch(client, format!("{base}/delay/0.1?via=router")).await;
        assert_eq!((fast_status, slow_status), (200, 200), "{version}");
        assert_eq!(fast_headers["content-type"], slow_headers["content-type"]);
        // The page's headers are the page's, the lateness is at /stats: a data answer carries
        // none of them on either path (each client decodes every header of every answer).
        for name in [
            "cross-origin-opener-policy",
            "cross-origin-embedder-policy",
            "cross-origin-resource-policy",
            "server",
        ] {
            assert!(
                fast_headers.get(name).is_none(),
                "{version}: {name} on /delay"
            );
            assert!(
                slow_headers.get(name).is_none(),
                "{version}: {name} on the router's /delay"
            );
        }
        // A length over HTTP/1.1, where the body would otherwise go chunked; none over HTTP/2,
        // where the stream's end marks the body's (the whole JSON arrived: parsed above).
        for headers in [&fast_headers, &slow_headers] {
            assert_eq!(
                headers.get("content-length").is_some(),
                version == "HTTP/1.1",
                "{version}: {headers:?}"
            );
            assert!(headers.get("transfer-encoding").is_none(), "{version}");
        }
        for key in ["data", "files", "form", "headers", "origin"] {
            assert_eq!(fast[key], slow[key], "{version} {key}: {fast} vs {slow}");
        }
        assert_eq!(fast["args"], serde_json::json!({}), "{version}");
        assert_eq!(slow["args"]["via"], "router", "{version}");
        // The URL is the one asked for, over HTTP/2 too (where the request URI is absolute).
        assert_eq!(
            fast["url"],
            format!("{base}/delay/0.1"),
            "{version}: {fast}"
        );
        assert_eq!(
            slow["url"],
            format!("{base}/delay/0.1?via=router"),
            "{version}"
        );
    }
    // The fast path and the router share one in-flight cap: with a plain /delay holding the
    // only slot, the router refuses /features, and the fast path hands its refusal to the
    // router, which says why.
    let holding = tokio::spawn(fetch(&h1, format!("{base}/delay/0.5")));
    tokio::time::sleep(Duration::from_millis(150)).await;
    for path in ["/features", "/delay/0"] {
        let (status, body, _) = get(&format!("{base}{path}")).await;
        assert_eq!(status, 503, "{path}: {body}");
        assert!(body["error"].as_str().unwrap().contains("--max-in-flight"));
    }
    assert_eq!(holding.await.unwrap().0, 200);
    // Every answered /delay was counted in the lateness the server reports.
    let (_, stats, _) = get(&format!("{base}/stats")).await;
    assert_eq!(stats["requests"], 5, "{stats}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_fast_delay_path_echoes_each_request_though_it_writes_a_body_once() {
    let server = RunningServer::start(ServerConfig::default()).await.unwrap();
    let base = server.url();
    let [h1, h2] = both_versions();
    // The fast path keeps the last body it wrote for the request parts it echoes: a request
    // that differs in a header or in its URL gets its own, and an earlier one is written anew.
    for (client, version) in [(&h1, "HTTP/1.1"), (&h2, "HTTP/2")] {
        for (path, probe) in [
            ("/delay/0", "one"),
            ("/delay/0", "one"),
            ("/delay/0", "two"),
            ("/delay/0.0", "two"),
            ("/delay/0", "one"),
        ] {
            let resp = client
                .get(format!("{base}{path}"))
                .header("x-probe", probe)
                .send()
                .await
                .expect("the server answers");
            assert_eq!(resp.status(), 200, "{version} {path} {probe}");
            let body: serde_json::Value = resp.json().await.expect("a JSON body");
            assert_eq!(
                body["headers"]["X-Probe"], probe,
                "{version} {path}: {body}"
            );
            assert_eq!(body["url"], format!("{base}{path}"), "{version}: {body}");
            assert_eq!(body["args"], serde_json::json!({}), "{version}");
        }
    }
    server.stop().await.unwrap();
}
