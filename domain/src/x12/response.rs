//! The 271 eligibility response: written by the demo's sandbox payer, read by the clinic.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::inquiry::{non_empty, ParsedInquiry, Parties};
use super::segments::{self, Body, Delimiters, Envelope, Segment};
use super::X12Error;

/// Why a payer refused to answer (AAA03, Reject Reason Code, of any loop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// 72: Invalid/Missing Subscriber/Insured ID.
    InvalidMemberId,
    /// 75: Subscriber/Insured Not Found.
    SubscriberNotFound,
    /// 58: Invalid/Missing Date-of-Birth; also 71: Patient Birth Date Does Not Match That for
    /// the Patient on the Database. Either way the patient should check the birth date.
    InvalidBirthDate,
    /// 42: Unable to Respond at Current Time; also 80: No Response received - Transaction
    /// Terminated (sent by clearinghouses). Either way: try again later.
    PayerUnavailable,
    /// Any other AAA03 code, e.g. 15 Required application data missing, 41 Authorization/Access
    /// Restrictions, 43 Invalid/Missing Provider Identification, 73 Invalid/Missing
    /// Subscriber/Insured Name, 76 Duplicate Subscriber/Insured ID Number.
    Other(String),
}

impl RejectReason {
    pub fn from_code(code: &str) -> RejectReason {
        match code {
            "72" => RejectReason::InvalidMemberId,
            "75" => RejectReason::SubscriberNotFound,
            "58" | "71" => RejectReason::InvalidBirthDate,
            "42" | "80" => RejectReason::PayerUnavailable,
            other => RejectReason::Other(other.to_string()),
        }
    }

    /// The AAA03 code written for this reason (the first listed above for merged reasons).
    pub fn code(&self) -> &str {
        match self {
            RejectReason::InvalidMemberId => "72",
            RejectReason::SubscriberNotFound => "75",
            RejectReason::InvalidBirthDate => "58",
            RejectReason::PayerUnavailable => "42",
            RejectReason::Other(code) => code,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    Active,
    Inactive,
    Rejected(RejectReason),
}

/// What the clinic learns from a 271.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub coverage: CoverageStatus,
    /// EB05 of the active-coverage EB, when the payer names the plan.
    pub plan_name: Option<String>,
    /// EB07 of a co-payment EB (EB01 = B); only for active coverage.
    pub copay_cents: Option<u32>,
    /// EB07 of a deductible EB (EB01 = C) with time period 29, remaining; only for active coverage.
    pub deductible_remaining_cents: Option<u32>,
    /// TRN02 of loop 2000C (2000D for a dependent): the trace number the 270 sent.
    pub trace: Option<String>,
}

/// The sandbox payer's benefits for one subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefits {
    pub active: bool,
    pub copay_cents: Option<u32>,
    pub deductible_remaining_cents: Option<u32>,
    pub plan_name: Option<String>,
}

/// What the sandbox payer answers to an inquiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SandboxAnswer {
    Benefits(Benefits),
    Rejected(RejectReason),
}

