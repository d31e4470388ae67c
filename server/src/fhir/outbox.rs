//! Delivery of completed check-ins to the clinic's FHIR server: at least once (the outbox row
//! is written in the check-in's transaction and cleared only by a 2xx), retried with
//! exponential backoff while the failure may pass (5xx, 408, 429, timeouts, refused
//! connections), and stopped at the EHR's permanent "no" (any other 4xx), whose explanation
//! staff read on the desk. Every Bundle entry is conditional, so a repeat changes nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tokio::sync::{watch, Notify};

use super::smart::SmartBackend;
use super::HandOff;
use crate::store::DueDelivery;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// The most of an answer read: enough for any OperationOutcome or transaction-response.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

pub struct Outbox {
    pub handoff: HandOff,
    /// SMART Backend Services, when the EHR asks for a bearer token.
    pub auth: Option<Arc<SmartBackend>>,
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

/// How one attempt went.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Delivered,
    /// Worth trying again later: the kind of failure (an HTTP status, "timeout").
    Failed(String),
    /// The EHR refused the Bundle itself: trying again would be refused again.
    Rejected {
        status: String,
        explanation: String,
    },
}

/// What an HTTP status means for the delivery.
pub fn classify(status: u16, answer: &[u8]) -> Outcome {
    match status {
        200..=299 => match failed_entry(answer) {
            None => Outcome::Delivered,
            // A server that answers a transaction 200 with a failed entry in it.
            Some((entry_status, explanation)) => classify_failure(entry_status, explanation),
        },
        _ => classify_failure(status, explanation(answer)),
    }
}

fn classify_failure(status: u16, explanation: String) -> Outcome {
    let status_text = format!("HTTP {status}");
    match status {
        408 | 429 => Outcome::Failed(status_text),
        400..=499 => Outcome::Rejected {
            status: status_text,
            explanation,
        },
        _ => Outcome::Failed(status_text),
    }
}

/// The first entry of a transaction-response that did not succeed, with its outcome's words.
fn failed_entry(answer: &[u8]) -> Option<(u16, String)> {
    let bundle: Value = serde_json::from_slice(answer).ok()?;
    bundle["entry"].as_array()?.iter().find_map(|entry| {
        let status: u16 = entry["response"]["status"]
            .as_str()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        (status >= 300).then(|| (status, outcome_text(&entry["response"]["outcome"])))
    })
}

/// The OperationOutcome's own words, or a plain statement that it gave none.
fn explanation(answer: &[u8]) -> String {
    serde_json::from_slice::<Value>(answer)
        .map(|outcome| outcome_text(&outcome))
        .unwrap_or_else(|_| outcome_text(&Value::Null))
}

