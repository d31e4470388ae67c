//! The SMART client against a token endpoint of our own that checks each request as SMART
//! says it must be.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use ring::signature::{KeyPair as _, UnparsedPublicKey, ECDSA_P384_SHA384_FIXED, RSA_PKCS1_2048_8192_SHA384};

use std::path::Path;

use ring::signature::{EcdsaKeyPair, RsaKeyPair, ECDSA_P384_SHA384_FIXED_SIGNING};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivateKeyDer;

use super::*;

const CLIENT_ID: &str = "arrive-test-clinic";
const KEY_ID: &str = "arrive-2026";
const SCOPE: &str = "system/Patient.cs system/Appointment.us";

/// A token endpoint of our own: it checks what SMART says a token request is, then answers
/// `answer` (a status and a body) or, when that is unset, a fresh token.
struct Endpoint {
    url: String,
    /// The verifying half of the client's key and its algorithm.
    public_key: Vec<u8>,
    alg: &'static str,
    expires_in: u64,
    answer: Option<(StatusCode, &'static str)>,
    requests: AtomicUsize,
    jtis: std::sync::Mutex<HashSet<String>>,
    /// What a request got wrong; empty when every request was right.
    problems: std::sync::Mutex<Vec<String>>,
}

impl Endpoint {
    fn check(&self, body: &str) -> Result<(), String> {
        let form: std::collections::HashMap<String, String> = reqwest::Url::parse(&format!("http://form/?{body}"))
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        let field = |name: &str| form.get(name).map(String::as_str);
        if field("grant_type") != Some("client_credentials") {
            return Err(format!("grant_type {:?}", field("grant_type")));
        }
        if field("client_assertion_type") != Some(ASSERTION_TYPE) {
            return Err(format!("client_assertion_type {:?}", field("client_assertion_type")));
        }
        if field("scope") != Some(SCOPE) {
            return Err(format!("scope {:?}", field("scope")));
        }
        let assertion = field("client_assertion").ok_or("no client_assertion")?;
        let (signing_input, signature) = assertion.rsplit_once('.').ok_or("not a JWT")?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "signature not base64url")?;
        let verified = match self.alg {
            "RS384" => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA384, &self.public_key)
                .verify(signing_input.as_bytes(), &signature),
            _ => UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, &self.public_key)
                .verify(signing_input.as_bytes(), &signature),
        };
        verified.map_err(|_| "the signature does not verify")?;
        let (header, claims) = signing_input.split_once('.').ok_or("not a JWT")?;
        let part = |text: &str| -> Result<Value, String> {
            let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| "part not base64url")?;
            serde_json::from_slice(&bytes).map_err(|_| "part not JSON".to_owned())
        };
        let (header, claims) = (part(header)?, part(claims)?);
        if header != json!({ "alg": self.alg, "typ": "JWT", "kid": KEY_ID }) {
            return Err(format!("header {header}"));
        }
        if claims["iss"] != CLIENT_ID || claims["sub"] != CLIENT_ID {
            return Err(format!("iss/sub {claims}"));
        }
        if claims["aud"] != self.url.as_str() {
            return Err(format!("aud {}", claims["aud"]));
        }
        let now = chrono::Utc::now().timestamp();
        let exp = claims["exp"].as_i64().ok_or("no exp")?;
        if exp <= now || exp > now + 300 {
            return Err(format!("exp {exp}, now {now}"));
        }
        let jti = claims["jti"].as_str().filter(|j| !j.is_empty()).ok_or("no jti")?;
        if !self.jtis.lock().unwrap().insert(jti.to_owned()) {
            return Err(format!("jti {jti} used twice"));
        }
        Ok(())
    }
}

