//! The steps after identification (details, insurance, forms, consents, payment, review, and a
//! pass's check-in) live
//! in a WebAssembly chunk of their own when the kiosk is built with the `split` feature (as
//! `cargo xtask build` does): the lobby tablet's first load is only the welcome, identify and
//! confirm screens, and the chunk is fetched in the background as soon as the kiosk starts.
//!
//! Without the feature (unit tests, `trunk serve`) the same code is linked in as usual.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{consents, details, draft, insurance, intake, pass, payment, review, scan, Flow, NavButtons, Step};
use crate::app::tr;

/// The chunk could not be fetched (the network); the screen offers "Try again".
pub struct ChunkMissing;

impl From<leptos::wasm_split::SplitLoaderError> for ChunkMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkMissing
    }
}

/// The screen for one of the later steps. Built at once when the chunk is here, exactly as if
/// it were not split (a `Suspend` would build it later, after the step may have moved on);
/// otherwise "One moment" until it arrives, then the step is shown again.
pub fn screen(step: Step) -> AnyView {
    let mut call = std::pin::pin!(later_steps_now(step.clone()));
    match call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(view)) => view,
        Poll::Ready(Err(ChunkMissing)) => chunk_missing(),
        Poll::Pending => {
            let flow = expect_context::<Flow>();
            let missing = RwSignal::new(false);
            spawn_local(async move {
                match fetch_chunk().await {
                    // Still on this step: show it again, now that its code is here.
                    Ok(()) if flow.step.with_untracked(|now| *now == step) => flow.step.set(step),
                    Ok(()) => {}
                    Err(ChunkMissing) => {
                        missing.try_set(true);
                    }
                }
            });
            (move || {
                if missing.get() {
                    chunk_missing()
                } else {
                    view! { <p class="lead" role="status" id="one-moment">{tr(|s| s.one_moment)}</p> }.into_any()
                }
            })
            .into_any()
        }
    }
}

/// Starts fetching the chunk in the background, so the later steps show without a wait.
pub fn preload() {
    spawn_local(async {
        // A failure here is retried when the patient reaches those steps.
        let _ = fetch_chunk().await;
    });
}

/// The network failed before the chunk arrived: "Try again" shows the same step once more.
fn chunk_missing() -> AnyView {
    let flow = expect_context::<Flow>();
    let retry = move |_| flow.step.set(flow.step.get_untracked());
    view! {
        <section class="outcome" aria-labelledby="chunk-failed">
            <h1 id="chunk-failed">{tr(|s| s.network_error)}</h1>
            <button type="button" class="primary" id="try-again" on:click=retry>
                {tr(|s| s.try_again)}
            </button>
            <NavButtons />
        </section>
    }
    .into_any()
}

#[cfg(feature = "split")]
async fn fetch_chunk() -> Result<(), ChunkMissing> {
    Ok(preload_later_steps().await?)
}

#[cfg(not(feature = "split"))]
async fn fetch_chunk() -> Result<(), ChunkMissing> {
    Ok(())
}

#[cfg(feature = "split")]
async fn later_steps_now(step: Step) -> Result<AnyView, ChunkMissing> {
    later_steps(step).await
}

#[cfg(not(feature = "split"))]
async fn later_steps_now(step: Step) -> Result<AnyView, ChunkMissing> {
    later_steps(step)
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_later_steps))
)]
fn later_steps(step: Step) -> Result<AnyView, ChunkMissing> {
    Ok(match step {
        Step::Details(a) => draft::with_record(a.clone(), Step::Confirm(a), details::page),
        Step::Insurance(a) => draft::with_record(a.clone(), Step::Details(a), insurance::page),
        Step::Intake(appointment) => view! { <intake::Intake appointment /> }.into_any(),
        Step::Consents(appointment) => view! { <consents::Consents appointment /> }.into_any(),
        Step::Payment(a) => draft::with_record(a.clone(), Step::Consents(a), payment::page),
        Step::Review(a) => draft::with_record(a.clone(), Step::Payment(a), review::page),
        Step::ScanPass => scan::page(),
        Step::Express(found) => pass::express_page(found),
        // Not a later step: the kiosk shows those itself.
        _ => ().into_any(),
    })
}
