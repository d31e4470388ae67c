//! Verification at check-in, beyond SQL: what the lobby may see of the record on file
//! (masked), what staff see of the changes (in full), the plain words for a refused field, and
//! the checks on an insurance card photo.

use arrive_domain::api::{CoverageCheck, DeskChange, Eligibility};
use arrive_domain::contact::{mask_address, mask_email, mask_emergency_contact, mask_phone};
use arrive_domain::insurance::mask_member_id;
use arrive_domain::verification::{
    Address, CoverageView, InsuranceUpdate, NewCoverage, Payer, Problem, RecordOnFile, Verification,
};
use arrive_domain::ErrorCode;
use axum::http::StatusCode;
use base64::Engine;

use crate::error::ApiError;
use crate::store::{CoverageOnFile, OnFile, OnFileContact, Verified, VisitOnFile};

/// Largest card photo we keep, decoded. A phone camera's photo, downscaled by the kiosk to
/// what a claims clerk needs to read, fits well within it.
pub const MAX_CARD_IMAGE_BYTES: usize = 300 * 1024;

/// The record on file as the lobby may see it: every value masked (enough for the patient to
/// recognise, not for anyone else to learn), except the language.
pub fn record_on_file(visit: &VisitOnFile, eligibility: Option<&Eligibility>) -> RecordOnFile {
    let p = &visit.patient;
    let address = match (&p.address_line, &p.postal_code) {
        (Some(line), Some(zip)) => Some(mask_address(line, zip)),
        _ => None,
    };
    let emergency_contact = p
        .emergency_contact_name
        .as_deref()
        .map(|name| mask_emergency_contact(name, p.emergency_contact_phone.as_deref()));
    RecordOnFile {
        address,
        phone: p.phone.as_deref().map(mask_phone),
        email: p.email.as_deref().map(mask_email),
        emergency_contact,
        language: p.language.clone(),
        coverages: visit
            .coverages
            .iter()
            .map(|c| CoverageView {
                payer_name: c.payer_name.clone(),
                member_id: mask_member_id(&c.member_id),
            })
            .collect(),
        // Only an active coverage's co-pay is one the patient will be asked for.
        copay_cents: eligibility
            .filter(|e| e.coverage == CoverageCheck::Active)
            .and_then(|e| e.copay_cents),
        prior_balance_cents: u32::try_from(p.balance_cents.max(0)).unwrap_or(u32::MAX),
    }
}

