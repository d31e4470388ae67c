//! The sign-in throttle's counts (`crate::login_throttle` holds the rule): failures per key.

use chrono::{DateTime, Utc};

use super::{on_pool, on_tx, rfc3339, Store};

/// One key's recent failed sign-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: i64,
    /// When the latest one was.
    pub latest: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct FailuresRow {
    count: i64,
    latest: Option<String>,
}

impl Store {
    /// For each key: its failures since `since`.
    pub async fn login_failures(
        &self,
        keys: [&str; 2],
        since: DateTime<Utc>,
    ) -> Result<Vec<LoginFailures>, sqlx::Error> {
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            let row: FailuresRow = on_pool!(self.pool(), |p| sqlx::query_as(
                "SELECT COUNT(*) AS count, MAX(at) AS latest FROM login_failure WHERE key = $1 AND at > $2"
            )
            .bind(key)
            .bind(rfc3339(since))
            .fetch_one(p)
            .await)?;
            counts.push(LoginFailures {
                count: row.count,
                latest: row
                    .latest
                    .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                    .map(|t| t.with_timezone(&Utc)),
            });
        }
        Ok(counts)
    }

    /// Counts a failure for each key; forgets every failure from before `forget_before`.
    pub async fn record_login_failure(
        &self,
        keys: [&str; 2],
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM login_failure WHERE at <= $1")
            .bind(rfc3339(forget_before))
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        for key in keys {
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO login_failure (key, at) VALUES ($1, $2)"
            )
            .bind(key)
            .bind(rfc3339(now))
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        }
        tx.commit().await
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query("DELETE FROM login_failure WHERE key = $1")
            .bind(key)
            .execute(p)
            .await
            .map(|_| ()))
    }
}
