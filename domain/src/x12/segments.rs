//! The X12 syntax layer shared by the 270 and the 271: writing values and envelopes, and
//! reading an interchange back into checked segments.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::X12Error;

/// The implementation guide both transactions follow (GS08 and ST03).
pub(super) const GUIDE: &str = "005010X279A1";

const ELEMENT: &str = "*";
const COMPONENT: &str = ":";
const REPETITION: &str = "^";
const TERMINATOR: &str = "~";
/// ISA02 and ISA04 (no authorization or security information): ten spaces, as fixed width asks.
const NO_INFORMATION: &str = "          ";

/// The ISA is fixed width: these byte offsets hold its element separator.
const ISA_SEPARATORS: [usize; 16] = [3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103];
const ISA_LEN: usize = 106;
const MAX_CONTROL_NUMBER: u32 = 999_999_999;

// ---------------------------------------------------------------------------------------------
// Writing

/// Punctuation of the X12 basic character set, minus the separators this module writes with.
/// Payers are only obliged to accept the basic set, so nothing outside it is sent.
const BASIC_PUNCTUATION: &str = "!\"&'()+,-./;?= ";

/// Letters NFKD leaves alone but that have a customary plain-Latin spelling.
fn latin_fallback(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "SS",
        'Æ' | 'æ' => "AE",
        'Œ' | 'œ' => "OE",
        'Ø' | 'ø' => "O",
        'Ł' | 'ł' => "L",
        'Đ' | 'đ' | 'Ð' | 'ð' => "D",
        'Þ' | 'þ' => "TH",
        'ı' => "I",
        // Typographic quotes and dashes that phones and word processors type for ' and -.
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}' => "'",
        '\u{201C}' | '\u{201D}' => "\"",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' => "-",
        _ => return None,
    })
}

/// A value as X12 carries it: whitespace collapsed, accents dropped ("García" → "GARCIA"),
/// upper case, basic character set only, `min..=max` characters. Separators are refused
/// rather than escaped: X12 has no escape mechanism.
pub(super) fn text(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, X12Error> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(X12Error::MissingValue { field });
    }
    let mut out = String::with_capacity(collapsed.len());
    for c in collapsed.nfkd().filter(|c| !is_combining_mark(*c)) {
        match latin_fallback(c) {
            Some(plain) => out.push_str(plain),
            None if c.is_ascii_alphanumeric() || BASIC_PUNCTUATION.contains(c) => out.push(c.to_ascii_uppercase()),
            None => return Err(X12Error::InvalidCharacter { field }),
        }
    }
    if !(min..=max).contains(&out.len()) {
        return Err(X12Error::InvalidLength { field, min, max });
    }
    Ok(out)
}

/// Exactly `len` ASCII digits (NPIs).
pub(super) fn digits(field: &'static str, raw: &str, len: usize) -> Result<String, X12Error> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(X12Error::MissingValue { field });
    }
    let ok = value.len() == len && value.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| value.to_string()).ok_or(X12Error::InvalidValue { field })
}

/// A code such as a service type: 1–`max` upper-case letters or digits.
pub(super) fn code(field: &'static str, raw: &str, max: usize) -> Result<String, X12Error> {
    let value = raw.trim().to_ascii_uppercase();
    if value.is_empty() {
        return Err(X12Error::MissingValue { field });
    }
    is_code(&value, max)
        .then_some(value)
        .ok_or(X12Error::InvalidValue { field })
}

/// 1–`max` upper-case ASCII letters or digits, the shape of X12 ID elements.
pub(super) fn is_code(value: &str, max: usize) -> bool {
    (1..=max).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// CCYYMMDD. Years outside 0–9999 cannot be written in eight digits.
pub(super) fn date8(field: &'static str, date: NaiveDate) -> Result<String, X12Error> {
    if !(0..=9999).contains(&date.year()) {
        return Err(X12Error::InvalidValue { field });
    }
    Ok(format!("{:04}{:02}{:02}", date.year(), date.month(), date.day()))
}

pub(super) fn hhmm(time: NaiveDateTime) -> String {
    format!("{:02}{:02}", time.hour(), time.minute())
}

/// Dollars as an X12 decimal: no trailing zeros after the point (`2550` → `25.5`).
pub(super) fn amount(cents: u32) -> String {
    let (dollars, rest) = (cents / 100, cents % 100);
    match rest {
        0 => dollars.to_string(),
        r if r % 10 == 0 => format!("{dollars}.{}", r / 10),
        r => format!("{dollars}.{r:02}"),
    }
}

/// The segments between ST and SE, each already joined.
#[derive(Default)]
pub(super) struct Body(Vec<String>);

impl Body {
    /// Trailing empty elements are dropped: X12 forbids trailing separators.
    pub(super) fn push(&mut self, elements: &[&str]) {
        let used = elements.iter().rposition(|e| !e.is_empty()).map_or(0, |last| last + 1);
        self.0.push(elements[..used].join(ELEMENT));
    }
}

/// Who sends which transaction set to whom, and when.
pub(super) struct Envelope<'a> {
    /// ISA06 and GS02, already checked with [`text`].
    pub sender_id: &'a str,
    /// ISA08 and GS03, already checked with [`text`].
    pub receiver_id: &'a str,
    /// GS01: `HS` for a 270, `HB` for a 271.
    pub functional_id: &'static str,
    /// ST01: `270` or `271`.
    pub transaction: &'static str,
    pub control_number: u32,
    pub created: NaiveDateTime,
    pub production: bool,
}

