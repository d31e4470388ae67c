//! Stops a tablet (or an address) from trying name and birth-date pairs until one matches:
//! after too many identifications that found nobody in a window, it is refused for a while.
//! Successful matches do not count and do not reset the count, so mixing in a known patient
//! does not buy more guesses. In memory: a restart forgives, which is acceptable for a lobby.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct FailureThrottle {
    max_failures: u32,
    window: Duration,
    lockout: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Default)]
struct Entry {
    failures: Vec<Instant>,
    locked_until: Option<Instant>,
}

impl FailureThrottle {
    pub fn new(max_failures: u32, window: Duration, lockout: Duration) -> Self {
        FailureThrottle {
            max_failures,
            window,
            lockout,
            entries: Mutex::default(),
        }
    }

    /// `Err(until)` while `key` is locked out.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Instant> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(key).and_then(|e| e.locked_until) {
            Some(until) if until > now => Err(until),
            _ => Ok(()),
        }
    }

    /// Counts a failure; true when this one locks `key` out.
    pub fn record_failure(&self, key: &str, now: Instant) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Forget whoever has been quiet for a window, so the map stays small.
        entries.retain(|_, e| {
            e.locked_until.is_some_and(|t| t > now)
                || e.failures.last().is_some_and(|t| now.duration_since(*t) < self.window)
        });
        let entry = entries.entry(key.to_owned()).or_default();
        entry.failures.retain(|t| now.duration_since(*t) < self.window);
        entry.failures.push(now);
        if entry.failures.len() as u32 >= self.max_failures {
            entry.failures.clear();
            entry.locked_until = Some(now + self.lockout);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_too_many_failures_in_the_window_and_unlocks_later() {
        let throttle = FailureThrottle::new(3, Duration::from_secs(60), Duration::from_secs(300));
        let t0 = Instant::now();
        assert!(!throttle.record_failure("kiosk:1", t0));
        // Failures older than the window do not count.
        assert!(!throttle.record_failure("kiosk:1", t0 + Duration::from_secs(61)));
        assert!(!throttle.record_failure("kiosk:1", t0 + Duration::from_secs(62)));
        assert_eq!(throttle.check("kiosk:1", t0 + Duration::from_secs(62)), Ok(()));
        assert!(throttle.record_failure("kiosk:1", t0 + Duration::from_secs(63)));
        let until = t0 + Duration::from_secs(363);
        assert_eq!(throttle.check("kiosk:1", t0 + Duration::from_secs(64)), Err(until));
        assert_eq!(
            throttle.check("kiosk:2", t0 + Duration::from_secs(64)),
            Ok(()),
            "others go on"
        );
        assert_eq!(throttle.check("kiosk:1", until), Ok(()));
    }
}
