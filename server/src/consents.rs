//! The consents a patient signs, as the clinic words them: loaded once at start from
//! `consents/` (or `ARRIVE_CONSENTS_DIR`). Each text's version is the SHA-256 of its exact
//! wording, so a signature always names the words it was given for, and rewording a consent
//! asks everyone again.

use std::path::Path;

use arrive_domain::api::{ConsentDocument, LocalizedText};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const SHIPPED: [(&str, &str); 3] = [
    ("privacy-notice", include_str!("../../consents/1-privacy-notice.json")),
    (
        "consent-to-treat",
        include_str!("../../consents/2-consent-to-treat.json"),
    ),
    (
        "financial-responsibility",
        include_str!("../../consents/3-financial-responsibility.json"),
    ),
];

/// A consent file: exactly these fields, every language filled in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentFile {
    id: String,
    kind: ConsentKind,
    title: LocalizedText,
    text: LocalizedText,
}

/// What is versioned: the words, not how the EHR files them.
#[derive(Serialize)]
struct Wording<'a> {
    id: &'a str,
    title: &'a LocalizedText,
    text: &'a LocalizedText,
}

/// What signing a text means, which decides how the EHR files it (`fhir/signed.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// Acknowledging the Notice of Privacy Practices.
    PrivacyNotice,
    /// Consent to be examined and treated.
    Treatment,
    /// Agreeing to pay what insurance does not: an agreement, not a consent to care.
    FinancialResponsibility,
}

pub struct Consents {
    ordered: Vec<ConsentDocument>,
    kinds: Vec<ConsentKind>,
}

impl Consents {
    /// The shipped consents, or every `*.json` in `dir` in file-name order.
    pub fn load(dir: Option<&Path>) -> Result<Consents, String> {
        let sources = crate::config::json_sources(&SHIPPED, dir, "consents")?;
        let mut ordered: Vec<ConsentDocument> = Vec::new();
        let mut kinds = Vec::new();
        for (name, json) in sources {
            let file: ConsentFile = serde_json::from_str(&json).map_err(|e| format!("consent {name}: {e}"))?;
            let texts = [&file.title.en, &file.title.es, &file.text.en, &file.text.es];
            if file.id.trim().is_empty() || texts.iter().any(|t| t.trim().is_empty()) {
                return Err(format!(
                    "consent {name}: id, title and text must be filled in for every language"
                ));
            }
            if ordered.iter().any(|c| c.id == file.id) {
                return Err(format!("consent {name}: the id {:?} is used twice", file.id));
            }
            let wording = Wording {
                id: &file.id,
                title: &file.title,
                text: &file.text,
            };
            let canonical = serde_json::to_vec(&wording).map_err(|e| e.to_string())?;
            kinds.push(file.kind);
            ordered.push(ConsentDocument {
                version: hex::encode(Sha256::digest(&canonical)),
                id: file.id,
                title: file.title,
                text: file.text,
            });
        }
        Ok(Consents { ordered, kinds })
    }

    pub fn all(&self) -> &[ConsentDocument] {
        &self.ordered
    }

    pub fn get(&self, id: &str) -> Option<&ConsentDocument> {
        self.ordered.iter().find(|c| c.id == id)
    }

    pub fn kind(&self, id: &str) -> Option<ConsentKind> {
        let index = self.ordered.iter().position(|c| c.id == id)?;
        self.kinds.get(index).copied()
    }
}
