//! The end of a pre-registration from home: the check-in pass. Its QR code holds only an
//! opaque arrival token; the 6-character code is the same pass, to type at the kiosk. Nothing
//! of it is stored on the phone: the patient saves it themselves (a screenshot, or print).

use arrive_domain::api::ArrivalPass;
use leptos::prelude::*;

use crate::app::{strings, tr};

/// "K7MX4R" → "K7M X4R": easier to read out and to type.
fn spaced(code: &str) -> String {
    let (head, tail) = code.split_at(code.len().min(3));
    format!("{head} {tail}").trim_end().to_owned()
}

/// The date the pass works, as the patient's language writes it (`YYYY-MM-DD` in; shown as
/// it came should it not be one).
fn valid_on(s: &crate::i18n::Strings, day: &str) -> String {
    use chrono::Datelike;
    match arrive_domain::date::parse_iso(day) {
        Some(date) => (s.home_pass_valid_on)(date.day(), s.month_names[date.month0() as usize], date.year() as u32),
        None => day.to_owned(),
    }
}

pub fn page(first_name: String, pass: ArrivalPass) -> AnyView {
    let s = strings();
    let ArrivalPass {
        qr_svg,
        code,
        valid_on: day,
        ..
    } = pass;
    let print = move |_| {
        let _ = window().print();
    };
    view! {
        <section class="pass-ready" aria-labelledby="pass-ready-title">
            <div class="tick" aria-hidden="true">"✓"</div>
            <h1 id="pass-ready-title">{move || (s.get().home_done_title)(&first_name)}</h1>
            <p class="lead">{tr(|s| s.home_done_lead)}</p>
            <figure class="pass" aria-labelledby="pass-caption">
                // The server's SVG of the arrival token: a picture for the kiosk's camera.
                <div class="pass-qr" role="img" aria-label=tr(|s| s.home_pass_qr_label) inner_html=qr_svg></div>
                <figcaption id="pass-caption">
                    <span class="pass-code-label">{tr(|s| s.pass_label)}</span>
                    <strong class="pass-code" id="pass-code-value" data-code=code.clone()>{spaced(&code)}</strong>
                    <span class="pass-valid" id="pass-valid">{move || valid_on(s.get(), &day)}</span>
                </figcaption>
            </figure>
            <h2>{tr(|s| s.home_pass_how_title)}</h2>
            <ul class="pass-how">
                <li>{tr(|s| s.home_pass_how_scan)}</li>
                <li>{tr(|s| s.home_pass_how_type)}</li>
                <li>{tr(|s| s.home_pass_how_save)}</li>
            </ul>
            <button type="button" class="secondary" id="print-pass" on:click=print>
                {tr(|s| s.home_print)}
            </button>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::{spaced, valid_on};
    use crate::i18n::Lang;

    #[test]
    fn the_day_reads_in_the_patients_language() {
        assert_eq!(valid_on(Lang::En.strings(), "2026-12-01"), "For December 1, 2026");
        assert_eq!(
            valid_on(Lang::Es.strings(), "2026-12-01"),
            "Para el 1 de diciembre de 2026"
        );
    }

    #[test]
    fn a_code_reads_in_two_halves() {
        assert_eq!(spaced("K7MX4R"), "K7M X4R");
        assert_eq!(spaced("AB"), "AB");
    }
}
