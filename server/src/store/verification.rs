//! What the patient confirmed or changed at check-in (issue 3): the verification stored with the
//! arrival, its changes applied to the record on file, and photos of insurance cards.

use arrive_domain::api::CardSide;
use arrive_domain::verification::{Address, InsuranceUpdate, NewCoverage, Payer, Verification};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::schedule::relationship_code;
use super::{on_pool, on_tx, rfc3339, Store, Tx};

/// A verification that passed `verification::validate`, to be stored with a check-in.
pub struct Verified<'a> {
    /// Lower-case hex; unique per visit.
    pub idempotency_key: &'a str,
    /// Normalised (E.164 phones, upper-case states and member IDs).
    pub verification: &'a Verification,
    /// To name the payer of a new coverage.
    pub payers: &'a [Payer],
}

/// What was on file just before a verification was applied: staff compare it with what the
/// patient gave. Stored as JSON (`visit_verification.on_file_json`), unmasked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnFile {
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub emergency_contact: Option<OnFileContact>,
    pub language: Option<String>,
    /// Primary first.
    pub coverages: Vec<OnFileCoverage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnFileContact {
    pub name: String,
    /// An imported contact may come without one.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnFileCoverage {
    pub payer_id: String,
    pub payer_name: String,
    pub member_id: String,
    pub group_number: Option<String>,
    /// FHIR subscriber-relationship code.
    pub relationship: String,
    pub subscriber_name: Option<String>,
    pub subscriber_dob: Option<String>,
}

/// A visit's stored verification.
pub struct StoredVerification {
    pub on_file: OnFile,
    pub verification: Verification,
    pub submitted_at: String,
}

/// A card photo as the FHIR hand-off sends it.
pub struct StoredCardImage {
    pub rank: u8,
    pub side: CardSide,
    pub jpeg: Vec<u8>,
    pub uploaded_at: String,
}

/// What an idempotency key was used for before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// Never: this is its first request.
    New,
    /// For this appointment, with this same verification: a retry, answered as the first was.
    Repeated,
    /// For this appointment, with a different verification: refused, as a retry it is not.
    OtherRequest,
    /// For another appointment: refused.
    OtherAppointment,
}

/// What `verified`'s idempotency key was used for before. The verification is compared as it
/// is stored (normalised by the domain), so two sendings of the same answers match however
/// their JSON was laid out.
pub(super) async fn key_use(tx: &mut Tx, appointment_id: i64, verified: &Verified<'_>) -> Result<KeyUse, sqlx::Error> {
    let stored: Option<(i64, String)> = on_tx!(tx, |db| sqlx::query_as(
        "SELECT appointment_id, verification_json FROM visit_verification WHERE idempotency_key = $1"
    )
    .bind(verified.idempotency_key)
    .fetch_optional(&mut **db)
    .await)?;
    let Some((owner, stored_json)) = stored else {
        return Ok(KeyUse::New);
    };
    if owner != appointment_id {
        return Ok(KeyUse::OtherAppointment);
    }
    let json = serde_json::to_string(verified.verification).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    Ok(if json == stored_json {
        KeyUse::Repeated
    } else {
        KeyUse::OtherRequest
    })
}

