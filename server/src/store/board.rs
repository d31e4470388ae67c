//! The desk board as stored: the day's appointments as board rows, and the desk events that
//! number every change the boards must hear about. On PostgreSQL a desk event also notifies
//! every server on [`CHANNEL`], from inside the transaction that writes it.

use arrive_domain::api::{board_name, AppointmentStatus, DeskAppointment, DeskDay};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{day_range, on_pool, on_tx, rfc3339, Store, Tx, CLINIC_ID};

/// The PostgreSQL notification channel. Payloads carry ids only, never patient data:
/// `a <event id> <appointment id>`, `h <help request id>`, `s` (the schedule changed).
pub const CHANNEL: &str = "arrive_desk";

/// A desk event: its id (also the SSE id) and the appointment's row after the change.
#[derive(Debug, Clone)]
pub struct DeskEvent {
    pub id: i64,
    pub appointment: DeskAppointment,
}

/// One row of `desk_event`.
#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    appointment_id: i64,
}

/// The desk event's insert alone (an arrival on SQLite writes it in one text with the rest).
pub(super) const DESK_EVENT_INSERT: &str = "INSERT INTO desk_event (appointment_id, at) VALUES ($1, $2) RETURNING id";

/// Records a change the boards must hear about, in the caller's transaction, so the change and
/// its event commit together; the id is the event's SSE id.
/// On PostgreSQL the same transaction notifies every server ([`CHANNEL`]): the boards on all
/// of them hear of the change when, and only if, it commits. It also takes a lock held to its
/// commit, so desk events commit in id order as on SQLite (one writer): a board that replays
/// "after id N" cannot miss a lower id that committed later.
/// Commits `tx`, recording a desk event for the appointment first when `changed`: its id, for
/// the boards.
pub(super) async fn commit_with_event(
    mut tx: Tx,
    changed: bool,
    appointment_id: i64,
    now: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let event = if changed {
        Some(desk_event(&mut tx, appointment_id, now).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(event)
}

pub(super) async fn desk_event(tx: &mut Tx, appointment_id: i64, now: &str) -> Result<i64, sqlx::Error> {
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(727270002)")
            .execute(&mut **c)
            .await?;
    }
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(DESK_EVENT_INSERT)
        .bind(appointment_id)
        .bind(now)
        .fetch_one(&mut **c)
        .await)?;
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("a {id} {appointment_id}"))
            .execute(&mut **c)
            .await?;
    }
    Ok(id)
}

/// `'2026-11-24T09:30'` → `'09:30'`
pub(super) fn clock_time(starts_at: &str) -> String {
    starts_at.get(11..16).unwrap_or(starts_at).to_owned()
}

/// An RFC 3339 instant on the clinic's wall clock: `'09:31'`.
fn clinic_clock(rfc3339: &str, zone: chrono_tz::Tz) -> Option<String> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&zone).format("%H:%M").to_string())
}

/// A board row from `DESK_SELECT` (a macro: rows are each backend's own type), its times on
/// the clinic's (`zone`) wall clock.
macro_rules! desk_row {
    ($row:expr, $zone:expr) => {{
        let row = $row;
        let arrived_at: Option<String> = row.get("arrived_at");
        DeskAppointment {
            id: row.get("id"),
            starts_at: clock_time(row.get("starts_at")),
            provider: row.get("display_name"),
            patient: board_name(row.get("first_name"), row.get("last_name")),
            status: AppointmentStatus::parse(row.get("status")).unwrap_or(AppointmentStatus::Scheduled),
            arrived_at_clinic_time: arrived_at.as_deref().and_then(|at| clinic_clock(at, $zone)),
            arrived_at,
            needs_attention_now: row.get("urgent"),
            forms_incomplete: row.get("forms_incomplete"),
            insurance_problem: row.get("insurance_problem"),
            insurance_ask_at_desk: row.get("insurance_ask_at_desk"),
            details_changed: row.get("details_changed"),
            insurance_changed: row.get("insurance_changed"),
            self_pay: row.get("self_pay"),
        }
    }};
}

