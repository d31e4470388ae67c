//! Renders any supported FHIR Questionnaire as large, labelled controls bound to a draft
//! response. Which questions show (`enableWhen`) and what is wrong with an answer come from the
//! domain engine, the same code the server checks the submission with.

use std::collections::HashSet;
use std::sync::Arc;

use arrive_domain::questionnaire::draft;
use arrive_domain::questionnaire::model::{localized, ResponseItem, ValueX};
use arrive_domain::questionnaire::{enabled_items, Answer, Item, ItemType, Problem, ProblemKind, Questionnaire};
use leptos::prelude::*;

use crate::app::{strings, tr};
use crate::i18n::Lang;

/// What the fields of one form share.
#[derive(Clone, Copy)]
struct FormContext {
    draft: RwSignal<Vec<ResponseItem>>,
    enabled: Memo<HashSet<String>>,
    /// Problems the engine finds, once the patient has tried to go on.
    problems: Memo<Vec<Problem>>,
    /// DOM ids of boxes whose text is not a value of their type (kept as typed).
    unreadable: RwSignal<HashSet<String>>,
}

/// The form `form`, editing `draft`. `attempted` turns on the error messages: they appear when
/// the patient first tries to go on, then follow every change.
#[component]
pub fn FormView(
    form: Arc<Questionnaire>,
    draft: RwSignal<Vec<ResponseItem>>,
    attempted: RwSignal<bool>,
    unreadable: RwSignal<HashSet<String>>,
) -> impl IntoView {
    let enabled_form = form.clone();
    let enabled = Memo::new(move |_| draft.with(|d| enabled_items(&enabled_form, d)));
    let checked_form = form.clone();
    let problems = Memo::new(move |_| {
        if !attempted.get() {
            return Vec::new();
        }
        draft.with(|d| problems_of(&checked_form, d))
    });
    let context = FormContext {
        draft,
        enabled,
        problems,
        unreadable,
    };
    items_view(&form.item, Vec::new(), String::from("q"), context)
}

/// What the engine says is wrong with `draft` as it would be submitted.
pub fn problems_of(form: &Questionnaire, draft: &[ResponseItem]) -> Vec<Problem> {
    arrive_domain::questionnaire::validate(form, &draft::finish(form, draft))
        .err()
        .unwrap_or_default()
}

fn items_view(items: &[Item], path: Vec<(String, usize)>, dom_prefix: String, context: FormContext) -> AnyView {
    items
        .iter()
        .map(|item| {
            item_view(
                item.clone(),
                path.clone(),
                format!("{dom_prefix}-{}", item.link_id),
                context,
            )
        })
        .collect_view()
        .into_any()
}

fn item_view(item: Item, path: Vec<(String, usize)>, dom_id: String, context: FormContext) -> AnyView {
    let visible = shown(&item.link_id, context);
    // Built again when the item comes back: answers live in the draft, not in the widgets.
    (move || {
        visible
            .get()
            .then(|| build_item(item.clone(), path.clone(), dom_id.clone(), context))
    })
    .into_any()
}

/// Whether `link_id` applies, changing only when that answer changes (so typing elsewhere
/// never rebuilds a field under the patient's finger).
fn shown(link_id: &str, context: FormContext) -> Memo<bool> {
    let link_id = link_id.to_owned();
    Memo::new(move |_| context.enabled.with(|e| e.contains(&link_id)))
}

fn build_item(item: Item, path: Vec<(String, usize)>, dom_id: String, context: FormContext) -> AnyView {
    match item.kind {
        ItemType::Display => {
            let text = item_text(&item);
            view! { <p class="form-display">{text}</p> }.into_any()
        }
        ItemType::Group if item.repeats => view! { <RepeatingGroup item path dom_id context /> }.into_any(),
        ItemType::Group => {
            let legend = item_text(&item);
            let mut inner = path.clone();
            inner.push((item.link_id.clone(), 0));
            let children = items_view(&item.item, inner, dom_id, context);
            view! {
                <fieldset class="form-group">
                    <legend>{legend}</legend>
                    {children}
                </fieldset>
            }
            .into_any()
        }
        _ => {
            let path = Signal::derive(move || path.clone());
            view! { <Question item path dom_id context /> }.into_any()
        }
    }
}

