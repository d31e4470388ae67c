//! Server settings, from the environment so that `cargo xtask run`, tests and a clinic's
//! service manager set them the same way.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// `ARRIVE_ADDR`, default 127.0.0.1:8080. Port 0 picks a free port.
    pub addr: SocketAddr,
    /// `ARRIVE_DATA_DIR`, default `./data`: holds `arrive.db` (SQLite), unless `database_url`.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `postgres://user@host:5432/db` runs on PostgreSQL, and several servers
    /// may share it (docs/DEPLOYMENT.md). Unset: SQLite in `ARRIVE_DATA_DIR/arrive.db`, one
    /// server.
    pub database_url: Option<String>,
    /// `ARRIVE_DIST`, default `./dist`: the built kiosk and desk (`cargo xtask build`).
    pub dist_dir: PathBuf,
    /// `ARRIVE_DEMO`, default on: seed the demo clinic and today's synthetic appointments.
    pub seed_demo: bool,
    /// `ARRIVE_DEMO_EXTRA_PATIENTS`, default 0: synthetic "Loadtest" patients added to today's
    /// demo schedule, for `cargo xtask bench`.
    pub demo_extra_patients: u32,
    /// `ARRIVE_FORMS_DIR`: the clinic's own intake forms (FHIR Questionnaire JSON files);
    /// default: the forms shipped in `forms/`.
    pub forms_dir: Option<PathBuf>,
    /// `ARRIVE_CONSENTS_DIR`: the clinic's own consent texts; default: those in `consents/`.
    pub consents_dir: Option<PathBuf>,
    /// `ARRIVE_SECURE_COOKIES=1` when clients reach the server over HTTPS (a TLS proxy in front):
    /// the staff session cookie is then marked Secure and HSTS is sent. Implied by `tls`.
    pub secure_cookies: bool,
    /// `ARRIVE_TLS_CERT` and `ARRIVE_TLS_KEY`: PEM files of the certificate (chain, server's
    /// first) and its private key; both or neither. Set, the server speaks HTTPS itself, with
    /// HSTS and Secure cookies. Unset, plain HTTP (behind a TLS proxy, or on a closed network).
    pub tls: Option<TlsFiles>,
    /// `ARRIVE_ADMIN_PASSWORD`: the first administrator's password, for scripted installs and
    /// tests. Unset, a random one is printed once, on the first start.
    pub admin_password: Option<String>,
    /// `ARRIVE_FIRST_KIOSK_TOKEN`: the device token of the first kiosk ("Kiosk 1", enrolled on
    /// the first start), 64 hex characters, for scripted installs and tests. Unset, a random
    /// one is made and its enrollment link printed once.
    pub first_kiosk_token: Option<String>,
    /// `ARRIVE_WAIT_AMBER_MINUTES` (default 15) and `ARRIVE_WAIT_RED_MINUTES` (default 30): how
    /// long after arrival a waiting patient's row turns amber, then red, on the board.
    pub wait_minutes: (u32, u32),
    /// `ARRIVE_FHIR_ENDPOINT`: the base URL of the clinic's FHIR R4 server; every completed
    /// check-in is POSTed to it as a transaction Bundle. Unset, nothing is sent.
    pub fhir_endpoint: Option<String>,
    /// `ARRIVE_FHIR_RETRY_SECONDS` (default 5): the wait after a failed delivery; it doubles
    /// with each further failure, up to 15 minutes.
    pub fhir_retry_base: std::time::Duration,
    /// `ARRIVE_PUBLIC_URL`: the address the clinic's systems reach this server at (e.g.
    /// `https://checkin.clinic.example`), without a trailing slash. A signed Consent's `policy`
    /// in the FHIR hand-off points there, at the wording signed. Unset: the policy is named by a
    /// `urn:arrive:consent-text:` URN the EHR cannot open.
    pub public_url: Option<String>,
    /// SMART Backend Services, how deliveries to `ARRIVE_FHIR_ENDPOINT` authenticate; all of
    /// these or none (`ARRIVE_FHIR_SCOPE` has a default). Unset, deliveries carry no bearer.
    /// - `ARRIVE_FHIR_TOKEN_URL`: the EHR's OAuth token endpoint (its `.well-known/smart-configuration`
    ///   names it);
    /// - `ARRIVE_FHIR_CLIENT_ID`: the client id the EHR registered for this clinic's Arrive;
    /// - `ARRIVE_FHIR_SCOPE`: the system scopes asked for, default [`DEFAULT_FHIR_SCOPE`];
    /// - `ARRIVE_FHIR_PRIVATE_KEY`: a PEM file, the private key whose public half the EHR holds:
    ///   RSA (≥ 2048 bits, signs RS384) or EC P-384 (ES384) in PKCS#8;
    /// - `ARRIVE_FHIR_KEY_ID`: that key's `kid` in the JWK Set registered with the EHR.
    pub fhir_smart: Option<SmartSettings>,
    /// Eligibility (X12 270/271): who is asked, over what, as whom. See [`EligibilitySettings`].
    pub eligibility: EligibilitySettings,
    /// `ARRIVE_PAYERS_FILE`: the clinic's own list of payers the kiosk offers (a JSON array like
    /// `payers/payers.json`); default: the list shipped in `payers/`.
    pub payers_file: Option<PathBuf>,
    /// `ARRIVE_ARRIVAL_WINDOW` (default `60,30`): how many minutes before and after its start an
    /// appointment's check-in pass works.
    pub arrival_window: arrive_domain::pass::ArrivalWindow,
    /// `ARRIVE_TRUSTED_PROXIES`: the addresses of the load balancers or proxies in front,
    /// comma-separated. A request from one of them is taken to come from the client its
    /// `X-Forwarded-For` names (for the identify throttle and the audit trail); from anyone
    /// else the header is ignored. Default: none.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How many connections may be open, and how long a client may take (`crate::connections`):
    /// - `ARRIVE_MAX_CONNECTIONS` (default 1024): all clients together; lowered at start to fit
    ///   the open-file limit (whose soft value is first raised to the hard one);
    /// - `ARRIVE_MAX_CONNECTIONS_PER_CLIENT` (default 64): from one address (IPv6: one /64);
    ///   the proxies of `ARRIVE_TRUSTED_PROXIES` are held to the global cap only;
    /// - `ARRIVE_HEADER_TIMEOUT_SECONDS` (default 10): to send a request's headers, and to stay
    ///   idle between two requests on a kept-alive connection;
    /// - `ARRIVE_BODY_TIMEOUT_SECONDS` (default 30): the longest pause inside a request body.
    ///
    /// A connection past a cap is answered 503 (`unavailable`) with `Connection: close`.
    pub limits: crate::connections::ConnectionLimits,
    /// `ARRIVE_METRICS_TOKEN`: the bearer token a Prometheus scraper sends to `/metrics`
    /// (`Authorization: Bearer …`), 32 characters or more. Unset, there is no `/metrics`: what
    /// it counts (identifications by outcome, check-ins) is not for anyone on the network.
    pub metrics_token: Option<String>,
    /// How the schedule import reads what a file leaves implicit (docs/SCHEDULE_IMPORT.md):
    /// - `ARRIVE_CLINIC_TIME_ZONE` (default `UTC`): the clinic's IANA time zone, like
    ///   `America/Chicago`. CSV times are its wall clock; FHIR times with `Z` or an offset are
    ///   shown in it. An unknown name stops the server at start.
    /// - `ARRIVE_MRN_SYSTEM` (default `urn:arrive:practice-patient`) and
    ///   `ARRIVE_APPOINTMENT_ID_SYSTEM` (default `urn:arrive:practice-appointment`): the
    ///   identifier systems (URIs) of a CSV's `mrn` and `appointment_id`, i.e. the practice
    ///   system's own, which the FHIR hand-off names them by. The defaults are clinic-local URNs
    ///   that no other system knows: set the practice system's. A FHIR import keeps each
    ///   identifier's own system.
    /// - `ARRIVE_DEFAULT_VISIT_MINUTES` (default 15, 1 to 1440): a visit's length when the file
    ///   gives no end (CSV without `duration`, FHIR without `end` or `minutesDuration`).
    pub import: crate::import::ImportSettings,
}

