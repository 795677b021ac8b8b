//! Shared by the tests that run the `gilwall` binary as a user does: run it, and check that
//! bad flags are refused the way the CLI promises (exit code 2, the flag named, no panic).

use std::process::{Command, Output};

/// Runs the `gilwall` binary built for these tests with `args`.
pub fn gilwall(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Checks that each command line exits 2 with a message naming its flag, and does not panic.
pub fn assert_usage_errors(cases: &[(&[&str], &str)]) {
    for (args, flag) in cases {
        let out = gilwall(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(flag),
            "{args:?} should name {flag}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}