/// The item's text in the patient's language.
fn item_text(item: &Item) -> Signal<String> {
    let lang = expect_context::<RwSignal<Lang>>();
    let text = item.text.clone();
    let element = item.text_element.clone();
    let prefix = item.prefix.clone();
    Signal::derive(move || {
        let text = localized(text.as_deref(), element.as_ref(), lang.get().code()).unwrap_or_default();
        match &prefix {
            Some(prefix) => format!("{prefix} {text}"),
            None => text.to_owned(),
        }
    })
}

/// A list the patient can grow and shrink (medications, allergies). Rows keep a key so that
/// removing one does not shift what is typed in the others.
#[component]
fn RepeatingGroup(item: Item, path: Vec<(String, usize)>, dom_id: String, context: FormContext) -> impl IntoView {
    let s = strings();
    let link_id = item.link_id.clone();
    let initial_rows = context.draft.with_untracked(|d| draft::rows(d, &path, &link_id));
    let next_key = StoredValue::new(initial_rows as u32);
    let keys = RwSignal::new((0..initial_rows as u32).collect::<Vec<u32>>());
    let legend = item_text(&item);
    let item = Arc::new(item);

    let add_item = item.clone();
    let add_path = path.clone();
    let add = move |_| {
        context.draft.update(|d| draft::add_row(d, &add_path, &add_item));
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        keys.update(|k| k.push(key));
    };

    let add_id = format!("{dom_id}-add");
    let group_id = dom_id.clone();
    view! {
        <fieldset class="form-group repeating" id=group_id>
            <legend>{legend}</legend>
            <For each=move || keys.get() key=|key| *key let:key>
                {
                    let item = item.clone();
                    let path = path.clone();
                    let index = Signal::derive(move || keys.with(|k| k.iter().position(|x| *x == key).unwrap_or(0)));
                    let row_path = {
                        let path = path.clone();
                        let link_id = item.link_id.clone();
                        Signal::derive(move || {
                            let mut p = path.clone();
                            p.push((link_id.clone(), index.get()));
                            p
                        })
                    };
                    let row_dom = format!("{dom_id}-{key}");
                    let remove_path = path.clone();
                    let remove_link = item.link_id.clone();
                    let remove = move |_| {
                        let i = index.get_untracked();
                        context.draft.update(|d| draft::remove_row(d, &remove_path, &remove_link, i));
                        keys.update(|k| {
                            k.retain(|x| *x != key);
                        });
                    };
                    let questions = item
                        .item
                        .iter()
                        .map(|child| {
                            let visible = shown(&child.link_id, context);
                            let child = child.clone();
                            let child_dom = format!("{row_dom}-{}", child.link_id);
                            move || {
                                visible.get().then(|| {
                                    view! { <Question item=child.clone() path=row_path dom_id=child_dom.clone() context /> }
                                })
                            }
                        })
                        .collect_view();
                    let row_label = Signal::derive(move || (s.get().form_row)(index.get() + 1));
                    view! {
                        <div class="form-row" role="group" aria-label=move || row_label.get()>
                            {questions}
                            <button type="button" class="secondary remove-row" on:click=remove>
                                {tr(|s| s.form_remove_row)}
                                <span class="visually-hidden">" " {row_label}</span>
                            </button>
                        </div>
                    }
                }
            </For>
            <button type="button" class="secondary add-row" id=add_id on:click=add>
                {tr(|s| s.form_add_row)}
            </button>
        </fieldset>
    }
}