/// What `ARRIVE_FHIR_SCOPE` is when unset: what a check-in's Bundle does, conditional creates
/// (a search, then a create) of what Arrive makes and conditional patches (a search, then an
/// update) of the Patient, the Appointment and replaced Coverages (SMART v2 scopes: c create,
/// r read, u update, s search).
pub const DEFAULT_FHIR_SCOPE: &str = "system/Patient.us system/Appointment.us system/Coverage.cus \
    system/Organization.cs system/QuestionnaireResponse.cs system/Observation.cs system/Flag.cs \
    system/Consent.cs system/DocumentReference.cs";

/// The SMART Backend Services client (`ARRIVE_FHIR_TOKEN_URL` and the others, see
/// [`Config::fhir_smart`]); the key file is read by `fhir::smart::SmartBackend::from_config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartSettings {
    pub token_url: String,
    pub client_id: String,
    pub scope: String,
    pub private_key: PathBuf,
    pub key_id: String,
}

impl SmartSettings {
    /// From the variables `var` looks up: `Ok(None)` when none is set, an error naming what
    /// is missing when only some are.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<SmartSettings>, String> {
        const NAMES: [&str; 5] = [
            "ARRIVE_FHIR_TOKEN_URL",
            "ARRIVE_FHIR_CLIENT_ID",
            "ARRIVE_FHIR_PRIVATE_KEY",
            "ARRIVE_FHIR_KEY_ID",
            "ARRIVE_FHIR_SCOPE",
        ];
        let [token_url, client_id, private_key, key_id, scope] = NAMES.map(var);
        let (Some(token_url), Some(client_id), Some(private_key), Some(key_id)) =
            (&token_url, &client_id, &private_key, &key_id)
        else {
            let set: Vec<&str> = NAMES
                .iter()
                .zip([&token_url, &client_id, &private_key, &key_id, &scope])
                .filter(|(_, value)| value.is_some())
                .map(|(name, _)| *name)
                .collect();
            if set.is_empty() {
                return Ok(None);
            }
            let missing: Vec<&str> = NAMES[..4]
                .iter()
                .zip([&token_url, &client_id, &private_key, &key_id])
                .filter(|(_, value)| value.is_none())
                .map(|(name, _)| *name)
                .collect();
            return Err(format!(
                "SMART Backend Services needs ARRIVE_FHIR_TOKEN_URL, ARRIVE_FHIR_CLIENT_ID, \
                 ARRIVE_FHIR_PRIVATE_KEY and ARRIVE_FHIR_KEY_ID together: {} set, {} missing; set \
                 them all or none",
                set.join(", "),
                missing.join(", ")
            ));
        };
        if !(token_url.starts_with("https://") || token_url.starts_with("http://")) {
            return Err(format!("ARRIVE_FHIR_TOKEN_URL must be an http(s) URL, not {token_url}"));
        }
        let scope = scope.unwrap_or_else(|| DEFAULT_FHIR_SCOPE.to_owned());
        if scope.split_whitespace().next().is_none() {
            return Err("ARRIVE_FHIR_SCOPE must name at least one scope".into());
        }
        Ok(Some(SmartSettings {
            token_url: token_url.clone(),
            client_id: client_id.clone(),
            scope,
            private_key: private_key.into(),
            key_id: key_id.clone(),
        }))
    }
}

