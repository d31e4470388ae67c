//! The demo clinic: synthetic patients (no real person) and a schedule for today, so a
//! newcomer can check in by hand a minute after `cargo xtask run`.

use chrono::{Days, NaiveDate};

use arrive_domain::api::ConsentDocument;
use arrive_domain::questionnaire::{self, QuestionnaireResponse};

use crate::forms::{self, Forms};
use crate::import::{self, ImportSettings};
use crate::store::{on_tx, Store, Tx, CLINIC_ID};

/// The demo day as the FHIR Bundle a practice system sends (docs/SCHEDULE_IMPORT.md): patients
/// with addresses, phones and sandbox insurance, `today` for the date. The names exercise the matcher: accents, hyphen, apostrophe,
/// particles, and two different patients who share a last name and a date of birth
/// (Nguyen / Nguyễn), whom the kiosk must not tell apart.
const DEMO_SCHEDULE: &str = include_str!("../../demo/schedule.fhir.json");

/// The demo's returning patient's earlier visit: their answers and that they signed then.
const DEMO_EARLIER_VISIT: &str = include_str!("../../demo/earlier-visit.json");

#[derive(serde::Deserialize)]
struct EarlierVisit {
    last_name: String,
    date_of_birth: String,
    days_ago: u64,
    time: String,
    typed_name: String,
    responses: std::collections::BTreeMap<String, QuestionnaireResponse>,
}

/// Created first, with fixed ids, so the load test's synthetic patients can see provider 1.
pub const DEMO_PROVIDERS: &[&str] = &["Dr. Patel", "Dr. Moreno", "Nurse Practitioner Kim"];

/// `seed_demo_with` a clinic in UTC.
pub async fn seed_demo(store: &Store, today: NaiveDate, extra_patients: u32) -> Result<(), sqlx::Error> {
    seed_demo_with(store, today, extra_patients, &ImportSettings::default()).await
}

/// Creates the demo clinic on first start, and today's demo appointments when today has none.
/// The demo's times are the clinic's wall clock (its offsets are those of `settings`' time zone
/// on `today`).
///
/// `extra_patients` synthetic "Loadtest" patients are added for load tests: patient k is born
/// k days after 1910-01-01, so each (last name, date of birth) is unique.
pub async fn seed_demo_with(
    store: &Store,
    today: NaiveDate,
    extra_patients: u32,
    settings: &ImportSettings,
) -> Result<(), sqlx::Error> {
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO clinic (id, name) VALUES ($1, 'Arrive Demo Clinic') ON CONFLICT DO NOTHING"
    )
    .bind(CLINIC_ID)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    for (index, name) in DEMO_PROVIDERS.iter().enumerate() {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO provider (id, clinic_id, display_name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        )
        .bind(index as i64 + 1)
        .bind(CLINIC_ID)
        .bind(name)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    if let Tx::Postgres(c) = &mut tx {
        // Ids given by hand leave PostgreSQL's counter behind: the next provider an import
        // adds must not be given id 1 again.
        sqlx::query("SELECT setval(pg_get_serial_sequence('provider', 'id'), (SELECT MAX(id) FROM provider))")
            .execute(&mut **c)
            .await?;
    }
    let day = today.format("%Y-%m-%d").to_string();
    let scheduled_today: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointment WHERE clinic_id = $1 AND substr(starts_at, 1, 10) = $2"
    )
    .bind(CLINIC_ID)
    .bind(&day)
    .fetch_one(&mut **c)
    .await)?;
    tx.commit().await?;
    if scheduled_today > 0 {
        return Ok(());
    }
    // Seeded through the import, as a clinic's own schedule would be; each day gets its ids.
    let bundle = demo_bundle(today, settings.clinic_time_zone);
    let (rows, refused) =
        import::fhir::parse(&bundle, settings).map_err(|e| sqlx::Error::Protocol(format!("demo schedule: {e}")))?;
    if let Some(error) = refused.first() {
        return Err(sqlx::Error::Protocol(format!("demo schedule: {error:?}")));
    }
    store.import_schedule(&rows).await?;

    // Synthetic patients for load tests only: made in code, many at a time.
    let mut tx = store.begin().await?;
    let first_birth_date = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap_or(NaiveDate::MIN);
    for k in 0..extra_patients {
        let dob = (first_birth_date + Days::new(u64::from(k)))
            .format("%Y-%m-%d")
            .to_string();
        let patient_id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO patient (first_name, last_name, date_of_birth) VALUES ('Synthetic', 'Loadtest', $1) RETURNING id",
        )
        .bind(dob)
        .fetch_one(&mut **c)
        .await
        })?;
        let minute = 7 * 60 + k % 660;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at) VALUES ($1, $2, 1, $3)"
        )
        .bind(CLINIC_ID)
        .bind(patient_id)
        .bind(format!("{day}T{:02}:{:02}", minute / 60, minute % 60))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    tracing::info!(
        appointments = rows.len() + extra_patients as usize,
        "seeded today's demo schedule"
    );
    tx.commit().await?;
    store.refresh_statistics().await
}

