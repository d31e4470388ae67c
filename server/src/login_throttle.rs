//! Slows down password guessing at the staff sign-in without handing anyone a way to lock a
//! colleague out, and without saying which usernames exist (docs/SECURITY.md, "Staff accounts
//! and sign-in").
//!
//! Failures are counted per (username as typed, client address) and per client address, never
//! per account alone: someone hammering `admin` from one machine slows down that machine only,
//! and the real admin signs in from the desk as usual. The keys do not depend on whether the
//! username exists, so a known and an unknown username are throttled alike. Past a few free
//! failures each one doubles the wait before the next try (backoff, not a hard lock). A
//! successful sign-in clears its (username, client) count, not the client's.

use chrono::{DateTime, Duration, Utc};

use crate::store::Store;

/// Failures past `free` make the caller wait `first_wait`, doubled at each further failure
/// up to `longest_wait`, counted from the latest failure.
pub struct Backoff {
    pub free: i64,
    pub first_wait: Duration,
    pub longest_wait: Duration,
}

impl Backoff {
    /// How long after its latest failure a key with `failures` may try again.
    pub fn wait_after(&self, failures: i64) -> Option<Duration> {
        if failures < self.free {
            return None;
        }
        let doublings = (failures - self.free).min(16) as u32;
        Some((self.first_wait * 2i32.pow(doublings)).min(self.longest_wait))
    }
}

/// Per username and client: a person mistypes a few times; five in a row starts the backoff.
pub const PER_USERNAME_AND_CLIENT: Backoff = Backoff {
    free: 5,
    first_wait: Duration::seconds(30),
    longest_wait: Duration::minutes(15),
};

/// Per client, whatever the usernames: a shared desk PC gets room for several people's typos;
/// trying many usernames from one machine is slowed down the same way.
pub const PER_CLIENT: Backoff = Backoff {
    free: 20,
    first_wait: Duration::seconds(60),
    longest_wait: Duration::minutes(15),
};

/// Failures older than this are forgotten.
pub const MEMORY: Duration = Duration::hours(1);

fn keys(username: &str, client: &str) -> [String; 2] {
    [
        format!("pair:{}|{client}", username.trim().to_lowercase()),
        format!("client:{client}"),
    ]
}

/// How long this client must wait before trying `username` again; `None`: it may try now.
pub async fn wait(
    store: &Store,
    username: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Option<Duration>, sqlx::Error> {
    let [pair, client] = keys(username, client);
    let counts = store.login_failures([&pair, &client], now - MEMORY).await?;
    let rules = [&PER_USERNAME_AND_CLIENT, &PER_CLIENT];
    let retry_at = counts
        .iter()
        .zip(rules)
        .filter_map(|(failures, rule)| Some(failures.latest? + rule.wait_after(failures.count)?))
        .max();
    Ok(retry_at.filter(|at| *at > now).map(|at| at - now))
}

/// Counts a failed sign-in (wrong password, unknown or disabled username: all the same here).
pub async fn record_failure(
    store: &Store,
    username: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let [pair, client] = keys(username, client);
    store.record_login_failure([&pair, &client], now, now - MEMORY).await
}

/// A successful sign-in: this username from this client starts afresh.
pub async fn record_success(store: &Store, username: &str, client: &str) -> Result<(), sqlx::Error> {
    let [pair, _] = keys(username, client);
    store.clear_login_failures(&pair).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_past_the_free_failures_up_to_the_longest() {
        let rule = &PER_USERNAME_AND_CLIENT;
        assert_eq!(rule.wait_after(4), None);
        assert_eq!(rule.wait_after(5), Some(Duration::seconds(30)));
        assert_eq!(rule.wait_after(6), Some(Duration::seconds(60)));
        assert_eq!(rule.wait_after(100), Some(Duration::minutes(15)));
    }
}
