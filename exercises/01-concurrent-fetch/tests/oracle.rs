//! The oracle for exercise 1: real fetches against a loopback server that answers after 200 ms.

use ex01_concurrent_fetch::fetch_all;
use std::time::Instant;
use support::Server;

/// The tests time real fetches; one at a time keeps them from disturbing each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn eight_fetches_take_about_as_long_as_one() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let urls = server.urls(8, 200);
    let start = Instant::now();
    let bodies = fetch_all(&urls).await.expect("every fetch should succeed");
    let took = start.elapsed().as_millis();
    assert_eq!(bodies.len(), 8, "expected one body per URL");
    // Serial: 8 × 200 = 1600 ms. Concurrent: about 200 ms. The margin is wide for slow laptops.
    assert!(
        took < 600,
        "8 fetches of 200 ms took {took} ms: they still run one after another (serial would \
         take 1600 ms; concurrent takes about 200)"
    );
    assert!(
        server.peak_in_flight() >= 4,
        "the server never saw more than {} request(s) at once; the fetches do not overlap",
        server.peak_in_flight()
    );
}

#[tokio::test]
async fn results_come_back_in_the_order_of_the_urls() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    // Later URLs answer sooner, so finishing order differs from the URLs' order.
    let urls: Vec<String> = (0..5u64)
        .map(|i| format!("{}?i={i}", server.url(150 - 30 * i)))
        .collect();
    let bodies = fetch_all(&urls).await.expect("every fetch should succeed");
    for (i, body) in bodies.iter().enumerate() {
        assert!(
            body.contains(&format!("i={i}")),
            "body {i} is {body:?}: results must be in the URLs' order, not the finishing order"
        );
    }
}

#[tokio::test]
async fn a_failed_fetch_is_an_error() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let mut urls = server.urls(3, 10);
    urls.push(server.url(10).replace("/delay/10", "/missing"));
    assert!(
        fetch_all(&urls).await.is_err(),
        "a URL that answers 404 must make fetch_all fail"
    );
}