/// ISA, GS, ST, the body, SE, GE, IEA. One group holding one transaction set, so GE01 and
/// IEA01 are both 1 and the same control number serves all three levels.
pub(super) fn interchange(envelope: &Envelope, body: &Body) -> Result<String, X12Error> {
    let control = envelope.control_number;
    if control > MAX_CONTROL_NUMBER {
        return Err(X12Error::InvalidValue {
            field: "control_number",
        });
    }
    let created = envelope.created;
    let date = date8("created", created.date())?;
    let time = hhmm(created);
    let usage = if envelope.production { "P" } else { "T" };
    let (group, st02, isa13) = (control.to_string(), format!("{control:04}"), format!("{control:09}"));
    // ISA06 and ISA08 are fixed width too: padded with spaces to 15.
    let (sender, receiver) = (
        format!("{:<15}", envelope.sender_id),
        format!("{:<15}", envelope.receiver_id),
    );
    let mut all = Body::default();
    all.push(&[
        "ISA",
        "00",
        NO_INFORMATION,
        "00",
        NO_INFORMATION,
        "ZZ",
        &sender,
        "ZZ",
        &receiver,
        &date[2..],
        &time,
        REPETITION,
        "00501",
        &isa13,
        "0",
        usage,
        COMPONENT,
    ]);
    let (sender_id, receiver_id) = (envelope.sender_id, envelope.receiver_id);
    all.push(&[
        "GS",
        envelope.functional_id,
        sender_id,
        receiver_id,
        &date,
        &time,
        &group,
        "X",
        GUIDE,
    ]);
    all.push(&["ST", envelope.transaction, &st02, GUIDE]);
    all.0.extend(body.0.iter().cloned());
    all.push(&["SE", &(body.0.len() + 2).to_string(), &st02]);
    all.push(&["GE", "1", &group]);
    all.push(&["IEA", "1", &isa13]);
    Ok(all.0.iter().map(|segment| format!("{segment}{TERMINATOR}")).collect())
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The separators an interchange declares in its ISA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Delimiters {
    pub element: char,
    /// ISA11 from version 00402 on; older interchanges have a code letter there instead.
    pub repetition: Option<char>,
    pub segment: char,
}

impl Delimiters {
    /// The repetitions of an element (EQ01, EB03), or the element itself.
    pub(super) fn repeats<'a>(&self, value: &'a str) -> Vec<&'a str> {
        match self.repetition {
            Some(r) => value.split(r).collect(),
            None => vec![value],
        }
    }

    /// The first repetition of an element.
    pub(super) fn first_repeat<'a>(&self, value: &'a str) -> &'a str {
        self.repeats(value).first().copied().unwrap_or("")
    }
}

/// One segment split into elements; element 0 is the segment ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Segment<'a> {
    elements: Vec<&'a str>,
}

impl<'a> Segment<'a> {
    pub(super) fn id(&self) -> &'a str {
        self.get(0)
    }

    /// Element `n` (1-based as in the guide: `get(1)` is NM101), empty when absent.
    pub(super) fn get(&self, n: usize) -> &'a str {
        self.elements.get(n).copied().unwrap_or("")
    }
}

/// The one transaction set of an interchange whose envelope checked out.
#[derive(Debug)]
pub(super) struct Transaction<'a> {
    /// ISA06 without its padding.
    pub sender_id: &'a str,
    /// ISA08 without its padding.
    pub receiver_id: &'a str,
    pub production: bool,
    pub delimiters: Delimiters,
    /// The segments between ST and SE.
    pub body: Vec<Segment<'a>>,
}

