//! The demo clinic: synthetic patients (no real person) and a schedule for today, so a
//! newcomer can check in by hand a minute after `cargo xtask run`.

use chrono::{Days, NaiveDate};

use arrive_domain::api::ConsentDocument;
use arrive_domain::questionnaire::{self, QuestionnaireResponse};

use crate::forms::{self, Forms};
use crate::import::{self, ImportSettings};
use crate::store::{SeedResponse, SeedVisit, Store};

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

/// The demo clinic's name.
const DEMO_CLINIC: &str = "Arrive Demo Clinic";

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
    let day = today.format("%Y-%m-%d").to_string();
    let scheduled_today = store.seed_clinic(DEMO_CLINIC, DEMO_PROVIDERS, &day).await?;
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
    store.add_synthetic_patients(&day, extra_patients).await?;
    tracing::info!(
        appointments = rows.len() + extra_patients as usize,
        "seeded today's demo schedule"
    );
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
    let mut responses = Vec::with_capacity(visit.responses.len());
    for (form_id, response) in &visit.responses {
        let form = forms
            .get(form_id)
            .ok_or_else(|| protocol(format!("no form {form_id}")))?;
        questionnaire::validate(form, response).map_err(|p| protocol(format!("{form_id}: {p:?}")))?;
        let scores = forms::score(form, response);
        responses.push(SeedResponse {
            form_id: &form.id,
            form_version: form.version.as_deref().unwrap_or(""),
            response_json: serde_json::to_string(response).map_err(|e| protocol(e.to_string()))?,
            phq2_total: scores.phq2_total.map(i64::from),
            phq9_total: scores.phq9_total.map(i64::from),
            urgent: scores.urgent,
        });
    }
    store
        .add_earlier_visit(&SeedVisit {
            last_name: &visit.last_name,
            date_of_birth: &visit.date_of_birth,
            today: &today.format("%Y-%m-%d").to_string(),
            starts_at: &starts_at,
            at: &at,
            typed_name: &visit.typed_name,
            responses,
            consents,
        })
        .await
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
