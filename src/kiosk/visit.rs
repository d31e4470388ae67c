//! The steps after identification (details, insurance, forms, consents, payment, review, and a
//! pass's check-in) live in a WebAssembly chunk of their own when the kiosk is built with the
//! `split` feature (as `cargo xtask build` does): the lobby tablet's first load is only the welcome, identify and
//! confirm screens, and the chunk is fetched in the background as soon as the kiosk starts.
//!
//! The QR scanner (`scan.rs`, with its decoder) is a third module, fetched only when a patient
//! asks for it.
//!
//! Without the feature (unit tests, `trunk serve`) the same code is linked in as usual.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{consents, details, draft, home_pass, insurance, intake, pass, review, scan, Flow, NavButtons, Step};
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
    let mut call = std::pin::pin!(build(step.clone()));
    match call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(view)) => view,
        Poll::Ready(Err(ChunkMissing)) => chunk_missing(),
        Poll::Pending => {
            let flow = expect_context::<Flow>();
            let missing = RwSignal::new(false);
            spawn_local(async move {
                match fetch(&step).await {
                    // Still on this step: show it again, now that its code is here.
                    Ok(()) if flow.step.with_untracked(|now| *now == step) => flow.show(step),
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

/// Starts fetching the later steps' chunk in the background, so they show without a wait.
pub fn preload() {
    spawn_local(async {
        // A failure here is retried when the patient reaches those steps.
        let _ = chunks::fetch_later().await;
    });
}

/// The network failed before the chunk arrived: "Try again" shows the same step once more.
fn chunk_missing() -> AnyView {
    let flow = expect_context::<Flow>();
    let retry = move |_| flow.show(flow.step.get_untracked());
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

/// Builds `step` from the chunk its code is in: the QR scanner (with its decoder) is a chunk
/// of its own, fetched only when a patient asks for it.
async fn build(step: Step) -> Result<AnyView, ChunkMissing> {
    if step == Step::ScanPass {
        chunks::scanner().await
    } else {
        chunks::later(step).await
    }
}

/// Fetches the chunk `step` needs.
async fn fetch(step: &Step) -> Result<(), ChunkMissing> {
    if *step == Step::ScanPass {
        chunks::fetch_scanner().await
    } else {
        chunks::fetch_later().await
    }
}

#[cfg(feature = "split")]
mod chunks {
    use super::*;

    pub async fn later(step: Step) -> Result<AnyView, ChunkMissing> {
        later_steps(step).await
    }
    pub async fn scanner() -> Result<AnyView, ChunkMissing> {
        scanner_step().await
    }
    pub async fn fetch_later() -> Result<(), ChunkMissing> {
        Ok(preload_later_steps().await?)
    }
    pub async fn fetch_scanner() -> Result<(), ChunkMissing> {
        Ok(preload_scanner_step().await?)
    }
}

#[cfg(not(feature = "split"))]
mod chunks {
    use super::*;

    pub async fn later(step: Step) -> Result<AnyView, ChunkMissing> {
        later_steps(step)
    }
    pub async fn scanner() -> Result<AnyView, ChunkMissing> {
        scanner_step()
    }
    pub async fn fetch_later() -> Result<(), ChunkMissing> {
        Ok(())
    }
    pub async fn fetch_scanner() -> Result<(), ChunkMissing> {
        Ok(())
    }
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(scan, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_scanner_step))
)]
fn scanner_step() -> Result<AnyView, ChunkMissing> {
    Ok(scan::page())
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_later_steps))
)]
fn later_steps(step: Step) -> Result<AnyView, ChunkMissing> {
    Ok(match step {
        Step::Details(a) => {
            let back = expect_context::<Flow>().before_details(a.clone());
            draft::with_record(a, back, details::page)
        }
        Step::Insurance(a) => draft::with_record(a.clone(), Step::Details(a), insurance::page),
        Step::Intake(appointment) => view! { <intake::Intake appointment /> }.into_any(),
        Step::Consents(appointment) => view! { <consents::Consents appointment /> }.into_any(),
        Step::Review(a) => draft::with_record(a.clone(), Step::Consents(a), review::page),
        Step::Express(found) => pass::express_page(found),
        Step::PassReady { first_name, pass } => home_pass::page(first_name, pass),
        // Not a later step: the kiosk shows those itself.
        _ => ().into_any(),
    })
}
