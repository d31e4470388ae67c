//! X12 270 eligibility inquiries as the tests send them: the demo clinic asking about one
//! subscriber, at a fixed moment (so that a message reads the same every run).

use arrive_domain::x12::Inquiry;
use chrono::NaiveDate;

/// The demo clinic asks `payer` about subscriber `first` `last`, member `member`, born `dob`
/// (year, month, day); sender and receiver are the clinic's and the payer's ids.
pub fn inquiry(last: &str, first: &str, member: &str, dob: (i32, u32, u32), payer: &str) -> Inquiry {
    let created = NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(8, 5, 0)
        .unwrap();
    Inquiry {
        sender_id: "ARRIVECLINIC".into(),
        receiver_id: payer.into(),
        payer_name: "Sandbox Health Plan".into(),
        payer_id: payer.into(),
        provider_name: "Arrive Demo Clinic".into(),
        provider_npi: "1234567893".into(),
        subscriber_first: first.into(),
        subscriber_last: last.into(),
        member_id: member.into(),
        subscriber_dob: NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).unwrap(),
        service_date: created.date(),
        service_type: "30".into(),
        control_number: 42,
        trace: "ARRIVE42".into(),
        created,
        production: false,
        dependent: None,
    }
}
