//! `gilwall serve` never serves a page that cannot start: a `--www` folder without the built wasm
//! is refused with the command that builds it, and a server with no page says so at `/`.

use gilwall::server::{RunningServer, ServerConfig};
use std::process::Command;

#[test]
fn serve_refuses_a_www_folder_whose_wasm_is_not_built() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(["serve", "--port", "0", "--www"])
        .arg(dir.path())
        .output()
        .expect("the binary runs");
    assert!(!out.status.success(), "served an unbuilt page");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not built")
            && err.contains("pkg/gilwall_web.js")
            && err.contains("cargo xtask web"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_with_no_page_says_at_the_root_how_to_get_one() {
    let server = RunningServer::start(ServerConfig::default()).await.unwrap();
    let resp = reqwest::get(format!("{}/", server.url())).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["server"], "gilwall");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("No demo page here") && body.contains("cargo xtask install"),
        "{body}"
    );
    // Other unknown paths are still unknown endpoints, in JSON.
    let resp = reqwest::get(format!("{}/nope", server.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("no such endpoint"));
    server.stop().await.unwrap();
}
