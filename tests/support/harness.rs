//! The end-to-end harness: the real server binary on loopback with a real SQLite file,
//! chromedriver and headless Chromium, and the moves a patient or a receptionist makes (type,
//! tap, wait for text), plus an axe-core audit of each screen. Shared by the e2e suites.
#![allow(dead_code)] // each suite uses its own part of it

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::validators;

pub const ADMIN_PASSWORD: &str = "e2e admin password";

/// The lobby tablet's device token: the server enrolls it as its first kiosk.
pub const KIOSK_TOKEN: &str = "e2e0000000000000000000000000000000000000000000000000000000000001";

pub const NEEDS_XTASK: &str = "needs the built kiosk, the server binary and chromedriver: run `cargo xtask test`";

/// The window every browser starts in, width × height: a lobby tablet's. The page gets the
/// whole width and what the browser's frame leaves of the height.
pub const TABLET_WINDOW: (u32, u32) = (1280, 800);

/// Hang guard for waits; generous because CI machines are slow and busy, never a timing assertion.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{name} is not set: {NEEDS_XTASK}"))
}

/// A child process that is killed when the test ends, pass or fail.
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Server {
    pub url: String,
    process: Process,
    pub data: tempfile::TempDir,
    /// Settings beyond the harness's own (`start_server_with`), kept for restarts.
    env: Vec<(String, String)>,
}

impl Server {
    /// Kills the server (no graceful shutdown: as a crash or a power cut would) and starts it
    /// again on the same address and data folder.
    pub fn restart(&mut self) {
        self.kill();
        self.start_again();
    }

    /// Restarts the server (as `restart`) with these settings added: the clinic changed its
    /// setup overnight.
    pub fn restart_with(&mut self, env: &[(&str, &str)]) {
        self.env
            .extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        self.restart();
    }

    /// Kills the server: from now on, the tablet's requests find nobody listening.
    pub fn kill(&mut self) {
        let _ = self.process.0.kill();
        let _ = self.process.0.wait();
    }

    /// Starts the server again, on the same address and data folder, after `kill`.
    pub fn start_again(&mut self) {
        let addr = self.url.trim_start_matches("http://").to_owned();
        let (process, url) = spawn_server(self.data.path(), &addr, &self.env);
        assert_eq!(url, self.url, "restarted on the same address");
        self.process = process;
    }

    /// The server's SQLite database, for checking what was stored (read-only use).
    pub async fn database(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&format!("sqlite:{}", self.data.path().join("arrive.db").display()))
            .await
            .expect("open the server's database")
    }
}

pub fn start_server() -> Server {
    start_server_with(&[])
}

/// A server with these settings (`ARRIVE_*` variables) as well.
pub fn start_server_with(env: &[(&str, &str)]) -> Server {
    let data = tempfile::tempdir().expect("temp dir");
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let (process, url) = spawn_server(data.path(), "127.0.0.1:0", &env);
    Server {
        url,
        process,
        data,
        env,
    }
}

/// Starts the server binary and waits until it says where it listens.
pub fn spawn_server(data: &std::path::Path, addr: &str, env: &[(String, String)]) -> (Process, String) {
    // A suite's own settings come after the harness's: one may serve another dist/.
    let mut child = Command::new(env_path("ARRIVE_SERVER_BIN"))
        .env("ARRIVE_DIST", env_path("ARRIVE_DIST"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("ARRIVE_ADDR", addr)
        .env("ARRIVE_DATA_DIR", data)
        .env("ARRIVE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ARRIVE_FIRST_KIOSK_TOKEN", KIOSK_TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start arrive-server");
    // The line saying where it listens; a warning logged while it starts (a slow statement on
    // a busy machine) may come before it.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut before = Vec::new();
    let url = loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("read the server's output");
        assert!(read > 0, "the server ended without saying where it listens: {before:?}");
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break url.to_owned();
        }
        before.push(line);
    };
    // Keep draining so the server never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (Process(child), url)
}

pub struct Driver {
    url: String,
    _process: Process,
}

pub async fn start_chromedriver() -> Driver {
    start_chromedriver_with(&[]).await
}

/// Chromedriver whose browsers run in the time zone `zone` (IANA name), as a desk computer set
/// to another zone than the clinic's would.
pub async fn start_chromedriver_in_zone(zone: &str) -> Driver {
    start_chromedriver_with(&[("TZ", zone)]).await
}

async fn start_chromedriver_with(env: &[(&str, &str)]) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(env_path("CHROMEDRIVER"))
        .envs(env.iter().copied())
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        url: format!("http://127.0.0.1:{port}"),
        _process: Process(child),
    };
    let status = format!("{}/status", driver.url);
    eventually("chromedriver to answer", || async {
        reqwest::get(&status).await.is_ok_and(|r| r.status().is_success())
    })
    .await;
    driver
}

