//! The built web apps' files (dist/, written by `cargo xtask build`), served as a CDN would:
//! each file's brotli or gzip twin, compressed once at build time, to a client that accepts it
//! (`Vary: Accept-Encoding` so caches keep them apart); files in a content-hashed `app-<hash>/`
//! folder cached for a year (a new build is a new folder), everything else, the pages first,
//! revalidated on each load so a tablet picks up a new build at its next reload.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// One app's files from `dir`; a path that names no file (a client-side route such as
/// `/pre/<token>`) gets the app's `index.html`.
pub fn app<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let page = ServeFile::new(dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(page);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_policy))
}

/// Whether `path` lies in a build's content-hashed folder, `app-<hex>/`.
fn is_content_hashed(path: &str) -> bool {
    path.split('/').any(|segment| {
        segment
            .strip_prefix("app-")
            .is_some_and(|hash| !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

async fn cache_policy(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    // A page answering a path in a hashed folder (a file a newer build no longer has) is the
    // fallback page: it must not be kept.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let kept = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let policy = if hashed && !is_page && kept {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_files_in_a_hashed_folder_are_content_hashed() {
        assert!(is_content_hashed("/app-00ff12ab34cd56ef/arrive-kiosk_bg.wasm"));
        assert!(is_content_hashed("/desk/app-0123456789abcdef/desk.js"));
        assert!(!is_content_hashed("/index.html"));
        assert!(!is_content_hashed("/public/favicon.svg"));
        assert!(!is_content_hashed("/app-/x.js"));
        assert!(!is_content_hashed("/app-store/x.js"));
    }
}
