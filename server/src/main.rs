use arrive_server::{run, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
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
    let result = run(config, shutdown_signal(), |addr| {
        // Tests and xtask read the first line to learn the port.
        println!("Arrive is listening on http://{addr}");
        println!("  Kiosk:      http://{addr}/");
        println!("  Front desk: http://{addr}/desk");
        println!("  API:        http://{addr}/api/v1/health");
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
