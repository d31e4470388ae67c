//! The lobby tablet downloads no desk-only words: the built kiosk's wasm holds none of a few
//! distinctive strings from the desk's table (src/desk/strings/), in either language, while the
//! desk's wasm holds every one of them (so a string copied wrong here cannot pass unnoticed) and
//! the kiosk's holds its own welcome text (so an unreadable kiosk build cannot pass either).
//! Reads the release build in ARRIVE_DIST: run by `cargo xtask test`, which builds it.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

/// Desk-only entries of the desk's string table, English and Spanish.
const DESK_ONLY: [&str; 4] = [
    "Median time at the kiosk (min:s)",
    "Tiempo mediano en la tableta (min:s)",
    "Too many wrong passwords. This account is locked for 15 minutes; an administrator can help sooner.",
    "Demasiadas contraseñas incorrectas. La cuenta queda bloqueada 15 minutos; un administrador puede ayudar antes.",
];

/// The kiosk's welcome lead, English and Spanish.
const KIOSK_OWN: [&str; 2] = [
    "Check in for your appointment here. It takes about a minute.",
    "Regístrese aquí para su cita. Tarda más o menos un minuto.",
];

#[test]
#[ignore = "needs the release build in ARRIVE_DIST: run `cargo xtask test`"]
fn the_kiosk_wasm_holds_no_desk_only_string() {
    let dist = PathBuf::from(std::env::var_os("ARRIVE_DIST").expect("ARRIVE_DIST is not set: run `cargo xtask test`"));
    // The desk is served from dist/desk/; everything else in dist/ is the kiosk's.
    let kiosk = wasm_files(&dist, &dist.join("desk"));
    let desk = wasm_files(&dist.join("desk"), Path::new(""));

    for text in KIOSK_OWN {
        assert!(holds(&kiosk, text), "the kiosk's wasm lacks its own {text:?}");
    }
    for text in DESK_ONLY {
        assert!(
            holds(&desk, text),
            "the desk's wasm lacks {text:?}: not a desk string any more?"
        );
        assert!(!holds(&kiosk, text), "the kiosk's wasm holds the desk-only {text:?}");
    }
}

/// Every `.wasm` file under `dir` (but not under `except`).
fn wasm_files(dir: &Path, except: &Path) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("cannot read {}: {e}", folder.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                if path != except {
                    folders.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == "wasm") {
                files.push(std::fs::read(&path).expect("read a wasm file"));
            }
        }
    }
    assert!(!files.is_empty(), "no .wasm file under {}", dir.display());
    files
}

fn holds(files: &[Vec<u8>], text: &str) -> bool {
    files
        .iter()
        .any(|bytes| bytes.windows(text.len()).any(|window| window == text.as_bytes()))
}