/// Eligibility settings, all from `ARRIVE_ELIGIBILITY`, `ARRIVE_CORE_*`, `ARRIVE_PROVIDER_NPI`
/// and `ARRIVE_X12_USAGE`. The defaults keep the demo's sandbox payer working.
#[derive(Debug, Clone)]
pub struct EligibilitySettings {
    /// `ARRIVE_ELIGIBILITY`: `sandbox` asks the built-in sandbox payer (`demo/sandbox-payer.json`,
    /// made-up members) for each check-in's eligibility; `core` asks a clearinghouse or payer
    /// over the CAQH CORE real-time connection (`ARRIVE_CORE_*`); `off` asks nobody. Default:
    /// `sandbox` with the demo clinic, `off` without.
    pub service: EligibilityService,
    /// `ARRIVE_PROVIDER_NPI`: the clinic's 10-digit NPI, sent in every 270 (loop 2100B,
    /// `NM1*1P…*XX*<npi>`). Default: `1234567893`, a made-up NPI that passes the check digit,
    /// for the sandbox; required with `core`.
    pub provider_npi: String,
    /// `ARRIVE_X12_USAGE`: `T` (test, the default) or `P` (production), ISA15 of every 270. A
    /// payer treats a `T` interchange as a test and answers nothing binding.
    pub production: bool,
}