/// Reads an interchange holding exactly one transaction set of type `expected`, checking the
/// whole envelope: ISA/IEA, GS/GE and ST/SE control numbers and counts.
pub(super) fn read_transaction<'a>(text: &'a str, expected: &'static str) -> Result<Transaction<'a>, X12Error> {
    // Editors and Windows tools sometimes put a byte order mark or blank lines first.
    let text = text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_ascii_whitespace());
    if !text.starts_with("ISA") {
        return Err(X12Error::NotAnInterchange);
    }
    let delimiters = read_delimiters(text.as_bytes())?;
    let segments = split_segments(text, delimiters)?;
    let isa = &segments[0];
    let production = match isa.get(15) {
        "P" => true,
        "T" => false,
        _ => {
            return Err(X12Error::InvalidElement {
                segment: "ISA",
                element: 15,
            })
        }
    };
    let isa13 = isa.get(13);
    if !is_number(isa13, 9, 9) {
        return Err(X12Error::InvalidElement {
            segment: "ISA",
            element: 13,
        });
    }
    let body = check_envelope(&segments, expected)?;
    Ok(Transaction {
        sender_id: isa.get(6).trim_end(),
        receiver_id: isa.get(8).trim_end(),
        production,
        delimiters,
        body,
    })
}

/// The separators, from the fixed positions of the ISA.
fn read_delimiters(bytes: &[u8]) -> Result<Delimiters, X12Error> {
    if bytes.len() < ISA_LEN {
        return Err(X12Error::InvalidHeader);
    }
    let element = bytes[3];
    let component = bytes[104];
    let segment = bytes[105];
    let usable = |b: u8| b.is_ascii() && !b.is_ascii_alphanumeric() && b != b' ';
    let line_break = |b: u8| b == b'\r' || b == b'\n';
    if !usable(element) || !usable(component) || !usable(segment) || line_break(element) || line_break(component) {
        return Err(X12Error::InvalidHeader);
    }
    if element == component || element == segment || component == segment {
        return Err(X12Error::InvalidHeader);
    }
    // Every field between the fixed separators must be free of separators, or splitting would
    // shift the fields.
    for (i, &b) in bytes[..104].iter().enumerate() {
        let expected_here = ISA_SEPARATORS.contains(&i);
        if expected_here != (b == element) || (!expected_here && (b == segment || b == component)) {
            return Err(X12Error::InvalidHeader);
        }
    }
    let repetition_byte = bytes[82];
    let repetition = (usable(repetition_byte) && ![element, component, segment].contains(&repetition_byte))
        .then_some(repetition_byte as char);
    Ok(Delimiters {
        element: element as char,
        repetition,
        segment: segment as char,
    })
}

/// Splits on the segment terminator, tolerating line breaks after it (and a missing last
/// terminator). An empty segment between two others is an error.
fn split_segments(text: &str, delimiters: Delimiters) -> Result<Vec<Segment<'_>>, X12Error> {
    let raw: Vec<&str> = text
        .split(delimiters.segment)
        .map(|s| s.trim_matches(|c| c == '\r' || c == '\n'))
        .collect();
    let used = raw.iter().rposition(|s| !s.is_empty()).map_or(0, |last| last + 1);
    raw[..used]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let elements: Vec<&str> = s.split(delimiters.element).collect();
            let segment = Segment { elements };
            if is_segment_id(segment.id()) {
                Ok(segment)
            } else {
                Err(X12Error::UnexpectedSegment { position: i + 1 })
            }
        })
        .collect()
}

