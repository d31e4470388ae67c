//! The payers a patient may pick at the kiosk's insurance step (`payers/payers.json`, or the
//! clinic's own list in `ARRIVE_PAYERS_FILE`). Loaded once at start: a list that does not parse
//! or makes no sense stops the server with the reason, not a patient at the kiosk.

use std::path::Path;

use arrive_domain::verification::Payer;

const SHIPPED: &str = include_str!("../../payers/payers.json");

/// The clinic's list when `file` is given, else the shipped one.
pub fn load(file: Option<&Path>) -> Result<Vec<Payer>, String> {
    match file {
        None => parse(SHIPPED, "payers/payers.json (built in)"),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read payers file {}: {e}", path.display()))?;
            parse(&text, &path.display().to_string())
        }
    }
}

fn parse(text: &str, source: &str) -> Result<Vec<Payer>, String> {
    let payers: Vec<Payer> = serde_json::from_str(text).map_err(|e| {
        format!("{source}: not a JSON array of payers {{id, name, member_id_format: \"mbi\"|\"generic\"}}: {e}")
    })?;
    if payers.is_empty() {
        return Err(format!("{source}: the list of payers is empty"));
    }
    for (i, payer) in payers.iter().enumerate() {
        // The id goes into X12 270s (NM109) and the coverage table: keep it to what both take.
        if !(1..=20).contains(&payer.id.len()) || !payer.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "{source}: payer {}: id must be 1 to 20 letters and digits",
                i + 1
            ));
        }
        if payer.name.trim().is_empty() || payer.name.chars().count() > 80 {
            return Err(format!("{source}: payer {}: name must be 1 to 80 characters", i + 1));
        }
        if payers[..i].iter().any(|p| p.id.eq_ignore_ascii_case(&payer.id)) {
            return Err(format!("{source}: payer id {} appears twice", payer.id));
        }
    }
    Ok(payers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrive_domain::verification::MemberIdFormat;

    #[test]
    fn the_shipped_list_loads_with_medicare_as_mbi() {
        let payers = load(None).unwrap();
        let medicare = payers.iter().find(|p| p.id == "MCR01").unwrap();
        assert_eq!(medicare.member_id_format, MemberIdFormat::Mbi);
        assert!(payers.iter().any(|p| p.id == "SBX01"));
        assert!(payers.len() >= 10);
    }

    #[test]
    fn a_bad_list_says_why() {
        assert!(parse("{}", "x").unwrap_err().contains("not a JSON array"));
        assert!(parse("[]", "x").unwrap_err().contains("empty"));
        let bad_format = r#"[{"id":"A1","name":"A","member_id_format":"ssn"}]"#;
        assert!(parse(bad_format, "x").is_err());
        let bad_id = r#"[{"id":"A 1","name":"A","member_id_format":"generic"}]"#;
        assert!(parse(bad_id, "x").unwrap_err().contains("payer 1: id"));
        let twice = r#"[{"id":"A1","name":"A","member_id_format":"generic"},
                        {"id":"a1","name":"B","member_id_format":"generic"}]"#;
        assert!(parse(twice, "x").unwrap_err().contains("twice"));
    }
}