/// The demo's returning patient's visit `days_ago` before `today`: an arrival with answered
/// forms (validated and scored as the kiosk's would be) and every consent signed in its current
/// wording. Made once: nothing is added when the patient already has an earlier visit.
pub async fn demo_earlier_visit(
    store: &Store,
    today: NaiveDate,
    forms: &Forms,
    consents: &[ConsentDocument],
) -> Result<(), sqlx::Error> {
    let protocol = |e: String| sqlx::Error::Protocol(format!("demo earlier visit: {e}"));
    let visit: EarlierVisit = serde_json::from_str(DEMO_EARLIER_VISIT).map_err(|e| protocol(e.to_string()))?;
    let day = today
        .checked_sub_days(Days::new(visit.days_ago))
        .ok_or_else(|| protocol("no such day".into()))?;
    let starts_at = format!("{}T{}", day.format("%Y-%m-%d"), visit.time);
    // Instants as the store keeps them (RFC 3339); the clinic's offset is close enough here.
    let at = format!("{starts_at}:00.000Z");
    let mut tx = store.begin().await?;
    if let Tx::Postgres(c) = &mut tx {
        // Servers starting together on one database: one makes the visit, the others find it.
        sqlx::query("SELECT pg_advisory_xact_lock(727270003)")
            .execute(&mut **c)
            .await?;
    }
    let patient: Option<(i64, i64)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT p.id, (SELECT COUNT(*) FROM appointment a WHERE a.patient_id = p.id AND a.starts_at < $3)
         FROM patient p WHERE p.last_name = $1 AND p.date_of_birth = $2"
    )
    .bind(&visit.last_name)
    .bind(&visit.date_of_birth)
    .bind(today.format("%Y-%m-%d").to_string())
    .fetch_optional(&mut **c)
    .await)?;
    let Some((patient_id, 0)) = patient else {
        return Ok(());
    };
    let appointment_id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at, status, arrived_at, visit_type)
         VALUES ($1, $2, 1, $3, 'arrived', $4, 'recheck') RETURNING id"
    )
    .bind(CLINIC_ID)
    .bind(patient_id)
    .bind(&starts_at)
    .bind(&at)
    .fetch_one(&mut **c)
    .await)?;
    for (form_id, response) in &visit.responses {
        let form = forms
            .get(form_id)
            .ok_or_else(|| protocol(format!("no form {form_id}")))?;
        questionnaire::validate(form, response).map_err(|p| protocol(format!("{form_id}: {p:?}")))?;
        let scores = forms::score(form, response);
        let json = serde_json::to_string(response).map_err(|e| protocol(e.to_string()))?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO questionnaire_response
                (appointment_id, form_id, form_version, response_json, phq2_total, phq9_total, urgent, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(appointment_id)
        .bind(&form.id)
        .bind(form.version.as_deref().unwrap_or(""))
        .bind(&json)
        .bind(scores.phq2_total.map(i64::from))
        .bind(scores.phq9_total.map(i64::from))
        .bind(scores.urgent)
        .bind(&at)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for consent in consents {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO consent_signature
                (patient_id, appointment_id, consent_id, version, typed_name, signature_path, signed_by_typing, language, signed_at)
             VALUES ($1, $2, $3, $4, $5, '', $6, 'en', $7)"
        )
        .bind(patient_id)
        .bind(appointment_id)
        .bind(&consent.id)
        .bind(&consent.version)
        .bind(&visit.typed_name)
        .bind(true)
        .bind(&at)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    tx.commit().await
}

/// The demo Bundle for `day` in the clinic's `zone`: its dates are `today`, its ids `DEMO-…`
/// and its times carry the demo clinic's offset (`-06:00`), replaced here by the zone's offset
/// at noon that day, so the demo is at the same hours on the board wherever the clinic is.
pub fn demo_bundle(day: NaiveDate, zone: chrono_tz::Tz) -> String {
    use chrono::{Offset, TimeZone};
    let noon = day.and_hms_opt(12, 0, 0).unwrap_or_default();
    let offset = zone
        .offset_from_local_datetime(&noon)
        .earliest()
        .map_or(chrono::Utc.fix(), |o| o.fix());
    let day = day.format("%Y-%m-%d").to_string();
    DEMO_SCHEDULE
        .replace("\"today", &format!("\"{day}"))
        .replace(":00-06:00\"", &format!(":00{offset}\""))
        .replace("\"DEMO-", &format!("\"DEMO-{day}-"))
}
