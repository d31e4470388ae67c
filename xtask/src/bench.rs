//! `cargo xtask bench`: what a lobby tablet downloads, how fast its pages load (Lighthouse,
//! lighthouse.rs), and what the server sustains on loopback.
//! Figures are printed, not asserted (machines here are noisy); copy them to docs/BENCHMARKS.md.

use std::path::Path;
use std::process::Command;

use crate::server_process::ServerProcess;
use crate::{build_apps, cargo, run_cmd, target_dir, Result};

/// The kiosk's first load must stay within this many gzip bytes.
pub const FIRST_LOAD_BUDGET_GZIP: u64 = 250 * 1024;
/// The load generator's tablet: enrolled as the bench server's first kiosk.
const BENCH_KIOSK_TOKEN: &str = "be4c000000000000000000000000000000000000000000000000000000000001";

const BENCH_ADMIN_PASSWORD: &str = "bench admin password";

/// Synthetic patients seeded for the load test: one fresh check-in each. At most ~42,000: patient
/// k is born k days after 1910-01-01, and identify refuses a birth date in the future.
const BENCH_PATIENTS: u32 = 40_000;

pub fn bench() -> Result {
    let dist = build_apps()?;
    let (kiosk, later) = first_load("Kiosk first load (dist/, release build)", &dist)?;
    // A phone opening a pre-registration link loads the same app; it needs the later steps'
    // chunk right after the birth date, never the QR scanner.
    println!(
        "\nPre-registration route (/pre/<token>): first load {kiosk} B gzip (the kiosk's), \
         to the first question {} B gzip with the later steps (budget {} KB)",
        kiosk + later,
        FIRST_LOAD_BUDGET_GZIP / 1024
    );
    let _ = first_load(
        "Front desk board first load (dist/desk/, release build)",
        &dist.join("desk"),
    )?;
    println!(
        "\nkiosk budget: {} KB gzip; used {:.1} KB",
        FIRST_LOAD_BUDGET_GZIP / 1024,
        kiosk as f64 / 1024.0
    );
    qr_decode_time()?;
    run_cmd(cargo().args(["build", "--release", "-p", "arrive-server", "-p", "arrive-loadgen"]))?;
    returning_patient_taps(&dist)?;
    pass_taps(&dist)?;
    crate::lighthouse::measure(&dist)?;
    server_throughput(&dist, None)?;
    // The same phases on PostgreSQL (this machine's, unless the variable names another), in a
    // database made for the run and dropped after it.
    let admin_url = std::env::var(BENCH_POSTGRES_VAR).unwrap_or_else(|_| DEFAULT_BENCH_POSTGRES.to_owned());
    match PostgresBenchDb::create(&admin_url) {
        Ok(database) => {
            let result = server_throughput(&dist, Some(&database.url));
            database.drop_it();
            result?;
        }
        Err(why) => {
            println!("\n(PostgreSQL not measured: {why}; set {BENCH_POSTGRES_VAR}=postgres://user@host:5432/postgres)")
        }
    }
    // Measured to the end either way; an over-budget kiosk still fails the run.
    if kiosk > FIRST_LOAD_BUDGET_GZIP {
        return Err(format!("the kiosk's first load ({kiosk} B gzip) is over its budget"));
    }
    Ok(())
}

/// `cargo test -p arrive-kiosk --test kiosk_flow <args>`, with what the end-to-end suites need
/// (the release server, the built kiosk, Chromium, axe-core, the validators).
fn kiosk_flow_test(dist: &Path, args: &[&str]) -> Result<Command> {
    let browser = crate::tools::ensure_chromium()?;
    let mut command = cargo();
    command
        .args(["test", "-q", "-p", "arrive-kiosk", "--test", "kiosk_flow", "--"])
        .args(args)
        .arg("--ignored")
        .current_dir(crate::project_root())
        .env("ARRIVE_SERVER_BIN", target_dir().join("release/arrive-server"))
        .env("ARRIVE_DIST", dist)
        .env("CHROMEDRIVER", &browser.chromedriver)
        .env("CHROMIUM", &browser.chromium)
        .env("AXE_JS", crate::tools::ensure_axe_core()?)
        .env("ARRIVE_VALIDATORS", crate::tools::ensure_validators()?);
    Ok(command)
}