/// AAA03 codes the guide allows in each loop of the 271.
const PAYER_CODES: [&str; 6] = ["04", "41", "42", "79", "80", "T4"];
const PROVIDER_CODES: [&str; 13] = [
    "15", "41", "43", "44", "45", "46", "47", "48", "50", "51", "79", "97", "T4",
];
const SUBSCRIBER_CODES: [&str; 24] = [
    "15", "35", "42", "43", "45", "47", "48", "49", "51", "52", "56", "57", "58", "60", "61", "62", "63", "71", "72",
    "73", "74", "75", "76", "78",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loop {
    Payer,
    Provider,
    Subscriber,
}

/// The loop whose AAA carries a reason: the outermost whose code list has it, so the payer's
/// own trouble is told at the payer level (as payers do), a provider problem at the provider's.
fn reject_loop(reason: &RejectReason) -> Result<Loop, X12Error> {
    let code = reason.code();
    [
        (Loop::Payer, &PAYER_CODES[..]),
        (Loop::Provider, &PROVIDER_CODES[..]),
        (Loop::Subscriber, &SUBSCRIBER_CODES[..]),
    ]
    .into_iter()
    .find(|(_, codes)| codes.contains(&code))
    .map(|(at, _)| at)
    .ok_or(X12Error::InvalidValue { field: "reject_reason" })
}

/// AAA01 is Y when the request itself was fine but the payer could not answer; AAA04 then
/// invites a resubmission later, otherwise a corrected one.
fn push_reject(body: &mut Body, reason: &RejectReason) {
    let code = reason.code();
    let (valid, follow_up) = if matches!(code, "42" | "80") {
        ("Y", "R")
    } else {
        ("N", "C")
    };
    body.push(&["AAA", valid, "", code, follow_up]);
}

/// A 271 interchange from the sandbox payer answering `inquiry`: sender and receiver swapped,
/// the 270's names, IDs and trace echoed, then either benefits (EB) or a rejection (AAA).
/// An inactive answer carries no plan name or amounts.
pub fn build_271(
    inquiry: &ParsedInquiry,
    answer: &SandboxAnswer,
    control_number: u32,
    created: NaiveDateTime,
) -> Result<String, X12Error> {
    let wire = Parties::from(inquiry).to_wire()?;
    let originator = segments::text("trace_originator", &inquiry.trace_originator, 10, 10)?;
    let rejected_in = match answer {
        SandboxAnswer::Rejected(reason) => Some((reject_loop(reason)?, reason)),
        SandboxAnswer::Benefits(_) => None,
    };
    let reject_at = |body: &mut Body, here: Loop| {
        if let Some((_, reason)) = rejected_in.filter(|(at, _)| *at == here) {
            push_reject(body, reason);
        }
    };
    let created_date = segments::date8("created", created.date())?;
    let mut body = Body::default();
    body.push(&[
        "BHT",
        "0022",
        "11",
        &wire.trace,
        &created_date,
        &segments::hhmm(created),
    ]);
    body.push(&["HL", "1", "", "20", "1"]);
    body.push(&["NM1", "PR", "2", &wire.payer_name, "", "", "", "", "PI", &wire.payer_id]);
    reject_at(&mut body, Loop::Payer);
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
    reject_at(&mut body, Loop::Provider);
    // TRN01 = 2, "referenced transaction trace number": the 270's own trace, returned at the
    // patient's level (the dependent's, when there is one).
    let trace = ["TRN", "2", &wire.trace, &originator];
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
    reject_at(&mut body, Loop::Subscriber);
    body.push(&["DMG", "D8", &wire.subscriber_dob]);
    if let Some(dependent) = &wire.dependent {
        body.push(&["HL", "4", "3", "23", "0"]);
        body.push(&trace);
        body.push(&["NM1", "03", "1", &dependent.last, &dependent.first]);
        body.push(&["DMG", "D8", &dependent.dob]);
    }
    if let SandboxAnswer::Benefits(benefits) = answer {
        push_benefits(&mut body, benefits, &wire.service_type)?;
    }
    let envelope = Envelope {
        sender_id: &wire.receiver_id,
        receiver_id: &wire.sender_id,
        functional_id: "HB",
        transaction: "271",
        control_number,
        created,
        production: inquiry.production,
    };
    segments::interchange(&envelope, &body)
}

/// EB segments: coverage (1 or 6), then for active coverage the in-network (EB12 = Y)
/// co-payment per visit (EB06 = 27) and individual deductible remaining (EB06 = 29).
fn push_benefits(body: &mut Body, benefits: &Benefits, service_type: &str) -> Result<(), X12Error> {
    if !benefits.active {
        body.push(&["EB", "6", "", service_type]);
        return Ok(());
    }
    let plan = match &benefits.plan_name {
        Some(name) => segments::text("plan_name", name, 1, 50)?,
        None => String::new(),
    };
    body.push(&["EB", "1", "", service_type, "", &plan]);
    if let Some(cents) = benefits.copay_cents {
        let amount = segments::amount(cents);
        body.push(&["EB", "B", "", service_type, "", "", "27", &amount, "", "", "", "", "Y"]);
    }
    if let Some(cents) = benefits.deductible_remaining_cents {
        let amount = segments::amount(cents);
        body.push(&[
            "EB",
            "C",
            "IND",
            service_type,
            "",
            "",
            "29",
            &amount,
            "",
            "",
            "",
            "",
            "Y",
        ]);
    }
    Ok(())
}

/// One EB segment, the elements the clinic uses.
struct Benefit<'a> {
    /// EB01.
    kind: &'a str,
    /// EB02: IND, FAM, …
    coverage_level: &'a str,
    /// EB03, all repetitions; empty when the benefit is not tied to a service type.
    service_types: Vec<&'a str>,
    /// EB05.
    plan: &'a str,
    /// EB06.
    period: &'a str,
    /// EB07 in cents, when present.
    amount: Option<u32>,
    /// EB12: N means out of network.
    out_of_network: bool,
}

