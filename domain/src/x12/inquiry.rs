//! The 270 eligibility inquiry: built by the clinic, read back by the sandbox payer.

use chrono::{NaiveDate, NaiveDateTime};

use super::segments::{self, Body, Envelope, Segment};
use super::X12Error;

/// Who asks, about whom. Dates are plain dates; the caller passes "now" as `created`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    /// ISA06 / GS02: the clinic's interchange sender ID, e.g. `ARRIVECLINIC`; 2–15 characters.
    pub sender_id: String,
    /// ISA08 / GS03: the payer's or clearinghouse's ID; 2–15 characters.
    pub receiver_id: String,
    /// NM103 of loop 2100A.
    pub payer_name: String,
    /// NM109 of loop 2100A (qualifier PI).
    pub payer_id: String,
    /// NM103 of loop 2100B, an organization.
    pub provider_name: String,
    /// NM109 of loop 2100B (qualifier XX): 10 digits.
    pub provider_npi: String,
    pub subscriber_first: String,
    pub subscriber_last: String,
    /// NM109 of loop 2100C (qualifier MI).
    pub member_id: String,
    /// DMG02.
    pub subscriber_dob: NaiveDate,
    /// DTP03 with qualifier 291.
    pub service_date: NaiveDate,
    /// EQ01, e.g. `30` (health benefit plan coverage).
    pub service_type: String,
    /// ISA13 (nine digits, zero padded), GS06 and ST02 (at least four digits); at most 999999999.
    pub control_number: u32,
    /// TRN02 and BHT03: echoed by the payer so the answer can be matched to the question.
    pub trace: String,
    /// ISA09/10, GS04/05, BHT04/05.
    pub created: NaiveDateTime,
    /// ISA15: `P` when true, `T` (test) otherwise.
    pub production: bool,
    /// The patient, when they are not the subscriber (the coverage is a spouse's or a
    /// parent's): loops 2000D/2100D. `None`: the subscriber is the patient.
    pub dependent: Option<Dependent>,
}

/// The patient as a dependent of the subscriber (loop 2100D). 005010X279A1 identifies a
/// dependent by name and birth date only (NM108/NM109 are not used in 2100D); INS is
/// situational there (multiple births, payers that ask) and is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub first: String,
    pub last: String,
    /// DMG02 of loop 2100D.
    pub dob: NaiveDate,
}

/// What a payer reads from a 270: enough to answer it with a 271. Values are as the 270 wrote
/// them (upper case, accents already gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedInquiry {
    /// ISA06 without padding: the 271 goes back to it.
    pub sender_id: String,
    /// ISA08 without padding: the 271 comes from it.
    pub receiver_id: String,
    pub production: bool,
    pub payer_name: String,
    pub payer_id: String,
    pub provider_name: String,
    pub provider_npi: String,
    pub subscriber_first: String,
    pub subscriber_last: String,
    pub member_id: String,
    pub subscriber_dob: NaiveDate,
    pub service_date: NaiveDate,
    /// The first service type of the first EQ.
    pub service_type: String,
    /// TRN02 of the patient's level (2000C, or 2000D for a dependent).
    pub trace: String,
    /// TRN03 of the patient's level (2000C, or 2000D for a dependent), echoed in the 271's TRN.
    pub trace_originator: String,
    /// Loop 2000D, when the 270 has one.
    pub dependent: Option<Dependent>,
}

/// The names and identifiers a 270 and its 271 both carry, as borrowed from either struct.
pub(super) struct Parties<'a> {
    pub sender_id: &'a str,
    pub receiver_id: &'a str,
    pub payer_name: &'a str,
    pub payer_id: &'a str,
    pub provider_name: &'a str,
    pub provider_npi: &'a str,
    pub subscriber_first: &'a str,
    pub subscriber_last: &'a str,
    pub member_id: &'a str,
    pub subscriber_dob: NaiveDate,
    pub service_type: &'a str,
    pub trace: &'a str,
    pub dependent: Option<&'a Dependent>,
}

