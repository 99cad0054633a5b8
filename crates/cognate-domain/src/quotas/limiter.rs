//! Token buckets: each holds one second's worth of requests and refills at its rate, so
//! a burst of up to the rate passes at once and a steady stream passes at the rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets are dropped once this many exist (the oldest state is a full bucket anyway).
const MAX_BUCKETS: usize = 100_000;

#[derive(Default)]
pub(crate) struct Buckets {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Buckets {
    /// Takes one request from bucket `name` of `scope` at `rate` per second; false when
    /// it is empty (and then takes nothing).
    pub(crate) fn take(&self, scope: &str, name: &str, rate: f64, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.clear();
        }
        let bucket = buckets
            .entry((scope.to_string(), name.to_string()))
            .or_insert(Bucket {
                tokens: rate,
                at: now,
            });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub(crate) fn clear(&self) {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_passes_up_to_the_rate_then_refills_over_time() {
        let b = Buckets::default();
        let t0 = Instant::now();
        let passed = (0..30).filter(|_| b.take("p", "c", 10.0, t0)).count();
        assert_eq!(passed, 10);
        assert!(!b.take("p", "c", 10.0, t0 + Duration::from_millis(50)));
        assert!(b.take("p", "c", 10.0, t0 + Duration::from_millis(150)));
        // Other scopes and buckets are apart.
        assert!(b.take("q", "c", 10.0, t0));
        assert!(b.take("p", "d", 10.0, t0));
        // Never more than one second's worth, however long it rested.
        let later = t0 + Duration::from_secs(60);
        let passed = (0..30).filter(|_| b.take("p", "c", 10.0, later)).count();
        assert_eq!(passed, 10);
    }
}