pub async fn browser(driver: &Driver) -> Client {
    browser_with(driver, &[]).await
}

/// A headless Chromium with `extra` command-line switches (a fake camera, a phone's window).
pub async fn browser_with(driver: &Driver, extra: &[&str]) -> Client {
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([format!("--window-size={},{}", TABLET_WINDOW.0, TABLET_WINDOW.1)])
    .collect();
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": env_path("CHROMIUM"), "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("WebDriver session");
    // The switch sizes the window, not yet the page: the page is confirmed at the tablet's
    // width before any test reads a layout (a test that wants a phone sets its own viewport).
    confirm_width(&client, TABLET_WINDOW).await;
    client
}

/// Waits until the page is as wide as `window` (a window with no side frame), sizing the window
/// to `window` again whenever that has not happened within a moment; panics, saying how wide
/// the page is, after `PATIENCE`.
async fn confirm_width(client: &Client, window: (u32, u32)) {
    let start = Instant::now();
    loop {
        let asked_at = Instant::now();
        while asked_at.elapsed() < Duration::from_secs(2) {
            if viewport_size(client).await.0 == window.0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (width, _) = viewport_size(client).await;
        assert!(
            start.elapsed() < PATIENCE,
            "the page is {width} px wide, not the {} px of its window",
            window.0
        );
        client
            .set_window_size(window.0, window.1)
            .await
            .expect("set the window size");
    }
}

/// Polls `check` until it holds; panics with `what` after PATIENCE.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually_for(what, PATIENCE, check).await
}