/// [`Parties`] checked and in wire form.
pub(super) struct Wire {
    pub sender_id: String,
    pub receiver_id: String,
    pub payer_name: String,
    pub payer_id: String,
    pub provider_name: String,
    pub provider_npi: String,
    pub subscriber_first: String,
    pub subscriber_last: String,
    pub member_id: String,
    pub subscriber_dob: String,
    pub service_type: String,
    pub trace: String,
    pub dependent: Option<WireDependent>,
}

/// [`Dependent`] in wire form.
pub(super) struct WireDependent {
    pub first: String,
    pub last: String,
    pub dob: String,
}

impl Parties<'_> {
    /// Lengths are the X12 element limits (ISA06 15, NM103 60, NM104 35, NM109 80, TRN02 50).
    pub(super) fn to_wire(&self) -> Result<Wire, X12Error> {
        use segments::text;
        Ok(Wire {
            sender_id: text("sender_id", self.sender_id, 2, 15)?,
            receiver_id: text("receiver_id", self.receiver_id, 2, 15)?,
            payer_name: text("payer_name", self.payer_name, 1, 60)?,
            payer_id: text("payer_id", self.payer_id, 2, 80)?,
            provider_name: text("provider_name", self.provider_name, 1, 60)?,
            provider_npi: segments::digits("provider_npi", self.provider_npi, 10)?,
            subscriber_first: text("subscriber_first", self.subscriber_first, 1, 35)?,
            subscriber_last: text("subscriber_last", self.subscriber_last, 1, 60)?,
            member_id: text("member_id", self.member_id, 2, 80)?,
            subscriber_dob: segments::date8("subscriber_dob", self.subscriber_dob)?,
            service_type: segments::code("service_type", self.service_type, 2)?,
            trace: text("trace", self.trace, 1, 50)?,
            dependent: match self.dependent {
                None => None,
                Some(d) => Some(WireDependent {
                    first: text("dependent_first", &d.first, 1, 35)?,
                    last: text("dependent_last", &d.last, 1, 60)?,
                    dob: segments::date8("dependent_dob", d.dob)?,
                }),
            },
        })
    }
}

impl<'a> From<&'a Inquiry> for Parties<'a> {
    fn from(q: &'a Inquiry) -> Self {
        Parties {
            sender_id: &q.sender_id,
            receiver_id: &q.receiver_id,
            payer_name: &q.payer_name,
            payer_id: &q.payer_id,
            provider_name: &q.provider_name,
            provider_npi: &q.provider_npi,
            subscriber_first: &q.subscriber_first,
            subscriber_last: &q.subscriber_last,
            member_id: &q.member_id,
            subscriber_dob: q.subscriber_dob,
            service_type: &q.service_type,
            trace: &q.trace,
            dependent: q.dependent.as_ref(),
        }
    }
}

impl<'a> From<&'a ParsedInquiry> for Parties<'a> {
    fn from(q: &'a ParsedInquiry) -> Self {
        Parties {
            sender_id: &q.sender_id,
            receiver_id: &q.receiver_id,
            payer_name: &q.payer_name,
            payer_id: &q.payer_id,
            provider_name: &q.provider_name,
            provider_npi: &q.provider_npi,
            subscriber_first: &q.subscriber_first,
            subscriber_last: &q.subscriber_last,
            member_id: &q.member_id,
            subscriber_dob: q.subscriber_dob,
            service_type: &q.service_type,
            trace: &q.trace,
            dependent: q.dependent.as_ref(),
        }
    }
}

/// TRN03 must be exactly ten characters: "9" (a user-assigned identifier) and nine more.
/// The NPI's digits after its leading 1 or 2 are stable per clinic and need no extra setting.
fn trace_originator(npi: &str) -> String {
    format!("9{}", &npi[1..])
}

