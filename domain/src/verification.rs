//! What a medical secretary checks "at each visit", as the kiosk asks it: each group of contact
//! details confirmed or replaced (never shown in full), insurance the same / changed / none,
//! and how the patient means to pay today. One `Verification` travels with the check-in; the
//! kiosk and the server run the same `validate` over it.

use serde::{Deserialize, Serialize};

use crate::contact::{validate_email, validate_phone, validate_state, validate_zip};
use crate::insurance::{validate_mbi, validate_member_id, MemberIdError, Relationship};
use crate::name::validate_name;

/// `POST /api/v1/kiosk/record`: what is on file, masked for the lobby.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordOnFile {
    /// `•••• Oak St, •••42`
    pub address: Option<String>,
    /// `(•••) •••-0142`
    pub phone: Option<String>,
    /// `p•••@•••.com`
    pub email: Option<String>,
    /// `M••• (•••) •••-0107`
    pub emergency_contact: Option<String>,
    /// BCP 47 code of the preferred language (`en`, `es`, …).
    pub language: Option<String>,
    /// Primary first.
    pub coverages: Vec<CoverageView>,
    /// Today's expected co-pay, in cents, when the payer told us.
    pub copay_cents: Option<u32>,
    /// What the patient owes from earlier visits, in cents.
    pub prior_balance_cents: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageView {
    pub payer_name: String,
    /// `••••MK73`
    pub member_id: String,
}

/// `GET /api/v1/kiosk/payers`: the payers a patient may pick from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payer {
    pub id: String,
    pub name: String,
    /// How its member IDs look.
    pub member_id_format: MemberIdFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberIdFormat {
    /// Medicare's Beneficiary Identifier (CMS's 11-character format).
    Mbi,
    /// Letters, digits and dashes, 2–30.
    Generic,
}

/// A group the patient confirmed ("This is right") or replaced ("This changed").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "answer", rename_all = "snake_case", deny_unknown_fields)]
pub enum Update<T> {
    Same,
    Changed { value: T },
}

