//! Arrive's API server: axum over sqlx (SQLite), serving the kiosk's built files and the
//! JSON API under `/api/v1`. See ARCHITECTURE.md for the map.

pub mod api;
pub mod config;
pub mod consents;
pub mod error;
pub mod events;
pub mod forms;
pub mod seed;
pub mod store;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use api::router;
pub use config::Config;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: store::Store,
    pub events: events::DeskEvents,
    pub forms: std::sync::Arc<forms::Forms>,
    pub consents: std::sync::Arc<consents::Consents>,
}

/// Opens (creating and migrating) the database, seeds the demo clinic when asked, and serves
/// until `shutdown` resolves. `on_listening` receives the bound address (useful with port 0).
pub async fn run(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let forms = std::sync::Arc::new(forms::Forms::load(config.forms_dir.as_deref())?);
    let consents = std::sync::Arc::new(consents::Consents::load(config.consents_dir.as_deref())?);
    let store = store::Store::open(&config.database_path()).await?;
    if config.seed_demo {
        seed::seed_demo(&store, chrono::Local::now().date_naive(), config.demo_extra_patients).await?;
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = AppState {
        store,
        events: events::DeskEvents::new(stop_rx),
        forms,
        consents,
    };
    let app = router(state, &config.dist_dir);

    let listener = TcpListener::bind(config.addr).await?;
    on_listening(listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Open event streams would hold graceful shutdown forever: end them first.
            let _ = stop_tx.send(true);
        })
        .await?;
    Ok(())
}