/// Where eligibility inquiries go.
#[derive(Debug, Clone)]
pub enum EligibilityService {
    Off,
    Sandbox,
    Core(CoreConnection),
}

/// A CAQH CORE real-time connection (Connectivity Rule vC2.2.0, HTTP MIME multipart).
#[derive(Clone)]
pub struct CoreConnection {
    /// `ARRIVE_CORE_URL`: the clearinghouse's or payer's CORE endpoint, `https://…` (`http://`
    /// only for a test endpoint on this machine).
    pub url: String,
    /// `ARRIVE_CORE_USERNAME` and `ARRIVE_CORE_PASSWORD`: the envelope's `UserName` and
    /// `Password` (the rule's username/password authentication). Never logged or printed.
    pub username: String,
    pub password: String,
    /// `ARRIVE_CORE_SENDER_ID`: the envelope's `SenderID`, also ISA06/GS02 of the 270 (the
    /// trading-partner ID the clearinghouse gave the clinic), 2–15 characters.
    pub sender_id: String,
    /// `ARRIVE_CORE_RECEIVER_ID`: the envelope's `ReceiverID`, also ISA08/GS03, 2–15 characters.
    pub receiver_id: String,
}

/// The password stays out of `{:?}` (settings are printed when a start fails).
impl std::fmt::Debug for CoreConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreConnection")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("sender_id", &self.sender_id)
            .field("receiver_id", &self.receiver_id)
            .finish()
    }
}

/// The made-up NPI the sandbox sends when `ARRIVE_PROVIDER_NPI` is unset.
pub const SANDBOX_NPI: &str = "1234567893";

impl EligibilitySettings {
    /// The demo's: the sandbox payer, the sandbox NPI, test interchanges.
    pub fn sandbox() -> Self {
        EligibilitySettings {
            service: EligibilityService::Sandbox,
            provider_npi: SANDBOX_NPI.into(),
            production: false,
        }
    }

    fn from_env(var: &dyn Fn(&str) -> Option<String>, seed_demo: bool) -> Result<Self, String> {
        let service = match var("ARRIVE_ELIGIBILITY").as_deref() {
            None if seed_demo => EligibilityService::Sandbox,
            None | Some("off") => EligibilityService::Off,
            Some("sandbox") => EligibilityService::Sandbox,
            Some("core") => {
                let required = |name: &str| var(name).ok_or_else(|| format!("ARRIVE_ELIGIBILITY=core needs {name}"));
                let url = required("ARRIVE_CORE_URL")?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    // Not echoed: a URL may carry credentials.
                    return Err("ARRIVE_CORE_URL must be an http(s) URL".into());
                }
                let id = |name: &str| -> Result<String, String> {
                    let value = required(name)?;
                    let ok = (2..=15).contains(&value.len())
                        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b" -.".contains(&b));
                    ok.then_some(value)
                        .ok_or_else(|| format!("{name} must be 2 to 15 letters, digits, spaces, '-' or '.'"))
                };
                EligibilityService::Core(CoreConnection {
                    url,
                    username: required("ARRIVE_CORE_USERNAME")?,
                    password: required("ARRIVE_CORE_PASSWORD")?,
                    sender_id: id("ARRIVE_CORE_SENDER_ID")?,
                    receiver_id: id("ARRIVE_CORE_RECEIVER_ID")?,
                })
            }
            Some(other) => return Err(format!("ARRIVE_ELIGIBILITY must be sandbox, core or off, not {other}")),
        };
        let provider_npi = match var("ARRIVE_PROVIDER_NPI") {
            Some(npi) if npi.len() == 10 && npi.bytes().all(|b| b.is_ascii_digit()) => npi,
            Some(npi) => return Err(format!("ARRIVE_PROVIDER_NPI must be 10 digits, not {npi}")),
            None if matches!(service, EligibilityService::Core(_)) => {
                return Err("ARRIVE_ELIGIBILITY=core needs ARRIVE_PROVIDER_NPI (the clinic's NPI)".into())
            }
            None => SANDBOX_NPI.into(),
        };
        let production = match var("ARRIVE_X12_USAGE").as_deref() {
            None | Some("T") => false,
            Some("P") => true,
            Some(other) => {
                return Err(format!(
                    "ARRIVE_X12_USAGE must be T (test) or P (production), not {other}"
                ))
            }
        };
        Ok(EligibilitySettings {
            service,
            provider_npi,
            production,
        })
    }
}

