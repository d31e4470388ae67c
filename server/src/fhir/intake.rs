//! The forms as the EHR receives them: each QuestionnaireResponse rebuilt by the server from
//! its Questionnaire (texts and option displays from the definition; anything else the tablet
//! sent — extensions, altered wording — is left behind), and the PHQ scores the desk sees as
//! Observations, with a Flag when item 9 says the patient thinks of self-harm.

use arrive_domain::questionnaire::model::{Answer, Item, Questionnaire, QuestionnaireResponse, ResponseItem, ValueX};
use arrive_domain::questionnaire::phq;
use serde_json::{json, Value};

use super::reference::{
    coding, create_once, reference, Identity, FLAG_SYSTEM, LOINC, OBSERVATION_SYSTEM, RESPONSE_SYSTEM,
};
use crate::store::StoredResponse;

const PHQ2_TOTAL: (&str, &str) = (
    "55758-7",
    "Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]",
);
const PHQ9_TOTAL: (&str, &str) = (
    "44261-6",
    "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
);
const PHQ9_ITEM9_DISPLAY: &str = "Thoughts that you would be better off dead, or of hurting yourself in some way";

/// Whose answers, inside the Bundle.
pub struct Respondent<'a> {
    pub full_url: &'a str,
    pub appointment_id: i64,
}

/// The entries for one stored response: the QuestionnaireResponse, and for a PHQ its score
/// Observation (and Flag). A stored response always passed the engine's validation; one whose
/// form is no longer loaded is sent with its answers only.
pub fn entries(form: Option<&Questionnaire>, stored: &StoredResponse, who: &Respondent) -> Vec<Value> {
    let Ok(response) = serde_json::from_str::<QuestionnaireResponse>(&stored.response_json) else {
        return Vec::new();
    };
    let key = format!("{}-{}", who.appointment_id, stored.form_id);
    let response_url = super::reference::full_url("QuestionnaireResponse", &key);
    let identity = Identity::new(RESPONSE_SYSTEM, &key);
    let items: Vec<Value> = match form {
        Some(form) => from_definition(&form.item, &response.item),
        None => Vec::new(),
    };
    let canonical = form
        .and_then(|f| f.url.as_deref().map(|url| (url, f.version.as_deref())))
        .map_or_else(
            || format!("urn:arrive:form:{}", stored.form_id),
            |(url, version)| version.map_or(url.to_owned(), |v| format!("{url}|{v}")),
        );
    let mut entries = vec![create_once(
        "QuestionnaireResponse",
        &key,
        json!({
            "resourceType": "QuestionnaireResponse",
            "identifier": identity.identifier(),
            "questionnaire": canonical,
            "status": "completed",
            "subject": reference(who.full_url),
            "authored": stored.submitted_at,
            "author": reference(who.full_url),
            "source": reference(who.full_url),
            "item": items,
        }),
        &identity,
    )];
    let Some(form) = form else { return entries };
    if let Some(total) = stored.phq2_total.filter(|_| stored.phq9_total.is_none()) {
        entries.push(score(&key, PHQ2_TOTAL, total, None, stored, &response_url, who));
    }
    if let Some(total) = stored.phq9_total {
        let item9 = phq::item_points(form, &response.item, phq::PHQ9_ITEM9);
        entries.push(score(&key, PHQ9_TOTAL, total, item9, stored, &response_url, who));
        if item9.is_some_and(|points| points > 0) {
            entries.push(self_harm_flag(&key, stored, &response_url, who));
        }
    }
    entries
}

/// The response's items with the definition's texts; answers reduced to their value, codings
/// to the definition's option (system, code, display).
fn from_definition(definition: &[Item], answered: &[ResponseItem]) -> Vec<Value> {
    answered
        .iter()
        .filter_map(|given| {
            let item = definition.iter().find(|d| d.link_id == given.link_id)?;
            let answers: Vec<Value> = given
                .answer
                .iter()
                .filter_map(|answer| {
                    let mut value = clean_answer(item, answer)?;
                    let nested = from_definition(&item.item, &answer.item);
                    if !nested.is_empty() {
                        value["item"] = Value::Array(nested);
                    }
                    Some(value)
                })
                .collect();
            let mut out = json!({ "linkId": item.link_id });
            if let Some(text) = &item.text {
                out["text"] = json!(text);
            }
            if !answers.is_empty() {
                out["answer"] = Value::Array(answers);
            }
            let nested = from_definition(&item.item, &given.item);
            if !nested.is_empty() {
                out["item"] = Value::Array(nested);
            }
            Some(out)
        })
        .collect()
}

fn clean_answer(item: &Item, answer: &ValueX) -> Option<Value> {
    let value = match answer.answer().ok()? {
        Answer::Coding(given) => {
            let option = item
                .answer_option
                .iter()
                .filter_map(|o| o.value_coding.as_ref())
                .find(|o| o.same_concept(&given))?;
            let mut clean = json!({});
            if let Some(system) = &option.system {
                clean["system"] = json!(system);
            }
            if let Some(code) = &option.code {
                clean["code"] = json!(code);
            }
            if let Some(display) = &option.display {
                clean["display"] = json!(display);
            }
            return Some(json!({ "valueCoding": clean }));
        }
        other => ValueX::from_answer(&other),
    };
    serde_json::to_value(value).ok()
}

fn score(
    key: &str,
    (code, display): (&str, &str),
    total: i64,
    item9: Option<u32>,
    stored: &StoredResponse,
    response_url: &str,
    who: &Respondent,
) -> Value {
    let key = format!("{key}-{code}");
    let identity = Identity::new(OBSERVATION_SYSTEM, &key);
    let mut resource = json!({
        "resourceType": "Observation",
        "identifier": [identity.identifier()],
        "status": "final",
        "category": [{ "coding": [coding(
            "http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey",
        )]}],
        "code": { "coding": [coding(LOINC, code, display)], "text": display },
        "subject": reference(who.full_url),
        "effectiveDateTime": stored.submitted_at,
        "issued": stored.submitted_at,
        "performer": [reference(who.full_url)],
        "valueInteger": total,
        "derivedFrom": [reference(response_url)],
    });
    if let Some(points) = item9 {
        resource["component"] = json!([{
            "code": { "coding": [coding(LOINC, phq::PHQ9_ITEM9, PHQ9_ITEM9_DISPLAY)] },
            "valueInteger": points,
        }]);
    }
    create_once("Observation", &key, resource, &identity)
}

/// PHQ-9 item 9 above "Not at all": the care team must see it before anything else.
fn self_harm_flag(key: &str, stored: &StoredResponse, response_url: &str, who: &Respondent) -> Value {
    let key = format!("{key}-item-9");
    let identity = Identity::new(FLAG_SYSTEM, &key);
    let resource = json!({
        "resourceType": "Flag",
        "identifier": [identity.identifier()],
        "status": "active",
        "category": [{ "coding": [coding(
            "http://terminology.hl7.org/CodeSystem/flag-category", "clinical", "Clinical",
        )]}],
        "code": {
            "coding": [coding(LOINC, phq::PHQ9_ITEM9, PHQ9_ITEM9_DISPLAY)],
            "text": "PHQ-9 item 9 answered above \"Not at all\": see the patient now",
        },
        "subject": reference(who.full_url),
        "period": { "start": stored.submitted_at },
        "extension": [{
            "url": "http://hl7.org/fhir/StructureDefinition/flag-detail",
            "valueReference": reference(response_url),
        }],
    });
    create_once("Flag", &key, resource, &identity)
}