/// A complete 270 interchange (ISA to IEA) asking one payer about one subscriber.
pub fn build_270(inquiry: &Inquiry) -> Result<String, X12Error> {
    let wire = Parties::from(inquiry).to_wire()?;
    let service_date = segments::date8("service_date", inquiry.service_date)?;
    let created_date = segments::date8("created", inquiry.created.date())?;
    let originator = trace_originator(&wire.provider_npi);
    let mut body = Body::default();
    body.push(&[
        "BHT",
        "0022",
        "13",
        &wire.trace,
        &created_date,
        &segments::hhmm(inquiry.created),
    ]);
    body.push(&["HL", "1", "", "20", "1"]);
    body.push(&["NM1", "PR", "2", &wire.payer_name, "", "", "", "", "PI", &wire.payer_id]);
    body.push(&["HL", "2", "1", "21", "1"]);
    body.push(&[
        "NM1",
        "1P",
        "2",
        &wire.provider_name,
        "",
        "",
        "",
        "",
        "XX",
        &wire.provider_npi,
    ]);
    // The trace goes with the patient: 2000C when the subscriber is the patient, else 2000D.
    let trace = ["TRN", "1", &wire.trace, &originator];
    let has_dependent = if wire.dependent.is_some() { "1" } else { "0" };
    body.push(&["HL", "3", "2", "22", has_dependent]);
    if wire.dependent.is_none() {
        body.push(&trace);
    }
    body.push(&[
        "NM1",
        "IL",
        "1",
        &wire.subscriber_last,
        &wire.subscriber_first,
        "",
        "",
        "",
        "MI",
        &wire.member_id,
    ]);
    body.push(&["DMG", "D8", &wire.subscriber_dob]);
    if let Some(dependent) = &wire.dependent {
        body.push(&["HL", "4", "3", "23", "0"]);
        body.push(&trace);
        body.push(&["NM1", "03", "1", &dependent.last, &dependent.first]);
        body.push(&["DMG", "D8", &dependent.dob]);
    }
    body.push(&["DTP", "291", "D8", &service_date]);
    body.push(&["EQ", &wire.service_type]);
    let envelope = Envelope {
        sender_id: &wire.sender_id,
        receiver_id: &wire.receiver_id,
        functional_id: "HS",
        transaction: "270",
        control_number: inquiry.control_number,
        created: inquiry.created,
        production: inquiry.production,
    };
    segments::interchange(&envelope, &body)
}

/// What a 270 says, collected segment by segment; the first occurrence wins.
#[derive(Default)]
struct Collected<'a> {
    payer: Option<(&'a str, &'a str)>,
    provider: Option<(&'a str, &'a str)>,
    subscriber: Option<(&'a str, &'a str, &'a str)>,
    trace: Option<(&'a str, &'a str)>,
    dob: Option<NaiveDate>,
    /// NM103 and NM104 of loop 2100D.
    dependent: Option<(&'a str, &'a str)>,
    dependent_dob: Option<NaiveDate>,
    service_date: Option<NaiveDate>,
    service_type: Option<&'a str>,
}

