//! The CPU kernels: the work each task does after its fetch.
//!
//! - [`sqrt_loop`] is the article's `fake_cpu_op`: `result += (12345.6789 * noise) ** 0.5` in a
//!   loop (section 3, "I/O + CPU").
//! - [`features`] is a realistic stand-in for feature preprocessing: parse the fetched JSON,
//!   normalise each row, bucket categories by hashing, reduce to a checksum.
//!
//! Both return a value that depends on every iteration, so an optimiser cannot delete the loop
//! (the article's Go version loses its loop body that way). Both use only correctly rounded
//! IEEE-754 operations (+ − × ÷ sqrt) in a fixed order, so their results are bit-identical
//! natively and in wasm.

use crate::payload::{self, Payload};
use serde::{Deserialize, Serialize};
use std::hint::black_box;

/// Which kernel a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Kernel {
    /// The article's square-root loop; one iteration is one square root and one addition.
    #[default]
    Sqrt,
    /// Feature preprocessing over the fetched payload; one iteration is one pass over its rows.
    Features,
}

impl Kernel {
    /// Every kernel, in a stable order.
    pub const ALL: [Kernel; 2] = [Kernel::Sqrt, Kernel::Features];

    /// The kernel's identifier, as used on the command line and in reports.
    pub fn id(self) -> &'static str {
        match self {
            Kernel::Sqrt => "sqrt",
            Kernel::Features => "features",
        }
    }

    /// One line saying what the kernel does.
    pub fn describe(self) -> &'static str {
        match self {
            Kernel::Sqrt => "the article's square-root loop",
            Kernel::Features => "parse, normalise and bucket the fetched JSON features",
        }
    }

    /// Runs `iterations` of this kernel for task `seed` over the fetched `body`, returning the
    /// task's checksum.
    pub fn run(self, body: &[u8], seed: u64, iterations: u64) -> Result<u64, KernelError> {
        let mut work = Work::new(self, body, seed)?;
        work.step(iterations);
        Ok(work.finish())
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for Kernel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kernel::ALL
            .into_iter()
            .find(|k| k.id() == s)
            .ok_or_else(|| format!("unknown kernel {s:?}; expected one of: sqrt, features"))
    }
}

/// What went wrong inside a kernel.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KernelError {
    /// The fetched body is not a feature payload.
    #[error("the fetched payload is not valid feature JSON: {0}")]
    BadPayload(String),
    /// The payload parsed but has no rows to work on.
    #[error("the fetched payload has no feature rows")]
    EmptyPayload,
}

/// The article's `noise = random.random()`, made deterministic per task so that every strategy
/// computes the same checksum for the same task.
pub fn noise_for(seed: u64) -> f64 {
    payload::SplitMix64::new(seed).next_f64()
}

/// The article's CPU loop: `result += (12345.6789 * noise) ** 0.5`, `iterations` times.
///
/// CPython evaluates the same square root every time; a compiler would hoist that loop-invariant
/// expression and leave only additions, so the argument moves by 1 each iteration. The result
/// is returned (and the inputs pass through [`black_box`] once), which keeps the loop alive
/// without forcing a memory round trip per iteration.
pub fn sqrt_loop(noise: f64, iterations: u64) -> f64 {
    sqrt_steps(0.0, black_box(12345.6789 * noise), iterations).0
}

/// `iterations` steps of the square-root loop from state `(result, x)`; returns the new state.
///
/// Never inlined, on purpose: inlined into [`Work::step`], the two locals start from and end in
/// adjacent fields of one struct, and LLVM's SLP vectoriser on x86-64 then packs `result` and
/// `x` into one SSE register and adds `(sqrt(x), 1.0)` to both with one `addpd` — which chains
/// each square root's latency into the next `x`, and made the native loop ~2× slower than the
/// scalar loop the source describes (wasm without SIMD was spared, so it "won"). As its own
/// function the state lives in two registers and the loop stays scalar everywhere.
#[inline(never)]
fn sqrt_steps(mut result: f64, mut x: f64, iterations: u64) -> (f64, f64) {
    for _ in 0..black_box(iterations) {
        result += x.sqrt();
        x += 1.0;
    }
    (result, x)
}

/// A kernel computation that can be run in slices: the `gil` strategy computes a slice, then
/// hands the lock over, as CPython does every switch interval. Running it in one slice or many
/// gives the same checksum.
#[derive(Debug, Clone)]
pub struct Work {
    state: WorkState,
}

#[derive(Debug, Clone)]
enum WorkState {
    Sqrt {
        result: f64,
        x: f64,
    },
    Features {
        rows: Vec<(u64, Vec<f64>)>,
        buckets: Box<[f64; BUCKETS]>,
        pass: u64,
    },
}

impl Work {
    /// Prepares `kernel` for task `seed` over `body` (the `features` kernel parses it here).
    pub fn new(kernel: Kernel, body: &[u8], seed: u64) -> Result<Work, KernelError> {
        let state = match kernel {
            Kernel::Sqrt => WorkState::Sqrt {
                result: 0.0,
                x: black_box(12345.6789 * noise_for(seed)),
            },
            Kernel::Features => {
                let parsed: Payload = serde_json::from_slice(body)
                    .map_err(|e| KernelError::BadPayload(e.to_string()))?;
                if parsed.rows.is_empty() {
                    return Err(KernelError::EmptyPayload);
                }
                let rows = parsed
                    .rows
                    .into_iter()
                    .map(|r| (fnv1a(r.category.as_bytes()), r.values))
                    .collect();
                WorkState::Features {
                    rows,
                    buckets: Box::new([0.0; BUCKETS]),
                    pass: 0,
                }
            }
        };
        Ok(Work { state })
    }

