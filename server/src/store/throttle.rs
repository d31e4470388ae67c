//! The identify throttle's counts (`crate::throttle` holds the rule): misses per key in a
//! sliding window, and lockouts. In the database, so servers sharing it share the counts.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{on_pool, on_tx, rfc3339, Store};

/// How many misses in how long lock a key out, and for how long (`crate::throttle` sets them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub most_misses: u32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Store {
    /// Whether any of `keys` is locked out at `now`.
    pub async fn locked_out(&self, keys: [&str; 2], now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM identify_lockout WHERE key IN ($1, $2) AND until > $3)"
        )
        .bind(keys[0])
        .bind(keys[1])
        .bind(rfc3339(now))
        .fetch_one(p)
        .await)
    }

    /// Counts a miss for each key in one transaction; a key that reaches its limit's most
    /// misses within its window is locked out for its lockout and starts its count again.
    /// For each key, whether this miss locked it.
    pub async fn record_misses(&self, keys: &[(&str, &Limit)], now: DateTime<Utc>) -> Result<Vec<bool>, sqlx::Error> {
        let at = rfc3339(now);
        let mut tx = self.begin().await?;
        // Whoever has been quiet for the longest window is forgotten, so the table stays small.
        if let Some(longest) = keys.iter().map(|(_, limit)| limit.window).max() {
            on_tx!(&mut tx, |c| sqlx::query("DELETE FROM identify_miss WHERE at <= $1")
                .bind(rfc3339(now - longest))
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
        }
        let mut locked = Vec::with_capacity(keys.len());
        for (key, limit) in keys {
            let since = rfc3339(now - limit.window);
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO identify_miss (key, at) VALUES ($1, $2)"
            )
            .bind(*key)
            .bind(&at)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            let misses: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM identify_miss WHERE key = $1 AND at > $2"
            )
            .bind(*key)
            .bind(&since)
            .fetch_one(&mut **c)
            .await)?;
            let locks = misses >= i64::from(limit.most_misses);
            if locks {
                on_tx!(&mut tx, |c| sqlx::query(
                    "INSERT INTO identify_lockout (key, until) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET until = excluded.until"
                )
                .bind(*key)
                .bind(rfc3339(now + limit.lockout))
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
                on_tx!(&mut tx, |c| sqlx::query("DELETE FROM identify_miss WHERE key = $1")
                    .bind(*key)
                    .execute(&mut **c)
                    .await
                    .map(|_| ()))?;
            }
            locked.push(locks);
        }
        tx.commit().await?;
        Ok(locked)
    }
}