/// `eventually`, for waits that are long by design (a kiosk's 30 s offline notice).
pub async fn eventually_for<F, Fut>(what: &str, patience: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < patience, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of `css` as a person reads it: no-break spaces (as in "1:00 PM") read as spaces.
pub async fn text_of(client: &Client, css: &str) -> Option<String> {
    let text = client.find(Locator::Css(css)).await.ok()?.text().await.ok()?;
    Some(text.replace('\u{a0}', " "))
}

/// What is typed in the field `css` (its `value` property).
pub async fn value_of(client: &Client, css: &str) -> Option<String> {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .prop("value")
        .await
        .expect(css)
}

pub async fn wait_text(client: &Client, css: &str, expected: &str) {
    eventually(&format!("{css} to read {expected:?}"), || async {
        text_of(client, css).await.is_some_and(|t| t.contains(expected))
    })
    .await;
}

/// Where the kiosk's screen stands: its heading, whether `focus` (CSS) has focus, how far the
/// window is scrolled, what inside `#main` is scrolled on its own, the document title.
async fn screen_state(client: &Client, focus: &str) -> serde_json::Value {
    client
        .execute(
            "const h = document.querySelector('#main h1');
             const f = document.querySelector(arguments[0]);
             const scrolled = [...document.querySelectorAll('#main *')]
                 .filter(e => e.scrollTop > 0).map(e => e.id || e.className || e.tagName);
             return { heading: h ? h.textContent.trim() : null,
                      focused: f !== null && document.activeElement === f,
                      active: document.activeElement ? document.activeElement.id || document.activeElement.tagName : null,
                      scroll_y: window.scrollY, scrolled, title: document.title };",
            vec![json!(focus)],
        )
        .await
        .expect("read the screen's state")
}

/// After a step change: the new screen, whose heading holds `heading`, opened as a patient
/// must meet it — at its top (the window, and nothing in it scrolled on its own), focus on its
/// `h1` (what a screen reader announces), and a document title of its own.
pub async fn screen_opened(client: &Client, heading: &str) {
    screen_opened_at(client, heading, "#main h1").await;
}

/// `screen_opened`, for a screen that puts focus on its one field (`focus`, CSS) instead.
pub async fn screen_opened_at(client: &Client, heading: &str, focus: &str) {
    let start = Instant::now();
    let state = loop {
        let state = screen_state(client, focus).await;
        if state["focused"] == json!(true) && state["heading"].as_str().is_some_and(|h| h.contains(heading)) {
            break state;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "gave up waiting for the {heading:?} screen with focus on {focus}: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        state["scroll_y"].as_f64(),
        Some(0.0),
        "{heading:?} opened scrolled down: {state}"
    );
    assert_eq!(
        state["scrolled"],
        json!([]),
        "{heading:?}: a part opened scrolled: {state}"
    );
    let title = format!("{} – Arrive", state["heading"].as_str().unwrap_or_default());
    assert_eq!(state["title"], json!(title), "{heading:?}: the document title");
}

/// Every `click` since the process started: the e2e suites count a path's taps with it.
pub static TAPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Opens the kiosk at `base` as the enrolled test tablet.
pub async fn open_kiosk(kiosk: &Client, base: &str) {
    kiosk
        .goto(&format!("{base}/#enroll={KIOSK_TOKEN}"))
        .await
        .expect("open kiosk");
}

/// Taps `css` once it is there and can take the tap. On a busy machine the element found can
/// be replaced by a re-render before the tap lands (a stale reference), or still be covered
/// or moving: such a tap is tried again until `PATIENCE`; a tap never lands twice, since a
/// refused tap did nothing.
pub async fn click(client: &Client, css: &str) {
    TAPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let start = Instant::now();
    loop {
        let element = client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .expect(css);
        match element.click().await {
            Ok(()) => return,
            Err(error) if start.elapsed() < PATIENCE && tap_refused(&error) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("tapping {css}: {error}"),
        }
    }
}

/// A tap WebDriver refused without doing anything: the element went stale, or something
/// else would have received it, or it cannot be interacted with yet.
fn tap_refused(error: &fantoccini::error::CmdError) -> bool {
    use fantoccini::error::ErrorStatus;
    matches!(
        error,
        fantoccini::error::CmdError::Standard(e) if matches!(
            e.error,
            ErrorStatus::StaleElementReference | ErrorStatus::ElementClickIntercepted | ErrorStatus::ElementNotInteractable
        )
    )
}

/// Whether `css` has focus (what a keyboard user, or a screen reader, is on).
pub async fn has_focus(kiosk: &Client, css: &str) -> bool {
    kiosk
        .execute(
            "return document.activeElement === document.querySelector(arguments[0]);",
            vec![json!(css)],
        )
        .await
        .expect("read focus")
        == json!(true)
}

/// Presses `keys` one after another on whatever has focus (WebDriver's key codes for Enter,
/// Tab and the like), as a keyboard, a keypad or a scanner does: no pointer involved.
pub async fn press_keys(client: &Client, keys: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keys".into());
    for key in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    client.perform_actions(actions).await.expect("key presses");
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    let field = client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
        .expect(css);
    field.clear().await.expect(css);
    field.send_keys(text).await.expect(css);
}

pub async fn identify(kiosk: &Client, last_name: &str, month: &str, day: &str, year: &str) {
    type_into(kiosk, "#last-name", last_name).await;
    type_into(kiosk, "#dob-month", month).await;
    type_into(kiosk, "#dob-day", day).await;
    type_into(kiosk, "#dob-year", year).await;
    click(kiosk, "#continue").await;
}

/// The status the desk board shows for the row of `patient` ("Sean O.").
pub async fn desk_status(desk: &Client, patient: &str) -> Option<String> {
    let xpath = format!("//tr[td[@class='patient' and normalize-space()='{patient}']]//span[@data-status]");
    desk.find(Locator::XPath(&xpath))
        .await
        .ok()?
        .attr("data-status")
        .await
        .ok()?
}

/// Runs axe-core on the current page and fails on any WCAG 2.2 A/AA violation; also saves a
/// screenshot named `screen`.
pub async fn check_screen(client: &Client, screen: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screens");
    std::fs::create_dir_all(&dir).expect("screens dir");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{screen}.png")), png).expect("save screenshot");

    let axe = std::fs::read_to_string(env_path("AXE_JS")).expect("read axe-core");
    client
        .execute(&format!("{axe}\nreturn true;"), vec![])
        .await
        .expect("inject axe-core");
    let violations = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] })
                .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact,
                    nodes: v.nodes.map(n => n.target.join(' ')) }))))
                .catch(e => done([{ id: 'axe-error', impact: String(e) }]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    assert_eq!(violations, json!([]), "accessibility violations on the {screen} screen");
}

/// Waits for the intake form `id` to be on screen.
pub async fn wait_form(client: &Client, id: &str) {
    let css = format!("section.intake[data-form-id='{id}']");
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(&css))
        .await
        .unwrap_or_else(|_| panic!("the {id} form did not appear"));
}

