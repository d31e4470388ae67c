//! The release build of one of the two web apps (the kiosk, the desk board) without Trunk:
//! compile to wasm, for the kiosk split in two with `wasm-split-cli` (the tool Leptos's
//! `#[lazy]` is built for: what the lobby tablet needs for its first screens, and a chunk
//! with the later steps fetched right after start, see src/kiosk/visit.rs), wasm-bindgen,
//! wasm-opt, and the page written from its Trunk source page (index.html, desk.html), which
//! `trunk serve` still uses for development.
//!
//! Output, in the app's folder of dist/ (`dist/` for the kiosk, `dist/desk/` for the desk):
//! `index.html` and `app-<content hash>/` holding the JS, the wasm modules and the CSS. The
//! hash in the folder name lets browsers cache the files forever and still never mix two
//! builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::path_with_tools;
use crate::{cargo, project_root, run_cmd, target_dir, Result};

/// One web app of the `arrive-kiosk` package.
pub struct App {
    /// The cargo bin, also the name of its JS and wasm files.
    pub bin: &'static str,
    /// The Trunk source page the built page is made from.
    pub page: &'static str,
    /// Stylesheets, linked in this order.
    pub stylesheets: &'static [&'static str],
    /// Split into first-screen module and later chunks (needs the `split` feature).
    pub split: bool,
    /// Its folder inside dist/, and the URL path it is served under.
    pub folder: &'static str,
}

pub const KIOSK: App = App {
    bin: "arrive-kiosk",
    page: "index.html",
    stylesheets: &["style/main.css"],
    split: true,
    folder: "",
};

/// Served under /desk: the lobby tablet never loads staff code.
pub const DESK: App = App {
    bin: "desk",
    page: "desk.html",
    stylesheets: &["style/main.css", "style/desk.css"],
    split: false,
    folder: "desk",
};

/// Whether a built file loads only after the first screen: the splitter names each split-off
/// module `split_<name>.wasm`, and code two of them share `chunk_<n>.wasm`.
pub fn loads_later(file_name: &str) -> bool {
    file_name.ends_with(".wasm") && (file_name.starts_with("split_") || file_name.starts_with("chunk_"))
}

