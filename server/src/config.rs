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
    /// `ARRIVE_DIST`, default `./dist`: the Trunk-built kiosk.
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
    /// `ARRIVE_ELIGIBILITY`: `sandbox` asks the built-in sandbox payer (`demo/sandbox-payer.json`,
    /// made-up members) for each check-in's eligibility; `off` asks nobody. Default: `sandbox`
    /// with the demo clinic, `off` without.
    pub eligibility_sandbox: bool,
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
        let eligibility_sandbox = match var("ARRIVE_ELIGIBILITY").as_deref() {
            None => seed_demo,
            Some("sandbox") => true,
            Some("off") => false,
            Some(other) => return Err(format!("ARRIVE_ELIGIBILITY must be sandbox or off, not {other}")),
        };
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
        Ok(Config {
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
            eligibility_sandbox,
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