/// Runs `command` (a test run with `--nocapture`) and returns the lines it printed that contain
/// `marker`; fails when the tests fail or fewer than `expected` such lines come out.
fn printed_lines(command: &mut Command, marker: &str, expected: usize) -> Result<Vec<String>> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run the tests printing {marker:?}: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<String> = text
        .lines()
        .filter(|l| l.contains(marker))
        .map(|l| l.trim().to_owned())
        .collect();
    if !output.status.success() || lines.len() < expected {
        return Err(format!(
            "the tests failed or did not print {marker:?}:\n{text}{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(lines)
}

/// Taps and screens a returning patient needs, forms and consents included — with nothing
/// changed, and with one consent reworded since the last visit — counted by the end-to-end tests
/// that walk those paths in Chromium (tests/kiosk_flow.rs).
fn returning_patient_taps(dist: &Path) -> Result {
    let report = target_dir().join("bench-taps.txt");
    let _ = std::fs::remove_file(&report);
    let paths = [
        "a_returning_patient_with_nothing_changed",
        "a_new_consent_wording_adds_one_screen",
    ];
    run_cmd(kiosk_flow_test(dist, &paths)?.env("ARRIVE_TAPS_REPORT", &report))?;
    let taps = std::fs::read_to_string(&report).map_err(|e| format!("the taps tests wrote no report: {e}"))?;
    println!("\nReturning patient at the kiosk (Chromium):");
    for line in taps.lines() {
        println!("  {line}");
    }
    Ok(())
}

/// Taps from the kiosk's welcome screen to "You are checked in" for a pre-registered patient,
/// with the pass's code typed and with its QR code shown to the tablet's (fake) camera, as the
/// end-to-end tests in tests/kiosk_flow.rs count and print them.
fn pass_taps(dist: &Path) -> Result {
    let mut tests = kiosk_flow_test(
        dist,
        &[
            "pre_registered_patient_checks_in_with_the_code",
            "camera_reads_the_pass",
            "--nocapture",
            "--test-threads=1",
        ],
    )?;
    let lines = printed_lines(&mut tests, "taps from the welcome", 2)?;
    println!("\nPre-registered patient at the kiosk (Chromium):");
    for line in lines {
        println!("  {line}");
    }
    Ok(())
}

/// The pass scanner's QR decoder in wasm, built as the kiosk ships (profile `wasm-release`), in
/// headless Chromium on 640 × 480 frames (tests/qr_decode.rs prints the time per frame).
fn qr_decode_time() -> Result {
    let browser = crate::tools::ensure_chromium()?;
    let mut test = cargo();
    // No `-q`: cargo would hand `--quiet` to wasm-bindgen-test-runner, which refuses it.
    test.args([
        "test",
        "-p",
        "arrive-kiosk",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "--test",
        "qr_decode",
        "--",
        "--nocapture",
    ])
    .current_dir(crate::project_root())
    .env("PATH", crate::tools::path_with_tools())
    .env("CHROMEDRIVER", &browser.chromedriver)
    .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner");
    for line in printed_lines(&mut test, "qr-decode", 1)? {
        println!("\nQR decode (pass scanner): {line}");
    }
    Ok(())
}

/// Prints the first-load files of one app (html, js, wasm, css in `dist` and in its `app-…`
/// folder, its JS snippets included) and returns their gzip total, and that of the split-off modules a patient's path
/// fetches right after the first screen (`split_*.wasm`, `chunk_*.wasm`, printed apart). The QR
/// scanner's module (`split_scan`) is printed apart again and not counted: only a patient who
/// scans a pass fetches it.
fn first_load(title: &str, dist: &Path) -> Result<(u64, u64)> {
    let mut files = app_files(dist)?;
    for dir in app_files_dirs(dist)? {
        files.extend(app_files(&dir)?);
        // wasm-bindgen's JS snippets (the offline voice's loader), imported by the app's JS.
        let mut folders = vec![dir.join("snippets")];
        while let Some(folder) = folders.pop() {
            if !folder.is_dir() {
                continue;
            }
            files.extend(app_files(&folder)?);
            folders.extend(
                std::fs::read_dir(&folder)
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_dir()),
            );
        }
    }
    files.sort();
    let (later, first): (Vec<_>, Vec<_>) = files.into_iter().partition(|p| {
        p.file_name()
            .is_some_and(|n| crate::app_bundle::loads_later(&n.to_string_lossy()))
    });
    let (on_demand, after_start): (Vec<_>, Vec<_>) = later
        .into_iter()
        .partition(|p| p.to_string_lossy().contains("split_scan"));
    println!("\n{title}:");
    let gzip_total = print_sizes(&first)?;
    let mut later_gzip = 0;
    if !after_start.is_empty() {
        println!("loaded after the first screen:");
        later_gzip = print_sizes(&after_start)?;
    }
    if !on_demand.is_empty() {
        println!("loaded when a patient asks to scan a pass:");
        print_sizes(&on_demand)?;
    }
    Ok((gzip_total, later_gzip))
}

/// `dist/app-<hash>/` folders (the split kiosk build).
fn app_files_dirs(dist: &Path) -> Result<Vec<std::path::PathBuf>> {
    Ok(std::fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("app-")))
        .collect())
}

