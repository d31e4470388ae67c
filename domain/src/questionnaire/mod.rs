//! Forms as data: FHIR R4 Questionnaires, the rules that decide which questions apply
//! (`enableWhen`), the checks a response must pass, and scores (PHQ-2 / PHQ-9).
//!
//! One implementation for both sides: the kiosk renders and checks as the patient types; the
//! server loads the clinic's forms (refusing what this engine does not support) and re-checks
//! every submitted response.

pub mod draft;
mod engine;
pub mod model;
pub mod phq;
pub mod reask;
pub mod summary;

pub use engine::{enabled_items, load, validate, FormError, Problem, ProblemKind};
pub use model::{Answer, Item, ItemType, Questionnaire, QuestionnaireResponse};

#[cfg(test)]
mod tests;
