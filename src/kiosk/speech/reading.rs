//! What a screen says: its heading, then everything shown in document order — text block by
//! block, each control as "Option n: its label, what it is, its value or state" — read from the
//! page itself, so whatever a screen shows is what is spoken and no screen keeps a second,
//! spoken copy of its words. What the screen masks is read masked: it is the text shown.

use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

use super::words::SpeechWords;

/// What counts as an option: something the patient can press, tick, pick or type into.
const CONTROLS: &str = "button, input:not([type=hidden]), select, textarea, a[href], \
     [role=button], [role=checkbox], [role=radio], [role=switch]";

/// The options of `root`, in document order: the patient's number n picks the n-th.
pub fn options(root: &Element) -> Vec<Element> {
    let Ok(all) = root.query_selector_all(CONTROLS) else {
        return Vec::new();
    };
    (0..all.length())
        .filter_map(|i| all.item(i)?.dyn_into::<Element>().ok())
        .filter(|e| shown_in_page(e) && !e.has_attribute("disabled"))
        .collect()
}

/// Everything `root` shows, as the parts to say: the heading first; `options` are its
/// `options`, numbered as they are said.
pub fn screen(root: &Element, options: &[Element], words: &SpeechWords) -> Vec<String> {
    let mut reading = Reading {
        parts: Vec::new(),
        block: String::new(),
        options,
        words,
    };
    let heading = root.query_selector("h1, h2").ok().flatten();
    if let Some(heading) = &heading {
        reading.add_text(&heading.text_content().unwrap_or_default());
        reading.flush();
    }
    reading.walk(root, heading.as_ref());
    reading.flush();
    if options.len() > 9 {
        reading.parts.push(words.two_digits.to_owned());
    }
    reading.parts
}

/// A control as it is announced when it takes focus: its description, then what its
/// `aria-describedby` points at (its hint, its error); numbered among `options`.
pub fn focused(control: &Element, options: &[Element], words: &SpeechWords) -> Vec<String> {
    let mut parts = vec![describe(control, options, words)];
    if let Some(ids) = control.get_attribute("aria-describedby") {
        for id in ids.split_whitespace() {
            if let Some(text) = document_text_of(id) {
                parts.push(text);
            }
        }
    }
    parts
}

fn document_text_of(id: &str) -> Option<String> {
    let element = leptos::prelude::document().get_element_by_id(id)?;
    let text = squeeze(&element.text_content()?);
    (!text.is_empty() && shown_in_page(&element)).then_some(text)
}

struct Reading<'a> {
    parts: Vec<String>,
    block: String,
    options: &'a [Element],
    words: &'a SpeechWords,
}

impl Reading<'_> {
    fn add_text(&mut self, text: &str) {
        let text = squeeze(text);
        if !text.is_empty() {
            if !self.block.is_empty() {
                self.block.push(' ');
            }
            self.block.push_str(&text);
        }
    }

    fn flush(&mut self) {
        if !self.block.is_empty() {
            self.parts.push(std::mem::take(&mut self.block));
        }
    }

    fn walk(&mut self, node: &Node, skip: Option<&Element>) {
        let mut child = node.first_child();
        while let Some(node) = child {
            child = node.next_sibling();
            match node.node_type() {
                Node::TEXT_NODE => self.add_text(&node.text_content().unwrap_or_default()),
                Node::ELEMENT_NODE => {
                    let Ok(element) = node.dyn_into::<Element>() else {
                        continue;
                    };
                    if Some(&element) == skip || !shown_here(&element) {
                        continue;
                    }
                    if element.matches(CONTROLS).unwrap_or(false) {
                        self.flush();
                        self.parts.push(describe(&element, self.options, self.words));
                        continue;
                    }
                    // A label says itself as part of its control.
                    if element.tag_name().eq_ignore_ascii_case("label") && label_has_control(&element) {
                        continue;
                    }
                    if let Some(alt) = element.get_attribute("alt").or_else(|| {
                        matches!(element.tag_name().to_ascii_lowercase().as_str(), "svg" | "canvas")
                            .then(|| element.get_attribute("aria-label"))
                            .flatten()
                    }) {
                        self.add_text(&alt);
                        continue;
                    }
                    let block = is_block(&element);
                    if block {
                        self.flush();
                    }
                    self.walk(&element, skip);
                    if block {
                        self.flush();
                    }
                }
                _ => {}
            }
        }
    }
}

fn label_has_control(label: &Element) -> bool {
    js_sys::Reflect::get(label, &"control".into()).is_ok_and(|c| c.is_object())
}

