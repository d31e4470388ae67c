//! The kiosk tablet's one stored value: its device token, given by the front desk when the
//! tablet is enrolled. It is not patient data; nothing else is ever kept in browser storage.

const STORAGE_KEY: &str = "arrive.kiosk-token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// This tablet's device token, if it has been enrolled.
pub fn token() -> Option<String> {
    storage()?.get_item(STORAGE_KEY).ok()?.filter(|t| is_token(t))
}

/// Enrollment: the desk's link opens the kiosk at `/#enroll=<token>`. The token is stored and
/// the fragment removed from the address bar and history. Whether the address held a link.
pub fn enroll_from_address() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let Ok(hash) = window.location().hash() else {
        return false;
    };
    let Some(token) = hash.strip_prefix("#enroll=") else {
        return false;
    };
    if is_token(token) {
        if let Some(storage) = storage() {
            let _ = storage.set_item(STORAGE_KEY, token);
        }
    }
    let path = window.location().pathname().unwrap_or_else(|_| "/".to_owned());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    true
}

/// An enrollment link opened over a kiosk page that is already open (only the fragment
/// changes, so the page is not loaded again): enrolls as at load, then `then`. The handle
/// stops listening.
pub fn follow_enrollment_links(then: impl Fn() + 'static) -> leptos::prelude::WindowListenerHandle {
    leptos::prelude::window_event_listener(leptos::ev::hashchange, move |_| {
        if enroll_from_address() {
            then();
        }
    })
}