/// `json_extract` is SQLite's; the PostgreSQL migrations define a function of that name
/// and meaning (`$.a.b` paths into a TEXT column), so this one text serves both.
const DESK_SELECT: &str =
    "SELECT a.id, a.starts_at, v.display_name, p.first_name, p.last_name, a.arrived_at, a.forms_incomplete,
        CASE WHEN a.no_show_at IS NOT NULL THEN 'no_show' WHEN a.roomed_at IS NOT NULL THEN 'roomed'
             ELSE a.status END AS status,
        EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.appointment_id = a.id AND r.urgent AND r.acknowledged_at IS NULL) AS urgent,
        EXISTS (SELECT 1 FROM eligibility e WHERE e.appointment_id = a.id AND e.coverage IN ('inactive', 'rejected')) AS insurance_problem,
        EXISTS (SELECT 1 FROM eligibility e WHERE e.appointment_id = a.id AND e.coverage = 'ask_at_desk') AS insurance_ask_at_desk,
        EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id AND 'changed' IN (
            json_extract(w.verification_json, '$.address.answer'), json_extract(w.verification_json, '$.phone.answer'),
            json_extract(w.verification_json, '$.email.answer'), json_extract(w.verification_json, '$.emergency_contact.answer'),
            json_extract(w.verification_json, '$.language.answer'))) AS details_changed,
        EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id
                AND json_extract(w.verification_json, '$.insurance.answer') = 'changed') AS insurance_changed,
        EXISTS (SELECT 1 FROM visit_verification w WHERE w.appointment_id = a.id
                AND json_extract(w.verification_json, '$.insurance.answer') = 'self_pay') AS self_pay
     FROM appointment a JOIN patient p ON p.id = a.patient_id JOIN provider v ON v.id = a.provider_id";

impl Store {
    pub async fn clinic_name(&self) -> Result<String, sqlx::Error> {
        let name: Option<String> = on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT name FROM clinic WHERE id = $1"
        )
        .bind(CLINIC_ID)
        .fetch_optional(p)
        .await)?;
        Ok(name.unwrap_or_default())
    }

    pub async fn desk_day(&self, day: NaiveDate) -> Result<DeskDay, sqlx::Error> {
        let (start, end) = day_range(day);
        let sql = format!(
            "{DESK_SELECT} WHERE a.clinic_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3
             ORDER BY a.starts_at, v.display_name, a.id"
        );
        let zone = self.clinic_time_zone;
        let appointments = on_pool!(self.pool(), |p| sqlx::query(&sql)
            .bind(CLINIC_ID)
            .bind(start)
            .bind(end)
            .fetch_all(p)
            .await?
            .iter()
            .map(|row| desk_row!(row, zone))
            .collect());
        Ok(DeskDay {
            date: day.format("%Y-%m-%d").to_string(),
            clinic: self.clinic_name().await?,
            appointments,
            help_requests: self.open_help().await?,
            wait_amber_minutes: 0,
            wait_red_minutes: 0,
        })
    }

    pub async fn desk_appointment(&self, appointment_id: i64) -> Result<Option<DeskAppointment>, sqlx::Error> {
        let sql = format!("{DESK_SELECT} WHERE a.id = $1");
        let zone = self.clinic_time_zone;
        Ok(on_pool!(self.pool(), |p| sqlx::query(&sql)
            .bind(appointment_id)
            .fetch_optional(p)
            .await?
            .map(|row| desk_row!(&row, zone))))
    }

    /// Desk events after `last_id`, oldest first, each with the appointment's current row.
    pub async fn desk_events_after(&self, last_id: i64) -> Result<Vec<DeskEvent>, sqlx::Error> {
        let events: Vec<EventRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT id, appointment_id FROM desk_event WHERE id > $1 ORDER BY id LIMIT 1000",
        )
        .bind(last_id)
        .fetch_all(p)
        .await)?;
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            if let Some(appointment) = self.desk_appointment(event.appointment_id).await? {
                out.push(DeskEvent {
                    id: event.id,
                    appointment,
                });
            }
        }
        Ok(out)
    }

    /// A desk event for a change made outside a transaction of its own (the board re-reads the row).
    pub async fn note_change(&self, appointment_id: i64, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
        let mut tx = self.begin().await?;
        let id = desk_event(&mut tx, appointment_id, &rfc3339(now)).await?;
        tx.commit().await?;
        Ok(id)
    }
}
