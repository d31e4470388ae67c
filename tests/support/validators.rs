//! Runs the independent validators `cargo xtask test` installs (xtask/validators): FHIR R4 with
//! PyPI's fhir.resources, X12 with pyx12's x12valid. Shared by the server's HTTP tests and the
//! end-to-end suite. A test that needs them fails, rather than skips, when they are missing.

use std::path::PathBuf;
use std::process::Command;

fn validators_bin() -> PathBuf {
    PathBuf::from(
        std::env::var_os("ARRIVE_VALIDATORS").expect(
            "ARRIVE_VALIDATORS is not set: run the tests with `cargo xtask test`, which installs the validators",
        ),
    )
}

fn temp_file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write the document");
    (dir, path)
}

/// The validator's exit status and everything it printed.
fn run(command: &mut Command, what: &str) -> (bool, String) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run the {what} validator: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Asserts that `document` (a resource or a Bundle) is valid FHIR R4.
pub fn assert_valid_fhir(document: &serde_json::Value) {
    let (_dir, path) = temp_file("document.json", &document.to_string());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("xtask/validators/validate_fhir.py").exists())
        .expect("the project root")
        .join("xtask/validators/validate_fhir.py");
    let (ok, report) = run(
        Command::new(validators_bin().join("python")).arg(script).arg(&path),
        "FHIR R4",
    );
    assert!(
        ok,
        "the FHIR R4 validator refused the document:\n{report}\n{document:#}"
    );
}

/// Asserts that `interchange` is a valid X12 interchange per its implementation guide (for
/// 270/271: 005010X279A1, with the maps xtask adds to pyx12's).
pub fn assert_valid_x12(interchange: &str) {
    let (_dir, path) = temp_file("interchange.x12", interchange);
    let maps = validators_bin().join("../x12-maps");
    let (_, report) = run(
        Command::new(validators_bin().join("x12valid"))
            .arg("-m")
            .arg(maps)
            .arg(&path),
        "X12",
    );
    // x12valid's exit status is 1 even for a valid file: its verdict is the "<file>: OK" line.
    assert!(
        report.contains("interchange.x12: OK") && !report.contains("ERROR"),
        "x12valid reported problems:\n{report}\n{interchange}"
    );
}