impl<T> Update<T> {
    pub fn changed(&self) -> Option<&T> {
        match self {
            Update::Same => None,
            Update::Changed { value } => Some(value),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub line: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmergencyContact {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCoverage {
    pub payer_id: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub relationship: Relationship,
    /// Required when `relationship` is not `self`.
    pub subscriber_name: Option<String>,
    /// `YYYY-MM-DD`; required when `relationship` is not `self`.
    pub subscriber_dob: Option<String>,
}

// One per check-in, built once and sent: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "answer", rename_all = "snake_case", deny_unknown_fields)]
pub enum InsuranceUpdate {
    Same,
    /// "I have no insurance": self-pay.
    SelfPay,
    Changed {
        primary: NewCoverage,
        secondary: Option<NewCoverage>,
    },
}

/// How the patient means to pay today. The kiosk never takes card numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentIntent {
    /// With the card reader at the desk.
    CardAtDesk,
    CashOrCheck,
    BillMe,
    FinancialAssistance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Verification {
    pub address: Update<Address>,
    pub phone: Update<String>,
    pub email: Update<String>,
    pub emergency_contact: Update<EmergencyContact>,
    pub language: Update<String>,
    pub insurance: InsuranceUpdate,
    pub payment: PaymentIntent,
}

/// What is wrong with one field, for the kiosk to say next to it in the patient's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Missing,
    NotAState,
    NotAZip,
    NotAPhoneNumber,
    NotAnEmail,
    NotAName,
    NotADate,
    UnknownPayer,
    /// Not a Medicare Beneficiary Identifier (11 characters, CMS's letter/digit positions).
    NotAnMbi,
    NotAMemberId,
    TooLong,
    UnknownLanguage,
}

/// Field paths the kiosk puts errors next to, e.g. `address.zip`, `insurance.primary.member_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    pub field: String,
    pub problem: Problem,
}

/// Languages the clinic can speak with a patient (the kiosk itself speaks `en` and `es`).
pub const LANGUAGES: [&str; 8] = ["en", "es", "vi", "zh", "ar", "fr", "ko", "ru"];

/// The verification with every value normalised (E.164 phones, upper-case states and member
/// IDs, trimmed text), or every problem found — not just the first.
pub fn validate(verification: &Verification, payers: &[Payer]) -> Result<Verification, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut check = |field: &str, result: Result<String, Problem>| match result {
        Ok(value) => value,
        Err(problem) => {
            problems.push(FieldProblem {
                field: field.to_owned(),
                problem,
            });
            String::new()
        }
    };
    let address = match &verification.address {
        Update::Same => Update::Same,
        Update::Changed { value } => Update::Changed {
            value: Address {
                line: check("address.line", text(&value.line, 100)),
                city: check("address.city", text(&value.city, 60)),
                state: check("address.state", validate_state(&value.state).map_err(contact_problem)),
                zip: check("address.zip", validate_zip(&value.zip).map_err(contact_problem)),
            },
        },
    };
    let phone = match &verification.phone {
        Update::Same => Update::Same,
        Update::Changed { value } => Update::Changed {
            value: check("phone", validate_phone(value).map_err(contact_problem)),
        },
    };
    let email = match &verification.email {
        Update::Same => Update::Same,
        Update::Changed { value } => Update::Changed {
            value: check("email", validate_email(value).map_err(contact_problem)),
        },
    };
    let emergency_contact = match &verification.emergency_contact {
        Update::Same => Update::Same,
        Update::Changed { value } => Update::Changed {
            value: EmergencyContact {
                name: check("emergency_contact.name", person(&value.name)),
                phone: check(
                    "emergency_contact.phone",
                    validate_phone(&value.phone).map_err(contact_problem),
                ),
            },
        },
    };
    let language = match &verification.language {
        Update::Same => Update::Same,
        Update::Changed { value } => Update::Changed {
            value: check(
                "language",
                LANGUAGES
                    .iter()
                    .find(|l| **l == value.trim())
                    .map(|l| (*l).to_owned())
                    .ok_or(Problem::UnknownLanguage),
            ),
        },
    };
    let insurance = match &verification.insurance {
        InsuranceUpdate::Same => InsuranceUpdate::Same,
        InsuranceUpdate::SelfPay => InsuranceUpdate::SelfPay,
        InsuranceUpdate::Changed { primary, secondary } => {
            let primary = coverage("insurance.primary", primary, payers, &mut check);
            let secondary = secondary
                .as_ref()
                .map(|c| coverage("insurance.secondary", c, payers, &mut check));
            InsuranceUpdate::Changed { primary, secondary }
        }
    };
    let normalised = Verification {
        address,
        phone,
        email,
        emergency_contact,
        language,
        insurance,
        payment: verification.payment,
    };
    if problems.is_empty() {
        Ok(normalised)
    } else {
        Err(problems)
    }
}

/// One coverage, checked against the payer it names: a Medicare member ID must be an MBI.
fn coverage(
    prefix: &str,
    coverage: &NewCoverage,
    payers: &[Payer],
    check: &mut impl FnMut(&str, Result<String, Problem>) -> String,
) -> NewCoverage {
    let payer = payers.iter().find(|p| p.id == coverage.payer_id);
    let payer_id = check(
        &format!("{prefix}.payer_id"),
        payer.map(|p| p.id.clone()).ok_or(Problem::UnknownPayer),
    );
    let member_id = match payer.map(|p| p.member_id_format) {
        Some(MemberIdFormat::Mbi) => validate_mbi(&coverage.member_id).map_err(|e| match e {
            MemberIdError::Missing => Problem::Missing,
            _ => Problem::NotAnMbi,
        }),
        _ => validate_member_id(&coverage.member_id).map_err(|e| match e {
            MemberIdError::Missing => Problem::Missing,
            _ => Problem::NotAMemberId,
        }),
    };
    let member_id = check(&format!("{prefix}.member_id"), member_id);
    let group_number = coverage
        .group_number
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(|g| {
            let ok = g.len() <= 30 && g.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            check(
                &format!("{prefix}.group_number"),
                if ok {
                    Ok(g.to_ascii_uppercase())
                } else {
                    Err(Problem::NotAMemberId)
                },
            )
        });
    let (subscriber_name, subscriber_dob) = if coverage.relationship == Relationship::Own {
        (None, None)
    } else {
        let name = check(
            &format!("{prefix}.subscriber_name"),
            person(coverage.subscriber_name.as_deref().unwrap_or_default()),
        );
        let dob = check(
            &format!("{prefix}.subscriber_dob"),
            match coverage.subscriber_dob.as_deref().map(str::trim) {
                None | Some("") => Err(Problem::Missing),
                Some(d) => crate::date::parse_iso(d).map(crate::date::iso).ok_or(Problem::NotADate),
            },
        );
        (Some(name), Some(dob))
    };
    NewCoverage {
        payer_id,
        member_id,
        group_number,
        relationship: coverage.relationship,
        subscriber_name,
        subscriber_dob,
    }
}

fn text(value: &str, max: usize) -> Result<String, Problem> {
    let value = value.trim();
    match value.chars().count() {
        0 => Err(Problem::Missing),
        n if n > max => Err(Problem::TooLong),
        _ if value.chars().any(char::is_control) => Err(Problem::Missing),
        _ => Ok(value.to_owned()),
    }
}

/// A full name: one or more names as `validate_name` accepts them.
fn person(value: &str) -> Result<String, Problem> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Problem::Missing);
    }
    if value.chars().count() > 100 {
        return Err(Problem::TooLong);
    }
    validate_name(value).map_err(|_| Problem::NotAName)
}

