//! Every word the lobby kiosk shows (a few of which the desk board shows too), in each language
//! we support. The kiosk's wasm holds all of this table, so words only staff see live in the
//! desk's own table, `crate::desk::strings`.
//!
//! One `Strings` value per language, in `en.rs` and `es.rs`: a string missing from a language is
//! a compile error, not an English word on a Spanish screen.

use arrive_domain::clock_time::ClockFormat;
use arrive_domain::{DobError, NameError};

mod en;
mod es;

pub use en::EN;
pub use es::ES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];
    /// The clinic's language: every patient at the kiosk starts in it.
    pub const DEFAULT: Lang = Lang::En;

    /// BCP 47 tag for `<html lang>` so screen readers pronounce the page correctly.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }
}

pub struct Strings {
    /// The language's own name, for the language choice.
    pub language_name: &'static str,
    pub app_name: &'static str,
    pub switch_language: &'static str,

    pub welcome_title: &'static str,
    pub welcome_lead: &'static str,
    pub welcome_start: &'static str,

    pub identify_title: &'static str,
    pub identify_lead: &'static str,
    pub last_name_label: &'static str,
    pub last_name_hint: &'static str,
    pub dob_legend: &'static str,
    pub dob_hint: &'static str,
    pub dob_month: &'static str,
    pub dob_day: &'static str,
    pub dob_year: &'static str,
    pub continue_button: &'static str,
    pub searching: &'static str,
    pub back: &'static str,
    pub start_over: &'static str,
    pub fix_errors: &'static str,

    pub name_missing: &'static str,
    pub name_too_long: &'static str,
    pub name_invalid: &'static str,
    pub dob_missing: &'static str,
    pub dob_unreadable: &'static str,
    pub dob_not_real: &'static str,
    pub dob_four_digit_year: &'static str,
    pub dob_future: &'static str,
    pub dob_too_old: &'static str,

    pub greeting: fn(&str) -> String,
    pub appointment_with: fn(&str, &str) -> String,
    pub check_in_button: &'static str,
    pub checking_in: &'static str,
    pub not_me: &'static str,
    pub already_checked_in: &'static str,

    pub forms_loading: &'static str,
    pub form_progress: fn(usize, usize) -> String,
    pub form_sending: &'static str,
    pub form_required: &'static str,
    pub form_too_long: &'static str,
    pub form_check_answer: &'static str,
    pub form_whole_number: &'static str,
    pub form_number: &'static str,
    pub form_date: &'static str,
    pub form_add_row: &'static str,
    pub form_remove_row: &'static str,
    pub form_row: fn(usize) -> String,
    pub yes: &'static str,
    pub no: &'static str,
    pub consents_title: &'static str,
    /// How many consents are on the screen to read and sign.
    pub consents_lead: fn(usize) -> String,
    pub consent_name_label: &'static str,
    /// Under "Type your full name" when it is empty (not the identify screen's last name).
    pub consent_name_missing: &'static str,
    pub consent_sign_label: &'static str,
    pub signature_missing: &'static str,
    pub signature_too_small: &'static str,
    pub signature_clear: &'static str,
    pub sign_by_typing: &'static str,
    pub consent_agree: fn(usize) -> String,
    pub still_right_title: &'static str,
    pub still_right_lead: &'static str,
    /// "From your visit on" (day, month name, year).
    pub last_answered_on: fn(u32, &str, i32) -> String,
    pub show_answers: &'static str,
    pub hide_answers: &'static str,
    pub still_right: &'static str,
    pub something_changed: &'static str,
    /// Last time's answers no longer fit the form.
    pub still_right_refused: &'static str,

