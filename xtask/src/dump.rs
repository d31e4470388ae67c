//! `cargo xtask dump-x12 <dir>`: writes the X12 interchanges the domain builds — a 270 for a
//! subscriber and one for a dependent, and the sandbox payer's 271 answers to them (active,
//! inactive, and each rejection) — as files in `<dir>`, to read or to check by hand with an
//! external validator such as pyx12's `x12valid`. The test suite checks the same kinds of
//! interchange with pyx12 on every run (`server/tests/api/standards.rs`); this is for a person
//! who wants the files themselves.

use std::path::Path;

use arrive_domain::x12::samples::{active_benefits, answered_at, dependent_inquiry, inquiry};
use arrive_domain::x12::{build_270, build_271, parse_270, Benefits, RejectReason, SandboxAnswer};

use crate::Result;

/// Every interchange written, by file name.
fn interchanges() -> Result<Vec<(String, String)>> {
    let x12 = |e: arrive_domain::x12::X12Error| format!("the domain refused its own sample: {e}");
    let mut files = Vec::new();
    for (suffix, inquiry) in [("", inquiry()), ("_dependent", dependent_inquiry())] {
        let inquiry_text = build_270(&inquiry).map_err(x12)?;
        let parsed = parse_270(&inquiry_text).map_err(x12)?;
        let answer = |answer: &SandboxAnswer| build_271(&parsed, answer, 7, answered_at()).map_err(x12);
        files.push((format!("generated_270{suffix}.x12"), inquiry_text.clone()));
        files.push((
            format!("generated_271{suffix}_active.x12"),
            answer(&SandboxAnswer::Benefits(active_benefits()))?,
        ));
        let inactive = Benefits {
            active: false,
            ..active_benefits()
        };
        files.push((
            format!("generated_271{suffix}_inactive.x12"),
            answer(&SandboxAnswer::Benefits(inactive))?,
        ));
        for reason in [
            RejectReason::InvalidMemberId,
            RejectReason::SubscriberNotFound,
            RejectReason::InvalidBirthDate,
            RejectReason::PayerUnavailable,
            RejectReason::Other("43".into()),
            RejectReason::Other("T4".into()),
        ] {
            let name = format!("generated_271{suffix}_rejected_{}.x12", reason.code());
            files.push((name, answer(&SandboxAnswer::Rejected(reason))?));
        }
    }
    Ok(files)
}

/// Writes every interchange into `dir` (created if missing) and says how to check them.
pub fn dump_x12(dir: &Path) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, text) in interchanges()? {
        let path = dir.join(&name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("{}", path.display());
    }
    eprintln!(
        "\nCheck them with pyx12 (installed by `cargo xtask test`):\n  \
         target/tools/validators/bin/x12valid -m target/tools/validators/x12-maps {}/*.x12",
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interchange_is_an_x12_interchange_with_its_own_name() {
        let files = interchanges().unwrap();
        assert_eq!(files.len(), 2 * 9);
        let mut names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), files.len(), "two files under one name");
        for (name, text) in &files {
            assert!(
                text.starts_with("ISA*") && text.trim_end().ends_with('~'),
                "{name}: {text}"
            );
        }
    }
}