impl<'a> Benefit<'a> {
    fn read(segment: &Segment<'a>, delimiters: &Delimiters) -> Result<Self, X12Error> {
        let amount = match segment.get(7) {
            "" => None,
            value => Some(segments::parse_cents(value).ok_or(X12Error::InvalidElement {
                segment: "EB",
                element: 7,
            })?),
        };
        let service_types = delimiters
            .repeats(segment.get(3))
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        Ok(Benefit {
            kind: non_empty(segment, "EB", 1)?,
            coverage_level: segment.get(2),
            service_types,
            plan: segment.get(5),
            period: segment.get(6),
            amount,
            out_of_network: segment.get(12) == "N",
        })
    }

    /// EB01 1–5 are the "active" codes (5 is active pending investigation; 2–4 are the
    /// capitated plans HMOs answer with); 6–8 the inactive ones.
    fn is_active(&self) -> bool {
        matches!(self.kind, "1" | "2" | "3" | "4" | "5")
    }

    fn is_inactive(&self) -> bool {
        matches!(self.kind, "6" | "7" | "8")
    }

    /// 0 for the service type asked about, 1 for general plan coverage (30) or no service type,
    /// 2 for any other.
    fn service_rank(&self, wanted: &str) -> u8 {
        if self.service_types.contains(&wanted) {
            0
        } else if self.service_types.is_empty() || self.service_types.contains(&"30") {
            1
        } else {
            2
        }
    }
}

