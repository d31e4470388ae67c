//! The desk's numbers for one day: aggregates only, no patient data.

use arrive_domain::api::DeskMetrics;
use chrono::{DateTime, NaiveDate, Timelike, Utc};

use super::{day_range, on_pool, rfc3339, Store, CLINIC_ID, MATCH_TOKEN_LIFETIME};

fn parse(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at).ok().map(|t| t.with_timezone(&Utc))
}

/// When an appointment's patient began at the kiosk and when they arrived.
#[derive(sqlx::FromRow)]
struct KioskTimes {
    kiosk_started_at: Option<String>,
    arrived_at: Option<String>,
}

impl Store {
    pub async fn metrics(&self, day: NaiveDate, now: DateTime<Utc>) -> Result<DeskMetrics, sqlx::Error> {
        let (start, end) = day_range(day);
        let rows: Vec<KioskTimes> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT kiosk_started_at, arrived_at FROM appointment
             WHERE clinic_id = $1 AND starts_at >= $2 AND starts_at < $3",
        )
        .bind(CLINIC_ID)
        .bind(&start)
        .bind(&end)
        .fetch_all(p)
        .await)?;
        let mut by_hour = [0u32; 24];
        let mut kiosk_seconds = Vec::new();
        let (mut started, mut abandoned) = (0, 0);
        for row in &rows {
            let arrived = row.arrived_at.as_deref().and_then(parse);
            if let Some(at) = arrived {
                by_hour[at.with_timezone(&self.clinic_time_zone).hour() as usize] += 1;
            }
            if let Some(began) = row.kiosk_started_at.as_deref().and_then(parse) {
                started += 1;
                match arrived {
                    Some(at) if at >= began => kiosk_seconds.push((at - began).num_seconds().max(0) as u32),
                    Some(_) => {}
                    None if now - began > MATCH_TOKEN_LIFETIME => abandoned += 1,
                    None => {}
                }
            }
        }
        kiosk_seconds.sort_unstable();
        let median_kiosk_seconds = match kiosk_seconds.len() {
            0 => None,
            n if n % 2 == 1 => Some(kiosk_seconds[n / 2]),
            n => Some((kiosk_seconds[n / 2 - 1] + kiosk_seconds[n / 2]) / 2),
        };
        let local_midnight = day
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(self.clinic_time_zone).earliest())
            .map_or(now, |t| t.with_timezone(&Utc));
        let help_requests: i64 = on_pool!(self.pool(), |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM help_request WHERE requested_at >= $1"
        )
        .bind(rfc3339(local_midnight))
        .fetch_one(p)
        .await)?;
        Ok(DeskMetrics {
            arrivals_by_hour: (0..24u32)
                .filter(|h| by_hour[*h as usize] > 0)
                .map(|h| (h, by_hour[h as usize]))
                .collect(),
            median_kiosk_seconds,
            kiosk_started: started,
            kiosk_abandoned: abandoned,
            pre_registered_share: None,
            help_requests: help_requests as u32,
        })
    }
}