/// The certificate and key the server answers HTTPS with (`ARRIVE_TLS_CERT`, `ARRIVE_TLS_KEY`).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Config {
    /// Clients reach the server over HTTPS: its own TLS, or a TLS proxy in front.
    pub fn https(&self) -> bool {
        self.tls.is_some() || self.secure_cookies
    }

    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let addr = match var("ARRIVE_ADDR") {
            Some(a) => a.parse().map_err(|_| format!("ARRIVE_ADDR is not an address: {a}"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let seed_demo = match var("ARRIVE_DEMO").as_deref() {
            None | Some("1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(other) => return Err(format!("ARRIVE_DEMO must be 1 or 0, not {other}")),
        };
        let demo_extra_patients = match var("ARRIVE_DEMO_EXTRA_PATIENTS") {
            Some(n) => n
                .parse()
                .map_err(|_| format!("ARRIVE_DEMO_EXTRA_PATIENTS is not a count: {n}"))?,
            None => 0,
        };
        let minutes = |name: &str, default: u32| -> Result<u32, String> {
            var(name).map_or(Ok(default), |v| {
                v.parse().map_err(|_| format!("{name} is not a number of minutes: {v}"))
            })
        };
        let wait_minutes = (
            minutes("ARRIVE_WAIT_AMBER_MINUTES", 15)?,
            minutes("ARRIVE_WAIT_RED_MINUTES", 30)?,
        );
        let fhir_retry_base = match var("ARRIVE_FHIR_RETRY_SECONDS") {
            Some(v) => std::time::Duration::try_from_secs_f64(
                v.parse()
                    .map_err(|_| format!("ARRIVE_FHIR_RETRY_SECONDS is not a number of seconds: {v}"))?,
            )
            .map_err(|_| format!("ARRIVE_FHIR_RETRY_SECONDS is not a number of seconds: {v}"))?,
            None => std::time::Duration::from_secs(5),
        };
        let fhir_endpoint = var("ARRIVE_FHIR_ENDPOINT");
        if let Some(url) = &fhir_endpoint {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("ARRIVE_FHIR_ENDPOINT must be an http(s) URL, not {url}"));
            }
        }
        let public_url = var("ARRIVE_PUBLIC_URL").map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("ARRIVE_PUBLIC_URL must be an http(s) URL, not {url}"));
            }
        }
        let fhir_smart = SmartSettings::from_vars(var)?;
        if fhir_smart.is_some() && fhir_endpoint.is_none() {
            let message = "ARRIVE_FHIR_TOKEN_URL and the other SMART settings authenticate deliveries to \
                           ARRIVE_FHIR_ENDPOINT: set it too, or unset them";
            return Err(message.into());
        }
        let eligibility = EligibilitySettings::from_env(&var, seed_demo)?;
        let tls = match (var("ARRIVE_TLS_CERT"), var("ARRIVE_TLS_KEY")) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.into(),
                key: key.into(),
            }),
            (None, None) => None,
            _ => return Err("ARRIVE_TLS_CERT and ARRIVE_TLS_KEY go together: set both (PEM files) or neither".into()),
        };
        let database_url = var("DATABASE_URL");
        if let Some(url) = &database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                // Not echoed: a URL may carry a password.
                return Err(
                    "DATABASE_URL must be a postgres:// URL; leave it unset for SQLite in ARRIVE_DATA_DIR".into(),
                );
            }
        }
        let import = import_settings(&var)?;
        let limits = connection_limits(&var)?;
        let metrics_token = var("ARRIVE_METRICS_TOKEN");
        if metrics_token.as_ref().is_some_and(|t| t.len() < 32) {
            // Not echoed: it is a secret.
            return Err("ARRIVE_METRICS_TOKEN must be 32 characters or more".into());
        }
        Ok(Config {
            limits,
            metrics_token,
            import,
            addr,
            database_url,
            data_dir: var("ARRIVE_DATA_DIR").map_or_else(|| "data".into(), PathBuf::from),
            dist_dir: var("ARRIVE_DIST").map_or_else(|| "dist".into(), PathBuf::from),
            seed_demo,
            demo_extra_patients,
            forms_dir: var("ARRIVE_FORMS_DIR").map(PathBuf::from),
            consents_dir: var("ARRIVE_CONSENTS_DIR").map(PathBuf::from),
            secure_cookies: matches!(var("ARRIVE_SECURE_COOKIES").as_deref(), Some("1" | "true" | "yes")),
            tls,
            admin_password: var("ARRIVE_ADMIN_PASSWORD"),
            first_kiosk_token: var("ARRIVE_FIRST_KIOSK_TOKEN"),
            wait_minutes,
            fhir_endpoint,
            fhir_retry_base,
            public_url,
            fhir_smart,
            eligibility,
            payers_file: var("ARRIVE_PAYERS_FILE").map(PathBuf::from),
            arrival_window: match var("ARRIVE_ARRIVAL_WINDOW") {
                Some(v) => arrival_window(&v).ok_or_else(|| {
                    format!("ARRIVE_ARRIVAL_WINDOW must be minutes before,after (like 60,30), not {v}")
                })?,
                None => Default::default(),
            },
            trusted_proxies: match var("ARRIVE_TRUSTED_PROXIES") {
                Some(v) => v
                    .split(',')
                    .map(|a| a.trim().parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("ARRIVE_TRUSTED_PROXIES must be IP addresses, comma-separated, not {v}"))?,
                None => Vec::new(),
            },
        })
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("arrive.db")
    }
}

