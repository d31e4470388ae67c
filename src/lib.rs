//! The Arrive kiosk and front desk board: a Leptos client-side app, built by Trunk.
//!
//! `/desk` shows the front desk board; every other path is the lobby kiosk. See ARCHITECTURE.md.

pub mod api;
pub mod app;
pub mod clock;
pub mod desk;
pub mod i18n;
pub mod kiosk;

pub use app::App;
