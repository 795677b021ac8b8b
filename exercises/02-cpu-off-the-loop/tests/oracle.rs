//! The oracle for exercise 2: handles run on a one-thread runtime (like Python's event loop)
//! while a ticker measures how long the loop is stalled.

use ex02_cpu_off_the_loop::handle;
use futures::future::join_all;
use std::time::{Duration, Instant};
use support::{Server, longest_stall};

/// The tests time real CPU work; one at a time keeps them from competing for the cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const CPU_MS: u64 = 120;

#[tokio::test(flavor = "current_thread")]
async fn cpu_work_does_not_stall_the_event_loop() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let handles = server
        .urls(3, 50)
        .into_iter()
        .map(|url| handle(url, CPU_MS));
    // join_all runs the handles together on this one thread, like asyncio.gather.
    let (results, stall) = longest_stall(Duration::from_millis(5), join_all(handles)).await;
    for r in results {
        r.expect("every fetch should succeed");
    }
    let stall = stall.as_millis();
    // Inline, each task's 120 ms of CPU work freezes the loop for at least 120 ms.
    assert!(
        stall < 50,
        "the event loop was stalled for {stall} ms while tasks computed ({CPU_MS} ms of CPU \
         each); CPU work is still running on the loop's thread"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_cpu_work_still_happens_and_its_result_comes_back() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = Server::start();
    let start = Instant::now();
    let result = handle(server.url(10), 60)
        .await
        .expect("the fetch should succeed");
    assert!(
        start.elapsed() >= Duration::from_millis(60),
        "handle returned after {:?}: the CPU work (60 ms) was skipped",
        start.elapsed()
    );
    assert_ne!(result, 0);
}
