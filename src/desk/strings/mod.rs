//! Words only the front desk shows, in each language: kept out of the shared `crate::i18n::Strings`
//! so the lobby tablet's wasm never holds them (tests/bundle.rs checks the built kiosk). One
//! `DeskStrings` value per language, in `en.rs` and `es.rs`: a string missing from a language is a
//! compile error.

use arrive_domain::verification::PaymentIntent;
use leptos::prelude::*;

use crate::i18n::Lang;

mod en;
mod es;

// One field per string, as in `crate::i18n::Strings`: alike by design (a language table).
pub struct DeskStrings {
    /// (tablet, step) → the banner of a patient's help request.
    pub desk_help_banner: fn(&str, &str) -> String,
    /// The tablet called because a patient asked for spoken guidance and it has no voice.
    pub desk_help_cannot_speak: fn(&str, &str) -> String,
    pub desk_help_ack: &'static str,
    /// The kiosk's steps by name, for that banner.
    pub step_welcome: &'static str,
    pub step_identify: &'static str,
    pub step_confirm: &'static str,
    pub step_details: &'static str,
    pub step_insurance: &'static str,
    pub step_forms: &'static str,
    pub step_payment: &'static str,
    pub step_review: &'static str,
    pub step_consents: &'static str,
    pub step_ready: &'static str,
    pub step_done: &'static str,
    pub step_not_found: &'static str,
    pub step_several: &'static str,

    pub desk_title: &'static str,
    pub desk_live: &'static str,
    pub desk_reconnecting: &'static str,
    pub desk_loading: &'static str,
    pub desk_empty: &'static str,
    pub desk_time: &'static str,
    pub desk_patient: &'static str,
    pub desk_provider: &'static str,
    pub desk_status: &'static str,
    pub desk_arrived_at: &'static str,
    pub status_scheduled: &'static str,
    pub status_arrived: &'static str,
    pub status_roomed: &'static str,
    pub status_no_show: &'static str,
    pub desk_long_wait: &'static str,
    pub action_roomed: &'static str,
    pub action_no_show: &'static str,
    pub action_undo_check_in: &'static str,
    pub desk_see_now: &'static str,
    pub desk_details: &'static str,
    pub desk_forms_incomplete: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_username: &'static str,
    pub sign_in_password: &'static str,
    pub sign_in_button: &'static str,
    pub sign_in_wrong: &'static str,
    pub sign_in_locked: &'static str,
    pub sign_out: &'static str,
    pub password_title: &'static str,
    pub password_lead: &'static str,
    pub password_current: &'static str,
    pub password_new: &'static str,
    pub password_again: &'static str,
    pub password_button: &'static str,
    pub password_too_short: &'static str,
    pub password_different: &'static str,
    pub password_wrong_current: &'static str,
    pub detail_born: &'static str,
    pub detail_urgent: &'static str,
    pub detail_acknowledge: &'static str,
    pub detail_forms: &'static str,
    pub detail_consents: &'static str,
    pub detail_none: &'static str,
    pub detail_typed_signature: &'static str,
    pub detail_close: &'static str,
    pub detail_phq9: fn(u32, &str) -> String,
    pub detail_phq2: fn(u32) -> String,
    pub desk_urgent_banner: fn(&str) -> String,
    pub desk_summary: fn(usize, usize) -> String,
    pub metrics_title: &'static str,
    pub metrics_kiosk_time: &'static str,
    pub metrics_abandoned: &'static str,
    pub metrics_pre_registered: &'static str,
    pub metrics_help: &'static str,
    pub metrics_by_hour: &'static str,
    pub metrics_refresh: &'static str,
    pub admin_title: &'static str,
    pub import_title: &'static str,
    pub import_lead: &'static str,
    pub import_file: &'static str,
    pub import_button: &'static str,
    pub import_counts: fn(u32, u32, u32) -> String,
    pub import_line: fn(u64) -> String,
    pub import_entry: fn(u64) -> String,
    pub desk_insurance_problem: &'static str,
    pub detail_insurance: &'static str,
    pub eligibility_active: &'static str,
    pub eligibility_inactive: &'static str,
    pub eligibility_rejected: fn(&str) -> String,
    pub eligibility_unavailable: &'static str,
    pub eligibility_none: &'static str,
    pub eligibility_copay: fn(u32) -> String,
    pub eligibility_deductible: fn(u32) -> String,
    pub eligibility_recheck: &'static str,
    pub detail_ehr: &'static str,
    pub ehr_delivered: fn(&str) -> String,
    pub ehr_retrying: fn(u32, &str) -> String,
    pub ehr_queued: &'static str,
    /// (HTTP status, the EHR's own explanation)
    pub ehr_rejected: fn(&str, &str) -> String,
    pub import_failed: &'static str,
    pub add_staff_title: &'static str,
    pub add_staff_name: &'static str,
    pub add_staff_role: &'static str,
    pub add_staff_password: &'static str,
    pub add_staff_button: &'static str,
    pub add_staff_done: &'static str,
    pub add_staff_failed: &'static str,
    pub role_front_desk: &'static str,
    pub role_admin: &'static str,
    pub tablets_title: &'static str,
    pub tablet_name: &'static str,
    pub tablet_name_error: &'static str,
    pub tablet_enroll: &'static str,
    pub tablet_enroll_lead: &'static str,
    pub tablet_revoke: &'static str,
    pub tablet_revoked: &'static str,

