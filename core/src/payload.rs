//! The feature payload: a deterministic JSON document that the feature server sends and the
//! `features` kernel preprocesses.
//!
//! It stands in for what the article's app fetches from a feature store. The same `(seed, size)`
//! always gives the same bytes on every platform, so a checksum computed from it natively can be
//! compared with one computed in wasm.

use serde::{Deserialize, Serialize};

/// Number of numeric values in one feature row.
pub const VALUES_PER_ROW: usize = 16;

/// Number of distinct categories rows are drawn from.
pub const CATEGORIES: u64 = 37;

/// One feature row, as it appears in the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Row number, from 0.
    pub id: u64,
    /// A categorical feature, bucketed by hashing in the kernel.
    pub category: String,
    /// Numeric features, normalised by the kernel.
    pub values: Vec<f64>,
}

/// The whole feature payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// The seed the payload was generated from.
    pub seed: u64,
    /// The feature rows; at least one.
    pub rows: Vec<Row>,
}

/// SplitMix64: a tiny, well-known generator whose output is identical on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// A float in `[0, 1)` with 53 random bits (exactly representable, so platform-independent).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The SplitMix64 finaliser: a good 64-bit mixing function.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Generates the payload for `seed` whose JSON encoding is about `size` bytes (never less than
/// one row, so a tiny `size` still gives a usable payload).
pub fn generate(seed: u64, size: usize) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(size + 512);
    out.extend_from_slice(format!("{{\"seed\":{seed},\"rows\":[").as_bytes());
    let mut id = 0u64;
    loop {
        let row = Row {
            id,
            category: format!("cat-{}", rng.next_u64() % CATEGORIES),
            // Values with three decimals read like real features and keep the payload compact.
            values: (0..VALUES_PER_ROW)
                .map(|_| (rng.next_u64() % 2_000_000) as f64 / 1000.0 - 1000.0)
                .collect(),
        };
        if id > 0 {
            out.push(b',');
        }
        // Serialising a plain struct of numbers and strings into a Vec cannot fail.
        serde_json::to_writer(&mut out, &row).expect("a Row always serialises");
        id += 1;
        if out.len() + 2 >= size {
            break;
        }
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_deterministic_and_close_to_the_asked_size() {
        for size in [1usize, 100, 1024, 64 * 1024] {
            let a = generate(7, size);
            assert_eq!(a, generate(7, size));
            let parsed: Payload = serde_json::from_slice(&a).unwrap();
            assert!(!parsed.rows.is_empty());
            assert_eq!(parsed.seed, 7);
            // Never smaller than asked, and at most one row (~300 bytes) larger.
            assert!(a.len() >= size.min(a.len()));
            assert!(a.len() < size + 400, "size {size} gave {}", a.len());
        }
        assert_ne!(generate(1, 1024), generate(2, 1024));
    }

    #[test]
    fn random_floats_are_in_unit_interval() {
        let mut r = SplitMix64::new(0);
        for _ in 0..1000 {
            let x = r.next_f64();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
