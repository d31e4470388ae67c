//! `cargo xtask run | test | bench`: the project's own build, test and benchmark driver.
//!
//! It installs what a fresh machine lacks (the wasm32 target, the wasm-bindgen CLI that
//! matches Cargo.lock, wasm-split-cli, binaryen's wasm-opt, Chromium and chromedriver) so that
//! README's two commands are all a newcomer or CI needs. It builds the web apps itself
//! (app_bundle.rs): Trunk is only a development tool (`trunk serve`), never installed here.

mod app_bundle;
mod bench;
mod dump;
mod fuzz;
mod lighthouse;
mod precompress;
mod server_process;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run     build the kiosk (release) and start the server on http://127.0.0.1:8080
  test    format check, clippy, unit, integration, wasm browser and end-to-end tests
  bench   kiosk first-load size, server throughput/latency on loopback, Lighthouse
          (`bench lighthouse`: the Lighthouse part alone)
  fuzz    every domain parser/validator and request decoder on generated input
          (optional: seconds per property, default 60)
  build   build the kiosk and the desk into dist/ (release, precompressed)
  dump-x12 <dir>
          write sample X12 270s and the sandbox payer's 271s into <dir>, to check by hand";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(),
        Some("bench") => match args.get(1).map(String::as_str) {
            None => bench::bench(),
            Some("lighthouse") => lighthouse::lighthouse(),
            Some(_) => Err(USAGE.to_owned()),
        },
        Some("fuzz") => match args.get(1).map(|s| s.parse::<u64>()) {
            None => fuzz::fuzz(60),
            Some(Ok(seconds)) => fuzz::fuzz(seconds),
            Some(Err(_)) => Err(USAGE.to_owned()),
        },
        Some("build") => build_apps().map(|_| ()),
        Some("dump-x12") => match args.get(1) {
            Some(dir) => dump::dump_x12(Path::new(dir)),
            None => Err(USAGE.to_owned()),
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the project root")
        .to_path_buf()
}

/// Runs a command from the project root, echoing it, and fails if it fails.
pub fn run_cmd(command: &mut Command) -> Result {
    eprintln!("\n$ {}", describe(command));
    let status = command
        .current_dir(project_root())
        .status()
        .map_err(|e| format!("cannot start {}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|s| s.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where cargo builds: `CARGO_TARGET_DIR` when set, else `target/` of the project.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                project_root().join(dir)
            }
        })
        .unwrap_or_else(|| project_root().join("target"))
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Builds both web apps in release mode into dist/, precompressed, installing the tools they
/// need: the kiosk (index.html) into dist/, the desk board (desk.html) into dist/desk/. Two
/// bundles, so the lobby tablet never loads staff code. The kiosk's offline voice goes into
/// dist/speech/.
pub fn build_apps() -> Result<PathBuf> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen_cli()?;
    tools::ensure_wasm_opt()?;
    tools::ensure_wasm_split()?;
    let espeak_ng = tools::ensure_espeak_ng()?;
    let dist = project_root().join("dist");
    // The kiosk's folder is dist/ itself, emptied first: the desk after it.
    app_bundle::KIOSK.build(&dist)?;
    app_bundle::DESK.build(&dist)?;
    app_bundle::copy_public(&dist)?;
    precompress::precompress(&dist)?;
    // After: it comes with its own compressed twins.
    app_bundle::copy_offline_voice(&dist, &espeak_ng, tools::ESPEAK_NG_VERSION)?;
    Ok(dist)
}

fn run() -> Result {
    let dist = build_apps()?;
    run_cmd(cargo().args(["build", "--release", "-p", "arrive-server"]))?;
    let server = target_dir().join("release/arrive-server");
    let mut command = Command::new(&server);
    command
        .current_dir(project_root())
        .env("ARRIVE_DIST", &dist)
        .env_remove("ARRIVE_DEMO_EXTRA_PATIENTS")
        .env(
            "ARRIVE_DATA_DIR",
            std::env::var("ARRIVE_DATA_DIR").unwrap_or_else(|_| "data".into()),
        );
    eprintln!("\nStarting the server (Ctrl-C stops it)…");
    // Become the server, so Ctrl-C reaches it directly and it shuts down cleanly.
    use std::os::unix::process::CommandExt;
    Err(format!("cannot start {}: {}", server.display(), command.exec()))
}

fn test() -> Result {
    let wasm = ["--target", "wasm32-unknown-unknown"];
    tools::ensure_wasm_target()?;
    run_cmd(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run_cmd(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    run_cmd(
        cargo()
            .args(["clippy", "-p", "arrive-kiosk", "--all-targets"])
            .args(wasm)
            .args(["--", "-D", "warnings"]),
    )?;

    // Native: domain unit tests, server integration tests over loopback HTTP; what we send to
    // other systems (FHIR, X12) is checked by validators nobody on this team wrote.
    let validators = tools::ensure_validators()?;
    let fhir_engine = tools::ensure_fhir_engine()?;
    run_cmd(
        cargo()
            .args(["test", "--workspace"])
            .env("ARRIVE_VALIDATORS", &validators)
            .env("ARRIVE_FHIR_ENGINE", &fhir_engine),
    )?;
    // The server's HTTP suites again on PostgreSQL (127.0.0.1:5432 unless
    // ARRIVE_TEST_POSTGRES_URL says otherwise; a database of their own, dropped after).
    run_cmd(
        cargo()
            .args(["test", "-p", "arrive-server"])
            .env("ARRIVE_TEST_DATABASE", "postgres")
            .env("ARRIVE_VALIDATORS", &validators)
            .env("ARRIVE_FHIR_ENGINE", &fhir_engine),
    )?;

    // Browser: the kiosk's components in headless Chromium (wasm-bindgen-test).
    let browser = tools::ensure_chromium()?;
    tools::ensure_wasm_bindgen_cli()?;
    run_cmd(
        cargo()
            .args(["test", "-p", "arrive-kiosk"])
            .args(wasm)
            .env("PATH", tools::path_with_tools())
            .env("CHROMEDRIVER", &browser.chromedriver)
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner"),
    )?;

    // End to end: the real server binary, the real release build, Chromium over WebDriver; and
    // what that build holds (tests/bundle.rs: no desk-only words in the kiosk's wasm).
    let dist = build_apps()?;
    let axe = tools::ensure_axe_core()?;
    run_cmd(cargo().args(["build", "-p", "arrive-server"]))?;
    run_cmd(
        cargo()
            .args([
                "test",
                "-p",
                "arrive-kiosk",
                "--test",
                "e2e",
                "--test",
                "kiosk_flow",
                "--test",
                "home",
                "--test",
                "speech",
                "--test",
                "speech_fallback",
                "--test",
                "bundle",
                "--",
                "--ignored",
                "--test-threads=1",
            ])
            .env("ARRIVE_SERVER_BIN", target_dir().join("debug/arrive-server"))
            .env("ARRIVE_DIST", dist)
            .env("CHROMEDRIVER", &browser.chromedriver)
            .env("CHROMIUM", &browser.chromium)
            .env("AXE_JS", axe)
            .env("ARRIVE_VALIDATORS", &validators),
    )?;
    eprintln!("\nxtask test: every step passed");
    Ok(())
}