/// Each group the patient changed, before and after, in kiosk order, for staff.
pub fn changes(before: &OnFile, after: &Verification, payers: &[Payer]) -> Vec<DeskChange> {
    let mut changes = Vec::new();
    let mut push = |field: &str, before: String, after: String| {
        changes.push(DeskChange {
            field: field.to_owned(),
            before,
            after,
        })
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    if let Some(a) = after.address.changed() {
        push(
            "address",
            before.address.as_ref().map(address).unwrap_or_default(),
            address(a),
        );
    }
    if let Some(phone) = after.phone.changed() {
        push("phone", text(&before.phone), phone.clone());
    }
    if let Some(email) = after.email.changed() {
        push("email", text(&before.email), email.clone());
    }
    if let Some(c) = after.emergency_contact.changed() {
        let was = before.emergency_contact.as_ref().map(contact).unwrap_or_default();
        push(
            "emergency_contact",
            was,
            contact(&OnFileContact {
                name: c.name.clone(),
                phone: Some(c.phone.clone()),
            }),
        );
    }
    if let Some(language) = after.language.changed() {
        push("language", text(&before.language), language.clone());
    }
    let was = before.coverages.iter().map(coverage).collect::<Vec<_>>().join("; ");
    match &after.insurance {
        InsuranceUpdate::Same => {}
        InsuranceUpdate::SelfPay => push("insurance", was, "Self-pay (no insurance)".into()),
        InsuranceUpdate::Changed { primary, secondary } => {
            let now = std::iter::once(primary)
                .chain(secondary)
                .map(|c| coverage(&new_coverage(c, payers)))
                .collect::<Vec<_>>()
                .join("; ");
            push("insurance", was, now);
        }
    }
    changes
}

fn address(a: &Address) -> String {
    format!("{}, {}, {} {}", a.line, a.city, a.state, a.zip)
}

fn contact(c: &OnFileContact) -> String {
    match &c.phone {
        Some(phone) => format!("{} · {phone}", c.name),
        None => c.name.clone(),
    }
}

/// "Payer · member id · group", and who holds it when it is not the patient.
fn coverage(c: &CoverageOnFile) -> String {
    let mut parts = vec![c.payer_name.clone(), c.member_id.clone()];
    parts.extend(c.group_number.clone());
    if c.relationship != "self" {
        let holder = c.subscriber_name.clone().unwrap_or_default();
        let dob = c
            .subscriber_dob
            .as_deref()
            .map(|d| format!(", born {d}"))
            .unwrap_or_default();
        parts.push(format!("subscriber: {holder} ({}{dob})", c.relationship));
    }
    parts.join(" · ")
}

/// The payer's name in the clinic's list; a payer it does not list is named by its id.
fn payer_name(payer_id: &str, payers: &[Payer]) -> String {
    payers
        .iter()
        .find(|p| p.id == payer_id)
        .map_or_else(|| payer_id.to_owned(), |p| p.name.clone())
}

/// A checked verification, ready to be stored with its arrival: the payer of each coverage the
/// patient gave is named here, from the clinic's payer list, so the store keeps the names it is
/// handed and never needs the list.
pub fn verified(idempotency_key: String, verification: Verification, payers: &[Payer]) -> Verified {
    let payer_names = match &verification.insurance {
        InsuranceUpdate::Changed { primary, secondary } => std::iter::once(primary)
            .chain(secondary)
            .map(|c| payer_name(&c.payer_id, payers))
            .collect(),
        InsuranceUpdate::Same | InsuranceUpdate::SelfPay => Vec::new(),
    };
    Verified {
        idempotency_key,
        verification,
        payer_names,
    }
}

fn new_coverage(c: &NewCoverage, payers: &[Payer]) -> CoverageOnFile {
    CoverageOnFile {
        payer_id: c.payer_id.clone(),
        payer_name: payer_name(&c.payer_id, payers),
        member_id: c.member_id.clone(),
        group_number: c.group_number.clone(),
        relationship: crate::store::relationship_code(c.relationship).to_owned(),
        subscriber_name: c.subscriber_name.clone(),
        subscriber_dob: c.subscriber_dob.clone(),
    }
}

/// Plain English for a refused field (the kiosk shows its own translated words next to it).
/// Fixed text: it never repeats what was sent.
pub fn problem_message(problem: Problem) -> &'static str {
    match problem {
        Problem::Missing => "This is required.",
        Problem::NotAState => "This is not a US state or territory code.",
        Problem::NotAZip => "This is not a ZIP or ZIP+4 code.",
        Problem::NotAPhoneNumber => "This is not a phone number.",
        Problem::NotAnEmail => "This is not an e-mail address.",
        Problem::NotAName => "A name can use letters, spaces, hyphens, apostrophes and periods only.",
        Problem::NotADate => "This is not a real date (YYYY-MM-DD).",
        Problem::UnknownPayer => "This is not one of the payers the clinic lists.",
        Problem::NotAnMbi => "This is not a Medicare Beneficiary Identifier (11 characters).",
        Problem::NotAMemberId => "This is not a member ID (letters, digits and dashes).",
        Problem::TooLong => "This is too long.",
        Problem::UnknownLanguage => "This is not a language the clinic offers.",
    }
}

/// The first problem `verification::validate` found, as our JSON error (the kiosk, which runs
/// the same validation, has all of them).
pub fn validation_error(problems: &[arrive_domain::verification::FieldProblem]) -> ApiError {
    match problems.first() {
        Some(p) => ApiError::field(&p.field, problem_message(p.problem)),
        None => ApiError::field("verification", "The verification is not valid."),
    }
}

/// The kiosk's idempotency key for a check-in, lower-cased: 32–64 hex characters when given.
pub fn idempotency_key(key: Option<&str>) -> Result<Option<String>, ApiError> {
    match key.map(str::trim) {
        None => Ok(None),
        Some(k) if (32..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(k.to_ascii_lowercase()))
        }
        Some(_) => Err(ApiError::field(
            "idempotency_key",
            "The idempotency key must be 32 to 64 hexadecimal characters.",
        )),
    }
}

