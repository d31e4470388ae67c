//! The subset of FHIR R4 `Questionnaire` and `QuestionnaireResponse` that Arrive renders.
//!
//! Unknown properties are refused (`deny_unknown_fields`) so that a form using a feature we do
//! not implement fails when the server loads it, with the property's name, instead of being
//! silently half-rendered to a patient. Plain `extension`s may be ignored (FHIR allows that);
//! `modifierExtension`s may not, and are refused the same way.

use serde::{Deserialize, Serialize};

pub const TRANSLATION_URL: &str = "http://hl7.org/fhir/StructureDefinition/translation";
pub const ORDINAL_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";

/// JSON a form may carry that the engine never reads (`meta`, `subjectType`): kept verbatim,
/// without the cost of a JSON value type in the kiosk's wasm.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = Value))]
#[serde(transparent)]
pub struct Opaque(Box<serde_json::value::RawValue>);

impl PartialEq for Opaque {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Questionnaire {
    pub resource_type: String,
    pub id: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(rename = "_title", default, skip_serializing_if = "Option::is_none")]
    pub title_element: Option<Element>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
    // Descriptive metadata: kept, never interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Group,
    Display,
    Boolean,
    Choice,
    String,
    Text,
    Integer,
    Decimal,
    Date,
}

impl ItemType {
    /// Items that take answers (not groups or display text).
    pub fn is_question(self) -> bool {
        !matches!(self, ItemType::Group | ItemType::Display)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Item {
    pub link_id: String,
    #[serde(rename = "type")]
    pub kind: ItemType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(rename = "_text", default, skip_serializing_if = "Option::is_none")]
    pub text_element: Option<Element>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repeats: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enable_when: Vec<EnableWhen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_behavior: Option<EnableBehavior>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer_option: Vec<AnswerOption>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initial: Vec<ValueX>,
    // A recursive type: its schema refers to itself by name.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EnableBehavior {
    All,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Operator {
    #[serde(rename = "exists")]
    Exists,
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = "!=")]
    NotEqual,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = "<")]
    Less,
    #[serde(rename = ">=")]
    GreaterOrEqual,
    #[serde(rename = "<=")]
    LessOrEqual,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnableWhen {
    pub question: String,
    pub operator: Operator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_decimal: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_integer: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_coding: Option<Coding>,
}

impl EnableWhen {
    /// The `answer[x]` as a value (exactly one must be present).
    pub fn answer(&self) -> Result<Answer, String> {
        one_value(
            self.answer_boolean,
            self.answer_decimal,
            self.answer_integer,
            self.answer_date.as_deref(),
            self.answer_string.as_deref(),
            self.answer_coding.as_ref(),
        )
    }
}

/// An `answerOption`: its value, and `initialSelected` if set.
pub type AnswerOption = ValueX;

impl ValueX {
    /// An answer option's score from the `ordinalValue` extension (e.g. PHQ-9's 0–3).
    pub fn ordinal_value(&self) -> Option<f64> {
        self.extension
            .iter()
            .chain(self.value_coding.iter().flat_map(|c| c.extension.iter()))
            .find(|e| e.url == ORDINAL_VALUE_URL)
            .and_then(|e| e.value_decimal.or(e.value_integer.map(|i| i as f64)))
    }
}

/// A FHIR `value[x]` (answerOption, initial, response answer): exactly one `value*` is set.
/// One struct serves all three (serde cannot deny unknown fields through `flatten`);
/// `initialSelected` belongs to options and `item` to response answers only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValueX {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(rename = "_valueString", default, skip_serializing_if = "Option::is_none")]
    pub value_string_element: Option<Element>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_selected: Option<bool>,
    // A recursive type: its schema refers to itself by name.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ResponseItem>,
}

impl ValueX {
    pub fn answer(&self) -> Result<Answer, String> {
        one_value(
            self.value_boolean,
            self.value_decimal,
            self.value_integer,
            self.value_date.as_deref(),
            self.value_string.as_deref(),
            self.value_coding.as_ref(),
        )
    }

    pub fn from_answer(answer: &Answer) -> ValueX {
        let mut v = ValueX::default();
        match answer {
            Answer::Boolean(b) => v.value_boolean = Some(*b),
            Answer::Decimal(d) => v.value_decimal = Some(*d),
            Answer::Integer(i) => v.value_integer = Some(*i),
            Answer::Date(d) => v.value_date = Some(crate::date::iso(*d)),
            Answer::String(s) => v.value_string = Some(s.clone()),
            Answer::Coding(c) => v.value_coding = Some(c.clone()),
        }
        v
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(rename = "_display", default, skip_serializing_if = "Option::is_none")]
    pub display_element: Option<Element>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

impl Coding {
    /// Codings are the same answer when system and code agree (display is for people).
    pub fn same_concept(&self, other: &Coding) -> bool {
        self.system == other.system && self.code == other.code
    }
}

/// A primitive's element part (`_text`), where FHIR keeps its extensions: translations here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Element {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

impl Element {
    /// The translation into `lang` (a BCP 47 tag such as "es"), if there is one.
    pub fn translation(&self, lang: &str) -> Option<&str> {
        self.extension
            .iter()
            .filter(|e| e.url == TRANSLATION_URL)
            .find_map(|e| {
                let part = |name: &str| e.extension.iter().find(|p| p.url == name);
                let this_lang = part("lang").and_then(|p| p.value_code.as_deref())?;
                (this_lang == lang).then(|| part("content").and_then(|p| p.value_string.as_deref()))?
            })
    }
}

/// Text in `lang`, falling back to the form's own language.
pub fn localized<'a>(text: Option<&'a str>, element: Option<&'a Element>, lang: &str) -> Option<&'a str> {
    element.and_then(|e| e.translation(lang)).or(text)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    // A recursive type: its schema refers to itself by name.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
}

/// One answer, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Boolean(bool),
    Decimal(f64),
    Integer(i64),
    Date(chrono::NaiveDate),
    String(String),
    Coding(Coding),
}

fn one_value(
    boolean: Option<bool>,
    decimal: Option<f64>,
    integer: Option<i64>,
    date: Option<&str>,
    string: Option<&str>,
    coding: Option<&Coding>,
) -> Result<Answer, String> {
    let mut found: Vec<Answer> = Vec::new();
    found.extend(boolean.map(Answer::Boolean));
    found.extend(decimal.filter(|d| d.is_finite()).map(Answer::Decimal));
    if decimal.is_some_and(|d| !d.is_finite()) {
        return Err("a decimal must be a finite number".into());
    }
    found.extend(integer.map(Answer::Integer));
    if let Some(date) = date {
        // The answer is not echoed: error messages never carry what a patient typed.
        let parsed = crate::date::parse_iso(date).ok_or_else(|| "a date must be a real YYYY-MM-DD date".to_string())?;
        found.push(Answer::Date(parsed));
    }
    found.extend(string.map(|s| Answer::String(s.to_owned())));
    found.extend(coding.cloned().map(Answer::Coding));
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err("no value is given".into()),
        _ => Err("more than one value is given".into()),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuestionnaireResponse {
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authored: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ResponseItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResponseItem {
    pub link_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer: Vec<ResponseAnswer>,
    // A recursive type: its schema refers to itself by name.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ResponseItem>,
}

/// A response `answer`: its value, and nested items if any.
pub type ResponseAnswer = ValueX;
