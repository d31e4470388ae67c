//! Photos of the patient's insurance cards, one per card side, kept with the visit for the desk
//! and the FHIR hand-off.

use arrive_domain::api::CardSide;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{on_pool, rfc3339, Store};

// Alike by design: each method is one SQL text for both engines, its binds and the row it reads.

/// A card photo as the FHIR hand-off sends it.
pub struct StoredCardImage {
    pub rank: u8,
    pub side: CardSide,
    pub jpeg: Vec<u8>,
    pub uploaded_at: String,
}

/// Which photo: the card (1 primary, 2 secondary) and its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardPhoto {
    pub rank: u8,
    pub side: CardSide,
}

#[derive(sqlx::FromRow)]
struct CardImageRow {
    rank: i64,
    side: String,
}

impl Store {
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

    /// Which card photos this visit has, primary first, front before back.
    pub async fn card_image_refs(&self, appointment_id: i64) -> Result<Vec<CardPhoto>, sqlx::Error> {
        let rows: Vec<CardImageRow> = on_pool!(self.pool(), |p| sqlx::query_as(
            "SELECT rank, side FROM card_image WHERE appointment_id = $1 ORDER BY rank, side = 'back'"
        )
        .bind(appointment_id)
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(CardPhoto {
                    rank: u8::try_from(row.rank).ok()?,
                    side: CardSide::parse(&row.side)?,
                })
            })
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