pub async fn wait_consent(client: &Client, id: &str) {
    let css = format!("section.consent article[data-consent-id='{id}']");
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(&css))
        .await
        .unwrap_or_else(|_| panic!("the {id} consent did not appear"));
}

/// Draws a wavy stroke across the signature pad with synthetic pointer events, as a finger would.
pub async fn draw_signature(client: &Client) {
    client
        .execute(
            "const pad = document.getElementById('signature-pad');
             const r = pad.getBoundingClientRect();
             const at = (type, x, y) => pad.dispatchEvent(new PointerEvent(type, {
                 bubbles: true, cancelable: true, pointerId: 7, pointerType: 'touch', isPrimary: true,
                 clientX: r.left + x * r.width, clientY: r.top + y * r.height }));
             at('pointerdown', 0.05, 0.6);
             for (let i = 1; i <= 30; i++) at('pointermove', 0.05 + i * 0.025, 0.5 - 0.3 * Math.sin(i / 3));
             at('pointerup', 0.8, 0.5);
             return true;",
            vec![],
        )
        .await
        .expect("draw on the signature pad");
}

pub async fn is_checked(client: &Client, css: &str) -> bool {
    let field = client.find(Locator::Css(css)).await.expect(css);
    field.prop("checked").await.expect(css).as_deref() == Some("true")
}

/// Browser storage holds the tablet's device token and nothing else.
pub async fn storage_holds_only_the_device_token(client: &Client) -> bool {
    let keys = client
        .execute(
            "return [Object.keys(window.localStorage), window.sessionStorage.length];",
            vec![],
        )
        .await
        .expect("read storage");
    keys == json!([["arrive.kiosk-token"], 0])
}

/// Passes work only near the appointment's time; the demo day's times are fixed.
pub const ALL_DAY_PASSES: (&str, &str) = ("ARRIVE_ARRIVAL_WINDOW", "1440,1440");

