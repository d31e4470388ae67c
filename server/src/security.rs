//! Security headers on every response. The Content-Security-Policy allows scripts from this
//! origin only, plus the one inline module script the build writes into each app's
//! index.html, allowed by its SHA-256 (computed from the built files at start, so a rebuild needs no
//! configuration); `'wasm-unsafe-eval'` lets the browser compile the app's WebAssembly.

use std::path::Path;

use axum::http::{header, HeaderName, HeaderValue};
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;

/// `'sha256-…'` sources for every inline `<script>` in the built apps' pages.
fn inline_script_hashes(dist_dir: &Path) -> Vec<String> {
    let pages = [dist_dir.join("index.html"), dist_dir.join("desk").join("index.html")];
    let mut hashes = Vec::new();
    for page in pages {
        let Ok(html) = std::fs::read_to_string(&page) else {
            continue;
        };
        let mut rest = html.as_str();
        while let Some(start) = rest.find("<script") {
            let tag_end = match rest[start..].find('>') {
                Some(i) => start + i + 1,
                None => break,
            };
            let Some(close) = rest[tag_end..].find("</script>") else {
                break;
            };
            let tag = &rest[start..tag_end];
            if !tag.contains("src=") {
                let body = &rest[tag_end..tag_end + close];
                let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
                hashes.push(format!("'sha256-{digest}'"));
            }
            rest = &rest[tag_end + close..];
        }
    }
    hashes
}

pub fn content_security_policy(dist_dir: &Path) -> String {
    let scripts = inline_script_hashes(dist_dir).join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The layers that set the headers; `hsts` when clients reach us over HTTPS.
pub fn headers(dist_dir: &Path, hsts: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let csp = HeaderValue::from_str(&content_security_policy(dist_dir))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    let mut layers = vec![
        SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp),
        SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
        ),
    ];
    if hsts {
        layers.push(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    layers
}
