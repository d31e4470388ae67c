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

/// An RFC 3339 server timestamp as local `HH:MM`, and its time in milliseconds.
pub fn local_time(rfc3339: &str) -> Option<(String, f64)> {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    let ms = date.get_time();
    if ms.is_nan() {
        return None;
    }
    Some((format!("{:02}:{:02}", date.get_hours(), date.get_minutes()), ms))
}
