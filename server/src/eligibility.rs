//! Eligibility: "is this insurance active today, and what is the co-pay?" asked of the payer as
//! an X12 270 and answered as a 271 (005010X279A1), both built and read by the domain's `x12`.
//!
//! The transport is pluggable (`Clearinghouse`): a clearly named sandbox payer that answers
//! from `demo/sandbox-payer.json` (made-up members, for the demo and tests), or a clearinghouse
//! or payer over the CAQH CORE real-time connection (`core`). Every 270 sent and what came back
//! is stored for the visit (staff read it, audited); neither is ever logged.

pub mod core;

use std::sync::atomic::{AtomicU32, Ordering};

use arrive_domain::api::{CoverageCheck, Eligibility, EligibilityExchange};
use arrive_domain::verification::InsuranceUpdate;
use arrive_domain::x12::{self, Benefits, CoverageStatus, Dependent, Inquiry, RejectReason, SandboxAnswer};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::config::{EligibilityService, EligibilitySettings};
use crate::AppState;

/// Who we are in the sandbox's interchanges (ISA06).
const SANDBOX_SENDER_ID: &str = "ARRIVECLINIC";

/// Where 270s go, and what every 270 says about the clinic.
pub struct Clearinghouse {
    transport: Transport,
    /// NM109 of loop 2100B (`ARRIVE_PROVIDER_NPI`).
    provider_npi: String,
    /// ISA15 (`ARRIVE_X12_USAGE`).
    production: bool,
}

enum Transport {
    Sandbox(SandboxPayer),
    Core {
        client: core::CoreClient,
        /// ISA06/GS02 and the envelope's SenderID.
        sender_id: String,
        /// ISA08/GS03 and the envelope's ReceiverID.
        receiver_id: String,
    },
}

impl Clearinghouse {
    /// The clearinghouse the settings name; `None` for `ARRIVE_ELIGIBILITY=off`.
    pub fn from_settings(settings: &EligibilitySettings) -> Option<Self> {
        let transport = match &settings.service {
            EligibilityService::Off => return None,
            EligibilityService::Sandbox => Transport::Sandbox(SandboxPayer::demo()),
            EligibilityService::Core(connection) => Transport::Core {
                sender_id: connection.sender_id.clone(),
                receiver_id: connection.receiver_id.clone(),
                client: core::CoreClient::new(connection.clone()),
            },
        };
        Some(Clearinghouse {
            transport,
            provider_npi: settings.provider_npi.clone(),
            production: settings.production,
        })
    }

    /// `sandbox` or `core`, as the stored exchanges name it.
    pub fn transport_name(&self) -> &'static str {
        match self.transport {
            Transport::Sandbox(_) => "sandbox",
            Transport::Core { .. } => "core",
        }
    }

    /// ISA06 and ISA08 of a 270 about a coverage with `payer_id`: the sandbox is addressed by
    /// the payer's id, a CORE connection by the IDs the clearinghouse gave.
    fn interchange_ids(&self, payer_id: &str) -> (String, String) {
        match &self.transport {
            Transport::Sandbox(_) => (SANDBOX_SENDER_ID.into(), payer_id.into()),
            Transport::Core {
                sender_id, receiver_id, ..
            } => (sender_id.clone(), receiver_id.clone()),
        }
    }

    /// Sends a 270 and returns the 271, or why none came (no body, no patient data).
    pub async fn exchange(&self, inquiry: &str) -> Result<String, String> {
        match &self.transport {
            Transport::Sandbox(payer) => payer.answer(inquiry),
            Transport::Core { client, .. } => client.exchange(inquiry).await.map_err(|e| e.to_string()),
        }
    }
}

/// SANDBOX: a pretend payer with a fixture of members. Not a real payer.
pub struct SandboxPayer {
    members: Vec<SandboxMember>,
    control_numbers: AtomicU32,
}

#[derive(Deserialize)]
struct SandboxFile {
    members: Vec<SandboxMember>,
}

#[derive(Deserialize)]
struct SandboxMember {
    payer_id: String,
    member_id: String,
    last_name: String,
    date_of_birth: NaiveDate,
    active: bool,
    plan_name: Option<String>,
    copay_cents: Option<u32>,
    deductible_remaining_cents: Option<u32>,
}

