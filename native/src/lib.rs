//! The `gilwall` command as a library: the embedded feature server, the native strategies,
//! sweeps, exports and the CLI, so that tests can call every part directly.

pub mod cli;
pub mod machine;
pub mod server;
