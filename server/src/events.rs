//! Live changes for the desk board: written to `desk_event` by the store, fanned out here to
//! every open board over Server-Sent Events.

use arrive_domain::api::{DeskAppointment, DeskHelp};
use tokio::sync::{broadcast, watch};

/// A desk event: its id (also the SSE id) and the appointment's row after the change.
pub type DeskEvent = (i64, DeskAppointment);

#[derive(Clone)]
pub struct DeskEvents {
    sender: broadcast::Sender<DeskEvent>,
    /// Help requests and their acknowledgement. Not numbered: a board that reconnects reloads
    /// the day, which lists every open request.
    help: broadcast::Sender<DeskHelp>,
    /// Turns true when the server shuts down, so open streams end and shutdown can finish.
    stopping: watch::Receiver<bool>,
}

impl DeskEvents {
    pub fn new(stopping: watch::Receiver<bool>) -> Self {
        // A board that falls this far behind is dropped and replays from the database.
        let (sender, _) = broadcast::channel(256);
        let (help, _) = broadcast::channel(64);
        DeskEvents { sender, help, stopping }
    }

    pub fn publish(&self, event: DeskEvent) {
        // No board open is not an error.
        let _ = self.sender.send(event);
    }

    pub fn publish_help(&self, help: DeskHelp) {
        let _ = self.help.send(help);
    }

    pub fn subscribe(
        &self,
    ) -> (
        broadcast::Receiver<DeskEvent>,
        broadcast::Receiver<DeskHelp>,
        watch::Receiver<bool>,
    ) {
        (self.sender.subscribe(), self.help.subscribe(), self.stopping.clone())
    }
}