/// The 409 for an idempotency key another check-in already used.
pub fn key_used_elsewhere() -> ApiError {
    ApiError::conflict("This idempotency key was already used for another check-in.")
}

/// The 409 for an idempotency key sent again with different answers: a retry repeats its
/// request exactly, so this is a new request, and silently answering the first would lose it.
pub fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::IdempotencyKeyReused,
        "This idempotency key was already used with different answers: send a new key.",
    )
}

/// The 409 for an idempotency key refused by the store.
pub fn key_refused(refused: crate::store::KeyUse) -> ApiError {
    match refused {
        crate::store::KeyUse::OtherRequest => key_reused(),
        _ => key_used_elsewhere(),
    }
}

/// What a check-in (or a pre-registration's finish) says, checked before anything is stored:
/// its idempotency key (made here when the client sent none) and the verification validated
/// and normalised by the domain.
pub fn checked_request(
    request: &arrive_domain::api::CheckInRequest,
    payers: &[Payer],
) -> Result<(String, Option<Verification>), ApiError> {
    let key = idempotency_key(request.idempotency_key.as_deref())?;
    let verification = match &request.verification {
        Some(v) => {
            Some(arrive_domain::verification::validate(v, payers).map_err(|problems| validation_error(&problems))?)
        }
        None => None,
    };
    // Without a key from the kiosk the verification still needs one; the arrival itself is
    // idempotent per appointment either way.
    Ok((key.unwrap_or_else(crate::auth::new_token), verification))
}

