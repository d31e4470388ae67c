//! What the patient confirmed or changed at check-in (issue 3): the verification stored with the
//! arrival, its changes applied to the record on file, and photos of insurance cards.

use arrive_domain::api::CardSide;
use arrive_domain::verification::{Address, InsuranceUpdate, NewCoverage, Payer, Verification};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::schedule::relationship_code;
use super::{rfc3339, Store};

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

/// The appointment that already stored a verification under `key`, if one did.
pub(super) async fn key_owner(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    key: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT appointment_id FROM visit_verification WHERE idempotency_key = ?")
        .bind(key)
        .fetch_optional(&mut **tx)
        .await
}

/// Stores the verification with its snapshot of the record and applies its changes to the
/// patient and their coverage, in the arrival's transaction (so all of it, or none, happens).
pub(super) async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    appointment_id: i64,
    verified: &Verified<'_>,
    now: &str,
) -> Result<(), sqlx::Error> {
    let patient_id: i64 = sqlx::query_scalar("SELECT patient_id FROM appointment WHERE id = ?")
        .bind(appointment_id)
        .fetch_one(&mut **tx)
        .await?;
    let on_file = on_file(tx, patient_id).await?;
    let v = verified.verification;
    let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
    let (on_file_json, verification_json) = (
        serde_json::to_string(&on_file).map_err(encode)?,
        serde_json::to_string(v).map_err(encode)?,
    );
    // A verification from before staff undid a check-in belongs to that (mistaken) arrival.
    sqlx::query("DELETE FROM visit_verification WHERE appointment_id = ?")
        .bind(appointment_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO visit_verification
            (appointment_id, idempotency_key, on_file_json, verification_json, payment_intent, submitted_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(appointment_id)
    .bind(verified.idempotency_key)
    .bind(on_file_json)
    .bind(verification_json)
    .bind(payment_code(v))
    .bind(now)
    .execute(&mut **tx)
    .await?;

    if let Some(a) = v.address.changed() {
        sqlx::query("UPDATE patient SET address_line = ?, city = ?, state = ?, postal_code = ? WHERE id = ?")
            .bind(&a.line)
            .bind(&a.city)
            .bind(&a.state)
            .bind(&a.zip)
            .bind(patient_id)
            .execute(&mut **tx)
            .await?;
    }
    // Column names are fixed text here, never input.
    let single = [
        ("phone", v.phone.changed()),
        ("email", v.email.changed()),
        ("language", v.language.changed()),
    ];
    for (column, value) in single {
        if let Some(value) = value {
            sqlx::query(&format!("UPDATE patient SET {column} = ? WHERE id = ?"))
                .bind(value)
                .bind(patient_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    if let Some(c) = v.emergency_contact.changed() {
        sqlx::query("UPDATE patient SET emergency_contact_name = ?, emergency_contact_phone = ? WHERE id = ?")
            .bind(&c.name)
            .bind(&c.phone)
            .bind(patient_id)
            .execute(&mut **tx)
            .await?;
    }
    let new_coverages: Option<Vec<&NewCoverage>> = match &v.insurance {
        InsuranceUpdate::Same => None,
        InsuranceUpdate::SelfPay => Some(Vec::new()),
        InsuranceUpdate::Changed { primary, secondary } => Some(std::iter::once(primary).chain(secondary).collect()),
    };
    if let Some(coverages) = new_coverages {
        // What the patient says now is the whole of their insurance: a secondary not given
        // again is gone, and "no insurance" leaves none.
        sqlx::query("DELETE FROM coverage WHERE patient_id = ?")
            .bind(patient_id)
            .execute(&mut **tx)
            .await?;
        for (rank, c) in coverages.into_iter().enumerate() {
            let payer_name = verified
                .payers
                .iter()
                .find(|p| p.id == c.payer_id)
                .map_or(c.payer_id.as_str(), |p| p.name.as_str());
            sqlx::query(
                "INSERT INTO coverage (patient_id, rank, payer_id, payer_name, member_id, group_number, relationship,
                                       subscriber_name, subscriber_dob)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            .execute(&mut **tx)
            .await?;
        }
        // The payer's answer was about the old coverage: the board must not keep showing it.
        sqlx::query("DELETE FROM eligibility WHERE appointment_id = ?")
            .bind(appointment_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn payment_code(v: &Verification) -> String {
    serde_json::to_value(v.payment)
        .ok()
        .and_then(|p| p.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn on_file(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, patient_id: i64) -> Result<OnFile, sqlx::Error> {
    let p = sqlx::query(
        "SELECT address_line, city, state, postal_code, phone, email, language, emergency_contact_name,
                emergency_contact_phone
         FROM patient WHERE id = ?",
    )
    .bind(patient_id)
    .fetch_one(&mut **tx)
    .await?;
    let address = match (
        p.get::<Option<String>, _>("address_line"),
        p.get::<Option<String>, _>("city"),
        p.get::<Option<String>, _>("state"),
        p.get::<Option<String>, _>("postal_code"),
    ) {
        (Some(line), Some(city), Some(state), Some(zip)) => Some(Address { line, city, state, zip }),
        _ => None,
    };
    let coverages = sqlx::query(
        "SELECT payer_id, payer_name, member_id, group_number, relationship, subscriber_name, subscriber_dob
         FROM coverage WHERE patient_id = ? ORDER BY rank",
    )
    .bind(patient_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| OnFileCoverage {
        payer_id: row.get("payer_id"),
        payer_name: row.get("payer_name"),
        member_id: row.get("member_id"),
        group_number: row.get("group_number"),
        relationship: row.get("relationship"),
        subscriber_name: row.get("subscriber_name"),
        subscriber_dob: row.get("subscriber_dob"),
    })
    .collect();
    Ok(OnFile {
        address,
        phone: p.get("phone"),
        email: p.get("email"),
        emergency_contact: p
            .get::<Option<String>, _>("emergency_contact_name")
            .map(|name| OnFileContact {
                name,
                phone: p.get("emergency_contact_phone"),
            }),
        language: p.get("language"),
        coverages,
    })
}

impl Store {
    /// The verification stored with this visit's check-in, if the patient gave one.
    pub async fn verification(&self, appointment_id: i64) -> Result<Option<StoredVerification>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT on_file_json, verification_json, submitted_at FROM visit_verification WHERE appointment_id = ?",
        )
        .bind(appointment_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
        Ok(Some(StoredVerification {
            on_file: serde_json::from_str(row.get("on_file_json")).map_err(decode)?,
            verification: serde_json::from_str(row.get("verification_json")).map_err(decode)?,
            submitted_at: row.get("submitted_at"),
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
        sqlx::query(
            "INSERT INTO card_image (appointment_id, rank, side, jpeg, uploaded_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (appointment_id, rank, side) DO UPDATE SET jpeg = excluded.jpeg, uploaded_at = excluded.uploaded_at",
        )
        .bind(appointment_id)
        .bind(i64::from(rank))
        .bind(side.as_str())
        .bind(jpeg)
        .bind(rfc3339(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn card_image(
        &self,
        appointment_id: i64,
        rank: u8,
        side: CardSide,
    ) -> Result<Option<Vec<u8>>, sqlx::Error> {
        sqlx::query_scalar("SELECT jpeg FROM card_image WHERE appointment_id = ? AND rank = ? AND side = ?")
            .bind(appointment_id)
            .bind(i64::from(rank))
            .bind(side.as_str())
            .fetch_optional(self.pool())
            .await
    }

    /// Which card photos this visit has: (rank, side), primary first, front before back.
    pub async fn card_image_refs(&self, appointment_id: i64) -> Result<Vec<(u8, CardSide)>, sqlx::Error> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT rank, side FROM card_image WHERE appointment_id = ? ORDER BY rank, side = 'back'")
                .bind(appointment_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(rank, side)| Some((u8::try_from(rank).ok()?, CardSide::parse(&side)?)))
            .collect())
    }

    /// The photos themselves, for the FHIR hand-off.
    pub async fn card_images(&self, appointment_id: i64) -> Result<Vec<StoredCardImage>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT rank, side, jpeg, uploaded_at FROM card_image WHERE appointment_id = ? ORDER BY rank, side = 'back'",
        )
        .bind(appointment_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                Some(StoredCardImage {
                    rank: u8::try_from(row.get::<i64, _>("rank")).ok()?,
                    side: CardSide::parse(row.get("side"))?,
                    jpeg: row.get("jpeg"),
                    uploaded_at: row.get("uploaded_at"),
                })
            })
            .collect())
    }
}