impl App {
    /// Builds the app into its folder of `dist`, replacing what was there (the kiosk's folder
    /// is dist/ itself: build it before the desk).
    pub fn build(&self, dist: &Path) -> Result {
        let bin = self.bin;
        let compiled = self.compile()?;
        let work = target_dir().join(format!("bundle-{bin}"));
        fresh_dir(&work)?;
        let staging = work.join("app");
        let bindgen_input = if self.split {
            run_cmd(
                Command::new("wasm-split-cli")
                    .arg(&compiled)
                    .arg(&work)
                    .args(["--out-name", bin, "--target", "web"])
                    .env("PATH", path_with_tools()),
            )?;
            work.join(format!("{bin}.wasm"))
        } else {
            compiled
        };
        let mut bindgen = Command::new("wasm-bindgen");
        bindgen.args(["--target", "web", "--no-typescript"]);
        if self.split {
            // The chunks import the main module's function table, which wasm-bindgen would
            // otherwise drop from its exports.
            bindgen.arg("--keep-lld-exports");
        }
        run_cmd(
            bindgen
                .args(["--out-name", bin, "--out-dir"])
                .arg(&staging)
                .arg(&bindgen_input)
                .env("PATH", path_with_tools()),
        )?;
        if self.split {
            // The split-off modules and the splitter's loader, beside the main module.
            for entry in read_dir(&work)? {
                let name = file_name(&entry);
                if entry.is_file() && name != format!("{bin}.wasm") {
                    copy(&entry, &staging.join(&name))?;
                }
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
        for sheet in self.stylesheets {
            let source = project_root().join(sheet);
            copy(&source, &staging.join(file_name(&source)))?;
        }

        let app = format!("app-{:016x}", content_hash(&staging)?);
        let out = dist.join(self.folder);
        fresh_dir(&out)?;
        std::fs::rename(&staging, out.join(&app))
            .map_err(|e| format!("cannot move {bin} into {}: {e}", out.display()))?;
        let page = std::fs::read_to_string(project_root().join(self.page))
            .map_err(|e| format!("cannot read {}: {e}", self.page))?;
        std::fs::write(out.join("index.html"), self.page_html(&page, &app)?)
            .map_err(|e| format!("cannot write {}/index.html: {e}", out.display()))
    }

    /// Compiles the bin for the browser (profile wasm-release); returns the wasm file.
    fn compile(&self) -> Result<PathBuf> {
        let bin = self.bin;
        let target = ["--target", "wasm32-unknown-unknown", "--profile", "wasm-release"];
        if self.split {
            // Relocations kept: the splitter reads them.
            run_cmd(
                cargo()
                    .args(["rustc", "-p", "arrive-kiosk", "--bin", bin])
                    .args(target)
                    .args(["--features", "split", "--", "-C", "link-arg=--emit-relocs"]),
            )?;
        } else {
            run_cmd(cargo().args(["build", "-p", "arrive-kiosk", "--bin", bin]).args(target))?;
        }
        Ok(target_dir().join(format!("wasm32-unknown-unknown/wasm-release/{bin}.wasm")))
    }

    /// The source page with its `data-trunk` links replaced by the built files: the
    /// stylesheets, the JS and main wasm preloaded, and the one inline module script that
    /// starts the app (the server's Content-Security-Policy allows it by its hash, computed
    /// from this page at start).
    fn page_html(&self, page: &str, app: &str) -> Result<String> {
        let bin = self.bin;
        let base = if self.folder.is_empty() {
            format!("/{app}")
        } else {
            format!("/{}/{app}", self.folder)
        };
        let kept: Vec<&str> = page.lines().filter(|l| !l.contains("data-trunk")).collect();
        let head_end = kept
            .iter()
            .position(|l| l.trim() == "</head>")
            .ok_or(format!("{} has no </head> line", self.page))?;
        let mut tags: Vec<String> = self
            .stylesheets
            .iter()
            .map(|sheet| {
                let name = file_name(Path::new(sheet));
                format!(r#"    <link rel="stylesheet" href="{base}/{name}" />"#)
            })
            .collect();
        tags.push(format!(r#"    <link rel="modulepreload" href="{base}/{bin}.js" />"#));
        tags.push(format!(
            r#"    <link rel="preload" as="fetch" type="application/wasm" crossorigin href="{base}/{bin}_bg.wasm" />"#
        ));
        tags.push(format!(
            r#"    <script type="module">import init from "{base}/{bin}.js"; init({{ module_or_path: "{base}/{bin}_bg.wasm" }});</script>"#
        ));
        let mut out: Vec<&str> = kept[..head_end].to_vec();
        out.extend(tags.iter().map(String::as_str));
        out.extend(&kept[head_end..]);
        Ok(out.join("\n") + "\n")
    }
}

/// Copies `public/` (the favicon, shared by both apps' pages) into dist/public/.
pub fn copy_public(dist: &Path) -> Result {
    let public = dist.join("public");
    std::fs::create_dir_all(&public).map_err(|e| format!("cannot create {}: {e}", public.display()))?;
    for file in read_dir(&project_root().join("public"))? {
        copy(&file, &public.join(file_name(&file)))?;
    }
    Ok(())
}

/// Copies the offline voice (eSpeak NG's JS and wasm, and its licence, which the GPL wants
/// beside it) into dist/speech/, where the kiosk fetches it only when a tablet has no voice.
/// Its 18 MB take minutes to compress at brotli's best: done once per version, in the target
/// folder, and copied with the files.
pub fn copy_offline_voice(dist: &Path, package: &Path, version: &str) -> Result {
    let compressed = target_dir().join(format!("offline-voice-{version}"));
    if !compressed.exists() {
        // Made aside and renamed when whole: an interrupted build leaves no half of it.
        let making = target_dir().join(format!("offline-voice-{version}.partial"));
        fresh_dir(&making)?;
        for file in ["dist/espeak-ng.js", "dist/espeak-ng.wasm", "LICENSE"] {
            let source = package.join(file);
            copy(&source, &making.join(file_name(&source)))?;
        }
        crate::precompress::precompress(&making)?;
        std::fs::rename(&making, &compressed)
            .map_err(|e| format!("cannot move {} to {}: {e}", making.display(), compressed.display()))?;
    }
    let speech = dist.join("speech");
    fresh_dir(&speech)?;
    for file in read_dir(&compressed)? {
        copy(&file, &speech.join(file_name(&file)))?;
    }
    Ok(())
}

/// FNV-1a over every file's path (below `dir`) and bytes, in path order; folders (such as
/// wasm-bindgen's `snippets/`) included.
fn content_hash(dir: &Path) -> Result<u64> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in read_dir(&folder)? {
            if entry.is_dir() {
                folders.push(entry);
            } else {
                files.push(entry);
            }
        }
    }
    files.sort();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let name = file.strip_prefix(dir).unwrap_or(&file).to_string_lossy().into_owned();
        for byte in name.bytes().chain(bytes) {
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

pub fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect())
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}