    pub steps_of: fn(usize, usize, &str) -> String,
    pub step_names: [&'static str; 5],
    /// The last step's name at home, where it sends the answers rather than checking in.
    pub step_send_at_home: &'static str,
    pub steps_label: &'static str,
    pub details_title: &'static str,
    pub details_lead: &'static str,
    pub details_loading: &'static str,
    /// While the later steps' code arrives (rarely seen: it is fetched at start).
    pub one_moment: &'static str,
    pub name_dob_note: &'static str,
    pub group_address: &'static str,
    pub group_phone: &'static str,
    pub group_email: &'static str,
    pub group_contact: &'static str,
    pub group_language: &'static str,
    pub on_file: &'static str,
    pub nothing_on_file: &'static str,
    pub this_is_right: &'static str,
    pub all_same: &'static str,
    pub this_changed: &'static str,
    pub add: &'static str,
    pub skip: &'static str,
    pub address_line: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub zip: &'static str,
    pub zip_hint: &'static str,
    pub phone: &'static str,
    pub phone_hint: &'static str,
    pub email: &'static str,
    pub their_name: &'static str,
    pub their_phone: &'static str,
    pub their_dob: &'static str,
    pub language: &'static str,
    /// The names of `verification::LANGUAGES`, in order.
    pub language_names: [&'static str; 8],
    pub choose: &'static str,
    pub choose_one: &'static str,
    pub p_missing: &'static str,
    pub p_state: &'static str,
    pub p_zip: &'static str,
    pub p_phone: &'static str,
    pub p_email: &'static str,
    pub p_date: &'static str,
    pub p_payer: &'static str,
    pub p_mbi: &'static str,
    pub p_member: &'static str,
    pub p_language: &'static str,
    pub insurance_title: &'static str,
    pub insurance_lead: &'static str,
    pub insurance_same: &'static str,
    pub insurance_changed: &'static str,
    pub insurance_add: &'static str,
    pub self_pay: &'static str,
    pub coverage_primary: &'static str,
    pub coverage_secondary: &'static str,
    pub add_secondary: &'static str,
    pub remove_secondary: &'static str,
    pub payer_legend: &'static str,
    pub payer_search: &'static str,
    pub payer_none: &'static str,
    pub pass_title: &'static str,
    pub pass_scan: &'static str,
    pub scan_title: &'static str,
    pub scan_lead: &'static str,
    pub scan_no_camera: &'static str,
    pub pass_label: &'static str,
    pub pass_hint: &'static str,
    pub pass_continue: &'static str,
    pub pass_unknown: &'static str,
    pub pass_window: &'static str,
    pub pass_too_many: &'static str,
    pub express_missing: &'static str,
    pub card_photos: &'static str,
    pub card_photos_hint: &'static str,
    pub card_front: &'static str,
    pub card_back: &'static str,
    pub take_front: &'static str,
    pub take_back: &'static str,
    pub retake_front: &'static str,
    pub retake_back: &'static str,
    pub take_photo: &'static str,
    pub cancel: &'static str,
    pub no_camera: &'static str,
    pub photo_failed: &'static str,
    pub member_id: &'static str,
    pub member_hint: &'static str,
    pub mbi_hint: &'static str,
    pub group_number: &'static str,
    pub relationship: &'static str,
    /// Whose name the insurance is in: self, spouse, child (of the subscriber), other.
    pub relationships: [&'static str; 4],
    pub payment_lead: &'static str,
    pub copay: fn(u32) -> String,
    pub copay_unknown: &'static str,
    pub balance: fn(u32) -> String,
    pub pay_card: &'static str,
    pub pay_cash: &'static str,
    pub pay_bill: &'static str,
    pub pay_assistance: &'static str,
    pub no_card_numbers: &'static str,
    pub review_title: &'static str,
    pub review_lead: &'static str,
    pub nothing_changed: &'static str,
    pub unreachable: fn(&str) -> String,
    pub still_there: &'static str,
    pub still_there_lead: fn(u32) -> String,
    pub more_time: &'static str,
    pub high_contrast: &'static str,
    pub larger_text: &'static str,
    pub read_aloud: &'static str,

    pub done_title: fn(&str) -> String,
    pub done_lead: &'static str,
    pub done_returning: &'static str,
    pub finish: &'static str,

    pub not_found_title: &'static str,
    pub not_found_lead: &'static str,
    pub help_button: &'static str,
    pub help_coming: &'static str,
    pub not_enrolled_title: &'static str,
    pub not_enrolled_lead: &'static str,
    pub several_title: &'static str,
    pub several_lead: &'static str,
    pub try_again: &'static str,
    pub see_desk: &'static str,

    pub network_error: &'static str,
    pub expired_error: &'static str,
    // Pre-registration from home (`kiosk/home.rs`, `kiosk/home_pass.rs`).
    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub home_dob_hint: &'static str,
    pub home_wrong_dob: &'static str,
    pub home_privacy: &'static str,
    pub home_locked_title: &'static str,
    pub home_gone_title: &'static str,
    pub home_call_clinic: &'static str,
    pub home_resumed: &'static str,
    pub home_review_title: &'static str,
    pub home_review_lead: &'static str,
    pub home_finish_button: &'static str,
    pub home_finishing: &'static str,
    pub home_done_title: fn(&str) -> String,
    pub home_done_lead: &'static str,
    pub home_pass_qr_label: &'static str,
    /// (day, month name, year).
    pub home_pass_valid_on: fn(u32, &str, u32) -> String,
    pub month_names: [&'static str; 12],
    pub home_pass_how_title: &'static str,
    pub home_pass_how_scan: &'static str,
    pub home_pass_how_type: &'static str,
    pub home_pass_how_save: &'static str,
    pub home_print: &'static str,
    pub home_finished_before: &'static str,
    pub home_show_pass: &'static str,
    /// How this language writes a time of day ("1:00 PM").
    pub clock: ClockFormat,
    /// The top bar's one button for contrast, text size and read aloud.
    pub display_button: &'static str,
    /// A masked value's toggle button: pressed, the value shows in full.
    pub show_value: &'static str,
}

impl Strings {
    pub fn name_error(&self, error: NameError) -> &'static str {
        match error {
            NameError::Missing => self.name_missing,
            NameError::TooLong => self.name_too_long,
            NameError::InvalidCharacter => self.name_invalid,
        }
    }

    pub fn dob_error(&self, error: DobError) -> &'static str {
        match error {
            DobError::Missing => self.dob_missing,
            DobError::Unreadable => self.dob_unreadable,
            DobError::NotARealDate => self.dob_not_real,
            DobError::YearNeedsFourDigits => self.dob_four_digit_year,
            DobError::InFuture => self.dob_future,
            DobError::TooOld => self.dob_too_old,
        }
    }
}

/// `$1,234.50` from cents.
pub(crate) fn dollars(cents: u32) -> String {
    let (whole, rest) = (cents / 100, cents % 100);
    let mut digits = whole.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    format!("${digits}{grouped}.{rest:02}")
}
