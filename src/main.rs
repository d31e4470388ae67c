//! The lobby kiosk (index.html).

use arrive_kiosk::app::Localized;
use arrive_kiosk::kiosk::Kiosk;
use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <Localized><Kiosk /></Localized> });
}
