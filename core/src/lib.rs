//! The shared core of gilwall: everything that does not depend on where it runs.
//!
//! gilwall reproduces the article "Async I/O Is Not Enough": N tasks each fetch features over
//! HTTP and then do CPU work. This crate holds the parts that are the same natively and in the
//! browser — the CPU kernels, the workload, the list of strategies, the ideal-makespan model,
//! statistics, the report format, the workshop's lessons and the page's presets ([`lesson`]) —
//! plus the task body, the single-thread `async` schedule and the sweep pipeline ([`sweep`]:
//! specification, plan, recorder and the loop), which are generic over a [`task::Fetcher`], a
//! [`task::Clock`] and a [`sweep::Runner`] that the runtime hands in.
//!
//! **Architecture Invariant:** this crate does no I/O, reads no clock and starts no thread. It
//! compiles for `wasm32-unknown-unknown` as well as natively; callers measure time and pass it in.

// Every crate builds on this one, so every public item says what it is; the workspace's lints
// leave this lint to core (see the workspace Cargo.toml).
#![warn(missing_docs)]

pub mod bench;
pub mod calibrate;
pub mod kernel;
pub mod lesson;
pub mod load;
pub mod load_spec;
pub mod model;
pub mod payload;
pub mod report;
pub mod serving;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod task;
pub mod timeline;
pub mod workload;

pub use kernel::Kernel;
pub use report::{Point, Report, Transport};
pub use strategy::{Runtime, StrategyId};
pub use workload::{CpuSpec, Workload};

/// The version of gilwall, written into every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