/// The JPEG bytes of an uploaded photo: standard base64 (padding optional, a data-URL prefix
/// tolerated), at most [`MAX_CARD_IMAGE_BYTES`], starting and ending as a JPEG does.
pub fn decode_jpeg(base64_text: &str) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            "The photo is larger than 300 KiB. Take it again.",
        )
    };
    let text = base64_text.trim();
    let text = text.strip_prefix("data:image/jpeg;base64,").unwrap_or(text);
    // Refuse before decoding what cannot fit: 4 characters carry 3 bytes.
    if text.len() > MAX_CARD_IMAGE_BYTES.div_ceil(3) * 4 {
        return Err(too_large());
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let jpeg = engine
        .decode(text)
        .map_err(|_| ApiError::field("jpeg_base64", "The photo is not base64."))?;
    if jpeg.len() > MAX_CARD_IMAGE_BYTES {
        return Err(too_large());
    }
    // SOI and the first marker's 0xFF at the start, EOI at the end: a JPEG file, not just bytes.
    if !(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) && jpeg.ends_with(&[0xFF, 0xD9])) {
        return Err(ApiError::field("jpeg_base64", "The photo is not a JPEG image."));
    }
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PatientOnFile;
    use arrive_domain::insurance::Relationship;
    use arrive_domain::verification::{EmergencyContact, PaymentIntent, Update};

    fn visit() -> VisitOnFile {
        VisitOnFile {
            appointment_id: 1,
            external_id: None,
            external_system: None,
            starts_at: "2026-11-25T09:00".into(),
            starts_at_instant: None,
            ends_at_instant: None,
            provider: "Dr. Patel".into(),
            visit_type: "office-visit".into(),
            arrived_at: None,
            patient: PatientOnFile {
                id: 1,
                external_id: None,
                external_system: None,
                first_name: "Sean".into(),
                last_name: "O'Brien".into(),
                date_of_birth: "1971-09-30".into(),
                gender: None,
                address_line: Some("1402 Oak St".into()),
                city: Some("Austin".into()),
                state: Some("TX".into()),
                postal_code: Some("78742".into()),
                phone: Some("+15125550142".into()),
                email: Some("sean@example.com".into()),
                language: Some("en".into()),
                emergency_contact_name: Some("Maeve O'Brien".into()),
                emergency_contact_phone: Some("+15125550107".into()),
                balance_cents: 4550,
            },
            coverages: vec![CoverageOnFile {
                payer_id: "SBX01".into(),
                payer_name: "Sandbox Health Plan".into(),
                member_id: "SBX-100300".into(),
                group_number: None,
                relationship: "self".into(),
                subscriber_name: None,
                subscriber_dob: None,
            }],
        }
    }

    #[test]
    fn the_lobby_sees_masks_only() {
        let eligibility = Eligibility {
            checked_at: String::new(),
            coverage: CoverageCheck::Active,
            reason: None,
            plan_name: None,
            copay_cents: Some(3000),
            deductible_remaining_cents: None,
        };
        let record = record_on_file(&visit(), Some(&eligibility));
        assert_eq!(record.address.as_deref(), Some("•••• Oak St, •••42"));
        assert_eq!(record.phone.as_deref(), Some("(•••) •••-0142"));
        assert_eq!(record.email.as_deref(), Some("s•••@•••.com"));
        assert_eq!(record.emergency_contact.as_deref(), Some("M••• (•••) •••-0107"));
        assert_eq!(record.coverages[0].member_id, "••••0300");
        assert_eq!((record.copay_cents, record.prior_balance_cents), (Some(3000), 4550));
        let inactive = Eligibility {
            coverage: CoverageCheck::Inactive,
            ..eligibility
        };
        assert_eq!(record_on_file(&visit(), Some(&inactive)).copay_cents, None);
    }

    #[test]
    fn staff_see_each_change_in_full() {
        let before = OnFile {
            phone: Some("+15125550142".into()),
            coverages: vec![CoverageOnFile {
                payer_id: "SBX01".into(),
                payer_name: "Sandbox Health Plan".into(),
                member_id: "SBX-100300".into(),
                group_number: Some("G1".into()),
                relationship: "self".into(),
                subscriber_name: None,
                subscriber_dob: None,
            }],
            ..OnFile::default()
        };
        let after = Verification {
            address: Update::Same,
            phone: Update::Changed {
                value: "+15125550199".into(),
            },
            email: Update::Same,
            emergency_contact: Update::Changed {
                value: EmergencyContact {
                    name: "Ann Lee".into(),
                    phone: "+15125550188".into(),
                },
            },
            language: Update::Same,
            insurance: InsuranceUpdate::Changed {
                primary: NewCoverage {
                    payer_id: "AETNA1".into(),
                    member_id: "W123".into(),
                    group_number: None,
                    relationship: Relationship::Spouse,
                    subscriber_name: Some("Ann Lee".into()),
                    subscriber_dob: Some("1970-01-02".into()),
                },
                secondary: None,
            },
            payment: PaymentIntent::BillMe,
        };
        let payers = [Payer {
            id: "AETNA1".into(),
            name: "Aetna".into(),
            member_id_format: arrive_domain::verification::MemberIdFormat::Generic,
        }];
        let found: Vec<(String, String, String)> = changes(&before, &after, &payers)
            .into_iter()
            .map(|c| (c.field, c.before, c.after))
            .collect();
        assert_eq!(
            found,
            [
                ("phone".into(), "+15125550142".into(), "+15125550199".into()),
                (
                    "emergency_contact".into(),
                    String::new(),
                    "Ann Lee · +15125550188".into()
                ),
                (
                    "insurance".into(),
                    "Sandbox Health Plan · SBX-100300 · G1".into(),
                    "Aetna · W123 · subscriber: Ann Lee (spouse, born 1970-01-02)".into()
                ),
            ]
        );
    }

    #[test]
    fn a_card_photo_must_be_a_small_jpeg() {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9];
        assert_eq!(decode_jpeg(&b64(&jpeg)).unwrap(), jpeg);
        let unpadded = b64(&jpeg).trim_end_matches('=').to_owned();
        assert_eq!(decode_jpeg(&unpadded).unwrap(), jpeg);
        assert_eq!(
            decode_jpeg(&format!("data:image/jpeg;base64,{}", b64(&jpeg))).unwrap(),
            jpeg
        );
        let status = |text: &str| decode_jpeg(text).unwrap_err().status;
        assert_eq!(status(&b64(b"\x89PNG\r\n\x1a\n")), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status("not base64!"), StatusCode::UNPROCESSABLE_ENTITY);
        let mut big = vec![0u8; MAX_CARD_IMAGE_BYTES + 1];
        big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        assert_eq!(status(&b64(&big)), StatusCode::PAYLOAD_TOO_LARGE);
        let mut fits = vec![0u8; MAX_CARD_IMAGE_BYTES];
        fits[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        fits[MAX_CARD_IMAGE_BYTES - 2..].copy_from_slice(&[0xFF, 0xD9]);
        assert!(decode_jpeg(&b64(&fits)).is_ok());
    }
}
