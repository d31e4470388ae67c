//! HIPAA X12 005010X279A1 eligibility: the 270 inquiry the clinic sends, the 271 response it
//! reads back, and a 271 writer for the demo's sandbox payer.
//!
//! Only the slice of the implementation guide the kiosk needs: one payer, one provider, one
//! subscriber (and the patient as their dependent when the coverage is someone else's), one
//! service type per interchange. Everything is text in, text out; the caller
//! supplies "now", so the same code runs in the browser and on the server.
//!
//! Errors never quote the input: eligibility files carry names, birth dates and member IDs,
//! and an error message ends up in logs.

mod inquiry;
mod response;
pub mod samples;
mod segments;

#[cfg(test)]
mod tests;

use std::fmt;

pub use inquiry::{build_270, parse_270, Dependent, Inquiry, ParsedInquiry};
pub use response::{
    build_271, parse_271, parse_271_for, Benefits, CoverageStatus, Eligibility, RejectReason, SandboxAnswer,
};

/// Why an interchange could not be written or read. The wording names fields, segment IDs and
/// positions only, never a value from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum X12Error {
    /// A value to be written is empty (after trimming).
    MissingValue { field: &'static str },
    /// A value to be written is shorter or longer than its X12 element allows.
    InvalidLength {
        field: &'static str,
        min: usize,
        max: usize,
    },
    /// A value to be written holds a separator, or a character outside the X12 basic set that
    /// has no plain-letter equivalent.
    InvalidCharacter { field: &'static str },
    /// A value to be written has the wrong shape (an NPI that is not 10 digits, a date outside
    /// years 0–9999, a control number over 9 digits).
    InvalidValue { field: &'static str },
    /// The text does not begin with an ISA interchange header.
    NotAnInterchange,
    /// The ISA header is not the fixed-width 106 characters, or its separators are unusable.
    InvalidHeader,
    /// A segment the transaction needs is absent.
    MissingSegment { segment: &'static str },
    /// A segment stands where the envelope does not allow one (1-based position).
    UnexpectedSegment { position: usize },
    /// An element is missing or malformed (element number as in the guide, e.g. SE01 = 1).
    InvalidElement { segment: &'static str, element: usize },
    /// SE01 does not match the number of segments from ST to SE.
    SegmentCountMismatch,
    /// A trailer's control number does not match its header's.
    ControlNumberMismatch { trailer: &'static str },
    /// GE01 or IEA01 does not match the number of transaction sets or groups.
    IncludedCountMismatch { trailer: &'static str },
    /// The transaction set is not the one expected (ST01).
    WrongTransaction { expected: &'static str },
    /// More than one functional group or transaction set; this module handles exactly one.
    MultipleTransactions,
    /// A 271 with neither a coverage answer (EB) nor a rejection (AAA).
    NoAnswer,
}

impl fmt::Display for X12Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            X12Error::MissingValue { field } => write!(f, "{field} is empty"),
            X12Error::InvalidLength { field, min, max } => {
                write!(f, "{field} must be {min} to {max} characters long")
            }
            X12Error::InvalidCharacter { field } => {
                write!(f, "{field} contains a character that X12 cannot carry")
            }
            X12Error::InvalidValue { field } => write!(f, "{field} is not in the expected format"),
            X12Error::NotAnInterchange => write!(f, "the text is not an X12 interchange (no ISA header)"),
            X12Error::InvalidHeader => write!(f, "the ISA header is malformed"),
            X12Error::MissingSegment { segment } => write!(f, "the {segment} segment is missing"),
            X12Error::UnexpectedSegment { position } => {
                write!(f, "segment {position} is not allowed where it stands")
            }
            X12Error::InvalidElement { segment, element } => {
                write!(f, "element {segment}{element:02} is missing or malformed")
            }
            X12Error::SegmentCountMismatch => write!(f, "SE01 does not match the number of segments"),
            X12Error::ControlNumberMismatch { trailer } => {
                write!(f, "the {trailer} control number does not match its header")
            }
            X12Error::IncludedCountMismatch { trailer } => {
                write!(f, "the {trailer} count of included groups or transactions is wrong")
            }
            X12Error::WrongTransaction { expected } => write!(f, "the transaction set is not a {expected}"),
            X12Error::MultipleTransactions => {
                write!(f, "the interchange holds more than one group or transaction set")
            }
            X12Error::NoAnswer => write!(f, "the 271 holds neither a coverage answer nor a rejection"),
        }
    }
}

impl std::error::Error for X12Error {}

impl X12Error {
    /// A person's name on file has a letter that X12 cannot carry and that has no standard
    /// transliteration here (Cyrillic, CJK, …): the inquiry is not sent; staff ask the payer
    /// another way. (Accented Latin letters are folded and never end up here.)
    pub fn is_name_outside_character_set(&self) -> bool {
        matches!(
            self,
            X12Error::InvalidCharacter {
                field: "subscriber_first" | "subscriber_last" | "dependent_first" | "dependent_last"
            }
        )
    }
}