/// The desk issues `patient`'s pre-registration link over its API: (link, appointment id).
pub async fn pre_registration_link(base: &str, patient: &str) -> (String, i64) {
    let http = reqwest::Client::new();
    let (cookie, csrf) = admin_session(&http, base).await;
    let id = appointment_id(&http, base, &cookie, patient).await;
    let response = http
        .post(format!("{base}/api/v1/desk/appointments/{id}/pre-registration"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("issue a link");
    assert!(response.status().is_success(), "{}", response.status());
    let body: serde_json::Value = response.json().await.expect("the link");
    (body["link"].as_str().expect("link").to_owned(), id)
}

/// Signs in as the admin over the API: (session cookie `name=value`, CSRF token).
pub async fn admin_session(http: &reqwest::Client, base: &str) -> (String, String) {
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("sign in");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let session: serde_json::Value = login.json().await.expect("session");
    (cookie, session["csrf_token"].as_str().unwrap().to_owned())
}

/// The FHIR R4 Bundle of `patient`'s check-in (their board name), as the EHR receives it,
/// after the independent validator has passed it.
pub async fn hand_off_bundle(base: &str, patient: &str) -> serde_json::Value {
    let http = reqwest::Client::new();
    let (cookie, _) = admin_session(&http, base).await;
    let get = |path: String| {
        http.get(format!("{base}{path}"))
            .header("cookie", cookie.clone())
            .send()
    };
    let id = appointment_id(&http, base, &cookie, patient).await;
    let response = get(format!("/fhir/r4/Bundle/{id}")).await.expect("bundle");
    assert_eq!(response.status().as_u16(), 200, "{patient}'s check-in bundle");
    let bundle: serde_json::Value = response.json().await.expect("bundle JSON");
    validators::assert_valid_fhir(&bundle);
    bundle
}

/// The changes a hand-off Bundle makes to the EHR's Patient: its JSON Patch operations.
pub fn patient_changes(bundle: &serde_json::Value) -> Vec<serde_json::Value> {
    use base64::Engine;
    let entry = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| {
            e["request"]["method"] == "PATCH" && e["request"]["url"].as_str().is_some_and(|u| u.starts_with("Patient?"))
        })
        .expect("the EHR's Patient is patched");
    let data = entry["resource"]["data"].as_str().expect("the patch");
    let patch = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
    serde_json::from_slice(&patch).expect("a JSON Patch")
}

/// The id of `patient`'s ("Ana D.") appointment on today's board, read with a staff `cookie`.
pub async fn appointment_id(http: &reqwest::Client, base: &str, cookie: &str, patient: &str) -> i64 {
    let day: serde_json::Value = http
        .get(format!("{base}/api/v1/desk/appointments"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("board")
        .json()
        .await
        .expect("board answer");
    day["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["patient"] == patient)
        .unwrap_or_else(|| panic!("{patient} on the board"))["id"]
        .as_i64()
        .unwrap()
}

/// A headless Chromium whose camera plays `video` (a .y4m file), granted without asking.
pub async fn browser_with_camera(driver: &Driver, video: &std::path::Path) -> Client {
    let file = format!("--use-file-for-fake-video-capture={}", video.display());
    browser_with(
        driver,
        &[
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            &file,
        ],
    )
    .await
}

/// Signs in as the admin over the API and revokes the first kiosk tablet.
pub async fn revoke_first_kiosk(base: &str) {
    let http = reqwest::Client::new();
    let (cookie, csrf) = admin_session(&http, base).await;
    let revoked = http
        .post(format!("{base}/api/v1/admin/kiosks/1/revoke"))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status().as_u16(), 204);
}

/// Checks a patient in through the kiosk API, as the enrolled tablet.
pub async fn check_in_by_api(base: &str, last_name: &str, date_of_birth: &str) {
    let http = reqwest::Client::new();
    let found: serde_json::Value = http
        .post(format!("{base}/api/v1/kiosk/identify"))
        .header("x-kiosk-token", KIOSK_TOKEN)
        .json(&json!({"last_name": last_name, "date_of_birth": date_of_birth}))
        .send()
        .await
        .expect("identify")
        .json()
        .await
        .expect("identify answer");
    let token = found["appointment"]["match_token"].as_str().expect("one appointment");
    let checked_in = http
        .post(format!("{base}/api/v1/kiosk/check-in"))
        .header("x-kiosk-token", KIOSK_TOKEN)
        .json(&json!({"match_token": token}))
        .send()
        .await
        .expect("check in");
    assert_eq!(checked_in.status().as_u16(), 200);
}

pub async fn sign_in_at_desk(desk: &Client, base: &str) {
    desk.goto(&format!("{base}/desk")).await.expect("open desk");
    type_into(desk, "#username", "admin").await;
    type_into(desk, "#password", ADMIN_PASSWORD).await;
    click(desk, "#sign-in").await;
    wait_text(desk, "#connection", "Live").await;
}

/// Today's date in the clinic's (this machine's) time zone, as the server sees it.
pub fn local_today() -> String {
    let output = Command::new("date").arg("+%Y-%m-%d").output().expect("date");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// What `check_layout` finds wrong with the page as laid out: a page wider than the window,
/// a top bar on more than one row (or taller than one row of its buttons, or with text under
/// 16 px), a word broken across two lines (by hyphenation or a forced break: "Consentimiento /
/// s") anywhere in the top bar or the screen, a label, button or step name whose text spills
/// out of it.
const LAYOUT_PROBLEMS: &str = r#"
    const problems = [];
    const describe = e => e ? (e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '')) : '?';
    const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth) {
        // Name the innermost elements that stick out, so the failure says where to look.
        const out = [...document.querySelectorAll('body *')].filter(e => shown(e) && e.getBoundingClientRect().right > window.innerWidth + 0.5);
        const innermost = out.filter(e => !out.some(o => o !== e && e.contains(o))).slice(0, 3).map(describe);
        problems.push(`the page scrolls sideways: ${page.scrollWidth} px wide in a ${window.innerWidth} px window (${innermost.join(', ')})`);
    }
    const bar = document.querySelector('.topbar');
    if (bar) {
        const parts = [...bar.children].filter(shown).map(e => [e, e.getBoundingClientRect()]);
        const lowestTop = Math.max(...parts.map(([, r]) => r.top));
        const highestBottom = Math.min(...parts.map(([, r]) => r.bottom));
        if (lowestTop >= highestBottom) {
            problems.push('the top bar is on more than one row: ' + parts.map(([e, r]) => `${describe(e)} at ${Math.round(r.top)}`).join(', '));
        }
        const tallest = Math.max(...parts.map(([, r]) => r.height));
        const height = bar.getBoundingClientRect().height;
        if (height > tallest + 24) {
            problems.push(`the top bar is ${Math.round(height)} px tall for ${Math.round(tallest)} px buttons`);
        }
        for (const b of bar.querySelectorAll('button')) {
            const size = parseFloat(getComputedStyle(b).fontSize);
            if (shown(b) && size < 16) problems.push(`${describe(b)} in the top bar has ${size} px text`);
        }
    }
    for (const root of [bar, document.querySelector('#main')].filter(Boolean)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const words = /\S+/g;
            for (let m = words.exec(node.data); m; m = words.exec(node.data)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const lines = new Set([...range.getClientRects()]
                    .filter(r => r.width > 0 && r.height > 0).map(r => Math.round(r.bottom)));
                if (lines.size > 1) {
                    problems.push(`"${m[0]}" is broken across ${lines.size} lines in ${describe(node.parentElement)}`);
                }
            }
        }
    }
    for (const e of document.querySelectorAll('.steps li, .topbar .brand, button, label, legend')) {
        if (shown(e) && e.scrollWidth > e.clientWidth + 1) {
            problems.push(`${describe(e)}'s text spills out of it (${e.scrollWidth} px in ${e.clientWidth} px)`);
        }
    }
    return problems;
"#;

/// The screen fits its window, as a patient on a tablet or a phone must see it: no sideways
/// scrolling, the top bar on one row, no word broken in two (see `LAYOUT_PROBLEMS`).
pub async fn check_layout(client: &Client, screen: &str) {
    let problems = client
        .execute(LAYOUT_PROBLEMS, vec![])
        .await
        .expect("measure the layout");
    assert_eq!(problems, json!([]), "the {screen} screen does not fit its window");
}

/// Each of `css` is entirely inside the window as it is (no scrolling needed to see it).
pub async fn assert_in_view(client: &Client, screen: &str, css: &[&str]) {
    let outside = client
        .execute(
            "return arguments[0].filter(css => {
                 const e = document.querySelector(css);
                 if (!e) return true;
                 const r = e.getBoundingClientRect();
                 return r.top < 0 || r.left < 0 || r.bottom > window.innerHeight || r.right > window.innerWidth;
             }).map(css => {
                 const e = document.querySelector(css);
                 return e ? `${css} at ${Math.round(e.getBoundingClientRect().bottom)} of ${window.innerHeight}` : `${css} missing`;
             });",
            vec![json!(css)],
        )
        .await
        .expect("measure what is in view");
    assert_eq!(outside, json!([]), "on the {screen} screen, out of view");
}