fn outcome_text(outcome: &Value) -> String {
    let texts: Vec<&str> = outcome["issue"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|issue| issue["details"]["text"].as_str().or(issue["diagnostics"].as_str()))
        .collect();
    if texts.is_empty() {
        "The EHR gave no reason.".to_owned()
    } else {
        texts.join("; ")
    }
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
            let wait = match self.handoff.store.next_delivery_at().await {
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
        let store = &self.handoff.store;
        for DueDelivery {
            appointment_id,
            attempts,
        } in store.due_deliveries(Utc::now(), 32).await?
        {
            let Some(bundle) = self.handoff.bundle(appointment_id).await? else {
                // Checked in, then undone: nothing to send until it is checked in again.
                store
                    .delivery_failed(appointment_id, "not checked in", Utc::now() + MAX_BACKOFF)
                    .await?;
                continue;
            };
            match self.send(client, bundle).await {
                Outcome::Delivered => {
                    store.delivery_succeeded(appointment_id, Utc::now()).await?;
                    metrics::counter!("arrive_fhir_deliveries_total", "outcome" => "delivered").increment(1);
                }
                Outcome::Failed(error) => {
                    let wait = backoff(self.retry_base, attempts as u32 + 1);
                    let retry_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                    tracing::warn!(%error, attempt = attempts + 1, "fhir outbox: delivery failed; will retry");
                    store.delivery_failed(appointment_id, &error, retry_at).await?;
                    metrics::counter!("arrive_fhir_deliveries_total", "outcome" => "failed").increment(1);
                }
                Outcome::Rejected { status, explanation } => {
                    // The EHR's words may quote patient data: they go to staff, never to the log.
                    tracing::warn!(error = %status, "fhir outbox: rejected by the EHR; not retried");
                    store
                        .delivery_rejected(appointment_id, &status, &explanation, Utc::now())
                        .await?;
                    metrics::counter!("arrive_fhir_deliveries_total", "outcome" => "rejected").increment(1);
                }
            }
        }
        Ok(())
    }

    /// One attempt; a 401 with a cached token is tried once more with a fresh one.
    async fn send(&self, client: &reqwest::Client, bundle: String) -> Outcome {
        let mut answer = self.post(client, bundle.clone()).await;
        if let (Some(auth), Ok(Ok(response))) = (&self.auth, &answer) {
            if response.status() == reqwest::StatusCode::UNAUTHORIZED {
                auth.forget().await;
                answer = self.post(client, bundle).await;
            }
        }
        match answer {
            Err(no_token) => no_token,
            Ok(Ok(response)) => {
                let status = response.status().as_u16();
                match read_limited(response).await {
                    Some(answer) => classify(status, &answer),
                    None => Outcome::Failed("unreadable answer".to_owned()),
                }
            }
            Ok(Err(e)) if e.is_timeout() => Outcome::Failed("timeout".to_owned()),
            Ok(Err(e)) if e.is_connect() => Outcome::Failed("connection refused".to_owned()),
            Ok(Err(_)) => Outcome::Failed("transport error".to_owned()),
        }
    }

    /// The POST itself, with a bearer token when SMART is configured; a token that cannot be
    /// had is a failure worth retrying (the token endpoint may be back later).
    async fn post(
        &self,
        client: &reqwest::Client,
        bundle: String,
    ) -> Result<Result<reqwest::Response, reqwest::Error>, Outcome> {
        let mut request = client
            .post(&self.endpoint)
            .header("content-type", "application/fhir+json")
            .header("accept", "application/fhir+json");
        if let Some(auth) = &self.auth {
            let token = auth
                .access_token(client)
                .await
                .map_err(|e| Outcome::Failed(format!("SMART {e}")))?;
            request = request.bearer_auth(token);
        }
        Ok(request.body(bundle).send().await)
    }
}

/// The answer's body, at most `MAX_ANSWER_BYTES` of it (the rest is not needed to judge it).
async fn read_limited(mut response: reqwest::Response) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room <= chunk.len() {
            break;
        }
    }
    Some(body)
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

    #[test]
    fn a_4xx_is_a_rejection_with_the_outcomes_words_and_408_429_5xx_are_retried() {
        let outcome = br#"{"resourceType":"OperationOutcome","issue":[
            {"severity":"error","code":"not-found","details":{"text":"No Patient matches"}},
            {"severity":"error","code":"invalid","diagnostics":"Appointment: app-2 failed"}]}"#;
        assert_eq!(
            classify(422, outcome),
            Outcome::Rejected {
                status: "HTTP 422".into(),
                explanation: "No Patient matches; Appointment: app-2 failed".into()
            }
        );
        assert_eq!(
            classify(400, b"<html>nope</html>"),
            Outcome::Rejected {
                status: "HTTP 400".into(),
                explanation: "The EHR gave no reason.".into()
            }
        );
        for status in [408, 429, 500, 502, 503] {
            assert_eq!(classify(status, b""), Outcome::Failed(format!("HTTP {status}")));
        }
        assert_eq!(
            classify(
                200,
                br#"{"resourceType":"Bundle","type":"transaction-response","entry":[
            {"response":{"status":"200 OK"}}]}"#
            ),
            Outcome::Delivered
        );
        assert_eq!(classify(201, b""), Outcome::Delivered);
    }

    #[test]
    fn a_failed_entry_in_a_2xx_transaction_response_is_judged_by_its_own_status() {
        let answer = br#"{"resourceType":"Bundle","type":"transaction-response","entry":[
            {"response":{"status":"201"}},
            {"response":{"status":"400","outcome":{"resourceType":"OperationOutcome",
              "issue":[{"details":{"text":"Conditional PATCH did not match any resources"}}]}}}]}"#;
        assert_eq!(
            classify(200, answer),
            Outcome::Rejected {
                status: "HTTP 400".into(),
                explanation: "Conditional PATCH did not match any resources".into()
            }
        );
    }
}