/// "Option 2: Check in, button"; "Option 3: Last name, text field, Lindqvist".
pub fn describe(control: &Element, options: &[Element], words: &SpeechWords) -> String {
    let mut said = Vec::new();
    let name = name_of(control);
    if !name.is_empty() {
        said.push(name);
    }
    let tag = control.tag_name().to_ascii_lowercase();
    let kind = control.get_attribute("type").unwrap_or_default().to_ascii_lowercase();
    let role = control.get_attribute("role").unwrap_or_default();
    let checked = || prop_bool(control, "checked") || control.get_attribute("aria-checked").as_deref() == Some("true");
    match (tag.as_str(), kind.as_str(), role.as_str()) {
        (_, "checkbox", _) | (_, _, "checkbox") | (_, _, "switch") => {
            said.push(words.checkbox.to_owned());
            said.push(if checked() { words.checked } else { words.not_checked }.to_owned());
        }
        (_, "radio", _) | (_, _, "radio") => {
            said.push(words.choice.to_owned());
            said.push(if checked() { words.selected } else { words.not_selected }.to_owned());
        }
        ("select", _, _) => {
            said.push(words.list.to_owned());
            said.push(selected_option(control).unwrap_or_else(|| words.empty.to_owned()));
        }
        ("input" | "textarea", _, _) => {
            said.push(words.text_field.to_owned());
            let value = prop_string(control, "value");
            said.push(if value.is_empty() {
                words.empty.to_owned()
            } else if kind == "password" {
                words.hidden_character.to_owned()
            } else {
                value
            });
        }
        _ => {
            said.push(words.button.to_owned());
            match control.get_attribute("aria-pressed").as_deref() {
                Some("true") => said.push(words.on.to_owned()),
                Some("false") => said.push(words.off.to_owned()),
                _ => {}
            }
        }
    }
    if control.has_attribute("disabled") || control.get_attribute("aria-disabled").as_deref() == Some("true") {
        said.push(words.unavailable.to_owned());
    }
    let description = said.join(", ");
    match options.iter().position(|o| o == control) {
        Some(n) => format!("{}: {description}", (words.option)(n + 1)),
        None => description,
    }
}

/// The control's accessible name, as a screen reader would find it.
fn name_of(control: &Element) -> String {
    if let Some(ids) = control.get_attribute("aria-labelledby") {
        let text: Vec<String> = ids.split_whitespace().filter_map(document_text_of).collect();
        if !text.is_empty() {
            return text.join(" ");
        }
    }
    if let Some(label) = control.get_attribute("aria-label") {
        return squeeze(&label);
    }
    if let Ok(labels) = js_sys::Reflect::get(control, &"labels".into()) {
        if let Ok(labels) = labels.dyn_into::<web_sys::NodeList>() {
            let text: Vec<String> = (0..labels.length())
                .filter_map(|i| labels.item(i)?.text_content())
                .map(|t| squeeze(&t))
                .filter(|t| !t.is_empty())
                .collect();
            if !text.is_empty() {
                return text.join(" ");
            }
        }
    }
    let tag = control.tag_name().to_ascii_lowercase();
    if tag != "input" && tag != "select" && tag != "textarea" {
        // As laid out: words in separate blocks ("English" / "Check in") stay apart.
        let text = control
            .dyn_ref::<web_sys::HtmlElement>()
            .map(|e| e.inner_text())
            .or_else(|| control.text_content())
            .unwrap_or_default();
        let text = squeeze(&text);
        if !text.is_empty() {
            return text;
        }
    }
    control
        .get_attribute("placeholder")
        .or_else(|| control.get_attribute("title"))
        .map(|t| squeeze(&t))
        .unwrap_or_default()
}

fn selected_option(select: &Element) -> Option<String> {
    let options = js_sys::Reflect::get(select, &"selectedOptions".into()).ok()?;
    let first = js_sys::Reflect::get(&options, &0.into()).ok()?;
    let text = js_sys::Reflect::get(&first, &"text".into()).ok()?.as_string()?;
    let text = squeeze(&text);
    (!text.is_empty()).then_some(text)
}

fn prop_bool(element: &Element, name: &str) -> bool {
    js_sys::Reflect::get(element, &name.into()).is_ok_and(|v| v.is_truthy())
}

fn prop_string(element: &Element, name: &str) -> String {
    js_sys::Reflect::get(element, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Shown as far as this element goes (its ancestors were checked on the way down).
fn shown_here(element: &Element) -> bool {
    if element.has_attribute("hidden") || element.get_attribute("aria-hidden").as_deref() == Some("true") {
        return false;
    }
    match leptos::prelude::window().get_computed_style(element) {
        Ok(Some(style)) => {
            style.get_property_value("display").ok().as_deref() != Some("none")
                && style.get_property_value("visibility").ok().as_deref() != Some("hidden")
        }
        _ => true,
    }
}

/// Shown at all: laid out (no hidden ancestor), and not hidden from assistive technology.
pub fn shown_in_page(element: &Element) -> bool {
    element.get_client_rects().length() > 0
        && element.closest("[aria-hidden=true]").ok().flatten().is_none()
        && shown_here(element)
}

fn is_block(element: &Element) -> bool {
    match leptos::prelude::window().get_computed_style(element) {
        Ok(Some(style)) => {
            let display = style.get_property_value("display").unwrap_or_default();
            !display.starts_with("inline") && display != "contents"
        }
        _ => true,
    }
}

/// Runs of whitespace (no-break spaces too) as one space.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