    pub pill_details_changed: &'static str,
    pub pill_insurance_changed: &'static str,
    pub pill_self_pay: &'static str,
    pub verification_title: &'static str,
    pub verification_nothing_changed: &'static str,
    pub change_before: &'static str,
    pub change_after: &'static str,
    pub nothing_on_file: &'static str,
    pub payment_label: &'static str,
    pub card_photos: &'static str,
    /// The label of a changed group ("address", "phone", …).
    pub field_label: fn(&str) -> &'static str,
    pub payment: fn(PaymentIntent) -> &'static str,
    /// (rank, side) → "Primary insurance card, front".
    pub card_photo_alt: fn(u8, &str) -> String,
    pub pre_title: &'static str,
    pub pre_lead: &'static str,
    pub pre_get_link: &'static str,
    pub pre_link_label: &'static str,
    pub pre_copy: &'static str,
    pub pre_copied: &'static str,
    pub pre_print: &'static str,
    pub pre_withdraw: &'static str,
    pub pre_withdrawn: &'static str,
    pub pre_unavailable: &'static str,
    pub pre_qr_alt: &'static str,
    pub pre_export: &'static str,
    /// The board's pill when a name on file cannot be sent to the payer in X12.
    pub pill_ask_at_desk: &'static str,
    /// The detail's eligibility line for the same.
    pub eligibility_ask_at_desk: &'static str,
    pub x12_show: &'static str,
    pub x12_hide: &'static str,
    pub x12_none: &'static str,
    pub x12_request: &'static str,
    pub x12_response: &'static str,
    /// No 271 came back: why (an HTTP status or a CORE error code).
    pub x12_no_response: fn(&str) -> String,
    pub staff_title: &'static str,
    pub staff_disabled: &'static str,
    pub staff_must_change: &'static str,
    /// How many sessions the account has open now.
    pub staff_sessions: fn(i64) -> String,
    pub staff_disable: &'static str,
    pub staff_enable: &'static str,
    pub staff_reset: &'static str,
    pub staff_end_sessions: &'static str,
    /// (username) → the lead-in to the one-time password.
    pub staff_one_time: fn(&str) -> String,
    pub staff_failed: &'static str,
}

/// The desk's strings in the current language.
pub fn desk_strings() -> Signal<&'static DeskStrings> {
    let lang = expect_context::<RwSignal<Lang>>();
    Signal::derive(move || match lang.get() {
        Lang::En => &en::EN,
        Lang::Es => &es::ES,
    })
}

/// One desk string of the current language, for views (see `crate::app::tr`).
pub fn dtr(pick: fn(&DeskStrings) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let s = desk_strings();
    move || pick(s.get())
}