impl SandboxPayer {
    pub fn demo() -> Self {
        let file: SandboxFile = serde_json::from_str(include_str!("../../demo/sandbox-payer.json"))
            .expect("demo/sandbox-payer.json parses");
        SandboxPayer {
            members: file.members,
            control_numbers: AtomicU32::new(1),
        }
    }

    pub fn answer(&self, text: &str) -> Result<String, String> {
        let inquiry = x12::parse_270(text).map_err(|e| format!("sandbox payer: {e}"))?;
        let member = self.members.iter().find(|m| {
            m.payer_id.eq_ignore_ascii_case(&inquiry.payer_id) && m.member_id.eq_ignore_ascii_case(&inquiry.member_id)
        });
        let answer = match member {
            None => SandboxAnswer::Rejected(RejectReason::SubscriberNotFound),
            Some(m) if !m.last_name.eq_ignore_ascii_case(&inquiry.subscriber_last) => {
                SandboxAnswer::Rejected(RejectReason::SubscriberNotFound)
            }
            Some(m) if m.date_of_birth != inquiry.subscriber_dob => {
                SandboxAnswer::Rejected(RejectReason::InvalidBirthDate)
            }
            Some(m) => SandboxAnswer::Benefits(Benefits {
                active: m.active,
                copay_cents: m.copay_cents,
                deductible_remaining_cents: m.deductible_remaining_cents,
                plan_name: m.plan_name.clone(),
            }),
        };
        let control = self.control_numbers.fetch_add(1, Ordering::Relaxed);
        x12::build_271(&inquiry, &answer, control, Utc::now().naive_utc()).map_err(|e| format!("sandbox payer: {e}"))
    }
}

/// Whether a check-in asks the payer after its commit. The kiosk's record step asked already
/// (once per visit), so the check-in asks only about new insurance, or when insurance is on file
/// and no answer is (not asked yet, or the payer did not answer). With no insurance on file and
/// none given, or self-pay, there is nobody to ask.
pub fn ask_after_check_in(insurance: Option<&InsuranceUpdate>, coverage_on_file: bool, payer_answered: bool) -> bool {
    match insurance {
        Some(InsuranceUpdate::Changed { .. }) => true,
        Some(InsuranceUpdate::SelfPay) => false,
        Some(InsuranceUpdate::Same) | None => coverage_on_file && !payer_answered,
    }
}

/// `check`, then tells the boards (the row's "insurance" flag may have changed).
pub async fn check_and_publish(state: &AppState, appointment_id: i64) -> Result<(), sqlx::Error> {
    if check(state, appointment_id).await?.is_some() {
        let event_id = state.store.note_change(appointment_id, Utc::now()).await?;
        state.publish_appointment(appointment_id, event_id).await?;
    }
    Ok(())
}

