//! The clinic's intake forms: FHIR Questionnaires loaded once at start. A form this engine
//! cannot fully render and check stops the server with the reason, so no patient ever meets it.

use std::collections::HashMap;
use std::path::Path;

use arrive_domain::api::{FormList, FormSummary, LastAnswers};
use arrive_domain::questionnaire::reask::{AskRule, Due};
use arrive_domain::questionnaire::{self, phq, Questionnaire, QuestionnaireResponse};
use chrono::NaiveDate;

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

/// Which forms each visit type asks, shipped with the forms.
const SHIPPED_VISIT_TYPES: &str = include_str!("../../forms/visit-types.txt");
pub const VISIT_TYPES_FILE: &str = "visit-types.txt";

/// When a returning patient is asked each form again, shipped with the forms.
const SHIPPED_RE_ASK: &str = include_str!("../../forms/re-ask.txt");
pub const RE_ASK_FILE: &str = "re-ask.txt";

pub struct Forms {
    ordered: Vec<Questionnaire>,
    /// (visit type, form ids in order); "default" serves any type not listed.
    by_visit_type: Vec<(String, Vec<String>)>,
    /// Each form's re-ask rule; a form not named is asked every visit.
    rules: HashMap<String, AskRule>,
}

/// The patient's latest answers to one form at a visit before this one.
#[derive(Debug, Clone)]
pub struct EarlierAnswer {
    pub form_id: String,
    /// The day of the visit they were given at.
    pub day: NaiveDate,
    pub response: QuestionnaireResponse,
}

/// Where a visit stands with its forms: what it asks, what was answered at this visit, and
/// when the patient last answered each form at an earlier one.
#[derive(Debug, Clone)]
pub struct FormProgress {
    pub visit_type: String,
    /// The visit's day at the clinic.
    pub visit_day: NaiveDate,
    /// Forms answered at this visit.
    pub answered: Vec<String>,
    /// The PHQ-2 total when this visit's PHQ-2 was answered without a PHQ-9.
    pub phq2_total: Option<u32>,
    /// (form id, day) of the patient's latest answer at an earlier visit, one per form.
    pub earlier: Vec<(String, NaiveDate)>,
}

impl FormProgress {
    fn last_answered(&self, form_id: &str) -> Option<NaiveDate> {
        self.earlier.iter().find(|(id, _)| id == form_id).map(|&(_, day)| day)
    }
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
    /// The shipped forms, or every `*.json` in `dir` (by file name) when a clinic has its own,
    /// with `visit-types.txt` from the same place.
    pub fn load(dir: Option<&Path>) -> Result<Forms, String> {
        let sources = crate::config::json_sources(&SHIPPED, dir, "forms")?;
        let mut ordered = Vec::new();
        let mut seen = HashMap::new();
        for (name, json) in sources {
            let form = questionnaire::load(&json).map_err(|e| format!("form {name}: {e}"))?;
            if let Some(other) = seen.insert(form.id.clone(), name.clone()) {
                return Err(format!("forms {other} and {name} have the same id {:?}", form.id));
            }
            ordered.push(form);
        }
        let visit_types = match dir {
            None => SHIPPED_VISIT_TYPES.to_owned(),
            Some(dir) => std::fs::read_to_string(dir.join(VISIT_TYPES_FILE))
                .map_err(|e| format!("cannot read {}: {e}", dir.join(VISIT_TYPES_FILE).display()))?,
        };
        let by_visit_type = parse_visit_types(&visit_types, &ordered)?;
        let re_ask = match dir {
            None => SHIPPED_RE_ASK.to_owned(),
            // A clinic's own forms may come without rules: each is then asked every visit.
            Some(dir) => match std::fs::read_to_string(dir.join(RE_ASK_FILE)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                read => read.map_err(|e| format!("cannot read {}: {e}", dir.join(RE_ASK_FILE).display()))?,
            },
        };
        let rules = parse_re_ask(&re_ask, &ordered)?;
        Ok(Forms {
            ordered,
            by_visit_type,
            rules,
        })
    }

    fn rule(&self, form_id: &str) -> AskRule {
        self.rules.get(form_id).copied().unwrap_or(AskRule::DEFAULT)
    }

