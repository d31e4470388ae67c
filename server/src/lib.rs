//! Arrive's API server: axum over sqlx (SQLite, or PostgreSQL for several servers), serving the kiosk's built files and the
//! JSON API under `/api/v1`. See ARCHITECTURE.md for the map.

pub mod api;
pub mod auth;
pub mod config;
pub mod connections;
pub mod consents;
pub mod csv_export;
pub mod edge;
pub mod eligibility;
pub mod error;
pub mod events;
pub mod fhir;
pub mod forms;
pub mod import;
pub mod login_throttle;
pub mod payers;
pub mod pre_registration;
pub mod rate_limit;
pub mod security;
pub mod seed;
pub mod static_files;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod tls;
pub mod verification;

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
    /// Mark the session cookie Secure (the server is reached over HTTPS).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the client (`auth::client_address`).
    pub trusted_proxies: std::sync::Arc<Vec<std::net::IpAddr>>,
    /// (amber, red) wait thresholds for the board, in minutes.
    pub wait_minutes: (u32, u32),
    /// Identifications that found nobody, per tablet and per client address.
    pub identify_throttle: std::sync::Arc<throttle::IdentifyThrottle>,
    /// A FHIR endpoint is configured: check-ins are delivered and the desk shows how it went.
    pub fhir_delivery: bool,
    /// Builds, stores and serves each check-in's FHIR Bundle.
    pub handoff: fhir::HandOff,
    /// Rung after each check-in so the FHIR outbox delivers at once.
    pub outbox_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Where eligibility inquiries (X12 270) go; `None`: nobody is asked.
    pub clearinghouse: Option<std::sync::Arc<eligibility::Clearinghouse>>,
    /// The payers the kiosk offers and a new coverage is checked against.
    pub payers: std::sync::Arc<Vec<arrive_domain::verification::Payer>>,
    /// When a check-in pass works, around the appointment's start.
    pub arrival_window: arrive_domain::pass::ArrivalWindow,
    /// The clinic's time zone and identifier systems for the schedule import.
    pub import: std::sync::Arc<import::ImportSettings>,
    /// The bearer token `/metrics` asks for (`ARRIVE_METRICS_TOKEN`); `None`: no `/metrics`.
    pub metrics_token: Option<std::sync::Arc<str>>,
    /// Where the links the server hands out point (`link_base`).
    pub link_base: std::sync::Arc<str>,
}

impl AppState {
    /// The clinic's wall clock now (`ARRIVE_CLINIC_TIME_ZONE`), as appointment times are kept;
    /// never the server host's time zone.
    pub fn clinic_now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now()
            .with_timezone(&self.import.clinic_time_zone)
            .naive_local()
    }

    /// The clinic's date today.
    pub fn clinic_today(&self) -> chrono::NaiveDate {
        self.clinic_now().date()
    }

    /// Tells every open board about a change already recorded as desk event `event_id`. On
    /// PostgreSQL the transaction that recorded it already notified every server (`events`).
    pub async fn publish_appointment(&self, appointment_id: i64, event_id: i64) -> Result<(), sqlx::Error> {
        // No board open here: nobody to read the row for (a board that opens later loads
        // the day, or replays from the database what it missed).
        if self.events.relayed() || !self.events.has_boards() {
            return Ok(());
        }
        if let Some(appointment) = self.store.desk_appointment(appointment_id).await? {
            self.events.publish(store::DeskEvent {
                id: event_id,
                appointment,
            });
        }
        Ok(())
    }
}

/// Where the links the server hands out (a tablet's enrollment, a patient's pre-registration)
/// point: `ARRIVE_PUBLIC_URL`, else the address the server listens on; never a request's Host
/// header, which whoever sends the request chooses. Listening on every address, only the setting
/// can say which one tablets and phones reach.
fn link_base(config: &Config, local: SocketAddr) -> Result<String, String> {
    match &config.public_url {
        Some(url) => Ok(url.clone()),
        None if local.ip().is_unspecified() => Err(format!(
            "ARRIVE_ADDR {local} listens on every address: set ARRIVE_PUBLIC_URL to the address tablets and \
             patients' phones reach this server at (it is the start of every link the server gives out)"
        )),
        None => Ok(format!("{}://{local}", if config.https() { "https" } else { "http" })),
    }
}