/// One question: its label, its error in plain words, and a control for its type.
#[component]
fn Question(item: Item, path: Signal<Vec<(String, usize)>>, dom_id: String, context: FormContext) -> impl IntoView {
    let s = strings();
    let label = item_text(&item);
    let link_id = item.link_id.clone();
    let current = {
        let link_id = link_id.clone();
        move || context.draft.with(|d| path.with(|p| draft::answer(d, p, &link_id)))
    };
    let set = {
        let link_id = link_id.clone();
        move |answer: Option<Answer>| {
            let p = path.get_untracked();
            context.draft.update(|d| draft::set_answer(d, &p, &link_id, answer));
        }
    };
    let error_id = format!("{dom_id}-error");
    let error = {
        let dom_id = dom_id.clone();
        let current = current.clone();
        let kind = item.kind;
        move || -> Option<&'static str> {
            let s = s.get();
            if context.unreadable.with(|u| u.contains(&dom_id)) {
                return Some(match kind {
                    ItemType::Integer => s.form_whole_number,
                    ItemType::Date => s.form_date,
                    _ => s.form_number,
                });
            }
            let problem = context.problems.with(|ps| {
                ps.iter()
                    .filter(|p| p.link_id == link_id)
                    .map(|p| p.kind.clone())
                    .next()
            })?;
            match problem {
                ProblemKind::Missing if current().is_some() => None,
                ProblemKind::Missing => Some(s.form_required),
                ProblemKind::TooLong => Some(s.form_too_long),
                _ => Some(s.form_check_answer),
            }
        }
    };
    let invalid = {
        let error = error.clone();
        move || error().is_some()
    };
    let error_view = {
        let error_id = error_id.clone();
        let error = error.clone();
        move || error().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })
    };
    let required = item.required;

    match item.kind {
        ItemType::Choice | ItemType::Boolean if item.kind == ItemType::Choice || required => {
            let options: Vec<(ValueX, Signal<String>)> = if item.kind == ItemType::Boolean {
                [(true, s.get_untracked().yes), (false, s.get_untracked().no)]
                    .into_iter()
                    .map(|(b, _)| {
                        let text = Signal::derive(move || if b { s.get().yes } else { s.get().no }.to_owned());
                        (ValueX::from_answer(&Answer::Boolean(b)), text)
                    })
                    .collect()
            } else {
                item.answer_option.iter().map(|o| (o.clone(), option_text(o))).collect()
            };
            let choices = options
                .into_iter()
                .enumerate()
                .map(|(i, (option, text))| {
                    let option_answer = option.answer().ok();
                    let chosen = {
                        let current = current.clone();
                        let option_answer = option_answer.clone();
                        move || same_answer(current().as_ref(), option_answer.as_ref())
                    };
                    let set = set.clone();
                    let id = format!("{dom_id}-{i}");
                    let for_id = id.clone();
                    view! {
                        <label class="option" for=for_id>
                            <input
                                type="radio"
                                id=id
                                name=dom_id.clone()
                                prop:checked=chosen
                                on:change=move |_| set(option_answer.clone())
                            />
                            <span>{move || text.get()}</span>
                        </label>
                    }
                })
                .collect_view();
            let options_class = if item.answer_option.len() > 4 {
                "options scale"
            } else {
                "options"
            };
            view! {
                <fieldset
                    class="field question choice"
                    class:invalid=invalid.clone()
                    aria-describedby=error_id
                    aria-invalid=move || invalid().then_some("true")
                    data-link-id=item.link_id.clone()
                >
                    <legend>{label} {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</legend>
                    {error_view}
                    <div class=options_class>{choices}</div>
                </fieldset>
            }
            .into_any()
        }
        ItemType::Boolean => {
            let checked = {
                let current = current.clone();
                move || matches!(current(), Some(Answer::Boolean(true)))
            };
            view! {
                <div class="field question checkbox" class:invalid=invalid.clone() data-link-id=item.link_id.clone()>
                    {error_view}
                    <label class="option" for=dom_id.clone()>
                        <input
                            type="checkbox"
                            id=dom_id.clone()
                            aria-describedby=error_id
                            prop:checked=checked
                            on:change=move |ev| set(event_target_checked(&ev).then_some(Answer::Boolean(true)))
                        />
                        <span>{label}</span>
                    </label>
                </div>
            }
            .into_any()
        }
        kind => {
            // The box keeps exactly what was typed; the draft gets the parsed answer.
            let typed = RwSignal::new(draft::typed_text(current().as_ref()));
            let unreadable = context.unreadable;
            // A box that goes away (its row removed, its question no longer asked) takes its
            // unreadable text with it: it must not block the form unseen.
            let leaving = dom_id.clone();
            on_cleanup(move || {
                unreadable.try_update(|u| u.remove(&leaving));
            });
            let on_input = {
                let dom_id = dom_id.clone();
                move |text: String| {
                    typed.set(text.clone());
                    match draft::parse_typed(kind, &text) {
                        Ok(answer) => {
                            unreadable.update(|u| {
                                u.remove(&dom_id);
                            });
                            set(answer);
                        }
                        Err(_) => {
                            unreadable.update(|u| {
                                u.insert(dom_id.clone());
                            });
                            set(None);
                        }
                    }
                }
            };
            let max_length = item.max_length;
            let field_invalid = invalid.clone();
            let control = if kind == ItemType::Text {
                let on_input = on_input.clone();
                view! {
                    <textarea
                        id=dom_id.clone()
                        rows="4"
                        maxlength=max_length.map(|m| m.to_string())
                        aria-describedby=error_id.clone()
                        aria-invalid=move || invalid().then_some("true")
                        aria-required=required.then_some("true")
                        prop:value=move || typed.get()
                        on:input=move |ev| on_input(event_target_value(&ev))
                    ></textarea>
                }
                .into_any()
            } else {
                let (input_type, input_mode) = match kind {
                    ItemType::Integer => ("text", Some("numeric")),
                    ItemType::Decimal => ("text", Some("decimal")),
                    ItemType::Date => ("date", None),
                    _ => ("text", None),
                };
                view! {
                    <input
                        id=dom_id.clone()
                        type=input_type
                        inputmode=input_mode
                        autocomplete="off"
                        maxlength=max_length.map(|m| m.to_string())
                        aria-describedby=error_id.clone()
                        aria-invalid=move || invalid().then_some("true")
                        aria-required=required.then_some("true")
                        prop:value=move || typed.get()
                        on:input=move |ev| on_input(event_target_value(&ev))
                    />
                }
                .into_any()
            };
            view! {
                <div class="field question" class:invalid=field_invalid data-link-id=item.link_id.clone()>
                    <label for=dom_id.clone()>
                        {label} {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
                    </label>
                    {error_view}
                    {control}
                </div>
            }
            .into_any()
        }
    }
}

fn option_text(option: &ValueX) -> Signal<String> {
    let lang = expect_context::<RwSignal<Lang>>();
    let option = option.clone();
    Signal::derive(move || {
        let code = lang.get().code();
        if let Some(coding) = &option.value_coding {
            return localized(coding.display.as_deref(), coding.display_element.as_ref(), code)
                .or(coding.code.as_deref())
                .unwrap_or_default()
                .to_owned();
        }
        if let Some(text) = localized(
            option.value_string.as_deref(),
            option.value_string_element.as_ref(),
            code,
        ) {
            return text.to_owned();
        }
        option.answer().map(|a| draft::typed_text(Some(&a))).unwrap_or_default()
    })
}

fn same_answer(a: Option<&Answer>, b: Option<&Answer>) -> bool {
    match (a, b) {
        (Some(Answer::Coding(a)), Some(Answer::Coding(b))) => a.same_concept(b),
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}
