use std::io::Write;

use arrive_server::{run, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // `ARRIVE_LOG_FORMAT=json` for a log collector; readable lines otherwise.
    if std::env::var("ARRIVE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("arrive-server: {message}");
            std::process::exit(2);
        }
    };
    if !config.dist_dir.join("index.html").exists() {
        tracing::warn!(dist = %config.dist_dir.display(), "no built kiosk here; run `cargo xtask run`");
    }
    let scheme = if config.tls.is_some() { "https" } else { "http" };
    let result = run(config, shutdown_signal(), |addr| {
        // Tests and xtask read the first line to learn the port. A closed stdout must not
        // stop the server, hence write! rather than println!.
        let _ = write!(
            std::io::stdout(),
            "Arrive is listening on {scheme}://{addr}\n  Kiosk:      {scheme}://{addr}/\n  Front desk: {scheme}://{addr}/desk\n  API:        {scheme}://{addr}/api/v1/health\n"
        );
    })
    .await;
    if let Err(error) = result {
        eprintln!("arrive-server: {error}");
        std::process::exit(1);
    }
    tracing::info!("stopped");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