/// Reads a 270 built by [`build_270`] or shaped like one: the payer, provider and subscriber
/// names and IDs, the birth date, the date and type of service and the trace number.
pub fn parse_270(text: &str) -> Result<ParsedInquiry, X12Error> {
    let transaction = segments::read_transaction(text, "270")?;
    let delimiters = transaction.delimiters;
    let mut found = Collected::default();
    let mut level = "";
    for segment in &transaction.body {
        match segment.id() {
            "HL" => level = segment.get(3),
            "NM1" => collect_name(&mut found, segment)?,
            "TRN" if matches!(level, "22" | "23") && found.trace.is_none() => {
                let trace = non_empty(segment, "TRN", 2)?;
                found.trace = Some((trace, segment.get(3)));
            }
            // The subscriber's birth date in 2100C, the dependent's in 2100D.
            "DMG" => {
                let slot = if level == "23" {
                    &mut found.dependent_dob
                } else {
                    &mut found.dob
                };
                if slot.is_none() {
                    let dob = (segment.get(1) == "D8")
                        .then(|| segments::parse_date8(segment.get(2)))
                        .flatten();
                    *slot = Some(dob.ok_or(X12Error::InvalidElement {
                        segment: "DMG",
                        element: 2,
                    })?);
                }
            }
            "DTP" if segment.get(1) == "291" && found.service_date.is_none() => {
                found.service_date = Some(service_date(segment)?);
            }
            "EQ" if found.service_type.is_none() => {
                let first = delimiters.first_repeat(segment.get(1));
                if !segments::is_code(first, 2) {
                    return Err(X12Error::InvalidElement {
                        segment: "EQ",
                        element: 1,
                    });
                }
                found.service_type = Some(first);
            }
            _ => {}
        }
    }
    let missing = |segment| X12Error::MissingSegment { segment };
    let (payer_name, payer_id) = found.payer.ok_or(missing("NM1"))?;
    let (provider_name, provider_npi) = found.provider.ok_or(missing("NM1"))?;
    let (subscriber_last, subscriber_first, member_id) = found.subscriber.ok_or(missing("NM1"))?;
    let (trace, trace_originator) = found.trace.ok_or(missing("TRN"))?;
    let dependent = match found.dependent {
        None => None,
        Some((last, first)) => Some(Dependent {
            first: first.to_string(),
            last: last.to_string(),
            dob: found.dependent_dob.ok_or(missing("DMG"))?,
        }),
    };
    Ok(ParsedInquiry {
        sender_id: transaction.sender_id.to_string(),
        receiver_id: transaction.receiver_id.to_string(),
        production: transaction.production,
        payer_name: payer_name.to_string(),
        payer_id: payer_id.to_string(),
        provider_name: provider_name.to_string(),
        provider_npi: provider_npi.to_string(),
        subscriber_first: subscriber_first.to_string(),
        subscriber_last: subscriber_last.to_string(),
        member_id: member_id.to_string(),
        subscriber_dob: found.dob.ok_or(missing("DMG"))?,
        service_date: found.service_date.ok_or(missing("DTP"))?,
        service_type: found.service_type.ok_or(missing("EQ"))?.to_string(),
        trace: trace.to_string(),
        trace_originator: trace_originator.to_string(),
        dependent,
    })
}

/// NM1 of loops 2100A (PR), 2100B (1P), 2100C (IL) and 2100D (03).
fn collect_name<'a>(found: &mut Collected<'a>, segment: &Segment<'a>) -> Result<(), X12Error> {
    match segment.get(1) {
        "PR" if found.payer.is_none() => {
            found.payer = Some((non_empty(segment, "NM1", 3)?, non_empty(segment, "NM1", 9)?));
        }
        "1P" if found.provider.is_none() => {
            found.provider = Some((non_empty(segment, "NM1", 3)?, non_empty(segment, "NM1", 9)?));
        }
        "IL" if found.subscriber.is_none() => {
            let last = non_empty(segment, "NM1", 3)?;
            let first = non_empty(segment, "NM1", 4)?;
            found.subscriber = Some((last, first, non_empty(segment, "NM1", 9)?));
        }
        "03" if found.dependent.is_none() => {
            let last = non_empty(segment, "NM1", 3)?;
            found.dependent = Some((last, non_empty(segment, "NM1", 4)?));
        }
        _ => {}
    }
    Ok(())
}

/// DTP03 as a single date (D8) or the start of a range (RD8, `CCYYMMDD-CCYYMMDD`).
fn service_date(segment: &Segment) -> Result<NaiveDate, X12Error> {
    let value = segment.get(3);
    let date = match segment.get(2) {
        "D8" => segments::parse_date8(value),
        "RD8" => value
            .split_once('-')
            .and_then(|(start, _)| segments::parse_date8(start)),
        _ => None,
    };
    date.ok_or(X12Error::InvalidElement {
        segment: "DTP",
        element: 3,
    })
}

pub(super) fn non_empty<'a>(segment: &Segment<'a>, id: &'static str, element: usize) -> Result<&'a str, X12Error> {
    let value = segment.get(element);
    if value.is_empty() {
        Err(X12Error::InvalidElement { segment: id, element })
    } else {
        Ok(value)
    }
}