/// The first of the best-ranked amounts: `min_by_key` keeps the first of equals.
fn best_amount<'a, K: Ord>(
    benefits: &[Benefit<'a>],
    pick: impl Fn(&Benefit<'a>) -> bool,
    rank: impl Fn(&Benefit<'a>) -> K,
) -> Option<u32> {
    benefits
        .iter()
        .filter(|b| pick(b) && b.amount.is_some())
        .min_by_key(|b| rank(b))
        .and_then(|b| b.amount)
}

/// What a 271 says, collected segment by segment.
#[derive(Default)]
struct Scan<'a> {
    /// HL03 of the current hierarchical level.
    level: &'a str,
    /// An EB was seen since the last HL: AAAs now belong to loop 2110C.
    in_benefit: bool,
    /// The first AAA of loops 2000A, 2100A, 2100B, 2100C or 2100D: the request was refused.
    rejection: Option<RejectReason>,
    /// The first AAA of a loop 2110C: one benefit could not be answered.
    benefit_rejection: Option<RejectReason>,
    /// TRN01 and TRN02 of the subscriber's and dependent's levels' traces.
    traces: Vec<(&'a str, &'a str)>,
    benefits: Vec<Benefit<'a>>,
}

impl<'a> Scan<'a> {
    fn visit(&mut self, segment: &Segment<'a>, delimiters: &Delimiters) -> Result<(), X12Error> {
        match segment.id() {
            "HL" => {
                self.level = segment.get(3);
                self.in_benefit = false;
            }
            "AAA" => {
                let code = segment.get(3);
                if !segments::is_code(code, 2) {
                    return Err(X12Error::InvalidElement {
                        segment: "AAA",
                        element: 3,
                    });
                }
                let slot = if self.in_benefit {
                    &mut self.benefit_rejection
                } else {
                    &mut self.rejection
                };
                slot.get_or_insert_with(|| RejectReason::from_code(code));
            }
            "TRN" if matches!(self.level, "22" | "23") => {
                self.traces.push((segment.get(1), non_empty(segment, "TRN", 2)?))
            }
            "EB" => {
                self.benefits.push(Benefit::read(segment, delimiters)?);
                self.in_benefit = true;
            }
            _ => {}
        }
        Ok(())
    }

    /// An AAA in 2110C only refuses one benefit, so it decides only when no EB said whether
    /// coverage is active.
    fn finish(self, service_type: &str) -> Result<Eligibility, X12Error> {
        // TRN01 = 2 is the 270's trace echoed; TRN01 = 1 traces are the payer's or a
        // clearinghouse's own.
        let trace = self
            .traces
            .iter()
            .find(|(kind, _)| *kind == "2")
            .or(self.traces.first())
            .map(|(_, trace)| trace.to_string());
        let active = self.benefits.iter().find(|b| b.is_active());
        let coverage = match (self.rejection, active, self.benefit_rejection) {
            (Some(reason), _, _) => CoverageStatus::Rejected(reason),
            (None, Some(_), _) => CoverageStatus::Active,
            (None, None, _) if self.benefits.iter().any(Benefit::is_inactive) => CoverageStatus::Inactive,
            (None, None, Some(reason)) => CoverageStatus::Rejected(reason),
            (None, None, None) => return Err(X12Error::NoAnswer),
        };
        if coverage != CoverageStatus::Active {
            return Ok(Eligibility {
                coverage,
                plan_name: None,
                copay_cents: None,
                deductible_remaining_cents: None,
                trace,
            });
        }
        let plan_name = self
            .benefits
            .iter()
            .find(|b| b.is_active() && !b.plan.is_empty())
            .map(|b| b.plan.to_string());
        // In-network amounts first: the clinic sending the inquiry is normally in network.
        let copay_cents = best_amount(
            &self.benefits,
            |b| b.kind == "B",
            |b| (b.service_rank(service_type), b.out_of_network),
        );
        // The patient's own deductible before the family's.
        let deductible_remaining_cents = best_amount(
            &self.benefits,
            |b| b.kind == "C" && b.period == "29",
            |b| {
                let family = !matches!(b.coverage_level, "" | "IND");
                (b.service_rank(service_type), family, b.out_of_network)
            },
        );
        Ok(Eligibility {
            coverage,
            plan_name,
            copay_cents,
            deductible_remaining_cents,
            trace,
        })
    }
}

/// Reads a 271 as the answer to a service type 30 (health benefit plan coverage) inquiry.
pub fn parse_271(text: &str) -> Result<Eligibility, X12Error> {
    parse_271_for(text, "30")
}

/// Reads a 271, preferring the amounts for `service_type` (the inquiry's EQ01), then those for
/// service type 30, then the first.
pub fn parse_271_for(text: &str, service_type: &str) -> Result<Eligibility, X12Error> {
    let transaction = segments::read_transaction(text, "271")?;
    let mut scan = Scan::default();
    for segment in &transaction.body {
        scan.visit(segment, &transaction.delimiters)?;
    }
    scan.finish(service_type)
}
