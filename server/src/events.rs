//! Live changes for the desk board: written to `desk_event` by the store, fanned out here to
//! every open board over Server-Sent Events.
//!
//! One server (SQLite): a change is handed straight to this process's open streams. Several
//! servers on one PostgreSQL database: a change goes out as a `NOTIFY` on `store::CHANNEL` — for
//! appointment events from inside the transaction that writes the `desk_event` row, so it is
//! sent exactly when (and only if) the change commits — and every server, the one that made it
//! included, hears it through `LISTEN` ([`listen`]) and hands it to its own streams. A board
//! therefore sees a check-in made on any server.

use arrive_domain::api::DeskHelp;
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::{broadcast, watch};

pub use crate::store::DeskEvent;
use crate::store::{Store, CHANNEL};

/// What boards hear besides numbered appointment changes.
#[derive(Debug, Clone)]
pub enum Notice {
    Help(DeskHelp),
    ScheduleChanged,
}

#[derive(Clone)]
pub struct DeskEvents {
    sender: broadcast::Sender<DeskEvent>,
    /// Help requests and their acknowledgement, and "the schedule changed". Not numbered: a
    /// board that reconnects reloads the day, which lists every open request and appointment.
    notices: broadcast::Sender<Notice>,
    /// Turns true when the server shuts down, so open streams end and shutdown can finish.
    stopping: watch::Receiver<bool>,
    /// PostgreSQL: changes go out through NOTIFY and come back through [`listen`].
    relay: Option<PgPool>,
}

impl DeskEvents {
    /// `relay`: the PostgreSQL pool when several servers may share the database.
    pub fn new(stopping: watch::Receiver<bool>, relay: Option<PgPool>) -> Self {
        // A board that falls this far behind is dropped and replays from the database.
        let (sender, _) = broadcast::channel(256);
        let (notices, _) = broadcast::channel(64);
        DeskEvents {
            sender,
            notices,
            stopping,
            relay,
        }
    }

    /// Changes reach this server's boards through LISTEN, not directly.
    pub fn relayed(&self) -> bool {
        self.relay.is_some()
    }

    /// Whether any board is connected to this server now.
    pub fn has_boards(&self) -> bool {
        self.sender.receiver_count() > 0
    }

    /// To this server's open boards.
    pub fn publish(&self, event: DeskEvent) {
        // No board open is not an error.
        let _ = self.sender.send(event);
    }

    fn notice(&self, notice: Notice) {
        let _ = self.notices.send(notice);
    }

    /// Sends `payload` to every server; false if it could not (the caller tells its own boards).
    async fn notify(&self, payload: &str) -> bool {
        let Some(pool) = &self.relay else { return false };
        match sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(pool)
            .await
        {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(%error, "desk events: NOTIFY failed; only this server's boards hear it");
                false
            }
        }
    }

    pub async fn publish_help(&self, help: DeskHelp) {
        if !self.notify(&format!("h {}", help.id)).await {
            self.notice(Notice::Help(help));
        }
    }

    /// Appointments were added or moved (a schedule import): boards reload the day.
    pub async fn publish_schedule_changed(&self) {
        if !self.notify("s").await {
            self.notice(Notice::ScheduleChanged);
        }
    }

    pub fn subscribe(
        &self,
    ) -> (
        broadcast::Receiver<DeskEvent>,
        broadcast::Receiver<Notice>,
        watch::Receiver<bool>,
    ) {
        (self.sender.subscribe(), self.notices.subscribe(), self.stopping.clone())
    }
}

/// Starts listening on `store::CHANNEL` (before the server accepts requests, so nothing made after
/// it is up is missed) and returns the task that hands what it hears to this server's boards
/// until `stop` turns true. A lost connection is reopened; boards are then told the schedule
/// changed, so they reload the day (and replay numbered events) rather than miss what was
/// sent meanwhile.
pub async fn listen(
    store: Store,
    events: DeskEvents,
    pool: PgPool,
    mut stop: watch::Receiver<bool>,
) -> Result<impl std::future::Future<Output = ()>, sqlx::Error> {
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(async move {
        loop {
            tokio::select! {
                heard = listener.try_recv() => match heard {
                    Ok(Some(notification)) => {
                        if let Err(error) = deliver(&store, &events, notification.payload()).await {
                            tracing::warn!(%error, "desk events: cannot read a change; boards reload");
                            events.notice(Notice::ScheduleChanged);
                        }
                    }
                    // The connection dropped; the next `try_recv` reconnects and listens again.
                    Ok(None) => events.notice(Notice::ScheduleChanged),
                    Err(error) => {
                        tracing::warn!(%error, "desk events: LISTEN connection failed; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                            _ = stop.changed() => return,
                        }
                    }
                },
                _ = stop.changed() => return,
            }
        }
    })
}

async fn deliver(store: &Store, events: &DeskEvents, payload: &str) -> Result<(), sqlx::Error> {
    let mut parts = payload.split(' ');
    let number = |part: Option<&str>| part.and_then(|p| p.parse::<i64>().ok());
    match parts.next() {
        Some("a") => {
            if let (Some(event_id), Some(appointment_id)) = (number(parts.next()), number(parts.next())) {
                if let Some(appointment) = store.desk_appointment(appointment_id).await? {
                    events.publish(DeskEvent {
                        id: event_id,
                        appointment,
                    });
                }
            }
        }
        Some("h") => {
            if let Some(help) = match number(parts.next()) {
                Some(id) => store.help(id).await?,
                None => None,
            } {
                events.notice(Notice::Help(help));
            }
        }
        Some("s") => events.notice(Notice::ScheduleChanged),
        _ => tracing::warn!("desk events: a notification of an unknown kind"),
    }
    Ok(())
}