async fn token(
    axum::extract::State(endpoint): axum::extract::State<Arc<Endpoint>>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::response::Response {
    let n = endpoint.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let form = headers.get("content-type").and_then(|v| v.to_str().ok());
    let checked = if form == Some("application/x-www-form-urlencoded") {
        endpoint.check(&body)
    } else {
        Err(format!("content-type {form:?}"))
    };
    if let Err(problem) = checked {
        endpoint.problems.lock().unwrap().push(problem);
        return (StatusCode::BAD_REQUEST, r#"{"error":"invalid_request"}"#).into_response();
    }
    if let Some((status, body)) = endpoint.answer {
        return (status, body).into_response();
    }
    axum::Json(json!({
        "access_token": format!("token-{n}"),
        "token_type": "bearer",
        "expires_in": endpoint.expires_in,
        "scope": SCOPE,
    }))
    .into_response()
}

/// The kinds of client key the tests sign with.
enum TestKey {
    /// RSA 2048, PKCS#8, by the openssl command (ring does not generate RSA keys).
    Rsa,
    /// EC P-384, PKCS#8.
    Ec,
}

/// A private key in PEM, made for this test run in `dir`, its public half as ring verifies
/// with it, and the algorithm it signs with.
fn make_key(kind: TestKey, dir: &Path) -> (std::path::PathBuf, Vec<u8>, &'static str) {
    let path = dir.join("client-key.pem");
    match kind {
        TestKey::Rsa => {
            let made = std::process::Command::new("openssl")
                .args([
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                ])
                .arg(&path)
                .stderr(std::process::Stdio::null())
                .status()
                .expect("the RSA test key is made by the openssl command");
            assert!(made.success(), "openssl genpkey failed");
            let der = PrivateKeyDer::from_pem_file(&path).unwrap();
            let key = RsaKeyPair::from_pkcs8(der.secret_der()).unwrap();
            (path, key.public().as_ref().to_vec(), "RS384")
        }
        TestKey::Ec => {
            let rng = SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
            let pem = format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
            );
            std::fs::write(&path, pem).unwrap();
            let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
            (path, key.public_key().as_ref().to_vec(), "ES384")
        }
    }
}

/// A token endpoint on 127.0.0.1 and a client configured for it with a new `kind` key.
async fn start(
    kind: TestKey,
    expires_in: u64,
    answer: Option<(StatusCode, &'static str)>,
) -> (Arc<Endpoint>, SmartBackend, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (private_key, public_key, alg) = make_key(kind, dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/auth/token", listener.local_addr().unwrap());
    let endpoint = Arc::new(Endpoint {
        url: url.clone(),
        public_key,
        alg,
        expires_in,
        answer,
        requests: AtomicUsize::new(0),
        jtis: Default::default(),
        problems: Default::default(),
    });
    let app = axum::Router::new()
        .route("/auth/token", axum::routing::post(token))
        .with_state(endpoint.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let settings = SmartSettings {
        token_url: url,
        client_id: CLIENT_ID.into(),
        scope: SCOPE.into(),
        private_key,
        key_id: KEY_ID.into(),
    };
    let config = crate::Config {
        fhir_smart: Some(settings),
        ..test_config()
    };
    let backend = SmartBackend::from_config(&config).unwrap().expect("configured");
    (endpoint, backend, dir)
}

/// The server's settings as `ARRIVE_*` give them (defaults here), without SMART.
fn test_config() -> crate::Config {
    crate::Config {
        fhir_smart: None,
        ..crate::Config::from_env().expect("valid ARRIVE_* settings in the test's environment")
    }
}

fn assert_no_problems(endpoint: &Endpoint) {
    let problems = endpoint.problems.lock().unwrap();
    assert!(
        problems.is_empty(),
        "the token requests were not as SMART says: {problems:?}"
    );
}

#[tokio::test]
async fn a_token_is_fetched_once_reused_and_fetched_again_when_forgotten() {
    let (endpoint, backend, _dir) = start(TestKey::Rsa, 300, None).await;
    let client = reqwest::Client::new();
    let first = backend.access_token(&client).await;
    assert_no_problems(&endpoint);
    assert_eq!(first.unwrap(), "token-1");
    for _ in 0..3 {
        assert_eq!(backend.access_token(&client).await.unwrap(), "token-1");
    }
    assert_eq!(
        endpoint.requests.load(Ordering::SeqCst),
        1,
        "taken from the cache while valid"
    );

    backend.forget().await;
    assert_eq!(backend.access_token(&client).await.unwrap(), "token-2");
    assert_eq!(backend.access_token(&client).await.unwrap(), "token-2");
    assert_eq!(endpoint.requests.load(Ordering::SeqCst), 2);
    assert_no_problems(&endpoint);
}

#[tokio::test]
async fn an_expiring_token_is_fetched_again_and_an_ec_key_signs_es384() {
    // One second: renewed after half of it.
    let (endpoint, backend, _dir) = start(TestKey::Ec, 1, None).await;
    let client = reqwest::Client::new();
    assert_eq!(backend.access_token(&client).await.unwrap(), "token-1");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(backend.access_token(&client).await.unwrap(), "token-2");
    assert_eq!(endpoint.requests.load(Ordering::SeqCst), 2);
    // Each assertion had its own jti (the endpoint refuses a repeated one).
    assert_no_problems(&endpoint);
}

#[tokio::test]
async fn a_refusal_is_a_clear_error_that_repeats_nothing_the_endpoint_wrote() {
    let secret_detail = "key kid arrive-2026 not in JWKS of tenant 42";
    let refusal: &'static str =
        r#"{"error":"invalid_client","error_description":"key kid arrive-2026 not in JWKS of tenant 42"}"#;
    let (endpoint, backend, _dir) = start(TestKey::Ec, 300, Some((StatusCode::UNAUTHORIZED, refusal))).await;
    let client = reqwest::Client::new();
    let error = backend.access_token(&client).await.unwrap_err();
    assert_no_problems(&endpoint);
    assert_eq!(
        error,
        SmartError::Refused {
            status: 401,
            error: Some("invalid_client")
        }
    );
    let shown = error.to_string();
    assert_eq!(shown, "token endpoint: HTTP 401 (invalid_client)");
    assert!(!shown.contains(secret_detail) && !format!("{error:?}").contains(secret_detail));
    // A refusal is not cached: the next call asks again.
    assert!(backend.access_token(&client).await.is_err());
    assert_eq!(endpoint.requests.load(Ordering::SeqCst), 2);

    let page: &'static str = "<html>Bad Request: assertion eyJhbGciOi... rejected</html>";
    let (_endpoint, backend, _dir) = start(TestKey::Ec, 300, Some((StatusCode::BAD_REQUEST, page))).await;
    let error = backend.access_token(&client).await.unwrap_err();
    assert_eq!(error.to_string(), "token endpoint: HTTP 400");

    let not_bearer: &'static str = r#"{"access_token":"t","token_type":"mac","expires_in":300}"#;
    let (_endpoint, backend, _dir) = start(TestKey::Ec, 300, Some((StatusCode::OK, not_bearer))).await;
    let error = backend.access_token(&client).await.unwrap_err();
    assert_eq!(error, SmartError::BadAnswer("the token_type is not bearer"));
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_a_transport_error() {
    let dir = tempfile::tempdir().unwrap();
    let (private_key, _, _) = make_key(TestKey::Ec, dir.path());
    // A port that was free a moment ago: nobody listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let backend = SmartBackend::from_settings(&SmartSettings {
        token_url: format!("http://127.0.0.1:{port}/token"),
        client_id: CLIENT_ID.into(),
        scope: SCOPE.into(),
        private_key,
        key_id: KEY_ID.into(),
    })
    .unwrap();
    let error = backend.access_token(&reqwest::Client::new()).await.unwrap_err();
    assert_eq!(error, SmartError::Transport("connection refused"));
}

#[test]
fn a_server_without_smart_settings_has_no_backend() {
    assert!(SmartBackend::from_config(&test_config()).unwrap().is_none());
}

#[test]
fn the_settings_are_all_or_none() {
    let vars = |set: &[(&str, &str)]| {
        let set: std::collections::HashMap<String, String> =
            set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        SmartSettings::from_vars(move |name| set.get(name).cloned())
    };
    assert_eq!(vars(&[]), Ok(None));
    let all = [
        ("ARRIVE_FHIR_TOKEN_URL", "https://ehr.example/oauth2/token"),
        ("ARRIVE_FHIR_CLIENT_ID", CLIENT_ID),
        ("ARRIVE_FHIR_PRIVATE_KEY", "/etc/arrive/fhir-key.pem"),
        ("ARRIVE_FHIR_KEY_ID", KEY_ID),
    ];
    let settings = vars(&all).unwrap().unwrap();
    assert_eq!(settings.scope, crate::config::DEFAULT_FHIR_SCOPE);
    assert_eq!(settings.token_url, "https://ehr.example/oauth2/token");
    assert_eq!(settings.private_key, Path::new("/etc/arrive/fhir-key.pem"));
    let mut with_scope = all.to_vec();
    with_scope.push(("ARRIVE_FHIR_SCOPE", SCOPE));
    assert_eq!(vars(&with_scope).unwrap().unwrap().scope, SCOPE);

    // Any one missing stops the start, naming it.
    for left_out in 0..all.len() {
        let partial: Vec<_> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != left_out)
            .map(|(_, v)| *v)
            .collect();
        let error = vars(&partial).unwrap_err();
        assert!(error.contains(&format!("{} missing", all[left_out].0)), "{error}");
    }
    // The scope alone is a partial configuration too.
    let error = vars(&[("ARRIVE_FHIR_SCOPE", SCOPE)]).unwrap_err();
    assert!(error.contains("set them all or none"), "{error}");
    let mut not_a_url = all.to_vec();
    not_a_url[0] = ("ARRIVE_FHIR_TOKEN_URL", "ehr.example/token");
    assert!(vars(&not_a_url).unwrap_err().contains("http(s) URL"));
}

#[test]
fn a_key_that_cannot_be_used_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let settings = |private_key: std::path::PathBuf| SmartSettings {
        token_url: "https://ehr.example/token".into(),
        client_id: CLIENT_ID.into(),
        scope: SCOPE.into(),
        private_key,
        key_id: KEY_ID.into(),
    };
    let config = |path| crate::Config {
        fhir_smart: Some(settings(path)),
        ..test_config()
    };
    let missing = SmartBackend::from_config(&config(dir.path().join("absent.pem"))).unwrap_err();
    assert!(missing.starts_with("ARRIVE_FHIR_PRIVATE_KEY: cannot read"), "{missing}");

    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a key").unwrap();
    let error = SmartBackend::from_config(&config(garbage)).unwrap_err();
    assert!(error.contains("holds no unencrypted private key"), "{error}");

    // P-256 is not what SMART signs with.
    let rng = SystemRandom::new();
    let p256 =
        ring::signature::EcdsaKeyPair::generate_pkcs8(&ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(p256.as_ref());
    let path = dir.path().join("p256.pem");
    std::fs::write(
        &path,
        format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n"),
    )
    .unwrap();
    let error = SmartBackend::from_config(&config(path)).unwrap_err();
    assert!(error.contains("P-384"), "{error}");
    assert!(!error.contains(&b64[..40]), "the key's content is never shown");
}
