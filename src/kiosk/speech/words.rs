//! What speech mode itself says and shows (the offer, the privacy notice, the key map, how a
//! control is described), in each language. Its own table rather than the screens' `Strings`:
//! these words exist only while a patient listens. A missing translation is a compile error.

use crate::i18n::Lang;

pub struct SpeechWords {
    /// Welcome's button, and what the first key on Welcome offers.
    pub start_label: &'static str,
    /// Spoken on Welcome at the first key or a touch outside a button, in this language.
    pub offer: &'static str,
    pub now_on: &'static str,
    /// Said first: speech is audible to others; headphones or the desk instead.
    pub privacy: &'static str,
    pub key_map: &'static str,
    pub now_off: &'static str,
    pub controls_label: &'static str,
    pub repeat: &'static str,
    pub stop: &'static str,
    pub slower: &'static str,
    pub faster: &'static str,
    pub softer: &'static str,
    pub louder: &'static str,
    pub turn_off: &'static str,
    pub button: &'static str,
    pub text_field: &'static str,
    pub empty: &'static str,
    pub list: &'static str,
    pub checkbox: &'static str,
    pub checked: &'static str,
    pub not_checked: &'static str,
    pub choice: &'static str,
    pub selected: &'static str,
    pub not_selected: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    pub unavailable: &'static str,
    pub deleted: &'static str,
    pub space: &'static str,
    /// A typed character the screen hides.
    pub hidden_character: &'static str,
    /// "Option 3".
    pub option: fn(usize) -> String,
    pub no_option: fn(usize) -> String,
    /// Where focus is once the screen has been read.
    pub you_are_on: &'static str,
    /// More than nine options: how to reach 10 and up.
    pub two_digits: &'static str,
    pub no_back: &'static str,
    pub volume: fn(u8) -> String,
    pub speed: fn(i8) -> String,
    pub no_voice: &'static str,
}

impl SpeechWords {
    pub fn of(lang: Lang) -> &'static SpeechWords {
        match lang {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }
}

// The two tables below are alike line for line by design: one entry per word, per language.

static EN: SpeechWords = SpeechWords {
    start_label: "Spoken guidance",
    offer: "For spoken guidance in English, press Enter or 1.",
    now_on: "Spoken guidance is on.",
    privacy: "People near you can hear it. For privacy, plug headphones into the tablet, or press star to ask the front desk for help.",
    key_map: "Press a number to choose an option. Enter confirms. 0 repeats the screen. The dot key goes back. Star asks for help. Plus and minus change the volume, slash changes the speed, and Escape stops speaking. Tab and the arrow keys move between options.",
    now_off: "Spoken guidance is off.",
    controls_label: "Speech controls",
    repeat: "Repeat",
    stop: "Stop",
    slower: "Slower",
    faster: "Faster",
    softer: "Softer",
    louder: "Louder",
    turn_off: "Turn speech off",
    button: "button",
    text_field: "text field",
    empty: "empty",
    list: "list",
    checkbox: "checkbox",
    checked: "checked",
    not_checked: "not checked",
    choice: "choice",
    selected: "selected",
    not_selected: "not selected",
    on: "on",
    off: "off",
    unavailable: "unavailable",
    deleted: "deleted",
    space: "space",
    hidden_character: "hidden character",
    option: |n| format!("Option {n}"),
    no_option: |n| format!("There is no option {n}."),
    you_are_on: "You are on",
    two_digits: "For options above 9, press two digits quickly.",
    no_back: "This screen has no way back.",
    volume: |v| format!("Volume {v} of 10."),
    speed: |s| {
        match s {
            i8::MIN..=-2 => "Slowest.",
            -1 => "Slower.",
            0 => "Normal speed.",
            1 => "Faster.",
            _ => "Fastest.",
        }
        .to_owned()
    },
    no_voice: "This tablet cannot speak. Please ask the front desk for help.",
};

static ES: SpeechWords = SpeechWords {
    start_label: "Guía hablada",
    offer: "Para guía hablada en español, pulse 2.",
    now_on: "La guía hablada está activada.",
    privacy: "Las personas cerca de usted pueden oírla. Para más privacidad, conecte unos auriculares a la tableta, o pulse asterisco para pedir ayuda a la recepción.",
    key_map: "Pulse un número para elegir una opción. Enter confirma. 0 repite la pantalla. La tecla del punto vuelve atrás. Asterisco pide ayuda. Más y menos cambian el volumen, la barra cambia la velocidad y Escape deja de hablar. Tab y las flechas pasan de una opción a otra.",
    now_off: "La guía hablada está desactivada.",
    controls_label: "Controles de voz",
    repeat: "Repetir",
    stop: "Parar",
    slower: "Más despacio",
    faster: "Más rápido",
    softer: "Más bajo",
    louder: "Más alto",
    turn_off: "Desactivar la voz",
    button: "botón",
    text_field: "campo de texto",
    empty: "vacío",
    list: "lista",
    checkbox: "casilla",
    checked: "marcada",
    not_checked: "sin marcar",
    choice: "opción",
    selected: "elegida",
    not_selected: "sin elegir",
    on: "activado",
    off: "desactivado",
    unavailable: "no disponible",
    deleted: "borrado",
    space: "espacio",
    hidden_character: "carácter oculto",
    option: |n| format!("Opción {n}"),
    no_option: |n| format!("No hay opción {n}."),
    you_are_on: "Está en",
    two_digits: "Para las opciones mayores que 9, pulse dos cifras seguidas.",
    no_back: "Esta pantalla no tiene vuelta atrás.",
    volume: |v| format!("Volumen {v} de 10."),
    speed: |s| {
        match s {
            i8::MIN..=-2 => "Lo más despacio.",
            -1 => "Más despacio.",
            0 => "Velocidad normal.",
            1 => "Más rápido.",
            _ => "Lo más rápido.",
        }
        .to_owned()
    },
    no_voice: "Esta tableta no puede hablar. Por favor, pida ayuda en la recepción.",
};
