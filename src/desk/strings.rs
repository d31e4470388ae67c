//! Words only the front desk shows, in each language: kept out of the shared `Strings` so the
//! lobby tablet never downloads them. (Older desk strings still live in `crate::i18n`.)

use arrive_domain::verification::PaymentIntent;
use leptos::prelude::*;

use crate::i18n::Lang;

pub struct DeskStrings {
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

static EN: DeskStrings = DeskStrings {
    pill_details_changed: "Details changed",
    pill_insurance_changed: "New insurance",
    pill_self_pay: "Self-pay",
    verification_title: "Checked at the kiosk",
    verification_nothing_changed: "The patient confirmed everything on file.",
    change_before: "On file",
    change_after: "Now",
    nothing_on_file: "(nothing on file)",
    payment_label: "Payment today",
    card_photos: "Insurance card photos",
    field_label: |field| match field {
        "address" => "Address",
        "phone" => "Phone",
        "email" => "E-mail",
        "emergency_contact" => "Emergency contact",
        "language" => "Preferred language",
        "insurance" => "Insurance",
        _ => "Other",
    },
    payment: |intent| match intent {
        PaymentIntent::CardAtDesk => "Pays now with the card reader at the desk",
        PaymentIntent::CashOrCheck => "Pays at the desk with cash or check",
        PaymentIntent::BillMe => "Asks to be billed later",
        PaymentIntent::FinancialAssistance => "Asks about financial assistance",
    },
    card_photo_alt: |rank, side| {
        let which = if rank == 1 { "Primary" } else { "Secondary" };
        let side = if side == "back" { "back" } else { "front" };
        format!("{which} insurance card, {side}")
    },
    pre_title: "Pre-registration link",
    pre_lead: "The patient opens it on their phone, gives their birth date, answers the check-in questions at home and gets a pass that checks them in at the kiosk. It holds no patient data and works until the end of the appointment's day.",
    pre_get_link: "Get the link",
    pre_link_label: "Link to send the patient",
    pre_copy: "Copy link",
    pre_copied: "Copied.",
    pre_print: "Print",
    pre_withdraw: "Withdraw link",
    pre_withdrawn: "Withdrawn: the link no longer works. Get a new one to send again.",
    pre_unavailable: "No link for this appointment: it is over or the patient has checked in.",
    pre_qr_alt: "QR code of the pre-registration link",
    pre_export: "Today's pre-registration links (CSV)",
    pill_ask_at_desk: "Ask at the desk",
    eligibility_ask_at_desk: "Ask at the desk: a name on file has letters the payer's electronic inquiry (X12) cannot carry, so the payer was not asked. Check the insurance by phone or on the payer's portal.",
    x12_show: "Show the 270/271",
    x12_hide: "Hide the 270/271",
    x12_none: "No inquiry was sent to the payer for this visit.",
    x12_request: "Sent (270)",
    x12_response: "Received (271)",
    x12_no_response: |why| format!("No 271 came back ({why})."),
    staff_title: "Staff accounts",
    staff_disabled: "Disabled",
    staff_must_change: "Must choose a new password",
    staff_sessions: |n| match n {
        0 => "Not signed in".to_owned(),
        1 => "Signed in on 1 device".to_owned(),
        n => format!("Signed in on {n} devices"),
    },
    staff_disable: "Disable",
    staff_enable: "Enable",
    staff_reset: "Reset password",
    staff_end_sessions: "Sign out everywhere",
    staff_one_time: |who| format!("One-time password for {who}. It is shown only now: give it to them in person. They choose their own at their next sign-in."),
    staff_failed: "That did not work. Reload the page and try again.",
};

static ES: DeskStrings = DeskStrings {
    pill_details_changed: "Datos cambiados",
    pill_insurance_changed: "Seguro nuevo",
    pill_self_pay: "Pago propio",
    verification_title: "Verificado en el quiosco",
    verification_nothing_changed: "El paciente confirmó todo lo registrado.",
    change_before: "Registrado",
    change_after: "Ahora",
    nothing_on_file: "(nada registrado)",
    payment_label: "Pago de hoy",
    card_photos: "Fotos de la tarjeta del seguro",
    field_label: |field| match field {
        "address" => "Dirección",
        "phone" => "Teléfono",
        "email" => "Correo electrónico",
        "emergency_contact" => "Contacto de emergencia",
        "language" => "Idioma preferido",
        "insurance" => "Seguro",
        _ => "Otro",
    },
    payment: |intent| match intent {
        PaymentIntent::CardAtDesk => "Paga ahora con el lector de tarjetas del mostrador",
        PaymentIntent::CashOrCheck => "Paga en el mostrador en efectivo o con cheque",
        PaymentIntent::BillMe => "Pide que le envíen la factura",
        PaymentIntent::FinancialAssistance => "Pregunta por ayuda financiera",
    },
    card_photo_alt: |rank, side| {
        let which = if rank == 1 { "principal" } else { "secundario" };
        let side = if side == "back" { "reverso" } else { "frente" };
        format!("Tarjeta del seguro {which}, {side}")
    },
    pre_title: "Enlace de registro previo",
    pre_lead: "El paciente lo abre en su teléfono, da su fecha de nacimiento, contesta las preguntas del registro en casa y recibe un pase que registra su llegada en el quiosco. No contiene datos del paciente y funciona hasta el final del día de la cita.",
    pre_get_link: "Obtener el enlace",
    pre_link_label: "Enlace para enviar al paciente",
    pre_copy: "Copiar enlace",
    pre_copied: "Copiado.",
    pre_print: "Imprimir",
    pre_withdraw: "Retirar el enlace",
    pre_withdrawn: "Retirado: el enlace ya no funciona. Obtenga uno nuevo para enviarlo otra vez.",
    pre_unavailable: "No hay enlace para esta cita: ya pasó o el paciente ya llegó.",
    pre_qr_alt: "Código QR del enlace de registro previo",
    pre_export: "Enlaces de registro previo de hoy (CSV)",
    pill_ask_at_desk: "Preguntar en el mostrador",
    eligibility_ask_at_desk: "Preguntar en el mostrador: un nombre registrado tiene letras que la consulta electrónica a la aseguradora (X12) no admite, así que no se consultó. Verifique el seguro por teléfono o en el portal de la aseguradora.",
    x12_show: "Ver el 270/271",
    x12_hide: "Ocultar el 270/271",
    x12_none: "No se envió ninguna consulta a la aseguradora para esta visita.",
    x12_request: "Enviado (270)",
    x12_response: "Recibido (271)",
    x12_no_response: |why| format!("No llegó ningún 271 ({why})."),
    staff_title: "Cuentas del personal",
    staff_disabled: "Desactivada",
    staff_must_change: "Debe elegir una contraseña nueva",
    staff_sessions: |n| match n {
        0 => "Sin sesión abierta".to_owned(),
        1 => "Sesión abierta en 1 dispositivo".to_owned(),
        n => format!("Sesión abierta en {n} dispositivos"),
    },
    staff_disable: "Desactivar",
    staff_enable: "Activar",
    staff_reset: "Restablecer la contraseña",
    staff_end_sessions: "Cerrar todas sus sesiones",
    staff_one_time: |who| format!("Contraseña de un solo uso para {who}. Solo se muestra ahora: entréguesela en persona. Elegirá la suya al iniciar sesión la próxima vez."),
    staff_failed: "No se pudo. Recargue la página e inténtelo de nuevo.",
};

/// The desk's strings in the current language.
pub fn desk_strings() -> Signal<&'static DeskStrings> {
    let lang = expect_context::<RwSignal<Lang>>();
    Signal::derive(move || match lang.get() {
        Lang::En => &EN,
        Lang::Es => &ES,
    })
}

/// One desk string of the current language, for views (see `crate::app::tr`).
pub fn dtr(pick: fn(&DeskStrings) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let s = desk_strings();
    move || pick(s.get())
}