fn is_segment_id(id: &str) -> bool {
    let b = id.as_bytes();
    (2..=3).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `min..=max` ASCII digits.
pub(super) fn is_number(value: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// Walks ISA (GS (ST … SE)* GE)* IEA and returns the body of the single transaction set.
fn check_envelope<'a>(segments: &[Segment<'a>], expected: &'static str) -> Result<Vec<Segment<'a>>, X12Error> {
    let mut groups = 0usize;
    let mut bodies: Vec<Vec<Segment<'a>>> = Vec::new();
    let mut i = 1;
    loop {
        match segments.get(i).map(Segment::id) {
            Some("GS") => {
                let (next, group_bodies) = check_group(segments, i, expected)?;
                groups += 1;
                bodies.extend(group_bodies);
                i = next;
            }
            Some("IEA") => break,
            Some(_) => return Err(X12Error::UnexpectedSegment { position: i + 1 }),
            None => return Err(X12Error::MissingSegment { segment: "IEA" }),
        }
    }
    let iea = &segments[i];
    if iea.get(2) != segments[0].get(13) {
        return Err(X12Error::ControlNumberMismatch { trailer: "IEA" });
    }
    if !count_matches(iea.get(1), groups) {
        return Err(X12Error::IncludedCountMismatch { trailer: "IEA" });
    }
    if i + 1 < segments.len() {
        return Err(X12Error::UnexpectedSegment { position: i + 2 });
    }
    if groups == 0 {
        return Err(X12Error::MissingSegment { segment: "GS" });
    }
    if bodies.len() != 1 {
        return Err(X12Error::MultipleTransactions);
    }
    Ok(bodies.pop().unwrap_or_default())
}

/// Checks the group starting at `start` (a GS); returns the index after its GE and the bodies
/// of its transaction sets.
fn check_group<'a>(
    segments: &[Segment<'a>],
    start: usize,
    expected: &'static str,
) -> Result<(usize, Vec<Vec<Segment<'a>>>), X12Error> {
    let gs = &segments[start];
    if !is_number(gs.get(6), 1, 9) {
        return Err(X12Error::InvalidElement {
            segment: "GS",
            element: 6,
        });
    }
    let mut bodies = Vec::new();
    let mut i = start + 1;
    loop {
        match segments.get(i).map(Segment::id) {
            Some("ST") => {
                let (next, body) = check_transaction(segments, i, expected)?;
                bodies.push(body);
                i = next;
            }
            Some("GE") => break,
            Some("IEA") | None => return Err(X12Error::MissingSegment { segment: "GE" }),
            Some(_) => return Err(X12Error::UnexpectedSegment { position: i + 1 }),
        }
    }
    let ge = &segments[i];
    if ge.get(2) != gs.get(6) {
        return Err(X12Error::ControlNumberMismatch { trailer: "GE" });
    }
    if !count_matches(ge.get(1), bodies.len()) {
        return Err(X12Error::IncludedCountMismatch { trailer: "GE" });
    }
    Ok((i + 1, bodies))
}

/// Checks the transaction set starting at `start` (an ST); returns the index after its SE and
/// the segments between.
fn check_transaction<'a>(
    segments: &[Segment<'a>],
    start: usize,
    expected: &'static str,
) -> Result<(usize, Vec<Segment<'a>>), X12Error> {
    let st = &segments[start];
    if st.get(1) != expected {
        return Err(X12Error::WrongTransaction { expected });
    }
    if !(4..=9).contains(&st.get(2).len()) {
        return Err(X12Error::InvalidElement {
            segment: "ST",
            element: 2,
        });
    }
    // The set ends at the first envelope segment after the ST, which must be its SE.
    let end = segments[start + 1..]
        .iter()
        .position(|s| matches!(s.id(), "SE" | "ST" | "GE" | "GS" | "IEA"))
        .map(|offset| start + 1 + offset)
        .filter(|&e| segments[e].id() == "SE")
        .ok_or(X12Error::MissingSegment { segment: "SE" })?;
    let se = &segments[end];
    if !is_number(se.get(1), 1, 10) {
        return Err(X12Error::InvalidElement {
            segment: "SE",
            element: 1,
        });
    }
    if !count_matches(se.get(1), end - start + 1) {
        return Err(X12Error::SegmentCountMismatch);
    }
    if se.get(2) != st.get(2) {
        return Err(X12Error::ControlNumberMismatch { trailer: "SE" });
    }
    Ok((end + 1, segments[start + 1..end].to_vec()))
}

fn count_matches(value: &str, count: usize) -> bool {
    is_number(value, 1, 10) && value.parse::<u64>().ok() == Some(count as u64)
}

/// CCYYMMDD as a date.
pub(super) fn parse_date8(value: &str) -> Option<NaiveDate> {
    if !is_number(value, 8, 8) {
        return None;
    }
    let part = |r: std::ops::Range<usize>| value[r].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(part(0..4)? as i32, part(4..6)?, part(6..8)?)
}

/// An X12 decimal amount (`25`, `25.00`, `1500.5`, `.5`) as whole cents, exactly: no floating
/// point, and digits past the cents must be zeros. `None` for negative, malformed or too
/// large amounts.
pub(super) fn parse_cents(value: &str) -> Option<u32> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let (cents, beyond) = fraction.split_at(fraction.len().min(2));
    if beyond.bytes().any(|b| b != b'0') {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    // Nine or more digits of dollars cannot fit in u32 cents; this also keeps `parse` in range.
    if whole.len() > 8 {
        return None;
    }
    let dollars: u32 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let cents: u32 = match cents.len() {
        0 => 0,
        1 => cents.parse::<u32>().ok()? * 10,
        _ => cents.parse().ok()?,
    };
    dollars.checked_mul(100)?.checked_add(cents)
}