/// Asks the payer about the visit's primary coverage and stores the answer. `None` when there
/// is no clearinghouse, no such visit or no insurance on file (self-pay).
pub async fn check(state: &AppState, appointment_id: i64) -> Result<Option<Eligibility>, sqlx::Error> {
    let Some(clearinghouse) = &state.clearinghouse else {
        return Ok(None);
    };
    let Some(visit) = state.store.visit_on_file(appointment_id).await? else {
        return Ok(None);
    };
    let Some(coverage) = visit.coverages.first() else {
        return Ok(None);
    };
    // The subscriber is the patient unless the coverage says someone else holds it; then the
    // patient is their dependent (loop 2000D).
    let patient_dob = arrive_domain::date::parse_iso(&visit.patient.date_of_birth).unwrap_or_default();
    let (first, last, dob, dependent) = match (&coverage.subscriber_name, &coverage.subscriber_dob) {
        (Some(name), Some(dob)) if coverage.relationship != "self" => {
            let (first, last) = name.rsplit_once(' ').unwrap_or(("", name.as_str()));
            let dependent = Dependent {
                first: visit.patient.first_name.clone(),
                last: visit.patient.last_name.clone(),
                dob: patient_dob,
            };
            let dob = arrive_domain::date::parse_iso(dob).unwrap_or_default();
            (first.to_owned(), last.to_owned(), dob, Some(dependent))
        }
        _ => (
            visit.patient.first_name.clone(),
            visit.patient.last_name.clone(),
            patient_dob,
            None,
        ),
    };
    // The interchange's date and time in UTC: never the host's zone.
    let now = Utc::now().naive_utc();
    let service_date = visit
        .starts_at
        .get(..10)
        .and_then(arrive_domain::date::parse_iso)
        .unwrap_or(now.date());
    let (sender_id, receiver_id) = clearinghouse.interchange_ids(&coverage.payer_id);
    let inquiry = Inquiry {
        sender_id,
        receiver_id,
        payer_name: coverage.payer_name.clone(),
        payer_id: coverage.payer_id.clone(),
        provider_name: state.store.clinic_name().await?,
        provider_npi: clearinghouse.provider_npi.clone(),
        subscriber_first: first,
        subscriber_last: last,
        member_id: coverage.member_id.clone(),
        subscriber_dob: dob,
        service_date,
        service_type: "30".into(),
        control_number: (appointment_id.rem_euclid(999_999_999) as u32).max(1),
        trace: format!("ARRIVE{appointment_id}"),
        created: now,
        production: clearinghouse.production,
        dependent,
    };
    let eligibility = match x12::build_270(&inquiry) {
        Err(error) if error.is_name_outside_character_set() => {
            // Nothing is sent rather than a 270 with a name the payer would not recognise;
            // the board says "Ask at the desk".
            tracing::warn!(%error, "eligibility: a name on file cannot be written in X12; not asked");
            Eligibility {
                coverage: CoverageCheck::AskAtDesk,
                ..unavailable()
            }
        }
        Err(error) => {
            tracing::warn!(%error, "eligibility: the inquiry cannot be built from the record on file");
            unavailable()
        }
        Ok(request) => {
            let outcome = clearinghouse.exchange(&request).await;
            let (response, error) = match &outcome {
                Ok(response) => (Some(response.clone()), None),
                Err(error) => (None, Some(error.clone())),
            };
            let exchange = EligibilityExchange {
                exchanged_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                transport: clearinghouse.transport_name().into(),
                request,
                response,
                error,
            };
            state.store.save_exchange(appointment_id, &exchange).await?;
            match outcome {
                Err(error) => {
                    tracing::warn!(%error, "eligibility: no answer from the payer");
                    unavailable()
                }
                Ok(response) => match x12::parse_271(&response) {
                    Ok(answer) => from_271(answer),
                    Err(error) => {
                        tracing::warn!(%error, "eligibility: the payer's 271 does not parse");
                        unavailable()
                    }
                },
            }
        }
    };
    let eligibility = Eligibility {
        checked_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ..eligibility
    };
    state.store.save_eligibility(appointment_id, &eligibility).await?;
    Ok(Some(eligibility))
}

/// The X12 AAA03 code: what the desk and the record keep of a rejection.
fn reject_code(reason: &RejectReason) -> String {
    match reason {
        RejectReason::InvalidMemberId => "72".into(),
        RejectReason::SubscriberNotFound => "75".into(),
        RejectReason::InvalidBirthDate => "58".into(),
        RejectReason::PayerUnavailable => "42".into(),
        RejectReason::Other(code) => code.clone(),
    }
}

fn unavailable() -> Eligibility {
    Eligibility {
        checked_at: String::new(),
        coverage: CoverageCheck::Unavailable,
        reason: None,
        plan_name: None,
        copay_cents: None,
        deductible_remaining_cents: None,
    }
}

fn from_271(answer: x12::Eligibility) -> Eligibility {
    let (coverage, reason) = match &answer.coverage {
        CoverageStatus::Active => (CoverageCheck::Active, None),
        CoverageStatus::Inactive => (CoverageCheck::Inactive, None),
        CoverageStatus::Rejected(reason) => (CoverageCheck::Rejected, Some(reject_code(reason))),
    };
    Eligibility {
        checked_at: String::new(),
        coverage,
        reason,
        plan_name: answer.plan_name,
        copay_cents: answer.copay_cents,
        deductible_remaining_cents: answer.deductible_remaining_cents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_in_asks_only_what_is_not_answered_yet() {
        let same = Some(&InsuranceUpdate::Same);
        assert!(ask_after_check_in(None, true, false), "insured, not asked yet");
        assert!(
            ask_after_check_in(same, true, false),
            "insured, the last ask got no answer"
        );
        assert!(!ask_after_check_in(same, true, true), "answered at the record step");
        assert!(!ask_after_check_in(None, false, false), "no insurance on file");
        assert!(
            !ask_after_check_in(Some(&InsuranceUpdate::SelfPay), true, false),
            "self-pay now"
        );
    }
}
