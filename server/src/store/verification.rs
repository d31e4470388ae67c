//! What the patient confirmed or changed at check-in or at home: the verification stored with
//! the arrival (with a snapshot of the record it changed), its changes applied to the record on
//! file, and its idempotency key.

use arrive_domain::verification::{Address, InsuranceUpdate, NewCoverage, Verification};
use serde::{Deserialize, Serialize};

use super::record::{coverages_in, CoverageOnFile};
use super::schedule::relationship_code;
use super::{on_pool, on_tx, Store, Tx};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

/// A verification that passed `verification::validate`, to be stored with a check-in.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Lower-case hex; unique per visit.
    pub idempotency_key: String,
    /// Normalised (E.164 phones, upper-case states and member IDs).
    pub verification: Verification,
    /// The payers' names of the coverages the patient gave, primary first, as the caller
    /// found them in the clinic's payer list (a payer it does not list is named by its id).
    pub payer_names: Vec<String>,
}

// The fields of `import::PatientRecord`, as stored: alike by design.

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
    pub coverages: Vec<CoverageOnFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnFileContact {
    pub name: String,
    /// An imported contact may come without one.
    pub phone: Option<String>,
}

/// A visit's stored verification.
pub struct StoredVerification {
    pub on_file: OnFile,
    pub verification: Verification,
    pub submitted_at: String,
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

/// The visit an idempotency key was used for, and the verification sent with it.
#[derive(sqlx::FromRow)]
struct KeyRow {
    appointment_id: i64,
    verification_json: String,
}

/// What `verified`'s idempotency key was used for before. The verification is compared as it
/// is stored (normalised by the domain), so two sendings of the same answers match however
/// their JSON was laid out.
pub(super) async fn key_use(tx: &mut Tx, appointment_id: i64, verified: &Verified) -> Result<KeyUse, sqlx::Error> {
    let stored: Option<KeyRow> = on_tx!(tx, |db| sqlx::query_as(
        "SELECT appointment_id, verification_json FROM visit_verification WHERE idempotency_key = $1"
    )
    .bind(&verified.idempotency_key)
    .fetch_optional(&mut **db)
    .await)?;
    let Some(stored) = stored else {
        return Ok(KeyUse::New);
    };
    if stored.appointment_id != appointment_id {
        return Ok(KeyUse::OtherAppointment);
    }
    let json = serde_json::to_string(&verified.verification).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    Ok(if json == stored.verification_json {
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
    verified: &Verified,
    now: &str,
) -> Result<(), sqlx::Error> {
    let patient_id: i64 = on_tx!(tx, |db| sqlx::query_scalar(
        "SELECT patient_id FROM appointment WHERE id = $1"
    )
    .bind(appointment_id)
    .fetch_one(&mut **db)
    .await)?;
    let on_file = on_file(tx, patient_id).await?;
    let v = &verified.verification;
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
    .bind(&verified.idempotency_key)
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
                .payer_names
                .get(rank)
                .map_or(c.payer_id.as_str(), String::as_str);
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

/// The patient's details a verification may change, as on file.
#[derive(sqlx::FromRow)]
struct DetailsRow {
    address_line: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    language: Option<String>,
    emergency_contact_name: Option<String>,
    emergency_contact_phone: Option<String>,
}

async fn on_file(tx: &mut Tx, patient_id: i64) -> Result<OnFile, sqlx::Error> {
    let row: DetailsRow = on_tx!(tx, |db| sqlx::query_as(
        "SELECT address_line, city, state, postal_code, phone, email, language, emergency_contact_name,
                emergency_contact_phone
         FROM patient WHERE id = $1",
    )
    .bind(patient_id)
    .fetch_one(&mut **db)
    .await)?;
    let address = match (row.address_line, row.city, row.state, row.postal_code) {
        (Some(line), Some(city), Some(state), Some(zip)) => Some(Address { line, city, state, zip }),
        _ => None,
    };
    Ok(OnFile {
        address,
        phone: row.phone,
        email: row.email,
        emergency_contact: row.emergency_contact_name.map(|name| OnFileContact {
            name,
            phone: row.emergency_contact_phone,
        }),
        language: row.language,
        coverages: coverages_in(tx, patient_id).await?,
    })
}

/// A visit's verification as stored.
#[derive(sqlx::FromRow)]
struct VerificationRow {
    on_file_json: String,
    verification_json: String,
    submitted_at: String,
}

impl Store {
    /// The verification stored with this visit's check-in, if the patient gave one.
    pub async fn verification(&self, appointment_id: i64) -> Result<Option<StoredVerification>, sqlx::Error> {
        let row: Option<VerificationRow> = on_pool!(self.pool(), |p| {
            sqlx::query_as(
            "SELECT on_file_json, verification_json, submitted_at FROM visit_verification WHERE appointment_id = $1",
        )
        .bind(appointment_id)
        .fetch_optional(p)
        .await
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
        Ok(Some(StoredVerification {
            on_file: serde_json::from_str(&row.on_file_json).map_err(decode)?,
            verification: serde_json::from_str(&row.verification_json).map_err(decode)?,
            submitted_at: row.submitted_at,
        }))
    }
}
