//! The clinic's intake forms: FHIR Questionnaires loaded once at start. A form this engine
//! cannot fully render and check stops the server with the reason, so no patient ever meets it.

use std::collections::HashMap;
use std::path::Path;

use arrive_domain::api::{FormList, FormSummary};
use arrive_domain::questionnaire::{self, phq, Questionnaire, QuestionnaireResponse};

/// The forms shipped in `forms/`, in the order the kiosk asks them.
const SHIPPED: [(&str, &str); 6] = [
    ("reason-for-visit", include_str!("../../forms/reason-for-visit.json")),
    ("allergies", include_str!("../../forms/allergies.json")),
    ("medications", include_str!("../../forms/medications.json")),
    ("phq-2", include_str!("../../forms/phq-2.json")),
    ("phq-9", include_str!("../../forms/phq-9.json")),
    ("pain", include_str!("../../forms/pain.json")),
];

pub const PHQ2_CODE: &str = "55757-9";

pub struct Forms {
    ordered: Vec<Questionnaire>,
}

/// What the server keeps of a response besides the response itself.
#[derive(Debug, Default, PartialEq)]
pub struct Scores {
    pub phq2_total: Option<u32>,
    pub phq9_total: Option<u32>,
    pub phq9_severity: Option<phq::Severity>,
    /// PHQ-9 item 9 answered above 0: the desk must know now.
    pub urgent: bool,
}

impl Forms {
    /// The shipped forms, or every `*.json` in `dir` (by file name) when a clinic has its own.
    pub fn load(dir: Option<&Path>) -> Result<Forms, String> {
        let sources: Vec<(String, String)> = match dir {
            None => SHIPPED
                .iter()
                .map(|(name, json)| (name.to_string(), json.to_string()))
                .collect(),
            Some(dir) => {
                let mut paths: Vec<_> = std::fs::read_dir(dir)
                    .map_err(|e| format!("cannot read forms folder {}: {e}", dir.display()))?
                    .filter_map(|entry| entry.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect();
                paths.sort();
                paths
                    .into_iter()
                    .map(|p| std::fs::read_to_string(&p).map(|json| (p.display().to_string(), json)))
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("cannot read a form: {e}"))?
            }
        };
        let mut ordered = Vec::new();
        let mut seen = HashMap::new();
        for (name, json) in sources {
            let form = questionnaire::load(&json).map_err(|e| format!("form {name}: {e}"))?;
            if let Some(other) = seen.insert(form.id.clone(), name.clone()) {
                return Err(format!("forms {other} and {name} have the same id {:?}", form.id));
            }
            ordered.push(form);
        }
        Ok(Forms { ordered })
    }

    pub fn get(&self, id: &str) -> Option<&Questionnaire> {
        self.ordered.iter().find(|f| f.id == id)
    }

    pub fn list(&self) -> FormList {
        FormList {
            forms: self
                .ordered
                .iter()
                .map(|f| FormSummary {
                    id: f.id.clone(),
                    title: f.title.clone().unwrap_or_else(|| f.id.clone()),
                    only_after_positive_phq2: is_phq9(f),
                })
                .collect(),
        }
    }
}

fn has_code(form: &Questionnaire, code: &str) -> bool {
    form.code
        .iter()
        .any(|c| c.system.as_deref() == Some(phq::LOINC) && c.code.as_deref() == Some(code))
}

pub fn is_phq9(form: &Questionnaire) -> bool {
    has_code(form, phq::PHQ9_PANEL)
}

/// Scores of a validated response (PHQ-2 and PHQ-9 forms are recognised by their LOINC codes).
pub fn score(form: &Questionnaire, response: &QuestionnaireResponse) -> Scores {
    let mut scores = Scores::default();
    if has_code(form, PHQ2_CODE) {
        scores.phq2_total = phq::total(form, &response.item, &phq::PHQ2_ITEMS);
    }
    if is_phq9(form) {
        let codes: Vec<&str> = phq::PHQ2_ITEMS
            .iter()
            .chain(phq::PHQ9_REST_ITEMS.iter())
            .copied()
            .collect();
        scores.phq2_total = phq::total(form, &response.item, &phq::PHQ2_ITEMS);
        scores.phq9_total = phq::total(form, &response.item, &codes);
        scores.phq9_severity = scores.phq9_total.map(phq::phq9_severity);
        scores.urgent = phq::item_points(form, &response.item, phq::PHQ9_ITEM9).is_some_and(|p| p > 0);
    }
    scores
}
