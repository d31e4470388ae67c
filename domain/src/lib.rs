//! Arrive's domain: the types the kiosk and the server exchange, the validation both run,
//! and the rules of the check-in flow.
//!
//! Invariant: no I/O, no clock. Anything time-dependent takes "today" or "now" as an argument,
//! so the same code runs in the browser (wasm32) and on the server, and tests are exact.

pub mod api;
pub mod clock_time;
pub mod consent;
pub mod contact;
pub mod date;
pub mod dob;
pub mod error;
pub mod insurance;
pub mod matching;
pub mod name;
pub mod pass;
pub mod questionnaire;
pub mod staff;
pub mod text;
pub mod verification;
pub mod x12;

pub use api::AppointmentStatus;
pub use dob::{DateOfBirth, DobError};
pub use error::{ErrorBody, ErrorCode};
pub use name::NameError;