fn app_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    Ok(std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("html" | "js" | "wasm" | "css")
            )
        })
        .collect())
}

/// One line per file (raw, gzip and brotli bytes, as dist/ serves them) and a total; returns
/// the gzip total.
fn print_sizes(files: &[std::path::PathBuf]) -> Result<u64> {
    println!("{:<44} {:>10} {:>10} {:>10}", "file", "raw B", "gzip B", "br B");
    let (mut raw_total, mut gzip_total, mut br_total) = (0, 0, 0);
    for path in files {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let raw = bytes.len() as u64;
        let gzip = crate::precompress::gzip_best(&bytes)?.len() as u64;
        let br = crate::precompress::brotli_best(&bytes)?.len() as u64;
        raw_total += raw;
        gzip_total += gzip;
        br_total += br;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("{name:<44} {raw:>10} {gzip:>10} {br:>10}");
    }
    println!("{:<44} {raw_total:>10} {gzip_total:>10} {br_total:>10}", "total");
    Ok(gzip_total)
}

/// An administrator's URL of a PostgreSQL server: `cargo xtask bench` then also measures the
/// server on PostgreSQL (psql makes and drops a database for the run).
const BENCH_POSTGRES_VAR: &str = "ARRIVE_BENCH_POSTGRES";
/// The PostgreSQL these machines run (trust auth), as the server's tests use it.
const DEFAULT_BENCH_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database made for one bench run.
struct PostgresBenchDb {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresBenchDb {
    fn create(admin_url: &str) -> Result<Self> {
        let name = format!("arrive_bench_{}", std::process::id());
        let (base, _) = admin_url
            .rsplit_once('/')
            .filter(|(base, _)| base.contains("://"))
            .ok_or(format!(
                "{BENCH_POSTGRES_VAR} must look like postgres://user@host:5432/postgres"
            ))?;
        run_cmd(Command::new("psql").args([admin_url, "-qc", &format!("CREATE DATABASE {name}")]))?;
        Ok(PostgresBenchDb {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    fn drop_it(self) {
        let _ = run_cmd(Command::new("psql").args([
            &self.admin_url,
            "-qc",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ]));
    }
}

/// `database_url`: PostgreSQL; `None`: a fresh SQLite file.
fn server_throughput(dist: &Path, database_url: Option<&str>) -> Result {
    let data = target_dir().join("bench-data");
    let _ = std::fs::remove_dir_all(&data);
    let mut server = Command::new(target_dir().join("release/arrive-server"));
    if let Some(url) = database_url {
        server.env("DATABASE_URL", url);
    }
    let store = if database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite file"
    };
    server
        .env("ARRIVE_DATA_DIR", &data)
        .env("ARRIVE_DIST", dist)
        .env("ARRIVE_DEMO_EXTRA_PATIENTS", BENCH_PATIENTS.to_string())
        .env("ARRIVE_FIRST_KIOSK_TOKEN", BENCH_KIOSK_TOKEN)
        .env("ARRIVE_ADMIN_PASSWORD", BENCH_ADMIN_PASSWORD)
        // Every load client and the 200 boards come from one address: the per-client cap
        // that protects a lobby from one machine would refuse them.
        .env("ARRIVE_MAX_CONNECTIONS_PER_CLIENT", "1000")
        .env("RUST_LOG", "warn");
    let server = ServerProcess::start(server)?;
    println!("\nServer throughput (release build, loopback, {store}, {BENCH_PATIENTS} synthetic patients):");
    run_cmd(Command::new(target_dir().join("release/arrive-loadgen")).args([
        server.url.as_str(),
        "--patients",
        &BENCH_PATIENTS.to_string(),
        "--kiosk-token",
        BENCH_KIOSK_TOKEN,
        "--admin-password",
        BENCH_ADMIN_PASSWORD,
        "--boards",
        "200",
        "--server-pid",
        &server.id().to_string(),
    ]))
}
