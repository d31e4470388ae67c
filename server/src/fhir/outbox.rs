//! Delivery of completed check-ins to the clinic's FHIR server: at least once (the outbox row
//! is written in the check-in's transaction and cleared only by a 2xx), retried with
//! exponential backoff, and harmless when repeated (every Bundle entry is conditional).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{watch, Notify};

use crate::consents::Consents;
use crate::forms::Forms;
use crate::store::Store;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

pub struct Outbox {
    pub store: Store,
    pub forms: Arc<Forms>,
    pub consents: Arc<Consents>,
    /// The FHIR server's base URL; the transaction Bundle is POSTed to it.
    pub endpoint: String,
    /// The wait after the first failure; it doubles with each further one.
    pub retry_base: Duration,
    /// Rung after each check-in, so delivery does not wait for the next poll.
    pub wake: Arc<Notify>,
}

/// The wait before attempt `attempts + 1`, after `attempts` failures.
pub fn backoff(retry_base: Duration, attempts: u32) -> Duration {
    retry_base
        .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)))
        .min(MAX_BACKOFF)
}

impl Outbox {
    /// Delivers until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let client = match reqwest::Client::builder().timeout(Duration::from_secs(20)).build() {
            Ok(client) => client,
            Err(_) => {
                tracing::error!("fhir outbox: cannot build an HTTP client; deliveries wait");
                return;
            }
        };
        loop {
            if let Err(error) = self.deliver_due(&client).await {
                tracing::warn!(%error, "fhir outbox: database error; retrying");
            }
            let wait = match self.store.next_delivery_at().await {
                Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(MAX_BACKOFF),
                _ => MAX_BACKOFF,
            };
            tokio::select! {
                _ = tokio::time::sleep(wait.max(Duration::from_millis(20))) => {}
                _ = self.wake.notified() => {}
                _ = stop.changed() => return,
            }
        }
    }

    async fn deliver_due(&self, client: &reqwest::Client) -> Result<(), sqlx::Error> {
        for (appointment_id, attempts) in self.store.due_deliveries(Utc::now(), 32).await? {
            let Some(bundle) = super::bundle_from(&self.store, &self.forms, &self.consents, appointment_id).await?
            else {
                // Checked in, then undone: nothing to send until it is checked in again.
                self.store
                    .delivery_failed(appointment_id, "not checked in", Utc::now() + MAX_BACKOFF)
                    .await?;
                continue;
            };
            let outcome = client
                .post(&self.endpoint)
                .header("content-type", "application/fhir+json")
                .header("accept", "application/fhir+json")
                .json(&bundle)
                .send()
                .await;
            let failure = match outcome {
                Ok(response) if response.status().is_success() => None,
                Ok(response) => Some(format!("HTTP {}", response.status().as_u16())),
                Err(e) if e.is_timeout() => Some("timeout".to_owned()),
                Err(e) if e.is_connect() => Some("connection refused".to_owned()),
                Err(_) => Some("transport error".to_owned()),
            };
            match failure {
                None => {
                    self.store.delivery_succeeded(appointment_id, Utc::now()).await?;
                    metrics::counter!("arrive_fhir_deliveries_total", "outcome" => "delivered").increment(1);
                }
                Some(error) => {
                    let wait = backoff(self.retry_base, attempts as u32 + 1);
                    let retry_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                    tracing::warn!(%error, attempt = attempts + 1, "fhir outbox: delivery failed; will retry");
                    self.store.delivery_failed(appointment_id, &error, retry_at).await?;
                    metrics::counter!("arrive_fhir_deliveries_total", "outcome" => "failed").increment(1);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_is_capped() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 4), Duration::from_secs(40));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }
}