/// Opens (creating and migrating) the database, seeds the demo clinic when asked, and serves
/// until `shutdown` resolves. `on_listening` receives the bound address (useful with port 0).
pub async fn run(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    telemetry::install();
    // Before anything else: a certificate that cannot be used is a configuration error.
    let tls = config.tls.as_ref().map(tls::rustls_config).transpose()?;
    // Likewise the FHIR client's signing key: read now rather than at the first delivery.
    let fhir_auth = fhir::smart::SmartBackend::from_config(&config)?.map(std::sync::Arc::new);
    let forms = std::sync::Arc::new(forms::Forms::load(config.forms_dir.as_deref())?);
    let consents = std::sync::Arc::new(consents::Consents::load(config.consents_dir.as_deref())?);
    let payers = std::sync::Arc::new(payers::load(config.payers_file.as_deref())?);
    let store = match &config.database_url {
        Some(url) => store::Store::open_postgres(url).await?,
        None => store::Store::open(&config.database_path()).await?,
    }
    .in_clinic_time_zone(config.import.clinic_time_zone);
    if config.seed_demo {
        // The demo day is today at the clinic, wherever the server runs.
        let today = chrono::Utc::now()
            .with_timezone(&config.import.clinic_time_zone)
            .date_naive();
        seed::seed_demo_with(&store, today, config.demo_extra_patients, &config.import).await?;
        seed::demo_earlier_visit(&store, today, &forms, consents.all()).await?;
    }
    let first_admin = ensure_first_admin(&store, config.admin_password.clone()).await?;
    let first_kiosk = ensure_first_kiosk(&store, config.first_kiosk_token.clone()).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_rx_outbox = stop_rx.clone();
    let events = events::DeskEvents::new(stop_rx.clone(), store.postgres().cloned());
    if let Some(pool) = store.postgres() {
        let relay = events::listen(store.clone(), events.clone(), pool.clone(), stop_rx.clone()).await?;
        tokio::spawn(relay);
    }
    // Every wording offered stays readable at its version, for the Consents that point at it.
    store.remember_consent_texts(consents.all(), chrono::Utc::now()).await?;
    let handoff = fhir::HandOff {
        store: store.clone(),
        forms: forms.clone(),
        consents: consents.clone(),
        payers: payers.clone(),
        public_url: config.public_url.clone(),
    };
    tokio::task::spawn_blocking(auth::dummy_hash);
    let listener = TcpListener::bind(config.addr).await?;
    let link_base = link_base(&config, listener.local_addr()?)?;
    let state = AppState {
        store,
        events,
        forms,
        consents,
        handoff,
        secure_cookies: config.https(),
        trusted_proxies: std::sync::Arc::new(config.trusted_proxies.clone()),
        wait_minutes: config.wait_minutes,
        identify_throttle: Default::default(),
        fhir_delivery: config.fhir_endpoint.is_some(),
        outbox_wake: Default::default(),
        clearinghouse: eligibility::Clearinghouse::from_settings(&config.eligibility).map(std::sync::Arc::new),
        payers,
        arrival_window: config.arrival_window,
        import: std::sync::Arc::new(config.import.clone()),
        metrics_token: config.metrics_token.as_deref().map(std::sync::Arc::from),
        link_base: std::sync::Arc::from(link_base.as_str()),
    };
    if let Some(endpoint) = &config.fhir_endpoint {
        let outbox = fhir::outbox::Outbox {
            handoff: state.handoff.clone(),
            auth: fhir_auth,
            endpoint: endpoint.clone(),
            retry_base: config.fhir_retry_base,
            wake: state.outbox_wake.clone(),
        };
        tokio::spawn(outbox.run(stop_rx_outbox));
    }
    let app = router(state, &config.dist_dir);

    on_listening(listener.local_addr()?);
    if let Some(token) = first_kiosk {
        println!(
            "Enroll the first kiosk tablet by opening: {}",
            api::admin::enrollment_link(&link_base, &token)
        );
    }
    if let Some(password) = first_admin {
        // A secret for the person installing: on the console once, never in the logs.
        println!("First sign-in at the front desk: username admin, one-time password {password}");
        println!("(It works once: at first sign-in, /desk asks you to choose your own.)");
    }
    // One way of serving for HTTP and HTTPS (only the acceptor differs), so both shut down the
    // same way: stop accepting, let every request in progress finish, then return.
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        // Open event streams would hold graceful shutdown forever: end them first.
        let _ = stop_tx.send(true);
        stopping.graceful_shutdown(None);
    });
    let limits = connections::fit_to_open_file_limit(config.limits);
    let admission = connections::Admission::new(limits, std::sync::Arc::new(config.trusted_proxies.clone()));
    let app = app
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.body_timeout))
        .into_make_service_with_connect_info::<SocketAddr>();
    let listener = listener.into_std()?;
    match tls {
        Some(tls) => {
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(tls)
                .handshake_timeout(limits.header_timeout)
                .acceptor(admission);
            with_time_limits(axum_server::from_tcp(listener)?.acceptor(acceptor), &limits)
                .handle(handle)
                .serve(app)
                .await?
        }
        None => {
            with_time_limits(axum_server::from_tcp(listener)?.acceptor(admission), &limits)
                .handle(handle)
                .serve(app)
                .await?
        }
    }
    Ok(())
}