/// The page's own size, `window.innerWidth` × `window.innerHeight`.
pub async fn viewport_size(client: &Client) -> (u32, u32) {
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .expect("read the viewport");
    let side = |i: usize| inner[i].as_u64().unwrap_or(0) as u32;
    (side(0), side(1))
}

/// The most a browser's own frame (toolbars, borders) may take from a window: a viewport
/// further from the window than this is one the resize has not reached yet.
const MOST_FRAME: u32 = 200;

/// Sizes the window so that the page itself (the viewport) is `width` × `height`, as on a
/// tablet or phone whose browser shows no toolbars, and returns once the page reads that size.
///
/// A resize reaches the page only after the browser has laid it out again, which on a busy
/// machine can be well after the WebDriver call returns: after each resize the page is read
/// until its size changes; a resize that has not landed within a moment is issued again, and
/// one that landed short by the browser's frame is issued that much larger. Panics, saying what
/// the page reads, if it is not the size asked for within `PATIENCE`.
pub async fn set_viewport(client: &Client, width: u32, height: u32) {
    let wanted = (width, height);
    let mut window = wanted;
    let start = Instant::now();
    let mut seen = viewport_size(client).await;
    while seen != wanted {
        assert!(
            start.elapsed() < PATIENCE,
            "the viewport reads {}×{} px, not the {width}×{height} px asked for (window last set to {}×{})",
            seen.0,
            seen.1,
            window.0,
            window.1
        );
        let before = seen;
        client
            .set_window_size(window.0, window.1)
            .await
            .expect("set the window size");
        let asked_at = Instant::now();
        loop {
            seen = viewport_size(client).await;
            if seen != before || asked_at.elapsed() > Duration::from_secs(2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // What the frame takes where the resize landed; where it did not, the same size again.
        let frame = |window: u32, seen: u32| window.checked_sub(seen).filter(|f| *f <= MOST_FRAME).unwrap_or(0);
        window = (width + frame(window.0, seen.0), height + frame(window.1, seen.1));
    }
}
