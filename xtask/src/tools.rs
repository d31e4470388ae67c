//! Installs the build and test tools this project needs, at the versions known to work on
//! our machines (crates.io, npm and Debian's packages are all they can reach).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, project_root, run_cmd, target_dir, Result};

/// binaryen's wasm-opt from npm. Debian's (version 108) produces a wasm that fails in Chromium.
pub const BINARYEN_VERSION: &str = "132";
/// axe-core, the accessibility rules engine the end-to-end tests run on every screen.
pub const AXE_CORE_VERSION: &str = "4";
/// Lighthouse, the page audit `cargo xtask bench` runs on the kiosk and the phone page.
pub const LIGHTHOUSE_VERSION: &str = "12.8.2";
/// eSpeak NG compiled to WebAssembly (GPL-3.0-or-later): the kiosk's offline voice, for tablets
/// whose browser has none (src/kiosk/speech/fallback.rs).
pub const ESPEAK_NG_VERSION: &str = "1.0.2";
/// The wasm splitter Leptos's `#[lazy]` (the `wasm_split_helpers` crate) is made for.
pub const WASM_SPLIT_VERSION: &str = "0.2.4";

/// Prints a command's stdout, or None when it cannot run.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", path_with_tools())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Where xtask keeps tools it installs without root (npm packages).
pub fn tools_dir() -> PathBuf {
    target_dir().join("tools")
}

