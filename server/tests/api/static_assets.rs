//! The web apps' files as the server serves them from a built dist/ (here a small one made in
//! a temporary folder, with stand-in bytes for each compressed twin so that the body shows
//! which file was sent): the best precompressed twin the client accepts, `Vary:
//! Accept-Encoding`, content-hashed files cached for a year, pages revalidated on each load.

use crate::common;

use reqwest::{Client, StatusCode};

const HASHED: &str = "app-0123456789abcdef";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Writes `file`, `file.br` and `file.gz` under `dist`, each with its own stand-in bytes.
fn write_with_twins(dist: &std::path::Path, file: &str, body: &str) {
    let path = dist.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    std::fs::write(dist.join(format!("{file}.br")), format!("br:{body}")).unwrap();
    std::fs::write(dist.join(format!("{file}.gz")), format!("gz:{body}")).unwrap();
}

struct Answer {
    status: StatusCode,
    encoding: Option<String>,
    cache: Option<String>,
    vary: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// GET `path` sending `accept_encoding` (none when empty); the raw answer, not decoded.
async fn fetch(base: &str, path: &str, accept_encoding: &str) -> Answer {
    let mut request = Client::new().get(format!("{base}{path}"));
    if !accept_encoding.is_empty() {
        request = request.header("accept-encoding", accept_encoding);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    let vary = response
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    Answer {
        status: response.status(),
        encoding: header("content-encoding"),
        cache: header("cache-control"),
        content_type: header("content-type"),
        vary,
        body: response.bytes().await.unwrap().to_vec(),
    }
}

#[tokio::test]
async fn built_files_are_served_precompressed_and_cached_by_their_hash() {
    let data = tempfile::tempdir().unwrap();
    let config = common::test_config(data.path());
    let dist = config.dist_dir.clone();
    let wasm = format!("{HASHED}/arrive-kiosk_bg.wasm");
    write_with_twins(&dist, &wasm, "kiosk wasm");
    write_with_twins(&dist, "index.html", "<!DOCTYPE html><title>kiosk page</title>");
    write_with_twins(&dist, &format!("desk/{HASHED}/desk.js"), "desk js");
    write_with_twins(&dist, "desk/index.html", "<!DOCTYPE html><title>desk page</title>");
    let server = common::TestServer::start_with(config).await;
    let base = server.url.as_str();
    let wasm_path = format!("/{wasm}");

    // Brotli to a client that takes it, also when it takes gzip too; gzip to one that takes
    // only gzip; the file itself to one that takes neither.
    for (accepts, encoding, body) in [
        ("br", Some("br"), "br:kiosk wasm"),
        ("gzip, deflate, br", Some("br"), "br:kiosk wasm"),
        ("gzip", Some("gzip"), "gz:kiosk wasm"),
        ("", None, "kiosk wasm"),
        ("identity", None, "kiosk wasm"),
    ] {
        let answer = fetch(base, &wasm_path, accepts).await;
        assert_eq!(answer.status, StatusCode::OK, "accepting {accepts:?}");
        assert_eq!(answer.encoding.as_deref(), encoding, "accepting {accepts:?}");
        assert_eq!(answer.body, body.as_bytes(), "accepting {accepts:?}");
        assert_eq!(answer.cache.as_deref(), Some(IMMUTABLE), "accepting {accepts:?}");
        assert!(
            answer.vary.contains("accept-encoding"),
            "accepting {accepts:?}: {}",
            answer.vary
        );
        assert_eq!(
            answer.content_type.as_deref(),
            Some("application/wasm"),
            "accepting {accepts:?}"
        );
    }

    // The desk's hashed files too, under /desk.
    let desk_js = fetch(base, &format!("/desk/{HASHED}/desk.js"), "br").await;
    assert_eq!(desk_js.encoding.as_deref(), Some("br"));
    assert_eq!(desk_js.body, b"br:desk js");
    assert_eq!(desk_js.cache.as_deref(), Some(IMMUTABLE));

    // The pages (and client-side routes, which get them) are revalidated on every load.
    for (path, accepts, body) in [
        ("/", "br", "br:<!DOCTYPE html><title>kiosk page</title>"),
        (
            "/pre/some-link-token",
            "gzip",
            "gz:<!DOCTYPE html><title>kiosk page</title>",
        ),
        ("/", "", "<!DOCTYPE html><title>kiosk page</title>"),
        ("/desk/", "br", "br:<!DOCTYPE html><title>desk page</title>"),
        ("/desk/board", "", "<!DOCTYPE html><title>desk page</title>"),
    ] {
        let answer = fetch(base, path, accepts).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body, body.as_bytes(), "{path} accepting {accepts:?}");
        assert_eq!(answer.cache.as_deref(), Some("no-cache"), "{path}");
        assert!(answer.vary.contains("accept-encoding"), "{path}: {}", answer.vary);
    }

    // A file an older build had, asked for in a hashed folder, gets the page: never kept.
    let gone = fetch(base, &format!("/{HASHED}/gone.js"), "").await;
    assert!(gone.body.starts_with(b"<!DOCTYPE html>"));
    assert_eq!(gone.cache.as_deref(), Some("no-cache"));

    // API answers are still compressed as they are made, and never cached.
    let api = fetch(base, "/api/v1/openapi.json", "gzip").await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.encoding.as_deref(), Some("gzip"));
    assert_eq!(api.cache.as_deref(), Some("no-store"));

    server.stop().await;
}