fn contact_problem(error: crate::contact::ContactError) -> Problem {
    use crate::contact::ContactError;
    match error {
        ContactError::Missing => Problem::Missing,
        ContactError::NotAState => Problem::NotAState,
        ContactError::NotAZip => Problem::NotAZip,
        ContactError::NotAPhoneNumber => Problem::NotAPhoneNumber,
        ContactError::NotAnEmail => Problem::NotAnEmail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payers() -> Vec<Payer> {
        vec![
            Payer {
                id: "MCR01".into(),
                name: "Medicare".into(),
                member_id_format: MemberIdFormat::Mbi,
            },
            Payer {
                id: "SBX01".into(),
                name: "Sandbox Health Plan".into(),
                member_id_format: MemberIdFormat::Generic,
            },
        ]
    }

    fn nothing_changed() -> Verification {
        Verification {
            address: Update::Same,
            phone: Update::Same,
            email: Update::Same,
            emergency_contact: Update::Same,
            language: Update::Same,
            insurance: InsuranceUpdate::Same,
            payment: PaymentIntent::CardAtDesk,
        }
    }

    #[test]
    fn nothing_changed_is_valid_as_is() {
        assert_eq!(validate(&nothing_changed(), &payers()), Ok(nothing_changed()));
    }

    #[test]
    fn changes_are_normalised() {
        let v = Verification {
            address: Update::Changed {
                value: Address {
                    line: " 12 Elm St ".into(),
                    city: "Austin".into(),
                    state: "tx".into(),
                    zip: "787011234".into(),
                },
            },
            phone: Update::Changed {
                value: "(512) 555-0199".into(),
            },
            insurance: InsuranceUpdate::Changed {
                primary: NewCoverage {
                    payer_id: "MCR01".into(),
                    member_id: "1eg4-te5-mk73".into(),
                    group_number: None,
                    relationship: Relationship::Own,
                    subscriber_name: Some("ignored".into()),
                    subscriber_dob: None,
                },
                secondary: None,
            },
            ..nothing_changed()
        };
        let valid = validate(&v, &payers()).unwrap();
        let Update::Changed { value } = valid.address else {
            panic!()
        };
        assert_eq!(
            (value.line.as_str(), value.state.as_str(), value.zip.as_str()),
            ("12 Elm St", "TX", "78701-1234")
        );
        assert_eq!(
            valid.phone,
            Update::Changed {
                value: "+15125550199".into()
            }
        );
        let InsuranceUpdate::Changed { primary, .. } = valid.insurance else {
            panic!()
        };
        assert_eq!(primary.member_id, "1EG4TE5MK73");
        assert_eq!(primary.subscriber_name, None, "the patient is the subscriber");
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let v = Verification {
            address: Update::Changed {
                value: Address {
                    line: "".into(),
                    city: "Austin".into(),
                    state: "ZZ".into(),
                    zip: "7870".into(),
                },
            },
            email: Update::Changed { value: "nope".into() },
            insurance: InsuranceUpdate::Changed {
                primary: NewCoverage {
                    payer_id: "MCR01".into(),
                    member_id: "1SG4TE5MK73".into(),
                    group_number: Some("G 1".into()),
                    relationship: Relationship::Child,
                    subscriber_name: None,
                    subscriber_dob: Some("1970-02-30".into()),
                },
                secondary: Some(NewCoverage {
                    payer_id: "NOPE".into(),
                    member_id: "X1".into(),
                    group_number: None,
                    relationship: Relationship::Own,
                    subscriber_name: None,
                    subscriber_dob: None,
                }),
            },
            ..nothing_changed()
        };
        let problems = validate(&v, &payers()).unwrap_err();
        let found: Vec<(&str, Problem)> = problems.iter().map(|p| (p.field.as_str(), p.problem)).collect();
        assert_eq!(
            found,
            [
                ("address.line", Problem::Missing),
                ("address.state", Problem::NotAState),
                ("address.zip", Problem::NotAZip),
                ("email", Problem::NotAnEmail),
                ("insurance.primary.member_id", Problem::NotAnMbi),
                ("insurance.primary.group_number", Problem::NotAMemberId),
                ("insurance.primary.subscriber_name", Problem::Missing),
                ("insurance.primary.subscriber_dob", Problem::NotADate),
                ("insurance.secondary.payer_id", Problem::UnknownPayer),
            ]
        );
    }

    #[test]
    fn the_wire_format_is_tagged_and_strict() {
        let json = serde_json::to_value(nothing_changed()).unwrap();
        assert_eq!(json["address"], serde_json::json!({"answer": "same"}));
        assert_eq!(json["payment"], "card_at_desk");
        let mut extra = json.clone();
        extra["card_number"] = serde_json::json!("4111111111111111");
        assert!(serde_json::from_value::<Verification>(extra).is_err());
    }
}
