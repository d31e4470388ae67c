//! The two backends behind one store: a pool or a transaction on SQLite or PostgreSQL, and the
//! macros that compile one SQL text once per backend (`on_pool!`, `on_tx!`), so rows decode
//! with each driver's own types and handlers never see which backend runs.

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

/// One of the two backends. Every statement is written once, in SQL both accept (`$1`
/// placeholders, `RETURNING`, `ON CONFLICT`, `TRUE`/`FALSE`), and `on_pool!` / `on_tx!` compile
/// it once per backend.
#[derive(Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A transaction on either backend; dropped without `commit`, it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// `on_pool!(pool, |p| body)`: `body` once for each backend, with `p` that backend's pool.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}

/// `on_tx!(tx, |c| body)`: `body` once for each backend, with `c` its open transaction
/// (`&mut **c` is the connection to execute on).
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite($c) => $body,
            $crate::store::Tx::Postgres($c) => $body,
        }
    };
}
pub(crate) use {on_pool, on_tx};

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        on_tx!(self, |tx| tx.commit().await)
    }
}