/// The connection settings, each checked (`Config::limits`).
fn connection_limits(var: &dyn Fn(&str) -> Option<String>) -> Result<crate::connections::ConnectionLimits, String> {
    let defaults = crate::connections::ConnectionLimits::default();
    let count = |name: &str, default: usize| -> Result<usize, String> {
        var(name).map_or(Ok(default), |v| {
            v.parse()
                .ok()
                .filter(|n: &usize| *n > 0)
                .ok_or_else(|| format!("{name} must be a count above 0, not {v}"))
        })
    };
    let seconds = |name: &str, default: std::time::Duration| -> Result<std::time::Duration, String> {
        var(name).map_or(Ok(default), |v| {
            v.parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0)
                .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| format!("{name} must be a number of seconds above 0, not {v}"))
        })
    };
    Ok(crate::connections::ConnectionLimits {
        max_connections: count("ARRIVE_MAX_CONNECTIONS", defaults.max_connections)?,
        max_per_client: count("ARRIVE_MAX_CONNECTIONS_PER_CLIENT", defaults.max_per_client)?,
        header_timeout: seconds("ARRIVE_HEADER_TIMEOUT_SECONDS", defaults.header_timeout)?,
        body_timeout: seconds("ARRIVE_BODY_TIMEOUT_SECONDS", defaults.body_timeout)?,
    })
}

/// The shipped files of one kind (name, text), or the clinic's own in `dir` (`read_json_files`).
pub fn json_sources(
    shipped: &[(&str, &str)],
    dir: Option<&std::path::Path>,
    what: &str,
) -> Result<Vec<(String, String)>, String> {
    match dir {
        None => Ok(shipped
            .iter()
            .map(|(name, json)| (name.to_string(), json.to_string()))
            .collect()),
        Some(dir) => read_json_files(dir, what),
    }
}

/// The clinic's files of one kind: every `*.json` in `dir`, in file-name order, as (path, text).
pub fn read_json_files(dir: &std::path::Path, what: &str) -> Result<Vec<(String, String)>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {what} folder {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            std::fs::read_to_string(&p)
                .map(|text| (p.display().to_string(), text))
                .map_err(|e| format!("cannot read {}: {e}", p.display()))
        })
        .collect()
}