    /// The forms this visit asks, in order, with how: the visit type's list less what the
    /// re-ask rules skip for this patient.
    /// The PHQ-9 follows this visit's PHQ-2: with no PHQ-2 due it is not asked either.
    pub fn due<'a>(&'a self, progress: &FormProgress) -> Vec<(&'a Questionnaire, Due)> {
        let mut due: Vec<(&Questionnaire, Due)> = self
            .for_visit(&progress.visit_type)
            .into_iter()
            .map(|form| {
                let due = self
                    .rule(&form.id)
                    .due(progress.last_answered(&form.id), progress.visit_day);
                (form, due)
            })
            .filter(|(_, due)| *due != Due::Skip)
            .collect();
        if !due.iter().any(|(form, _)| has_code(form, PHQ2_CODE)) {
            due.retain(|(form, _)| !is_phq9(form));
        }
        due
    }

    /// The forms a visit of this type asks, in order.
    pub fn for_visit(&self, visit_type: &str) -> Vec<&Questionnaire> {
        let ids = self
            .by_visit_type
            .iter()
            .find(|(t, _)| t == visit_type)
            .or_else(|| self.by_visit_type.iter().find(|(t, _)| t == "default"))
            .map(|(_, ids)| ids.as_slice())
            .unwrap_or_default();
        ids.iter().filter_map(|id| self.get(id)).collect()
    }

    pub fn get(&self, id: &str) -> Option<&Questionnaire> {
        self.ordered.iter().find(|f| f.id == id)
    }

    /// The forms of this visit not answered yet: every form due, and the PHQ-9 only when this
    /// visit's PHQ-2 asked for it.
    pub fn missing<'a>(&'a self, progress: &FormProgress) -> Vec<&'a str> {
        self.due(progress)
            .into_iter()
            .map(|(form, _)| form)
            .filter(|f| !is_phq9(f) || progress.phq2_total.is_some_and(phq::phq9_needed))
            .filter(|f| !progress.answered.contains(&f.id))
            .map(|f| f.id.as_str())
            .collect()
    }

    /// The forms this visit asks, for the kiosk: a pre-filled form comes with the patient's
    /// `last` answers when its rule asks to confirm them.
    pub fn list_due(&self, progress: &FormProgress, last: &[EarlierAnswer]) -> FormList {
        FormList {
            forms: self
                .due(progress)
                .into_iter()
                .map(|(form, due)| {
                    let last_answers = (due == Due::Confirm)
                        .then(|| last.iter().find(|earlier| earlier.form_id == form.id))
                        .flatten()
                        .map(|earlier| LastAnswers {
                            answered_on: arrive_domain::date::iso(earlier.day),
                            item: earlier.response.item.clone(),
                        });
                    FormSummary {
                        last_answers,
                        ..summary(form)
                    }
                })
                .collect(),
        }
    }

    /// Every form the clinic has.
    pub fn list(&self) -> FormList {
        FormList {
            forms: self.ordered.iter().map(summary).collect(),
        }
    }
}

fn summary(form: &Questionnaire) -> FormSummary {
    FormSummary {
        id: form.id.clone(),
        title: form.title.clone().unwrap_or_else(|| form.id.clone()),
        only_after_positive_phq2: is_phq9(form),
        last_answers: None,
    }
}

/// The lines of a rules file that say something (neither blank nor a `#` comment), trimmed,
/// with their numbers from 1.
fn rule_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

/// Reads `re-ask.txt`: `form id: rule` per line, `#` comments; every id must be a form, and a
/// screener (PHQ-2, PHQ-9) is never pre-filled.
fn parse_re_ask(text: &str, forms: &[Questionnaire]) -> Result<HashMap<String, AskRule>, String> {
    let mut rules = HashMap::new();
    for (n, line) in rule_lines(text) {
        let at = || format!("{RE_ASK_FILE} line {n}");
        let (id, rule) = line
            .split_once(':')
            .ok_or_else(|| format!("{}: expected `form id: rule`", at()))?;
        let id = id.trim();
        let form = forms
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| format!("{}: there is no form {id:?}", at()))?;
        let rule = AskRule::parse(rule).map_err(|e| format!("{}: {e}", at()))?;
        if rule.pre_filled && (has_code(form, PHQ2_CODE) || is_phq9(form)) {
            return Err(format!("{}: a screener is never pre-filled", at()));
        }
        if rules.insert(id.to_owned(), rule).is_some() {
            return Err(format!("{}: form {id:?} has two rules", at()));
        }
    }
    Ok(rules)
}

/// Reads `visit-types.txt`: `type: id, id, …` per line, `#` comments; every id must be a form.
fn parse_visit_types(text: &str, forms: &[Questionnaire]) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (n, line) in rule_lines(text) {
        let at = || format!("{VISIT_TYPES_FILE} line {n}");
        let (visit_type, ids) = line
            .split_once(':')
            .ok_or_else(|| format!("{}: expected `visit type: form id, form id`", at()))?;
        let visit_type = visit_type.trim().to_owned();
        let ids: Vec<String> = ids
            .split(',')
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .collect();
        if let Some(unknown) = ids.iter().find(|id| !forms.iter().any(|f| &f.id == *id)) {
            return Err(format!("{}: there is no form {unknown:?}", at()));
        }
        if out.iter().any(|(t, _)| *t == visit_type) {
            return Err(format!("{}: visit type {visit_type:?} is listed twice", at()));
        }
        out.push((visit_type, ids));
    }
    if !out.iter().any(|(t, _)| t == "default") {
        return Err(format!("{VISIT_TYPES_FILE}: a `default:` line is required"));
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Vec<Questionnaire> {
        SHIPPED
            .iter()
            .map(|(_, json)| questionnaire::load(json).unwrap())
            .collect()
    }

    #[test]
    fn the_shipped_rules_read() {
        let rules = parse_re_ask(SHIPPED_RE_ASK, &shipped()).unwrap();
        assert!(rules["medications"].pre_filled);
        assert!(!rules["phq-2"].pre_filled);
    }

    #[test]
    fn a_rule_for_no_form_a_pre_filled_screener_or_two_rules_stop_the_server() {
        let forms = shipped();
        for (text, expected) in [
            ("vitamins: every visit", "there is no form"),
            ("phq-2: every visit, pre-filled", "a screener is never pre-filled"),
            ("phq-9: once, pre-filled", "a screener is never pre-filled"),
            ("pain: once\npain: every visit", "two rules"),
            ("pain: fortnightly", "is not a rule"),
            ("pain every visit", "expected `form id: rule`"),
        ] {
            let error = parse_re_ask(text, &forms).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
