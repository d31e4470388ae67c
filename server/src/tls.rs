//! HTTPS without a proxy: the PEM certificate and key named by `ARRIVE_TLS_CERT` and
//! `ARRIVE_TLS_KEY` become a rustls configuration. Read at start, so a missing or wrong file
//! stops the server with the reason instead of failing each handshake later.

use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsFiles;

pub fn rustls_config(files: &TlsFiles) -> Result<RustlsConfig, String> {
    let (cert_path, key_path) = (files.cert.display(), files.key.display());
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("ARRIVE_TLS_CERT: cannot read a PEM certificate from {cert_path}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("ARRIVE_TLS_CERT: no certificate in {cert_path}"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("ARRIVE_TLS_KEY: cannot read a PEM private key from {key_path}: {e}"))?;
    // ring, explicitly: the provider reqwest already brings, so no process-wide default is
    // needed and no second crypto library is built.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("ARRIVE_TLS_CERT / ARRIVE_TLS_KEY do not go together: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(Arc::new(config)))
}
