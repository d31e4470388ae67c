//! Rebuilds the server when a migration is added or changed: `sqlx::migrate!` embeds
//! `migrations/sqlite/` and `migrations/postgres/` at compile time, and on stable Rust the
//! macro cannot tell Cargo to watch them, so without this a new migration file would be left
//! out of an incremental build (and the schema-parity test would pass without it).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
