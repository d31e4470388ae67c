//! The two schemas agree: after every migration, SQLite (`server/migrations/sqlite`) and
//! PostgreSQL (`server/migrations/postgres`) have the same tables, the same columns with compatible types,
//! the same primary keys and the same named indexes. A migration written for one engine only
//! fails here, whichever engine the rest of the suite runs on.

use crate::common;

use std::collections::BTreeMap;

use arrive_server::store::Store;
use common::postgres;

/// Everything compared: per table, its columns (name → type family) and primary key; and the
/// names of the indexes made by `CREATE INDEX`.
#[derive(Debug, PartialEq)]
struct Schema {
    tables: BTreeMap<String, Table>,
    indexes: Vec<String>,
}

#[derive(Debug, Default, PartialEq)]
struct Table {
    columns: BTreeMap<String, &'static str>,
    primary_key: Vec<String>,
}

/// What a column holds, as both engines store it: SQLite keeps booleans as integers.
fn family(declared: &str) -> &'static str {
    let declared = declared.to_ascii_lowercase();
    if declared.contains("int") || declared == "boolean" {
        "integer"
    } else if declared.contains("char") || declared == "text" {
        "text"
    } else if declared == "blob" || declared == "bytea" {
        "bytes"
    } else if declared == "real" || declared.contains("double") || declared == "numeric" {
        "real"
    } else {
        "unknown"
    }
}

fn schema(columns: Vec<(String, String, String, bool)>, mut indexes: Vec<String>) -> Schema {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, column, declared, in_key) in columns {
        let entry = tables.entry(table).or_default();
        if in_key {
            entry.primary_key.push(column.clone());
        }
        entry.columns.insert(column, family(&declared));
    }
    for table in tables.values_mut() {
        table.primary_key.sort();
    }
    indexes.sort();
    Schema { tables, indexes }
}

async fn sqlite_schema() -> Schema {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("arrive.db");
    drop(Store::open(&path).await.expect("SQLite migrates"));
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let columns = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.pk > 0 FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    // Indexes a migration made (those behind PRIMARY KEY and UNIQUE have no SQL).
    let indexes = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .fetch_all(&db)
        .await
        .unwrap();
    schema(columns, indexes)
}

async fn postgres_schema() -> Schema {
    let url = postgres::create();
    drop(Store::open_postgres(&url).await.expect("PostgreSQL migrates"));
    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let columns = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text,
                EXISTS (SELECT 1 FROM information_schema.table_constraints t
                        JOIN information_schema.key_column_usage k
                          ON k.constraint_name = t.constraint_name AND k.table_name = t.table_name
                        WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name
                          AND k.column_name = c.column_name)
         FROM information_schema.columns c
         WHERE c.table_schema = 'public' AND c.table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    // Indexes a migration made, not those behind a PRIMARY KEY or UNIQUE constraint.
    let indexes = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'
         AND indexname NOT IN (SELECT conname FROM pg_constraint)",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    schema(columns, indexes)
}

#[tokio::test]
async fn both_engines_have_the_same_tables_columns_keys_and_indexes() {
    if postgres::skip() {
        return;
    }
    let (sqlite, postgres) = (sqlite_schema().await, postgres_schema().await);
    assert!(sqlite.tables.len() > 20, "{sqlite:?}");
    for (name, table) in &sqlite.tables {
        assert!(
            table.columns.values().all(|family| *family != "unknown"),
            "{name}: a column type this test does not know: {table:?}"
        );
        assert_eq!(Some(table), postgres.tables.get(name), "table {name}");
    }
    let only_postgres: Vec<&String> = postgres
        .tables
        .keys()
        .filter(|t| !sqlite.tables.contains_key(*t))
        .collect();
    assert!(only_postgres.is_empty(), "tables only on PostgreSQL: {only_postgres:?}");
    assert_eq!(sqlite.indexes, postgres.indexes, "indexes (SQLite, PostgreSQL)");
}