/// PATH with our tools first: binaryen's bin and cargo's bin (for freshly installed tools).
pub fn path_with_tools() -> String {
    let mut parts = vec![tools_dir().join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
    {
        parts.push(home.join("bin"));
    }
    let current = std::env::var_os("PATH").unwrap_or_default();
    parts.extend(std::env::split_paths(&current));
    std::env::join_paths(parts)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn ensure_wasm_target() -> Result {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    run_cmd(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The wasm-bindgen version in Cargo.lock: the CLI must be exactly this version.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(project_root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

pub fn ensure_wasm_bindgen_cli() -> Result {
    let version = locked_wasm_bindgen_version()?;
    let have = |bin: &str| output_of(bin, &["--version"]).is_some_and(|v| v.split_whitespace().any(|w| w == version));
    if have("wasm-bindgen") && have("wasm-bindgen-test-runner") {
        return Ok(());
    }
    eprintln!("Installing wasm-bindgen-cli {version} to match Cargo.lock…");
    // Not --locked: one of its locked dependencies is not served by our registry mirror.
    run_cmd(cargo().args(["install", "wasm-bindgen-cli", "--version", &format!("={version}")]))
}

pub fn ensure_wasm_split() -> Result {
    let installed = output_of("cargo", &["install", "--list"]).unwrap_or_default();
    if installed.contains(&format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:")) {
        return Ok(());
    }
    eprintln!("Installing wasm-split-cli {WASM_SPLIT_VERSION}…");
    run_cmd(cargo().args([
        "install",
        "--locked",
        "wasm_split_cli_support",
        "--version",
        &format!("={WASM_SPLIT_VERSION}"),
        "--features",
        "build-binary",
    ]))
}

pub fn ensure_wasm_opt() -> Result {
    let wanted = format!("version {BINARYEN_VERSION}");
    if output_of("wasm-opt", &["--version"]).is_some_and(|v| v.contains(&wanted)) {
        return Ok(());
    }
    npm_install(&format!("binaryen@{BINARYEN_VERSION}"))
}

/// axe-core's browser bundle, for the end-to-end tests to inject into each page.
pub fn ensure_axe_core() -> Result<PathBuf> {
    let script = tools_dir().join("node_modules/axe-core/axe.min.js");
    if !script.exists() {
        npm_install(&format!("axe-core@{AXE_CORE_VERSION}"))?;
    }
    Ok(script)
}

/// The installed `espeak-ng` package's folder (its `dist/` and `LICENSE`), installed when
/// missing or another version.
pub fn ensure_espeak_ng() -> Result<PathBuf> {
    let dir = tools_dir().join("node_modules/espeak-ng");
    let installed = std::fs::read_to_string(dir.join("package.json"))
        .is_ok_and(|p| p.contains(&format!("\"version\": \"{ESPEAK_NG_VERSION}\"")));
    if !installed {
        npm_install(&format!("espeak-ng@{ESPEAK_NG_VERSION}"))?;
    }
    Ok(dir)
}

/// Lighthouse's command-line entry point (run with node), installed when missing.
pub fn ensure_lighthouse() -> Result<PathBuf> {
    let cli = tools_dir().join("node_modules/lighthouse/cli/index.js");
    let package = tools_dir().join("node_modules/lighthouse/package.json");
    let installed =
        std::fs::read_to_string(&package).is_ok_and(|p| p.contains(&format!("\"version\": \"{LIGHTHOUSE_VERSION}\"")));
    if !installed || !cli.exists() {
        npm_install(&format!("lighthouse@{LIGHTHOUSE_VERSION}"))?;
    }
    Ok(cli)
}

/// The independent FHIR and X12 validators (PyPI, pinned in xtask/validators/requirements.txt),
/// in a virtual environment of their own. Returns its `bin` folder.
pub fn ensure_validators() -> Result<PathBuf> {
    let venv = tools_dir().join("validators");
    let bin = venv.join("bin");
    let sources = project_root().join("xtask/validators");
    let requirements = sources.join("requirements.txt");
    // Reinstalled when the pins or the maps change.
    let mut wanted = String::new();
    for file in [
        "requirements.txt",
        "install_x12_maps.py",
        "x12-maps/270.5010.X279.A1.xml",
        "x12-maps/271.5010.X279.A1.xml",
    ] {
        let path = sources.join(file);
        wanted += &std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    }
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(bin);
    }
    if !bin.join("python").exists() {
        run_cmd(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run_cmd(
        Command::new(bin.join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
    )?;
    // pyx12 ships no 270/271 maps for 005010X279A1: add ours (see the script for where from).
    run_cmd(
        Command::new(bin.join("python"))
            .arg(project_root().join("xtask/validators/install_x12_maps.py"))
            .arg(venv.join("x12-maps")),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(bin)
}

/// A real FHIR R4 engine for the hand-off tests (`xtask/fhir-engine`: Medplum's FHIR router,
/// from npm, pinned in its package.json), installed into target/tools/fhir-engine. Returns that
/// folder: `node <folder>/engine.mjs PORT` serves it.
pub fn ensure_fhir_engine() -> Result<PathBuf> {
    let dir = tools_dir().join("fhir-engine");
    let sources = project_root().join("xtask/fhir-engine");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let manifest = std::fs::read_to_string(sources.join("package.json"))
        .map_err(|e| format!("cannot read the engine's package.json: {e}"))?;
    let stamp = dir.join("installed-package.json");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(manifest.as_str()) {
        std::fs::write(dir.join("package.json"), &manifest)
            .map_err(|e| format!("cannot write the engine's package.json: {e}"))?;
        run_cmd(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--omit=dev", "--prefix"])
                .arg(&dir),
        )?;
        std::fs::write(&stamp, &manifest).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    // The script beside its node_modules, where Node's module resolution finds them.
    std::fs::copy(sources.join("engine.mjs"), dir.join("engine.mjs"))
        .map_err(|e| format!("cannot copy the engine's script: {e}"))?;
    Ok(dir)
}

/// Installs an npm package into our tools folder (no root, nothing global).
fn npm_install(package: &str) -> Result {
    if output_of("npm", &["--version"]).is_none() {
        return Err(format!(
            "npm is needed to install {package}: install Node.js and npm (apt-get install nodejs npm)"
        ));
    }
    let dir = tools_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    run_cmd(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(package),
    )
}

pub struct Browser {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

/// Debian's Chromium and chromedriver, installed when missing and we are root.
pub fn ensure_chromium() -> Result<Browser> {
    let browser = Browser {
        chromium: "/usr/bin/chromium".into(),
        chromedriver: "/usr/bin/chromedriver".into(),
    };
    if browser.chromium.exists() && browser.chromedriver.exists() {
        return Ok(browser);
    }
    let is_root = output_of("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    if !is_root {
        return Err(
            "browser tests need Chromium and chromedriver: run `sudo apt-get install -y chromium chromium-driver`"
                .into(),
        );
    }
    run_cmd(Command::new("apt-get").arg("update"))?;
    run_cmd(
        Command::new("apt-get")
            .args([
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    Ok(browser)
}
