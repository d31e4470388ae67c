//! Every word the kiosk and the desk board show, in each language we support.
//!
//! One `Strings` value per language: a string missing from a language is a compile error,
//! not an English word on a Spanish screen.

use arrive_domain::{DobError, NameError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

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
    pub consent_progress: fn(usize, usize) -> String,
    pub consent_name_label: &'static str,
    pub consent_sign_label: &'static str,
    pub signature_missing: &'static str,
    pub signature_too_small: &'static str,
    pub signature_clear: &'static str,
    pub sign_by_typing: &'static str,
    pub consent_agree: &'static str,
    pub ready_title: &'static str,
    pub ready_lead: &'static str,

    pub done_title: fn(&str) -> String,
    pub done_lead: &'static str,
    pub done_returning: &'static str,
    pub finish: &'static str,

    pub not_found_title: &'static str,
    pub not_found_lead: &'static str,
    pub several_title: &'static str,
    pub several_lead: &'static str,
    pub try_again: &'static str,
    pub see_desk: &'static str,

    pub network_error: &'static str,
    pub expired_error: &'static str,

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
    pub desk_see_now: &'static str,
    pub desk_urgent_banner: fn(&str) -> String,
    pub desk_summary: fn(usize, usize) -> String,
    pub desk_setup_title: &'static str,
    pub desk_setup_lead: &'static str,
    pub desk_setup_qr_alt: fn(&str) -> String,
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

pub static EN: Strings = Strings {
    language_name: "English",
    app_name: "Check-in",
    switch_language: "Español",

    welcome_title: "Welcome",
    welcome_lead: "Check in for your appointment here. It takes about a minute.",
    welcome_start: "Check in",

    identify_title: "Who are you?",
    identify_lead: "We use your last name and date of birth to find today's appointment.",
    last_name_label: "Last name",
    last_name_hint: "As it is on your insurance card.",
    dob_legend: "Date of birth",
    dob_hint: "For example: 03 14 1956",
    dob_month: "Month",
    dob_day: "Day",
    dob_year: "Year",
    continue_button: "Continue",
    searching: "Looking for your appointment…",
    back: "Back",
    start_over: "Start over",
    fix_errors: "Please check the highlighted answers.",

    name_missing: "Enter your last name.",
    name_too_long: "This name is too long. Use at most 60 letters.",
    name_invalid: "Use letters only. Spaces, hyphens (-) and apostrophes (') are fine.",
    dob_missing: "Enter your date of birth.",
    dob_unreadable: "Enter the month, day and year as numbers.",
    dob_not_real: "This date does not exist. Check the month and the day.",
    dob_four_digit_year: "Enter all four digits of the year, like 1956.",
    dob_future: "The date of birth cannot be in the future.",
    dob_too_old: "Check the year of birth.",

    greeting: |name| format!("Hello, {name}"),
    appointment_with: |time, provider| format!("Your appointment is today at {time} with {provider}."),
    check_in_button: "Check in",
    checking_in: "Checking you in…",
    not_me: "This is not me",
    already_checked_in: "You are already checked in. Please have a seat.",

    forms_loading: "Getting your forms ready…",
    form_progress: |n, total| format!("Form {n} of up to {total}"),
    form_sending: "Saving…",
    form_required: "Please answer this question.",
    form_too_long: "This answer is too long. Please shorten it.",
    form_check_answer: "Please check this answer.",
    form_whole_number: "Please enter a whole number, like 2.",
    form_number: "Please enter a number, like 98.6.",
    form_date: "Please enter a date.",
    form_add_row: "Add another",
    form_remove_row: "Remove",
    form_row: |n| format!("Entry {n}"),
    yes: "Yes",
    no: "No",
    consent_progress: |n, total| format!("Consent {n} of {total}"),
    consent_name_label: "Type your full name",
    consent_sign_label: "Sign here with your finger",
    signature_missing: "Please sign in the box with your finger.",
    signature_too_small: "This signature is very small. Please clear it and sign again, larger.",
    signature_clear: "Clear signature",
    sign_by_typing: "I cannot sign on the screen. My typed name is my signature.",
    consent_agree: "I agree and sign",
    ready_title: "Thank you. That is everything.",
    ready_lead: "Tap the button to let the clinic know you are here.",

    done_title: |name| format!("You are checked in, {name}"),
    done_lead: "Please have a seat. We will call you soon.",
    done_returning: "This screen will go back to the start in a few seconds.",
    finish: "Finish",

    not_found_title: "We could not find your appointment",
    not_found_lead: "Please check your last name and date of birth. If they are right, please see the front desk. We are happy to help.",
    several_title: "Please see the front desk",
    several_lead: "We need a moment to make sure we have the right person. The front desk will check you in.",
    try_again: "Try again",
    see_desk: "Please see the front desk.",

    network_error: "We could not reach the clinic's system. Please try again, or see the front desk.",
    expired_error: "This took too long, so we stopped for your privacy. Please start again.",

    desk_title: "Today's arrivals",
    desk_live: "Live",
    desk_reconnecting: "Reconnecting…",
    desk_loading: "Loading today's schedule…",
    desk_empty: "No appointments today.",
    desk_time: "Time",
    desk_patient: "Patient",
    desk_provider: "Provider",
    desk_status: "Status",
    desk_arrived_at: "Arrived",
    status_scheduled: "Scheduled",
    status_arrived: "Arrived",
    desk_see_now: "See now",
    desk_urgent_banner: |who| format!("Please see {who} now. An answer on their forms needs a clinician."),
    desk_summary: |arrived, total| format!("{arrived} of {total} arrived"),
    desk_setup_title: "Set up a kiosk tablet",
    desk_setup_lead: "On the tablet, scan this code with the camera, or open this address:",
    desk_setup_qr_alt: |url| format!("QR code that opens the kiosk at {url}"),
};

pub static ES: Strings = Strings {
    language_name: "Español",
    app_name: "Registro de llegada",
    switch_language: "English",

    welcome_title: "Le damos la bienvenida",
    welcome_lead: "Regístrese aquí para su cita. Tarda más o menos un minuto.",
    welcome_start: "Registrarme",

    identify_title: "¿Quién es usted?",
    identify_lead: "Usamos su apellido y su fecha de nacimiento para encontrar su cita de hoy.",
    last_name_label: "Apellido",
    last_name_hint: "Como aparece en su tarjeta del seguro.",
    dob_legend: "Fecha de nacimiento",
    dob_hint: "Por ejemplo: 03 14 1956 (mes, día, año)",
    dob_month: "Mes",
    dob_day: "Día",
    dob_year: "Año",
    continue_button: "Continuar",
    searching: "Buscando su cita…",
    back: "Atrás",
    start_over: "Empezar de nuevo",
    fix_errors: "Revise las respuestas marcadas, por favor.",

    name_missing: "Escriba su apellido.",
    name_too_long: "El apellido es demasiado largo. Use 60 letras como máximo.",
    name_invalid: "Use solo letras. Puede usar espacios, guiones (-) y apóstrofos (').",
    dob_missing: "Escriba su fecha de nacimiento.",
    dob_unreadable: "Escriba el mes, el día y el año con números.",
    dob_not_real: "Esta fecha no existe. Revise el mes y el día.",
    dob_four_digit_year: "Escriba el año con sus cuatro cifras, por ejemplo 1956.",
    dob_future: "La fecha de nacimiento no puede ser en el futuro.",
    dob_too_old: "Revise el año de nacimiento.",

    greeting: |name| format!("Hola, {name}"),
    appointment_with: |time, provider| format!("Su cita es hoy a las {time} con {provider}."),
    check_in_button: "Registrar mi llegada",
    checking_in: "Registrando su llegada…",
    not_me: "No soy yo",
    already_checked_in: "Su llegada ya está registrada. Por favor, tome asiento.",

    forms_loading: "Preparando sus formularios…",
    form_progress: |n, total| format!("Formulario {n} de {total} como máximo"),
    form_sending: "Guardando…",
    form_required: "Por favor, responda esta pregunta.",
    form_too_long: "Esta respuesta es demasiado larga. Acórtela, por favor.",
    form_check_answer: "Revise esta respuesta, por favor.",
    form_whole_number: "Escriba un número entero, por ejemplo 2.",
    form_number: "Escriba un número, por ejemplo 37.5.",
    form_date: "Escriba una fecha.",
    form_add_row: "Agregar otro",
    form_remove_row: "Quitar",
    form_row: |n| format!("Entrada {n}"),
    yes: "Sí",
    no: "No",
    consent_progress: |n, total| format!("Consentimiento {n} de {total}"),
    consent_name_label: "Escriba su nombre completo",
    consent_sign_label: "Firme aquí con el dedo",
    signature_missing: "Por favor, firme en el recuadro con el dedo.",
    signature_too_small: "La firma es muy pequeña. Bórrela y firme otra vez, más grande.",
    signature_clear: "Borrar la firma",
    sign_by_typing: "No puedo firmar en la pantalla. Mi nombre escrito es mi firma.",
    consent_agree: "Acepto y firmo",
    ready_title: "Gracias. Eso es todo.",
    ready_lead: "Toque el botón para avisar a la clínica que ya llegó.",

    done_title: |name| format!("Su llegada está registrada, {name}"),
    done_lead: "Por favor, tome asiento. Le llamaremos pronto.",
    done_returning: "Esta pantalla volverá al inicio en unos segundos.",
    finish: "Terminar",

    not_found_title: "No encontramos su cita",
    not_found_lead:
        "Revise su apellido y su fecha de nacimiento. Si son correctos, acérquese a recepción. Con gusto le ayudamos.",
    several_title: "Por favor, acérquese a recepción",
    several_lead:
        "Necesitamos un momento para confirmar que es la persona correcta. En recepción registrarán su llegada.",
    try_again: "Intentar de nuevo",
    see_desk: "Por favor, acérquese a recepción.",

    network_error: "No pudimos conectar con el sistema de la clínica. Inténtelo de nuevo o acérquese a recepción.",
    expired_error: "Pasó demasiado tiempo y paramos para proteger su privacidad. Empiece de nuevo, por favor.",

    desk_title: "Llegadas de hoy",
    desk_live: "En vivo",
    desk_reconnecting: "Reconectando…",
    desk_loading: "Cargando la agenda de hoy…",
    desk_empty: "No hay citas hoy.",
    desk_time: "Hora",
    desk_patient: "Paciente",
    desk_provider: "Profesional",
    desk_status: "Estado",
    desk_arrived_at: "Llegó",
    status_scheduled: "Programada",
    status_arrived: "Llegó",
    desk_see_now: "Atender ya",
    desk_urgent_banner: |who| {
        format!("Atienda ya a {who}. Una respuesta de sus formularios requiere a un profesional clínico.")
    },
    desk_summary: |arrived, total| format!("{arrived} de {total} han llegado"),
    desk_setup_title: "Configurar una tableta de registro",
    desk_setup_lead: "En la tableta, escanee este código con la cámara o abra esta dirección:",
    desk_setup_qr_alt: |url| format!("Código QR que abre el registro en {url}"),
};
