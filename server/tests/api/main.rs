//! The server's integration tests, one binary (one link) with a module per area. Each
//! starts real servers on loopback through [`common`], on SQLite or, with
//! `ARRIVE_TEST_DATABASE=postgres`, PostgreSQL.

mod common;

mod backends;
mod check_in;
mod connections;
mod consents;
mod core_connectivity;
mod crash;
mod csv_exports;
mod desk_board;
mod edge;
mod forms;
mod help_requests;
mod idempotency;
mod identify;
mod instances;
mod kiosk_enrollment;
mod openapi;
mod pre_registration;
mod prometheus_metrics;
mod request_errors;
mod returning_patient;
mod schedule_import;
mod schema_parity;
mod security_headers;
mod shutdown;
mod sign_in;
mod staff_access;
mod staff_accounts;
mod standards;
mod static_assets;
mod tls;
mod trusted_proxy;
mod verification;
