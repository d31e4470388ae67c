//! PostgreSQL for tests: the server at `ARRIVE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), where each test folder gets a database of its
//! own, `arrive_test_<pid>_<n>`, dropped when the test binary exits (and, should a run be
//! killed, by the next run, which drops those of processes no longer alive).
//!
//! A PostgreSQL test that cannot reach the server fails, saying so; `ARRIVE_SKIP_POSTGRES=1`
//! makes them pass without running instead (see [`skip`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, Once};

use sqlx::{Connection, PgConnection};

static DATABASES: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
static NEXT: AtomicU32 = AtomicU32::new(0);
static CLEANUP: Once = Once::new();

pub fn admin_url() -> String {
    std::env::var("ARRIVE_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// `ARRIVE_SKIP_POSTGRES=1`: PostgreSQL tests are skipped (they say so on stderr).
pub fn skip() -> bool {
    let skip = matches!(
        std::env::var("ARRIVE_SKIP_POSTGRES").as_deref(),
        Ok("1" | "true" | "yes")
    );
    if skip {
        eprintln!("ARRIVE_SKIP_POSTGRES is set: this PostgreSQL test does not run");
    }
    skip
}

fn url_of(name: &str) -> String {
    let admin = admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// Runs `work` on a runtime of its own (callers may be inside a runtime, or exiting).
fn blocking<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
    .join()
    .expect("PostgreSQL helper thread")
}

async fn admin() -> PgConnection {
    let url = admin_url();
    match PgConnection::connect(&url).await {
        Ok(connection) => connection,
        Err(error) => panic!(
            "PostgreSQL tests need a server at {url} (ARRIVE_TEST_POSTGRES_URL): {error}. \
             Start one, or set ARRIVE_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
        ),
    }
}

/// A new, empty database; its URL.
pub fn create() -> String {
    CLEANUP.call_once(|| {
        blocking(sweep_dead());
        // SAFETY: registers a plain `extern "C" fn` to run at process exit.
        unsafe { libc::atexit(drop_ours) };
    });
    let name = format!(
        "arrive_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let create = name.clone();
    blocking(async move {
        let mut admin = admin().await;
        sqlx::query(&format!("CREATE DATABASE {create}"))
            .execute(&mut admin)
            .await
            .expect("CREATE DATABASE");
    });
    url_of(&name)
}

/// The database of test folder `data` (made on first use).
pub fn database_for(data: &Path) -> String {
    let mut map = DATABASES.lock().unwrap_or_else(|e| e.into_inner());
    map.get_or_insert_with(HashMap::new)
        .entry(data.to_path_buf())
        .or_insert_with(create)
        .clone()
}

async fn drop_matching(prefix_filter: impl Fn(&str) -> bool) {
    let Ok(mut admin) = PgConnection::connect(&admin_url()).await else {
        return;
    };
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'arrive_test_%'")
        .fetch_all(&mut admin)
        .await
        .unwrap_or_default();
    for name in names.into_iter().filter(|n| prefix_filter(n)) {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

/// Databases left by runs that were killed before they could drop theirs.
async fn sweep_dead() {
    drop_matching(|name| {
        let pid = name.trim_start_matches("arrive_test_").split('_').next().unwrap_or("");
        !pid.is_empty() && !Path::new(&format!("/proc/{pid}")).exists()
    })
    .await;
}

extern "C" fn drop_ours() {
    let prefix = format!("arrive_test_{}_", std::process::id());
    blocking(async move { drop_matching(move |name| name.starts_with(&prefix)).await });
}
