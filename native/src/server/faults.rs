//! Faults on purpose: error statuses, dropped connections, malformed JSON and extra jitter, at
//! rates set per server (`gilwall serve --fail-rate …`) or per request (`?fail_rate=…`).
//!
//! Real feature stores misbehave; these let a user see how each strategy counts failed fetches
//! and goes on. Draws come from a counter mixed by SplitMix64, so a server's sequence of faults is
//! reproducible and needs no random-number crate.

use gilwall_core::payload::mix64;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Fault rates (each a probability from 0 to 1, together at most 1) and extra jitter.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Faults {
    /// Share of requests answered `500` with a message.
    pub fail_rate: f64,
    /// Share of requests whose connection is cut mid-response.
    pub drop_rate: f64,
    /// Share of requests answered `200` with truncated, invalid JSON.
    pub malformed_rate: f64,
    /// Extra delay, uniform from 0 to this many ms, on top of the asked delay.
    pub jitter_ms: f64,
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Answer 500.
    Fail,
    /// Cut the connection mid-response.
    Drop,
    /// Answer truncated JSON.
    Malformed,
}

impl Faults {
    /// Checks the rates and jitter; the message names the bad one.
    pub fn validate(&self, max_jitter_ms: f64) -> Result<(), String> {
        for (name, v) in [
            ("fail_rate", self.fail_rate),
            ("drop_rate", self.drop_rate),
            ("malformed_rate", self.malformed_rate),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(format!("{name} must be a probability from 0 to 1, got {v}"));
            }
        }
        let total = self.fail_rate + self.drop_rate + self.malformed_rate;
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "fail_rate + drop_rate + malformed_rate must be at most 1, got {total}"
            ));
        }
        if !(self.jitter_ms.is_finite() && (0.0..=max_jitter_ms).contains(&self.jitter_ms)) {
            return Err(format!(
                "jitter_ms must be from 0 to {max_jitter_ms}, got {}",
                self.jitter_ms
            ));
        }
        Ok(())
    }

    /// These faults with any given in the query string (`fail_rate`, `drop_rate`,
    /// `malformed_rate`, `jitter_ms`) taking their place.
    pub fn with_query(
        mut self,
        query: &BTreeMap<String, String>,
        max_jitter_ms: f64,
    ) -> Result<Faults, String> {
        for (key, slot) in [
            ("fail_rate", &mut self.fail_rate),
            ("drop_rate", &mut self.drop_rate),
            ("malformed_rate", &mut self.malformed_rate),
            ("jitter_ms", &mut self.jitter_ms),
        ] {
            if let Some(raw) = query.get(key) {
                *slot = raw
                    .trim()
                    .parse()
                    .map_err(|_| format!("{key} must be a number, got {raw:?}"))?;
            }
        }
        self.validate(max_jitter_ms)?;
        Ok(self)
    }

    /// Whether any fault or jitter is set.
    pub fn any(&self) -> bool {
        *self != Faults::default()
    }
}

/// The source of fault draws: a counter mixed into uniform numbers.
#[derive(Debug, Default)]
pub struct Dice(AtomicU64);

impl Dice {
    /// A uniform number in `[0, 1)`.
    pub fn roll(&self) -> f64 {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        (mix64(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault for one request, and its extra jitter in ms.
    pub fn draw(&self, faults: &Faults) -> (Fault, f64) {
        if !faults.any() {
            return (Fault::None, 0.0);
        }
        let u = self.roll();
        let fault = if u < faults.fail_rate {
            Fault::Fail
        } else if u < faults.fail_rate + faults.drop_rate {
            Fault::Drop
        } else if u < faults.fail_rate + faults.drop_rate + faults.malformed_rate {
            Fault::Malformed
        } else {
            Fault::None
        };
        (fault, self.roll() * faults.jitter_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_the_rates() {
        let dice = Dice::default();
        let f = Faults {
            fail_rate: 0.2,
            drop_rate: 0.1,
            malformed_rate: 0.05,
            jitter_ms: 10.0,
        };
        let mut counts = [0usize; 4];
        let mut max_jitter = 0.0f64;
        for _ in 0..20_000 {
            let (fault, jitter) = dice.draw(&f);
            counts[fault as usize] += 1;
            max_jitter = max_jitter.max(jitter);
        }
        let share = |i: usize| counts[i] as f64 / 20_000.0;
        assert!((share(1) - 0.2).abs() < 0.02, "{counts:?}");
        assert!((share(2) - 0.1).abs() < 0.02, "{counts:?}");
        assert!((share(3) - 0.05).abs() < 0.015, "{counts:?}");
        assert!(max_jitter > 9.0 && max_jitter <= 10.0);
    }

    #[test]
    fn bad_rates_are_named() {
        let q = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(
            Faults::default()
                .with_query(&q("fail_rate", "2"), 100.0)
                .unwrap_err()
                .contains("fail_rate")
        );
        assert!(
            Faults::default()
                .with_query(&q("drop_rate", "x"), 100.0)
                .unwrap_err()
                .contains("drop_rate")
        );
        assert!(
            Faults::default()
                .with_query(&q("jitter_ms", "1e9"), 100.0)
                .unwrap_err()
                .contains("jitter_ms")
        );
        let both = Faults {
            fail_rate: 0.7,
            ..Faults::default()
        };
        assert!(
            both.with_query(&q("drop_rate", "0.5"), 100.0)
                .unwrap_err()
                .contains("at most 1")
        );
        assert_eq!(
            Faults::default()
                .with_query(&q("fail_rate", "0.5"), 1.0)
                .unwrap()
                .fail_rate,
            0.5
        );
    }
}
