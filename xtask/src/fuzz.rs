//! `cargo xtask fuzz [SECONDS]`: every parser and validator of the domain crate, and the JSON
//! decoders of what a tablet sends, fed generated input for a bounded time each.
//!
//! The generators are proptest's (domain/tests/properties.rs, domain/src/x12/tests/mod.rs):
//! cargo-fuzz needs a nightly compiler these machines do not have. Each property runs in its
//! own release-mode process with a huge case count and is stopped after SECONDS (default 60):
//! stopped is a pass, a failure before the deadline prints proptest's minimal failing input.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::{cargo, project_root, Result};

/// (test binary: "lib" or an integration test's name, property name)
const PROPERTIES: &[(&str, &str)] = &[
    ("properties", "dates_of_birth_parse_or_say_why"),
    ("properties", "names_are_cleaned_once_and_for_all"),
    ("properties", "iso_dates_round_trip"),
    ("properties", "the_pad_only_makes_paths_the_server_accepts"),
    ("properties", "contact_and_member_id_checks_are_idempotent"),
    ("properties", "any_text_loaded_as_a_form_is_a_form_or_a_reason"),
    (
        "properties",
        "any_response_to_a_shipped_form_is_judged_without_panicking",
    ),
    ("properties", "kiosk_submissions_decode_or_are_refused"),
    ("properties", "saved_progress_is_kept_only_within_its_limits"),
    ("properties", "any_verification_is_judged_and_what_passes_is_stable"),
    (
        "properties",
        "the_control_character_scan_of_json_agrees_with_its_strings",
    ),
    ("lib", "x12::tests::arbitrary_text_never_panics"),
    ("lib", "x12::tests::arbitrary_text_after_a_valid_isa_never_panics"),
    ("lib", "x12::tests::mutated_interchanges_never_panic"),
    ("lib", "x12::tests::whatever_build_270_accepts_parse_270_reads_back"),
];

pub fn fuzz(seconds: u64) -> Result {
    let binaries = build_test_binaries()?;
    let mut failures = Vec::new();
    for (binary, name) in PROPERTIES {
        let path = binaries
            .iter()
            .find(|(b, _)| b == binary)
            .map(|(_, path)| path)
            .ok_or_else(|| format!("no {binary} test binary was built"))?;
        let started = Instant::now();
        // The test binary itself, not `cargo test`: killing cargo would leave it running.
        let mut child = std::process::Command::new(project_root().join(path))
            .args(["--exact", name, "--quiet"])
            .env("PROPTEST_CASES", "100000000")
            .current_dir(project_root().join("domain"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {name}: {e}"))?;
        let outcome = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(status);
            }
            if started.elapsed() >= Duration::from_secs(seconds) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        match outcome {
            None => println!("{name}: no failure in {seconds} s"),
            Some(status) if status.success() => println!("{name}: passed all cases"),
            Some(_) => {
                let output = child.wait_with_output().map_err(|e| e.to_string())?;
                println!(
                    "{name}: FAILED\n{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                failures.push(*name);
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzzing found failures in: {}", failures.join(", ")))
    }
}

/// Builds the domain crate's tests in release mode; returns ("lib" | test name, executable).
fn build_test_binaries() -> Result<Vec<(String, String)>> {
    let output = cargo()
        .args(["test", "--release", "-p", "arrive-domain", "--no-run"])
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("cannot build the domain tests: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("building the domain tests failed:\n{log}"));
    }
    // "  Executable tests/properties.rs (target/release/deps/properties-…)"
    Ok(log
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Executable "))
        .filter_map(|rest| {
            let (source, path) = rest.split_once(" (")?;
            let name = if source.starts_with("unittests") {
                "lib".to_owned()
            } else {
                source.trim_start_matches("tests/").trim_end_matches(".rs").to_owned()
            };
            Some((name, path.trim_end_matches(')').to_owned()))
        })
        .collect())
}
