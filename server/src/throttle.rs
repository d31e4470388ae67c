//! Stops a tablet (or an address) from trying name and birth-date pairs, or pass codes, until
//! one matches: after too many misses in a window it is refused for a while. Successful
//! matches do not count and do not reset the count, so mixing in a known patient does not buy
//! more guesses. The counts are kept in the database (`store/throttle.rs`), so every server
//! sharing it counts the same misses: with N servers a guesser gets no more tries than with one.

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use crate::store::Limit;
use crate::store::Store;

/// Per tablet: a patient may mistype a few times; ten misses in ten minutes is guessing.
/// Per address: higher, as several tablets may share one.
pub struct IdentifyThrottle {
    pub per_kiosk: Limit,
    pub per_address: Limit,
}

impl Default for IdentifyThrottle {
    fn default() -> Self {
        let (window, lockout) = (Duration::from_secs(600), Duration::from_secs(300));
        IdentifyThrottle {
            per_kiosk: Limit {
                most_misses: 10,
                window,
                lockout,
            },
            per_address: Limit {
                most_misses: 30,
                window,
                lockout,
            },
        }
    }
}

fn keys(kiosk_id: i64, address: &str) -> (String, String) {
    (format!("kiosk:{kiosk_id}"), format!("address:{address}"))
}

impl IdentifyThrottle {
    /// Whether the tablet or its address is locked out now.
    pub async fn locked_out(
        &self,
        store: &Store,
        kiosk_id: i64,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let (kiosk, address) = keys(kiosk_id, address);
        store.locked_out([&kiosk, &address], now).await
    }

    /// Counts a miss for the tablet and for its address: (tablet locked by it, address locked).
    pub async fn record_miss(
        &self,
        store: &Store,
        kiosk_id: i64,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<(bool, bool), sqlx::Error> {
        let (kiosk, address) = keys(kiosk_id, address);
        let locked = store
            .record_misses(&[(&kiosk, &self.per_kiosk), (&address, &self.per_address)], now)
            .await?;
        Ok((locked[0], locked[1]))
    }
}
