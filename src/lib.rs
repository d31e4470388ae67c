//! The Arrive kiosk and front desk board: Leptos client-side apps, built by `cargo xtask build`
//! (or `trunk serve` while developing).
//!
//! Two binaries share this library: `arrive-kiosk` (src/main.rs, the lobby tablet, `/`) and
//! `arrive-desk` (src/bin/desk.rs, the front desk board, `/desk`). Each links only what it uses,
//! so the tablet never downloads staff code. See ARCHITECTURE.md.

pub mod api;
pub mod app;
pub mod clock;
pub mod desk;
pub mod device;
pub mod i18n;
pub mod kiosk;
pub mod qr;
