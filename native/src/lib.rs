//! The `gilwall` command as a library: the embedded feature server, the native strategies,
//! sweeps, exports and the CLI, so that tests can call every part directly.

pub mod app;
pub mod blog;
pub mod cli;
pub mod companions;
pub mod export;
pub mod fetch;
pub mod go;
pub mod interrupt;
pub mod lifeline;
pub mod load;
pub mod machine;
pub mod python;
pub mod server;
pub mod strategy;
pub mod sweep;
pub mod verdict;
pub mod workshop;
