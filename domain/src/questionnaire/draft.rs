//! A response while it is being filled in: the kiosk edits this tree as the patient answers,
//! then `finish` turns it into the QuestionnaireResponse that `validate` and the server check.
//!
//! A place in the tree is a `GroupPath`: the (linkId, instance) of each enclosing group, so a
//! question inside the second row of a repeating group is `[("allergy", 1)]` + its linkId.

use super::engine::enabled_items;
use super::model::{Answer, Item, ItemType, Questionnaire, QuestionnaireResponse, ResponseItem, ValueX};
use super::ProblemKind;

pub type GroupPath = [(String, usize)];

/// A fresh draft: `initial` values filled in and one row of every group, so a repeating list
/// (medications, allergies) starts with an empty row to type into.
pub fn start(items: &[Item]) -> Vec<ResponseItem> {
    items
        .iter()
        .filter(|item| item.kind != ItemType::Display)
        .map(|item| ResponseItem {
            link_id: item.link_id.clone(),
            text: None,
            answer: item
                .initial
                .iter()
                .filter_map(|v| v.answer().ok())
                .map(|a| ValueX::from_answer(&a))
                .collect(),
            item: if item.kind == ItemType::Group {
                start(&item.item)
            } else {
                Vec::new()
            },
        })
        .collect()
}

fn level<'a>(items: &'a [ResponseItem], path: &GroupPath) -> Option<&'a [ResponseItem]> {
    match path.split_first() {
        None => Some(items),
        Some(((link_id, index), rest)) => {
            let group = items.iter().filter(|i| &i.link_id == link_id).nth(*index)?;
            level(&group.item, rest)
        }
    }
}

fn level_mut<'a>(items: &'a mut Vec<ResponseItem>, path: &GroupPath) -> Option<&'a mut Vec<ResponseItem>> {
    match path.split_first() {
        None => Some(items),
        Some(((link_id, index), rest)) => {
            let group = items.iter_mut().filter(|i| &i.link_id == link_id).nth(*index)?;
            level_mut(&mut group.item, rest)
        }
    }
}

/// The answer given to question `link_id` at `path`, if any.
pub fn answer(items: &[ResponseItem], path: &GroupPath, link_id: &str) -> Option<Answer> {
    level(items, path)?
        .iter()
        .find(|i| i.link_id == link_id)?
        .answer
        .first()?
        .answer()
        .ok()
}

/// Sets (or, with `None`, clears) the answer to question `link_id` at `path`.
pub fn set_answer(items: &mut Vec<ResponseItem>, path: &GroupPath, link_id: &str, answer: Option<Answer>) {
    let Some(level) = level_mut(items, path) else {
        return;
    };
    let value: Vec<ValueX> = answer.iter().map(ValueX::from_answer).collect();
    match level.iter_mut().find(|i| i.link_id == link_id) {
        Some(item) => item.answer = value,
        None => level.push(ResponseItem {
            link_id: link_id.to_owned(),
            text: None,
            answer: value,
            item: Vec::new(),
        }),
    }
}

/// How many rows the group `link_id` at `path` has.
pub fn rows(items: &[ResponseItem], path: &GroupPath, link_id: &str) -> usize {
    level(items, path).map_or(0, |level| level.iter().filter(|i| i.link_id == link_id).count())
}

/// Adds an empty row to the repeating group `group` at `path`.
pub fn add_row(items: &mut Vec<ResponseItem>, path: &GroupPath, group: &Item) {
    let Some(level) = level_mut(items, path) else {
        return;
    };
    let row = ResponseItem {
        link_id: group.link_id.clone(),
        text: None,
        answer: Vec::new(),
        item: start(&group.item),
    };
    match level.iter().rposition(|i| i.link_id == group.link_id) {
        Some(last) => level.insert(last + 1, row),
        None => level.push(row),
    }
}

/// Removes row `index` of the group `link_id` at `path`.
pub fn remove_row(items: &mut Vec<ResponseItem>, path: &GroupPath, link_id: &str, index: usize) {
    let Some(level) = level_mut(items, path) else {
        return;
    };
    if let Some(position) = level
        .iter()
        .enumerate()
        .filter(|(_, i)| i.link_id == link_id)
        .nth(index)
        .map(|(p, _)| p)
    {
        level.remove(position);
    }
}

/// What the patient typed into a box, as an answer for an item of `kind`: `Ok(None)` when the
/// box is empty, `Err` when the text is not a value of that type.
pub fn parse_typed(kind: ItemType, text: &str) -> Result<Option<Answer>, ProblemKind> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = |what: &str| ProblemKind::InvalidValue(what.to_owned());
    match kind {
        ItemType::Integer => text
            .parse::<i64>()
            .map(|i| Some(Answer::Integer(i)))
            .map_err(|_| invalid("not a whole number")),
        ItemType::Decimal => text
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite())
            .map(|d| Some(Answer::Decimal(d)))
            .ok_or_else(|| invalid("not a number")),
        ItemType::Date => crate::date::parse_iso(text)
            .map(|d| Some(Answer::Date(d)))
            .ok_or_else(|| invalid("not a date")),
        ItemType::String | ItemType::Text => Ok(Some(Answer::String(text.to_owned()))),
        _ => Err(ProblemKind::WrongType),
    }
}

/// The text a box shows for an answer (the inverse of `parse_typed`).
pub fn typed_text(answer: Option<&Answer>) -> String {
    match answer {
        Some(Answer::Integer(i)) => i.to_string(),
        Some(Answer::Decimal(d)) => d.to_string(),
        Some(Answer::Date(d)) => crate::date::iso(*d),
        Some(Answer::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// The response to submit: questions left empty, empty rows and everything that does not
/// apply given the other answers (disabled by `enableWhen`) are dropped.
pub fn finish(form: &Questionnaire, draft: &[ResponseItem]) -> QuestionnaireResponse {
    let enabled = enabled_items(form, draft);
    QuestionnaireResponse {
        resource_type: "QuestionnaireResponse".to_owned(),
        id: None,
        questionnaire: form.url.clone(),
        status: "completed".to_owned(),
        authored: None,
        item: prune(draft, &enabled),
    }
}

fn prune(items: &[ResponseItem], enabled: &std::collections::HashSet<String>) -> Vec<ResponseItem> {
    items
        .iter()
        .filter(|i| enabled.contains(&i.link_id))
        .filter_map(|i| {
            let children = prune(&i.item, enabled);
            (!i.answer.is_empty() || !children.is_empty()).then(|| ResponseItem {
                link_id: i.link_id.clone(),
                text: None,
                answer: i.answer.clone(),
                item: children,
            })
        })
        .collect()
}

/// Fills unanswered top-level questions of `target` with the answers an earlier form gave to
/// questions with the same code (the PHQ-9 repeats the PHQ-2's two questions: the patient
/// should not have to answer them twice).
pub fn carry_over(
    target: &Questionnaire,
    draft: &mut Vec<ResponseItem>,
    source: &Questionnaire,
    given: &[ResponseItem],
) {
    for item in target.item.iter().filter(|i| i.kind.is_question()) {
        let Some(from) = source.item.iter().find(|s| {
            s.kind == item.kind
                && s.code
                    .iter()
                    .any(|c| item.code.iter().any(|d| c.system == d.system && c.code == d.code))
        }) else {
            continue;
        };
        if answer(draft, &[], &item.link_id).is_none() {
            if let Some(value) = answer(given, &[], &from.link_id) {
                set_answer(draft, &[], &item.link_id, Some(value));
            }
        }
    }
}
