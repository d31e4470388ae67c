//! Lighthouse (npm, pinned in tools.rs) on the two pages patients open, in its default mobile
//! mode (a mid-range phone on slow 4G, simulated): the enrolled kiosk's welcome screen and a
//! pre-registration link (`/pre/<token>`), served by the release server from the release
//! build. Prints performance, accessibility, LCP, TTI and bytes transferred; reports, never
//! asserts (these machines are shared and noisy). `cargo xtask bench lighthouse` runs it alone;
//! with `ARRIVE_DIST` and `ARRIVE_SERVER_BIN` set (as for the end-to-end tests) it measures
//! that build and server instead of building them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::server_process::ServerProcess;
use crate::{build_apps, cargo, project_root, run_cmd, target_dir, Result};

const KIOSK_TOKEN: &str = "11a0000000000000000000000000000000000000000000000000000000000001";
const ADMIN_PASSWORD: &str = "lighthouse admin password";

pub fn lighthouse() -> Result {
    let given = std::env::var_os("ARRIVE_DIST").zip(std::env::var_os("ARRIVE_SERVER_BIN"));
    let (dist, server) = match given {
        Some((dist, server)) => (PathBuf::from(dist), PathBuf::from(server)),
        None => {
            let dist = build_apps()?;
            run_cmd(cargo().args(["build", "--release", "-p", "arrive-server"]))?;
            (dist, release_server())
        }
    };
    measure_with(&dist, &server)
}

fn release_server() -> PathBuf {
    target_dir().join("release/arrive-server")
}

/// Lighthouse on the built apps in `dist`, served by the release server already built.
pub fn measure(dist: &Path) -> Result {
    measure_with(dist, &release_server())
}

fn measure_with(dist: &Path, server_bin: &Path) -> Result {
    let cli = crate::tools::ensure_lighthouse()?;
    let browser = crate::tools::ensure_chromium()?;
    let server = start_server(server_bin, dist)?;
    let token = pre_registration_token(&server.url)?;
    let pages = [
        (
            "kiosk welcome (enrolled tablet)",
            format!("{}/#enroll={KIOSK_TOKEN}", server.url),
        ),
        (
            "pre-registration link (/pre/<token>)",
            format!("{}/pre/{token}", server.url),
        ),
    ];
    println!(
        "\nLighthouse {} (mobile: simulated slow 4G, 4x CPU slowdown), {} served by {}:",
        crate::tools::LIGHTHOUSE_VERSION,
        dist.display(),
        server_bin.display()
    );
    println!(
        "{:<40} {:>6} {:>6} {:>8} {:>8} {:>10}",
        "page", "perf", "a11y", "LCP ms", "TTI ms", "bytes"
    );
    for (name, url) in pages {
        let report = target_dir().join("lighthouse-report.json");
        let _ = std::fs::remove_file(&report);
        let user_data = target_dir().join("lighthouse-profile");
        let _ = std::fs::remove_dir_all(&user_data);
        run_cmd(
            Command::new("node")
                .arg(&cli)
                .arg(&url)
                .arg(format!(
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
                     --disable-background-networking --disable-component-update --disable-sync \
                     --no-first-run --user-data-dir={}",
                    user_data.display()
                ))
                .args([
                    "--only-categories=performance,accessibility",
                    "--output=json",
                    "--quiet",
                ])
                .arg(format!("--output-path={}", report.display()))
                .env("CHROME_PATH", &browser.chromium),
        )?;
        let text = std::fs::read_to_string(&report).map_err(|e| format!("Lighthouse wrote no report: {e}"))?;
        let report: Value = serde_json::from_str(&text).map_err(|e| format!("Lighthouse's report: {e}"))?;
        let score = |category: &str| {
            report["categories"][category]["score"]
                .as_f64()
                .map_or("-".to_owned(), |s| format!("{:.0}", s * 100.0))
        };
        let audit = |id: &str| {
            report["audits"][id]["numericValue"]
                .as_f64()
                .map_or("-".to_owned(), |v| format!("{v:.0}"))
        };
        println!(
            "{name:<40} {:>6} {:>6} {:>8} {:>8} {:>10}",
            score("performance"),
            score("accessibility"),
            audit("largest-contentful-paint"),
            audit("interactive"),
            audit("total-byte-weight"),
        );
    }
    Ok(())
}

/// The server on a free loopback port, with the demo clinic, one enrolled tablet and an
/// administrator; killed when dropped.
fn start_server(server_bin: &Path, dist: &Path) -> Result<ServerProcess> {
    let data = target_dir().join("lighthouse-data");
    let _ = std::fs::remove_dir_all(&data);
    let mut server = Command::new(server_bin);
    server
        .current_dir(project_root())
        .env("ARRIVE_DATA_DIR", &data)
        .env("ARRIVE_DIST", dist)
        .env_remove("DATABASE_URL")
        .env_remove("ARRIVE_DEMO_EXTRA_PATIENTS")
        .env("ARRIVE_FIRST_KIOSK_TOKEN", KIOSK_TOKEN)
        .env("ARRIVE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn");
    ServerProcess::start(server)
}

/// Signs in as the administrator and has the desk issue a pre-registration link for the first
/// of today's demo appointments that takes one; returns the link's token.
fn pre_registration_token(base: &str) -> Result<String> {
    let agent = ureq::Agent::new_with_defaults();
    let mut login = agent
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .map_err(|e| format!("cannot sign in: {e}"))?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("the sign-in set no cookie")?
        .to_owned();
    let session: Value = login
        .body_mut()
        .read_json()
        .map_err(|e| format!("the sign-in's answer: {e}"))?;
    let csrf = session["csrf_token"]
        .as_str()
        .ok_or("the sign-in gave no CSRF token")?
        .to_owned();
    let day: Value = agent
        .get(format!("{base}/api/v1/desk/appointments"))
        .header("cookie", &cookie)
        .call()
        .and_then(|mut r| r.body_mut().read_json())
        .map_err(|e| format!("cannot read the desk's day: {e}"))?;
    let ids = day["appointments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["id"].as_i64());
    for id in ids {
        let answer = agent
            .post(format!("{base}/api/v1/desk/appointments/{id}/pre-registration"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .send_empty();
        if let Ok(mut answer) = answer {
            let link: Value = answer
                .body_mut()
                .read_json()
                .map_err(|e| format!("the link's answer: {e}"))?;
            if let Some((_, token)) = link["link"].as_str().and_then(|l| l.rsplit_once("/pre/")) {
                return Ok(token.to_owned());
            }
        }
    }
    Err("no demo appointment took a pre-registration link".into())
}
