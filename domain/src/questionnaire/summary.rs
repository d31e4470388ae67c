//! A submitted response as staff read it: each answered question with its answer as text.

use super::draft::typed_text;
use super::model::{localized, Answer, Item, ItemType, QuestionnaireResponse, ResponseItem};

/// (question, answer) pairs in form order, in `lang` where the form has a translation. Rows
/// of a repeating group are numbered: "Allergy 2 · Substance".
pub fn answered(form_items: &[Item], response: &QuestionnaireResponse, lang: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(form_items, &response.item, lang, "", &mut out);
    out
}

fn text_of(item: &Item, lang: &str) -> String {
    localized(item.text.as_deref(), item.text_element.as_ref(), lang)
        .unwrap_or(&item.link_id)
        .to_owned()
}

fn walk(items: &[Item], given: &[ResponseItem], lang: &str, prefix: &str, out: &mut Vec<(String, String)>) {
    for item in items {
        let instances: Vec<&ResponseItem> = given.iter().filter(|r| r.link_id == item.link_id).collect();
        if item.kind == ItemType::Group {
            for (n, instance) in instances.iter().enumerate() {
                let label = if item.repeats {
                    format!("{prefix}{} {} · ", text_of(item, lang), n + 1)
                } else {
                    prefix.to_owned()
                };
                walk(&item.item, &instance.item, lang, &label, out);
            }
            continue;
        }
        for instance in instances {
            let answers: Vec<String> = instance
                .answer
                .iter()
                .filter_map(|v| v.answer().ok())
                .map(|a| answer_text(item, &a, lang))
                .collect();
            if !answers.is_empty() {
                out.push((format!("{prefix}{}", text_of(item, lang)), answers.join(", ")));
            }
        }
    }
}

fn answer_text(item: &Item, answer: &Answer, lang: &str) -> String {
    match answer {
        Answer::Boolean(true) => if lang == "es" { "Sí" } else { "Yes" }.to_owned(),
        Answer::Boolean(false) => "No".to_owned(),
        Answer::Coding(coding) => {
            // The option's own display (with its translation) when the answer is one of them.
            let option = item
                .answer_option
                .iter()
                .filter_map(|o| o.value_coding.as_ref())
                .find(|o| o.same_concept(coding))
                .unwrap_or(coding);
            localized(option.display.as_deref(), option.display_element.as_ref(), lang)
                .or(option.code.as_deref())
                .unwrap_or_default()
                .to_owned()
        }
        other => typed_text(Some(other)),
    }
}