/// Stores the verification with its snapshot of the record and applies its changes to the
/// patient and their coverage, in the arrival's transaction (so all of it, or none, happens).
pub(super) async fn record(
    tx: &mut Tx,
    appointment_id: i64,
    verified: &Verified<'_>,
    now: &str,
) -> Result<(), sqlx::Error> {
    let patient_id: i64 = on_tx!(tx, |db| sqlx::query_scalar(
        "SELECT patient_id FROM appointment WHERE id = $1"
    )
    .bind(appointment_id)
    .fetch_one(&mut **db)
    .await)?;
    let on_file = on_file(tx, patient_id).await?;
    let v = verified.verification;
    let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
    let (on_file_json, verification_json) = (
        serde_json::to_string(&on_file).map_err(encode)?,
        serde_json::to_string(v).map_err(encode)?,
    );
    // A verification from before staff undid a check-in belongs to that (mistaken) arrival.
    on_tx!(tx, |db| sqlx::query(
        "DELETE FROM visit_verification WHERE appointment_id = $1"
    )
    .bind(appointment_id)
    .execute(&mut **db)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(tx, |db| sqlx::query(
        "INSERT INTO visit_verification
            (appointment_id, idempotency_key, on_file_json, verification_json, payment_intent, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(appointment_id)
    .bind(verified.idempotency_key)
    .bind(on_file_json)
    .bind(verification_json)
    .bind(payment_code(v))
    .bind(now)
    .execute(&mut **db)
    .await
    .map(|r| r.rows_affected()))?;

    if let Some(a) = v.address.changed() {
        on_tx!(tx, |db| sqlx::query(
            "UPDATE patient SET address_line = $1, city = $2, state = $3, postal_code = $4 WHERE id = $5"
        )
        .bind(&a.line)
        .bind(&a.city)
        .bind(&a.state)
        .bind(&a.zip)
        .bind(patient_id)
        .execute(&mut **db)
        .await
        .map(|r| r.rows_affected()))?;
    }
    // Column names are fixed text here, never input.
    let single = [
        ("phone", v.phone.changed()),
        ("email", v.email.changed()),
        ("language", v.language.changed()),
    ];
    for (column, value) in single {
        if let Some(value) = value {
            on_tx!(tx, |db| sqlx::query(&format!(
                "UPDATE patient SET {column} = $1 WHERE id = $2"
            ))
            .bind(value)
            .bind(patient_id)
            .execute(&mut **db)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    if let Some(c) = v.emergency_contact.changed() {
        on_tx!(tx, |db| sqlx::query(
            "UPDATE patient SET emergency_contact_name = $1, emergency_contact_phone = $2 WHERE id = $3"
        )
        .bind(&c.name)
        .bind(&c.phone)
        .bind(patient_id)
        .execute(&mut **db)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let new_coverages: Option<Vec<&NewCoverage>> = match &v.insurance {
        InsuranceUpdate::Same => None,
        InsuranceUpdate::SelfPay => Some(Vec::new()),
        InsuranceUpdate::Changed { primary, secondary } => Some(std::iter::once(primary).chain(secondary).collect()),
    };
    if let Some(coverages) = new_coverages {
        // What the patient says now is the whole of their insurance: a secondary not given
        // again is gone, and "no insurance" leaves none.
        on_tx!(tx, |db| sqlx::query("DELETE FROM coverage WHERE patient_id = $1")
            .bind(patient_id)
            .execute(&mut **db)
            .await
            .map(|r| r.rows_affected()))?;
        for (rank, c) in coverages.into_iter().enumerate() {
            let payer_name = verified
                .payers
                .iter()
                .find(|p| p.id == c.payer_id)
                .map_or(c.payer_id.as_str(), |p| p.name.as_str());
            on_tx!(tx, |db| sqlx::query(
                "INSERT INTO coverage (patient_id, rank, payer_id, payer_name, member_id, group_number, relationship,
                                       subscriber_name, subscriber_dob)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(patient_id)
            .bind(rank as i64 + 1)
            .bind(&c.payer_id)
            .bind(payer_name)
            .bind(&c.member_id)
            .bind(&c.group_number)
            .bind(relationship_code(c.relationship))
            .bind(&c.subscriber_name)
            .bind(&c.subscriber_dob)
            .execute(&mut **db)
            .await
            .map(|r| r.rows_affected()))?;
        }
        // The payer's answer was about the old coverage: the board must not keep showing it.
        on_tx!(tx, |db| sqlx::query(
            "DELETE FROM eligibility WHERE appointment_id = $1"
        )
        .bind(appointment_id)
        .execute(&mut **db)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

fn payment_code(v: &Verification) -> String {
    serde_json::to_value(v.payment)
        .ok()
        .and_then(|p| p.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn on_file(tx: &mut Tx, patient_id: i64) -> Result<OnFile, sqlx::Error> {
    type PatientRow = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let (line, city, state, zip, phone, email, language, contact_name, contact_phone): PatientRow =
        on_tx!(tx, |db| sqlx::query_as(
            "SELECT address_line, city, state, postal_code, phone, email, language, emergency_contact_name,
                    emergency_contact_phone
             FROM patient WHERE id = $1",
        )
        .bind(patient_id)
        .fetch_one(&mut **db)
        .await)?;
    let address = match (line, city, state, zip) {
        (Some(line), Some(city), Some(state), Some(zip)) => Some(Address { line, city, state, zip }),
        _ => None,
    };
    type CoverageRow = (
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let coverages: Vec<CoverageRow> = on_tx!(tx, |db| sqlx::query_as(
        "SELECT payer_id, payer_name, member_id, group_number, relationship, subscriber_name, subscriber_dob
         FROM coverage WHERE patient_id = $1 ORDER BY rank",
    )
    .bind(patient_id)
    .fetch_all(&mut **db)
    .await)?;
    let coverages = coverages
        .into_iter()
        .map(
            |(payer_id, payer_name, member_id, group_number, relationship, subscriber_name, subscriber_dob)| {
                OnFileCoverage {
                    payer_id,
                    payer_name,
                    member_id,
                    group_number,
                    relationship,
                    subscriber_name,
                    subscriber_dob,
                }
            },
        )
        .collect();
    Ok(OnFile {
        address,
        phone,
        email,
        emergency_contact: contact_name.map(|name| OnFileContact {
            name,
            phone: contact_phone,
        }),
        language,
        coverages,
    })
}

impl Store {
    /// The verification stored with this visit's check-in, if the patient gave one.
    pub async fn verification(&self, appointment_id: i64) -> Result<Option<StoredVerification>, sqlx::Error> {
        let row: Option<(String, String, String)> = on_pool!(self.pool(), |p| {
            sqlx::query_as(
            "SELECT on_file_json, verification_json, submitted_at FROM visit_verification WHERE appointment_id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await
        })?;
        let Some((on_file, verification, submitted_at)) = row else {
            return Ok(None);
        };
        let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
        Ok(Some(StoredVerification {
            on_file: serde_json::from_str(&on_file).map_err(decode)?,
            verification: serde_json::from_str(&verification).map_err(decode)?,
            submitted_at,
        }))
    }

    /// Keeps a card photo; a second one of the same card side replaces the first.
    pub async fn save_card_image(
        &self,
        appointment_id: i64,
        rank: u8,
        side: CardSide,
        jpeg: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self.pool(), |p| {
            sqlx::query(
            "INSERT INTO card_image (appointment_id, rank, side, jpeg, uploaded_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (appointment_id, rank, side) DO UPDATE SET jpeg = excluded.jpeg, uploaded_at = excluded.uploaded_at",
        )
        .bind(appointment_id)
        .bind(i64::from(rank))
        .bind(side.as_str())
        .bind(jpeg)
        .bind(rfc3339(now))
        .execute(p)
        .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn card_image(
        &self,
        appointment_id: i64,
        rank: u8,
        side: CardSide,
    ) -> Result<Option<Vec<u8>>, sqlx::Error> {
        on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT jpeg FROM card_image WHERE appointment_id = $1 AND rank = $2 AND side = $3"
        )
        .bind(appointment_id)
        .bind(i64::from(rank))
        .bind(side.as_str())
        .fetch_optional(p)
        .await)
    }

    /// Which card photos this visit has: (rank, side), primary first, front before back.
    pub async fn card_image_refs(&self, appointment_id: i64) -> Result<Vec<(u8, CardSide)>, sqlx::Error> {
        let rows: Vec<(i64, String)> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT rank, side FROM card_image WHERE appointment_id = $1 ORDER BY rank, side = 'back'"
        )
        .bind(appointment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(rank, side)| Some((u8::try_from(rank).ok()?, CardSide::parse(&side)?)))
            .collect())
    }

    /// The photos themselves, for the FHIR hand-off.
    pub async fn card_images(&self, appointment_id: i64) -> Result<Vec<StoredCardImage>, sqlx::Error> {
        Ok(on_pool!(self.pool(), |p| {
            sqlx::query(
            "SELECT rank, side, jpeg, uploaded_at FROM card_image WHERE appointment_id = $1 ORDER BY rank, side = 'back'",
        )
        .bind(appointment_id)
        .fetch_all(p)
        .await?
            .iter()
            .filter_map(|row| {
                Some(StoredCardImage {
                    rank: u8::try_from(row.get::<i64, _>("rank")).ok()?,
                    side: CardSide::parse(row.get("side"))?,
                    jpeg: row.get("jpeg"),
                    uploaded_at: row.get("uploaded_at"),
                })
            })
            .collect()
        }))
    }
}
