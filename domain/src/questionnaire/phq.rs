//! PHQ-2 and PHQ-9 depression screening: scores and severity from a response's answers.
//!
//! Items are found by their LOINC codes, so a clinic may reword or translate them freely.
//! Each answer's points come from its option's `ordinalValue` (0–3). Scores are for staff:
//! the kiosk never shows them to the patient.

use super::model::{Answer, Item, Questionnaire, ResponseItem};

pub const LOINC: &str = "http://loinc.org";
/// PHQ-9 panel.
pub const PHQ9_PANEL: &str = "44249-1";
/// The two PHQ-2 questions (also PHQ-9 items 1 and 2).
pub const PHQ2_ITEMS: [&str; 2] = ["44250-9", "44255-8"];
/// PHQ-9 items 3 to 9.
pub const PHQ9_REST_ITEMS: [&str; 7] = [
    "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8",
];
/// Item 9: thoughts that you would be better off dead, or of hurting yourself.
pub const PHQ9_ITEM9: &str = "44260-8";
/// The PHQ-2 score from which the full PHQ-9 is asked.
pub const PHQ2_POSITIVE_FROM: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    NoneMinimal,
    Mild,
    Moderate,
    ModeratelySevere,
    Severe,
}

/// Severity band of a PHQ-9 total (0–27).
pub fn phq9_severity(total: u32) -> Severity {
    match total {
        0..=4 => Severity::NoneMinimal,
        5..=9 => Severity::Mild,
        10..=14 => Severity::Moderate,
        15..=19 => Severity::ModeratelySevere,
        _ => Severity::Severe,
    }
}

/// Whether the rest of the PHQ-9 must be asked after this PHQ-2 score.
pub fn phq9_needed(phq2_total: u32) -> bool {
    phq2_total >= PHQ2_POSITIVE_FROM
}

fn find_by_code<'a>(items: &'a [Item], code: &str) -> Option<&'a Item> {
    items.iter().find_map(|item| {
        let here = item
            .code
            .iter()
            .any(|c| c.system.as_deref() == Some(LOINC) && c.code.as_deref() == Some(code));
        if here {
            Some(item)
        } else {
            find_by_code(&item.item, code)
        }
    })
}

fn answers_of<'a>(items: &'a [ResponseItem], link_id: &str) -> Vec<&'a super::model::ValueX> {
    let mut out = Vec::new();
    for item in items {
        if item.link_id == link_id {
            out.extend(item.answer.iter());
        }
        out.extend(answers_of(&item.item, link_id));
    }
    out
}

/// Points for the item coded `code`: None if the form lacks it or it is unanswered.
pub fn item_points(form: &Questionnaire, response: &[ResponseItem], code: &str) -> Option<u32> {
    let item = find_by_code(&form.item, code)?;
    let answer = answers_of(response, &item.link_id).into_iter().next()?.answer().ok()?;
    let option = item.answer_option.iter().find(|o| match (o.answer(), &answer) {
        (Ok(Answer::Coding(a)), Answer::Coding(b)) => a.same_concept(b),
        (Ok(a), b) => &a == b,
        _ => false,
    })?;
    option.ordinal_value().filter(|v| *v >= 0.0).map(|v| v as u32)
}

/// The sum over `codes`, if every one is answered.
pub fn total(form: &Questionnaire, response: &[ResponseItem], codes: &[&str]) -> Option<u32> {
    codes.iter().map(|code| item_points(form, response, code)).sum()
}
