//! The kiosk's release build, split in two: what the lobby tablet needs for its first screens
//! (welcome, identify, confirm) and a chunk with the later steps, fetched right after start
//! (src/kiosk/visit.rs). Trunk cannot split a wasm module, so this does its job for the
//! kiosk: compile (keeping relocations, which the splitter reads), split with
//! `wasm-split-cli` (the tool Leptos's `#[lazy]` is built for), wasm-bindgen, wasm-opt, and
//! write index.html from the Trunk source page.
//!
//! Output: `dist/index.html`, `dist/public/`, and `dist/app-<content hash>/` holding the JS,
//! the wasm modules and the CSS. The hash in the folder name lets browsers cache the files
//! forever and still never mix two builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::path_with_tools;
use crate::{cargo, project_root, run_cmd, target_dir, Result};

const NAME: &str = "arrive-kiosk";
/// Whether a built file loads only after the first screen: the splitter names each split-off
/// module `split_<name>.wasm`, and code two of them share `chunk_<n>.wasm`.
pub fn loads_later(file_name: &str) -> bool {
    file_name.ends_with(".wasm") && (file_name.starts_with("split_") || file_name.starts_with("chunk_"))
}

pub fn build(dist: &Path) -> Result {
    run_cmd(cargo().args([
        "rustc",
        "-p",
        NAME,
        "--bin",
        NAME,
        "--profile",
        "wasm-release",
        "--target",
        "wasm32-unknown-unknown",
        "--features",
        "split",
        "--",
        "-C",
        "link-arg=--emit-relocs",
    ]))?;
    let compiled = target_dir().join(format!("wasm32-unknown-unknown/wasm-release/{NAME}.wasm"));
    let work = target_dir().join("kiosk-split");
    fresh_dir(&work)?;
    run_cmd(
        Command::new("wasm-split-cli")
            .arg(&compiled)
            .arg(&work)
            .args(["--out-name", NAME, "--target", "web"])
            .env("PATH", path_with_tools()),
    )?;

    let staging = work.join("app");
    // The chunk imports the main module's function table, which wasm-bindgen would otherwise
    // drop from its exports.
    run_cmd(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
            .args(["--out-name", NAME, "--out-dir"])
            .arg(&staging)
            .arg(work.join(format!("{NAME}.wasm")))
            .env("PATH", path_with_tools()),
    )?;
    for entry in read_dir(&work)? {
        let name = file_name(&entry);
        if entry.is_file() && name != format!("{NAME}.wasm") {
            copy(&entry, &staging.join(&name))?;
        }
    }
    for wasm in read_dir(&staging)?
        .into_iter()
        .filter(|p| file_name(p).ends_with(".wasm"))
    {
        run_cmd(
            Command::new("wasm-opt")
                .arg("-Oz")
                .arg(&wasm)
                .arg("-o")
                .arg(&wasm)
                .env("PATH", path_with_tools()),
        )?;
    }
    copy(&project_root().join("style/main.css"), &staging.join("main.css"))?;

    let app = format!("app-{:016x}", content_hash(&staging)?);
    fresh_dir(dist)?;
    std::fs::rename(&staging, dist.join(&app))
        .map_err(|e| format!("cannot move the kiosk into {}: {e}", dist.display()))?;
    let public = dist.join("public");
    std::fs::create_dir_all(&public).map_err(|e| format!("cannot create {}: {e}", public.display()))?;
    for file in read_dir(&project_root().join("public"))? {
        copy(&file, &public.join(file_name(&file)))?;
    }
    let page = std::fs::read_to_string(project_root().join("index.html"))
        .map_err(|e| format!("cannot read index.html: {e}"))?;
    std::fs::write(dist.join("index.html"), index_html(&page, &app)?)
        .map_err(|e| format!("cannot write index.html: {e}"))
}

/// Trunk's page with its `data-trunk` links replaced by the built files: the stylesheet, the
/// JS and main wasm preloaded, and the one inline module script that starts the app (the
/// server's Content-Security-Policy allows it by hash).
fn index_html(page: &str, app: &str) -> Result<String> {
    let kept: Vec<&str> = page.lines().filter(|l| !l.contains("data-trunk")).collect();
    let head_end = kept
        .iter()
        .position(|l| l.trim() == "</head>")
        .ok_or("index.html has no </head> line")?;
    let tags = format!(
        r#"    <link rel="stylesheet" href="/{app}/main.css" />
    <link rel="modulepreload" href="/{app}/{NAME}.js" />
    <link rel="preload" as="fetch" type="application/wasm" crossorigin href="/{app}/{NAME}_bg.wasm" />
    <script type="module">import init from "/{app}/{NAME}.js"; init({{ module_or_path: "/{app}/{NAME}_bg.wasm" }});</script>"#
    );
    let mut out: Vec<&str> = kept[..head_end].to_vec();
    out.push(&tags);
    out.extend(&kept[head_end..]);
    Ok(out.join("\n") + "\n")
}

/// FNV-1a over every file's name and bytes, in name order.
fn content_hash(dir: &Path) -> Result<u64> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut files = read_dir(dir)?;
    files.sort();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        for byte in file_name(&file).bytes().chain(bytes) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(hash)
}

fn fresh_dir(dir: &Path) -> Result {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}
