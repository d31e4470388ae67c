//! The server's integration tests, one binary (one link) with a module per area. Each
//! starts real servers on loopback through [`common`], on SQLite or, with
//! `ARRIVE_TEST_DATABASE=postgres`, PostgreSQL.

mod common;

mod backends;
mod connections;
mod core_connectivity;
mod crash;
mod csv_exports;
mod edge;
mod help_requests;
mod http_api;
mod idempotency;
mod instances;
mod openapi;
mod pre_registration;
mod returning_patient;
mod schema_parity;
mod shutdown;
mod sign_in;
mod staff_accounts;
mod standards;
mod static_assets;
mod tls;
mod verification;
