//! Live changes for the desk board: written to `desk_event` by the store, fanned out here to
//! every open board over Server-Sent Events.

use arrive_domain::api::{DeskAppointment, DeskHelp};
use tokio::sync::{broadcast, watch};

/// What boards hear besides numbered appointment changes.
#[derive(Debug, Clone)]
pub enum Notice {
    Help(DeskHelp),
    ScheduleChanged,
}

/// A desk event: its id (also the SSE id) and the appointment's row after the change.
pub type DeskEvent = (i64, DeskAppointment);

#[derive(Clone)]
pub struct DeskEvents {
    sender: broadcast::Sender<DeskEvent>,
    /// Help requests and their acknowledgement, and "the schedule changed". Not numbered: a
    /// board that reconnects reloads the day, which lists every open request and appointment.
    notices: broadcast::Sender<Notice>,
    /// Turns true when the server shuts down, so open streams end and shutdown can finish.
    stopping: watch::Receiver<bool>,
}

impl DeskEvents {
    pub fn new(stopping: watch::Receiver<bool>) -> Self {
        // A board that falls this far behind is dropped and replays from the database.
        let (sender, _) = broadcast::channel(256);
        let (notices, _) = broadcast::channel(64);
        DeskEvents {
            sender,
            notices,
            stopping,
        }
    }

    pub fn publish(&self, event: DeskEvent) {
        // No board open is not an error.
        let _ = self.sender.send(event);
    }

    pub fn publish_help(&self, help: DeskHelp) {
        let _ = self.notices.send(Notice::Help(help));
    }

    /// Appointments were added or moved (a schedule import): boards reload the day.
    pub fn publish_schedule_changed(&self) {
        let _ = self.notices.send(Notice::ScheduleChanged);
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
