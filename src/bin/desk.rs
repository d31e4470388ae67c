//! The front desk board (desk.html, served under /desk).

use arrive_kiosk::app::Localized;
use arrive_kiosk::desk::DeskBoard;
use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <Localized><DeskBoard /></Localized> });
}
