use leptos::prelude::*;

use super::pass::PassEntry;
use super::speech::SpeechStart;
use super::{Flow, Step};
use crate::app::tr;
use crate::i18n::Lang;

/// The first screen: a greeting and one big button per language.
#[component]
pub fn Welcome() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let lang = expect_context::<RwSignal<Lang>>();
    let start = move |chosen: Lang| {
        lang.set(chosen);
        flow.go(Step::Identify);
    };
    view! {
        <section class="welcome" aria-labelledby="welcome-title">
            <h1 id="welcome-title">{tr(|s| s.welcome_title)}</h1>
            <p class="lead">{tr(|s| s.welcome_lead)}</p>
            <div class="language-choice">
                {Lang::ALL
                    .into_iter()
                    .map(|choice| {
                        let text = choice.strings();
                        view! {
                            <button
                                type="button"
                                class="primary big"
                                id=format!("start-{}", choice.code())
                                lang=choice.code()
                                on:click=move |_| start(choice)
                            >
                                <span class="language-name">{text.language_name}</span>
                                <span class="action">{text.welcome_start}</span>
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <PassEntry />
            <SpeechStart />
        </section>
    }
}
