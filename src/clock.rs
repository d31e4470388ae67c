//! The browser's clock and calendar, read in one place.

use chrono::NaiveDate;
use wasm_bindgen::JsValue;

/// The tablet's local date, for date-of-birth checks ("not in the future").
pub fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(now.get_full_year() as i32, now.get_month() + 1, now.get_date()).unwrap_or(NaiveDate::MIN)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// An RFC 3339 server timestamp in milliseconds since the epoch. (Its wall-clock time is the
/// server's to give, in the clinic's time zone: this computer's zone may differ.)
pub fn instant_ms(rfc3339: &str) -> Option<f64> {
    let ms = js_sys::Date::new(&JsValue::from_str(rfc3339)).get_time();
    (!ms.is_nan()).then_some(ms)
}
