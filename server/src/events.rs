//! Live changes for the desk board: written to `desk_event` by the store, fanned out here to
//! every open board over Server-Sent Events.

use arrive_domain::api::DeskAppointment;
use tokio::sync::{broadcast, watch};

/// A desk event: its id (also the SSE id) and the appointment's row after the change.
pub type DeskEvent = (i64, DeskAppointment);

#[derive(Clone)]
pub struct DeskEvents {
    sender: broadcast::Sender<DeskEvent>,
    /// Turns true when the server shuts down, so open streams end and shutdown can finish.
    stopping: watch::Receiver<bool>,
}

impl DeskEvents {
    pub fn new(stopping: watch::Receiver<bool>) -> Self {
        // A board that falls this far behind is dropped and replays from the database.
        let (sender, _) = broadcast::channel(256);
        DeskEvents { sender, stopping }
    }

    pub fn publish(&self, event: DeskEvent) {
        // No board open is not an error.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<DeskEvent>, watch::Receiver<bool>) {
        (self.sender.subscribe(), self.stopping.clone())
    }
}
