//! The oracle for exercise 3: the loopback server counts how many requests it serves at once.

use ex03_bounded_concurrency::fetch_all_bounded;
use support::Server;

/// The tests share the machine's timing; one at a time keeps them from disturbing each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn never_more_than_limit_fetches_in_flight() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let bodies = fetch_all_bounded(&server.urls(12, 100), 3)
        .await
        .expect("every fetch should succeed");
    assert_eq!(bodies.len(), 12, "expected one body per URL");
    assert_eq!(
        server.served(),
        12,
        "every URL should be fetched exactly once"
    );
    let peak = server.peak_in_flight();
    assert!(
        peak <= 3,
        "the server saw {peak} requests at once; the limit was 3"
    );
    assert_eq!(
        peak, 3,
        "the server never saw more than {peak} request(s) at once: keep `limit` (3) fetches \
         going, not fewer"
    );
}

#[tokio::test]
async fn a_limit_of_one_is_serial_and_order_is_kept() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    // Later URLs answer sooner, so finishing order differs from the URLs' order.
    let urls: Vec<String> = (0..6u64)
        .map(|i| format!("{}?i={i}", server.url(90 - 15 * i)))
        .collect();
    let bodies = fetch_all_bounded(&urls, 4).await.expect("fetches succeed");
    for (i, body) in bodies.iter().enumerate() {
        assert!(
            body.contains(&format!("i={i}")),
            "body {i} is {body:?}: results must be in the URLs' order, not the finishing order"
        );
    }
    server.reset();
    fetch_all_bounded(&server.urls(4, 20), 1)
        .await
        .expect("fetches succeed");
    assert_eq!(
        server.peak_in_flight(),
        1,
        "a limit of 1 means one fetch at a time"
    );
}