    /// Runs `iterations` more iterations.
    pub fn step(&mut self, iterations: u64) {
        match &mut self.state {
            WorkState::Sqrt { result, x } => (*result, *x) = sqrt_steps(*result, *x, iterations),
            WorkState::Features {
                rows,
                buckets,
                pass,
            } => {
                for _ in 0..iterations {
                    features_pass(rows, buckets, *pass);
                    *pass += 1;
                }
            }
        }
    }

    /// The checksum of the work done (the `features` kernel always makes at least one pass).
    pub fn finish(mut self) -> u64 {
        match &mut self.state {
            WorkState::Sqrt { result, .. } => result.to_bits(),
            WorkState::Features {
                rows,
                buckets,
                pass,
            } => {
                if *pass == 0 {
                    features_pass(rows, buckets, 0);
                }
                buckets.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    payload::mix64(h ^ b.to_bits())
                })
            }
        }
    }
}

/// Number of hash buckets categories fall into.
pub const BUCKETS: usize = 64;

/// Feature preprocessing: parses the payload once, then makes `passes` passes over its rows
/// (at least one), each normalising every row to zero mean and unit variance, hashing its
/// category into one of [`BUCKETS`] buckets (salted by the pass) and accumulating weighted
/// sums. The checksum mixes the bits of every bucket's sum.
pub fn features(body: &[u8], passes: u64) -> Result<u64, KernelError> {
    Kernel::Features.run(body, 0, passes)
}

/// One pass of the `features` kernel over prepared rows `(category hash, values)`.
fn features_pass(rows: &[(u64, Vec<f64>)], buckets: &mut [f64; BUCKETS], pass: u64) {
    let weight = 1.0 + (pass % 7) as f64 / 8.0;
    for (hash, values) in rows {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let inv_std = 1.0 / (var + 1e-12).sqrt();
        let bucket = (payload::mix64(hash ^ pass) % BUCKETS as u64) as usize;
        let mut acc = 0.0;
        for (i, v) in values.iter().enumerate() {
            let z = (v - mean) * inv_std;
            acc += z * z * weight + z * (i as f64 + 1.0) / n;
        }
        buckets[bucket] += acc;
    }
}

/// FNV-1a over bytes: a small, portable string hash.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A checksum as reports write it: 16 lowercase hex digits.
pub fn checksum_hex(checksum: u64) -> String {
    format!("{checksum:016x}")
}

/// Combines per-task checksums into one value per run, independent of the order tasks finished.
pub fn combine_checksums(checksums: impl IntoIterator<Item = u64>) -> u64 {
    checksums
        .into_iter()
        .fold(0u64, |acc, c| acc.wrapping_add(payload::mix64(c)))
}

/// Seed of the payload whose `features` checksum is pinned (see [`PINNED_FEATURES_CHECKSUM`]).
pub const PINNED_FEATURES_SEED: u64 = 42;
/// Size in bytes of the payload whose checksum is pinned.
pub const PINNED_FEATURES_SIZE: usize = 4096;
/// Passes of the `features` kernel for the pinned checksum.
pub const PINNED_FEATURES_PASSES: u64 = 3;
/// The `features` checksum of `payload::generate(42, 4096)` after 3 passes. Pinned natively by a
/// unit test and in wasm by the browser tests, so both platforms must compute the same bits.
pub const PINNED_FEATURES_CHECKSUM: u64 = 0xdbff_b8cd_bb89_69e4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_checksum_is_pinned() {
        let body = payload::generate(PINNED_FEATURES_SEED, PINNED_FEATURES_SIZE);
        let sum = features(&body, PINNED_FEATURES_PASSES).unwrap();
        assert_eq!(sum, crate::kernel::PINNED_FEATURES_CHECKSUM, "got {sum:#x}");
    }

    #[test]
    fn sqrt_loop_depends_on_every_iteration() {
        let a = sqrt_loop(0.5, 1000);
        let b = sqrt_loop(0.5, 1001);
        assert!(b > a);
        assert_eq!(sqrt_loop(0.5, 0), 0.0);
        // The first term is the article's expression itself.
        assert_eq!(sqrt_loop(0.25, 1), (12345.6789f64 * 0.25).sqrt());
    }

    #[test]
    fn features_rejects_bad_payloads_with_a_message() {
        assert!(matches!(
            features(b"not json", 1),
            Err(KernelError::BadPayload(_))
        ));
        assert_eq!(
            features(br#"{"seed":1,"rows":[]}"#, 1),
            Err(KernelError::EmptyPayload)
        );
    }

    #[test]
    fn more_passes_change_the_checksum() {
        let body = payload::generate(1, 2048);
        assert_ne!(features(&body, 1).unwrap(), features(&body, 2).unwrap());
    }

    #[test]
    fn work_in_slices_equals_work_in_one_go() {
        let body = payload::generate(3, 2048);
        for kernel in Kernel::ALL {
            let whole = kernel.run(&body, 5, 100).unwrap();
            let mut w = Work::new(kernel, &body, 5).unwrap();
            for slice in [1, 9, 40, 0, 50] {
                w.step(slice);
            }
            assert_eq!(w.finish(), whole, "{kernel}");
        }
    }

    #[test]
    fn combined_checksum_ignores_order() {
        assert_eq!(combine_checksums([1, 2, 3]), combine_checksums([3, 1, 2]));
        assert_ne!(combine_checksums([1, 2, 3]), combine_checksums([1, 2, 4]));
    }
}