/// hyper's clocks: the headers of each request (and the wait for the next one on a kept-alive
/// connection) within `header_timeout`, and the first request of a connection too, which
/// hyper's own timer does not cover while it tells HTTP/1 from HTTP/2.
fn with_time_limits<A>(
    mut server: axum_server::Server<SocketAddr, A>,
    limits: &connections::ConnectionLimits,
) -> axum_server::Server<SocketAddr, A> {
    server.http_builder().http1().header_read_timeout(limits.header_timeout);
    server.first_request_timeout(limits.header_timeout)
}

/// On a database without staff, creates the first administrator ("admin"). Returns the
/// password to show when it was generated here.
async fn ensure_first_admin(
    store: &store::Store,
    password: Option<String>,
) -> Result<Option<String>, Box<dyn std::error::Error + Send + Sync>> {
    if store.staff_count().await? > 0 {
        return Ok(None);
    }
    let (password, show) = match password {
        Some(p) => (p, false),
        None => (auth::new_password(), true),
    };
    let hash = auth::hash_password(&password).map_err(|_| "cannot hash the first admin's password")?;
    // A printed password is one-time: the admin must choose their own at first sign-in.
    store
        .create_staff(
            "admin",
            "Administrator",
            store::Role::Admin,
            &hash,
            show,
            chrono::Utc::now(),
        )
        .await?;
    Ok(show.then_some(password))
}

// Alike `ensure_first_admin` by design: each first account is made, or given, once.

/// On a database without kiosks, enrolls the first tablet ("Kiosk 1"). Returns its token when
/// it was made here (to print its enrollment link).
async fn ensure_first_kiosk(
    store: &store::Store,
    token: Option<String>,
) -> Result<Option<String>, Box<dyn std::error::Error + Send + Sync>> {
    if store.kiosk_count().await? > 0 {
        return Ok(None);
    }
    let (token, show) = match token {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => (t, false),
        Some(_) => return Err("ARRIVE_FIRST_KIOSK_TOKEN must be 64 hex characters".into()),
        None => (auth::new_token(), true),
    };
    store
        .create_kiosk("Kiosk 1", &auth::token_hash(&token), chrono::Utc::now())
        .await?;
    Ok(show.then_some(token))
}