/// `ARRIVE_CLINIC_TIME_ZONE`, `ARRIVE_MRN_SYSTEM`, `ARRIVE_APPOINTMENT_ID_SYSTEM` and
/// `ARRIVE_DEFAULT_VISIT_MINUTES`, each checked.
fn import_settings(var: &dyn Fn(&str) -> Option<String>) -> Result<crate::import::ImportSettings, String> {
    let mut settings = crate::import::ImportSettings::default();
    if let Some(zone) = var("ARRIVE_CLINIC_TIME_ZONE") {
        settings.clinic_time_zone = zone.parse().map_err(|_| {
            format!("ARRIVE_CLINIC_TIME_ZONE must be an IANA time zone name (like America/Chicago), not {zone}")
        })?;
    }
    for (name, system) in [
        ("ARRIVE_MRN_SYSTEM", &mut settings.mrn_system),
        ("ARRIVE_APPOINTMENT_ID_SYSTEM", &mut settings.appointment_id_system),
    ] {
        if let Some(value) = var(name) {
            if !crate::import::valid_system(&value) {
                return Err(format!(
                    "{name} must be an identifier system URI (like urn:oid:1.2.3 or https://ehr.example.org/mrn), not {value}"
                ));
            }
            *system = value;
        }
    }
    if let Some(minutes) = var("ARRIVE_DEFAULT_VISIT_MINUTES") {
        settings.default_visit_minutes = minutes
            .parse()
            .ok()
            .filter(|m| (1..=24 * 60).contains(m))
            .ok_or_else(|| format!("ARRIVE_DEFAULT_VISIT_MINUTES must be minutes from 1 to 1440, not {minutes}"))?;
    }
    Ok(settings)
}

/// `"60,30"` → an hour before to half an hour after.
fn arrival_window(text: &str) -> Option<arrive_domain::pass::ArrivalWindow> {
    let (before, after) = text.split_once(',')?;
    Some(arrive_domain::pass::ArrivalWindow {
        minutes_before: before.trim().parse().ok().filter(|m| (0..=24 * 60).contains(m))?,
        minutes_after: after.trim().parse().ok().filter(|m| (0..=24 * 60).contains(m))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<crate::import::ImportSettings, String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        import_settings(&|name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn the_import_settings_default_to_utc_and_clinic_local_urns_and_refuse_what_they_cannot_use() {
        let default = settings(&[]).unwrap();
        assert_eq!(default.clinic_time_zone, chrono_tz::Tz::UTC);
        assert_eq!(
            (default.mrn_system.as_str(), default.appointment_id_system.as_str()),
            ("urn:arrive:practice-patient", "urn:arrive:practice-appointment")
        );
        assert_eq!(default.default_visit_minutes, 15);
        let set = settings(&[
            ("ARRIVE_CLINIC_TIME_ZONE", "America/Chicago"),
            ("ARRIVE_MRN_SYSTEM", "urn:oid:2.16.840.1.113883.3.9999.1"),
            (
                "ARRIVE_APPOINTMENT_ID_SYSTEM",
                "https://ehr.example.org/sid/appointment",
            ),
            ("ARRIVE_DEFAULT_VISIT_MINUTES", "20"),
        ])
        .unwrap();
        assert_eq!(set.clinic_time_zone, chrono_tz::America::Chicago);
        assert_eq!(set.mrn_system, "urn:oid:2.16.840.1.113883.3.9999.1");
        assert_eq!(set.default_visit_minutes, 20);
        for (name, bad) in [
            ("ARRIVE_CLINIC_TIME_ZONE", "America/Chicgo"),
            ("ARRIVE_CLINIC_TIME_ZONE", "CST+6"),
            ("ARRIVE_MRN_SYSTEM", "MRN"),
            ("ARRIVE_MRN_SYSTEM", "urn:x:a|b"),
            ("ARRIVE_APPOINTMENT_ID_SYSTEM", "urn:x: spaced"),
            ("ARRIVE_DEFAULT_VISIT_MINUTES", "0"),
            ("ARRIVE_DEFAULT_VISIT_MINUTES", "quarter"),
        ] {
            let error = settings(&[(name, bad)]).unwrap_err();
            assert!(error.starts_with(name), "{error}");
        }
    }
}
