//! The demo clinic: synthetic patients (no real person) and a schedule for today, so a
//! newcomer can check in by hand a minute after `cargo xtask run`.

use chrono::{Days, NaiveDate};

use crate::store::{Store, CLINIC_ID};

/// (first name, last name, date of birth, provider index, start time). The names exercise the
/// matcher: accents, hyphen, apostrophe, particles, and two different patients who share a
/// last name and a date of birth (Nguyen / Nguyễn), whom the kiosk must not tell apart.
pub const DEMO_SCHEDULE: &[(&str, &str, &str, usize, &str)] = &[
    ("Chidi", "Okafor", "1949-12-02", 0, "08:00"),
    ("María", "García-López", "1958-04-12", 0, "08:30"),
    ("Sean", "O'Brien", "1971-09-30", 1, "08:45"),
    ("James", "Smith", "1990-01-01", 2, "09:00"),
    ("Linh", "Nguyen", "1985-06-15", 1, "09:15"),
    ("Lan", "Nguyễn", "1985-06-15", 2, "09:30"),
    ("Ana", "de la Cruz", "1962-07-19", 0, "10:00"),
    ("Robert", "Johnson", "1980-11-05", 1, "10:30"),
    ("Aisha", "N'Diaye", "1995-02-28", 2, "11:00"),
    ("Zoë", "Müller", "2001-07-04", 0, "13:00"),
    ("José", "Hernández", "1944-03-21", 1, "14:00"),
    ("Grace", "St. John", "1977-10-10", 2, "15:30"),
];

/// Demo patients who come for a follow-up (a shorter set of forms); everyone else has an
/// office visit, which asks every form.
pub const DEMO_FOLLOW_UPS: &[&str] = &["Okafor", "de la Cruz", "St. John"];

pub const DEMO_PROVIDERS: &[&str] = &["Dr. Patel", "Dr. Moreno", "Nurse Practitioner Kim"];

/// Creates the demo clinic on first start, and today's demo appointments when today has none.
///
/// `extra_patients` synthetic "Loadtest" patients are added for load tests: patient k is born
/// k days after 1910-01-01, so each (last name, date of birth) is unique.
pub async fn seed_demo(store: &Store, today: NaiveDate, extra_patients: u32) -> Result<(), sqlx::Error> {
    let mut tx = store.pool().begin().await?;
    sqlx::query("INSERT OR IGNORE INTO clinic (id, name) VALUES (?, 'Arrive Demo Clinic')")
        .bind(CLINIC_ID)
        .execute(&mut *tx)
        .await?;
    for (index, name) in DEMO_PROVIDERS.iter().enumerate() {
        sqlx::query("INSERT OR IGNORE INTO provider (id, clinic_id, display_name) VALUES (?, ?, ?)")
            .bind(index as i64 + 1)
            .bind(CLINIC_ID)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    let day = today.format("%Y-%m-%d").to_string();
    let scheduled_today: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM appointment WHERE clinic_id = ? AND substr(starts_at, 1, 10) = ?")
            .bind(CLINIC_ID)
            .bind(&day)
            .fetch_one(&mut *tx)
            .await?;
    if scheduled_today == 0 {
        for (first, last, dob, provider, time) in DEMO_SCHEDULE {
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM patient WHERE first_name = ? AND last_name = ? AND date_of_birth = ?",
            )
            .bind(first)
            .bind(last)
            .bind(dob)
            .fetch_optional(&mut *tx)
            .await?;
            let patient_id = match existing {
                Some(id) => id,
                None => sqlx::query("INSERT INTO patient (first_name, last_name, date_of_birth) VALUES (?, ?, ?)")
                    .bind(first)
                    .bind(last)
                    .bind(dob)
                    .execute(&mut *tx)
                    .await?
                    .last_insert_rowid(),
            };
            let visit_type = if DEMO_FOLLOW_UPS.contains(last) {
                "follow-up"
            } else {
                "office-visit"
            };
            sqlx::query(
                "INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at, visit_type) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(CLINIC_ID)
            .bind(patient_id)
            .bind(*provider as i64 + 1)
            .bind(format!("{day}T{time}"))
            .bind(visit_type)
                .execute(&mut *tx)
                .await?;
        }
        let first_birth_date = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap_or(NaiveDate::MIN);
        for k in 0..extra_patients {
            let dob = (first_birth_date + Days::new(u64::from(k)))
                .format("%Y-%m-%d")
                .to_string();
            let patient_id = sqlx::query(
                "INSERT INTO patient (first_name, last_name, date_of_birth) VALUES ('Synthetic', 'Loadtest', ?)",
            )
            .bind(dob)
            .execute(&mut *tx)
            .await?
            .last_insert_rowid();
            let minute = 7 * 60 + k % 660;
            sqlx::query("INSERT INTO appointment (clinic_id, patient_id, provider_id, starts_at) VALUES (?, ?, 1, ?)")
                .bind(CLINIC_ID)
                .bind(patient_id)
                .bind(format!("{day}T{:02}:{:02}", minute / 60, minute % 60))
                .execute(&mut *tx)
                .await?;
        }
        tracing::info!(
            appointments = DEMO_SCHEDULE.len() + extra_patients as usize,
            "seeded today's demo schedule"
        );
    }
    tx.commit().await
}
