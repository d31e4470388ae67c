//! The front desk board's API: today's schedule, and a live stream of changes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{Local, Utc};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use arrive_domain::api::{
    CardImageRef, CardSide, DeskConsent, DeskDay, DeskDetail, DeskForm, DeskMetrics, DeskVerification, Eligibility,
};
use arrive_domain::questionnaire::model::localized;
use arrive_domain::questionnaire::{summary, QuestionnaireResponse};

use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::events::{DeskEvent, Notice};
use crate::store::Progress;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/appointments", get(appointments))
        .route("/appointments/{id}", get(detail))
        .route("/appointments/{id}/acknowledge", post(acknowledge))
        .route("/appointments/{id}/eligibility", post(check_eligibility))
        .route("/appointments/{id}/card-images/{rank}/{side}", get(card_image))
        .route("/help/{id}/acknowledge", post(acknowledge_help))
        .route("/metrics", get(metrics))
        .route(
            "/appointments/{id}/roomed",
            post(|s, w, p| progress(s, w, p, Progress::Roomed)),
        )
        .route(
            "/appointments/{id}/no-show",
            post(|s, w, p| progress(s, w, p, Progress::NoShow)),
        )
        .route(
            "/appointments/{id}/undo-check-in",
            post(|s, w, p| progress(s, w, p, Progress::UndoCheckIn)),
        )
        .route("/events", get(events))
}

async fn appointments(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
) -> Result<Json<DeskDay>, ApiError> {
    let mut day = state.store.desk_day(Local::now().date_naive()).await?;
    (day.wait_amber_minutes, day.wait_red_minutes) = state.wait_minutes;
    state
        .store
        .audit(Some(who.staff.id), "view_board", None, &who.client, Utc::now())
        .await?;
    Ok(Json(day))
}

/// Today's numbers: aggregates, no patient data (so not audited).
async fn metrics(State(state): State<AppState>) -> Result<Json<DeskMetrics>, ApiError> {
    Ok(Json(state.store.metrics(Local::now().date_naive(), Utc::now()).await?))
}

/// Everything the patient gave for this appointment. Each view is audited.
/// `?lang=es`: the desk's language, for the questions and titles (the answers are as given).
#[derive(serde::Deserialize)]
struct DetailLanguage {
    lang: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
    // A query that does not parse just means the default language.
    language: Result<Query<DetailLanguage>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeskDetail>, ApiError> {
    let spanish = language.ok().and_then(|Query(l)| l.lang).as_deref() == Some("es");
    let lang = if spanish { "es" } else { "en" };
    let record = state
        .store
        .appointment_record(id)
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such appointment."))?;
    state
        .store
        .audit(Some(who.staff.id), "view_detail", Some(id), &who.client, Utc::now())
        .await?;
    let responses = state.store.responses(id).await?;
    let needs_attention_now = responses.iter().any(|r| r.urgent && !r.acknowledged);
    let forms = responses
        .into_iter()
        .filter_map(|r| {
            let form = state.forms.get(&r.form_id)?;
            let response: QuestionnaireResponse = serde_json::from_str(&r.response_json).ok()?;
            Some(DeskForm {
                title: localized(form.title.as_deref(), form.title_element.as_ref(), lang)
                    .unwrap_or(&form.id)
                    .to_owned(),
                answers: summary::answered(&form.item, &response, lang),
                form_id: r.form_id,
                submitted_at: r.submitted_at,
                phq2_total: r.phq2_total.and_then(|t| u32::try_from(t).ok()),
                phq9_total: r.phq9_total.and_then(|t| u32::try_from(t).ok()),
                phq9_severity: r.phq9_severity,
                urgent: r.urgent,
            })
        })
        .collect();
    let consents = state
        .store
        .signatures(id)
        .await?
        .into_iter()
        .map(|s| DeskConsent {
            title: state.consents.get(&s.consent_id).map_or_else(
                || s.consent_id.clone(),
                |c| {
                    if spanish {
                        c.title.es.clone()
                    } else {
                        c.title.en.clone()
                    }
                },
            ),
            consent_id: s.consent_id,
            signed_at: s.signed_at,
            typed_name: s.typed_name,
            signed_by_typing: s.signed_by_typing,
            signature_path: s.signature_path,
        })
        .collect();
    Ok(Json(DeskDetail {
        id,
        patient_name: record.patient_name,
        date_of_birth: record.date_of_birth,
        starts_at: record.starts_at,
        provider: record.provider,
        visit_type: record.visit_type,
        status: record.status,
        arrived_at: record.arrived_at,
        needs_attention_now,
        forms,
        consents,
        eligibility: state.store.eligibility(id).await?,
        ehr_delivery: if state.fhir_delivery {
            state.store.delivery(id).await?
        } else {
            None
        },
        verification: verification(&state, id).await?,
    }))
}

/// What the patient confirmed or changed at check-in, before and after in full.
async fn verification(state: &AppState, id: i64) -> Result<Option<DeskVerification>, ApiError> {
    let Some(stored) = state.store.verification(id).await? else {
        return Ok(None);
    };
    let card_images = state
        .store
        .card_image_refs(id)
        .await?
        .into_iter()
        .map(|(rank, side)| CardImageRef {
            rank,
            side: side.as_str().to_owned(),
        })
        .collect();
    Ok(Some(DeskVerification {
        changes: crate::verification::changes(&stored.on_file, &stored.verification, &state.payers),
        payment: stored.verification.payment,
        card_images,
    }))
}

/// A photo of an insurance card taken at the kiosk, as the JPEG it is. Each view is audited.
async fn card_image(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    // Taken as text so that a malformed path is our JSON 404, not axum's plain-text 400.
    Path((id, rank, side)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("There is no such card image.");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let rank: u8 = rank
        .parse()
        .ok()
        .filter(|r| (1..=2).contains(r))
        .ok_or_else(not_found)?;
    let side = CardSide::parse(&side).ok_or_else(not_found)?;
    let jpeg = state.store.card_image(id, rank, side).await?.ok_or_else(not_found)?;
    state
        .store
        .audit(Some(who.staff.id), "view_card_image", Some(id), &who.client, Utc::now())
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        jpeg,
    )
        .into_response())
}

/// Roomed, no-show, or undo a check-in made by mistake: 409 when it does not apply now.
async fn progress(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
    step: Progress,
) -> Result<StatusCode, ApiError> {
    if state.store.appointment_record(id).await?.is_none() {
        return Err(ApiError::not_found("There is no such appointment."));
    }
    let Some(event_id) = state.store.progress(id, step, Utc::now()).await? else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            arrive_domain::ErrorCode::Conflict,
            "That does not apply to this visit now. Reload the board.",
        ));
    };
    state.publish_appointment(id, event_id).await?;
    state
        .store
        .audit(
            Some(who.staff.id),
            step.audit_action(),
            Some(id),
            &who.client,
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Someone went to the tablet: the help banner goes from every board.
async fn acknowledge_help(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let help = state
        .store
        .acknowledge_help(id, who.staff.id, Utc::now())
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such open help request."))?;
    state.events.publish_help(help);
    state
        .store
        .audit(Some(who.staff.id), "acknowledge_help", None, &who.client, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "I have seen to it": clears the urgent flag on every board.
async fn acknowledge(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if state.store.appointment_record(id).await?.is_none() {
        return Err(ApiError::not_found("There is no such appointment."));
    }
    if let Some(event_id) = state.store.acknowledge_urgent(id, Utc::now()).await? {
        state.publish_appointment(id, event_id).await?;
    }
    state
        .store
        .audit(
            Some(who.staff.id),
            "acknowledge_urgent",
            Some(id),
            &who.client,
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks the payer again (after the patient gave new insurance, say) and answers what it said.
async fn check_eligibility(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<Json<Eligibility>, ApiError> {
    if state.store.appointment_record(id).await?.is_none() {
        return Err(ApiError::not_found("There is no such appointment."));
    }
    if state.clearinghouse.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            arrive_domain::ErrorCode::Conflict,
            "No eligibility service is configured (ARRIVE_ELIGIBILITY).",
        ));
    }
    state
        .store
        .audit(
            Some(who.staff.id),
            "check_eligibility",
            Some(id),
            &who.client,
            Utc::now(),
        )
        .await?;
    crate::eligibility::check_and_publish(&state, id).await?;
    let answer = state.store.eligibility(id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            arrive_domain::ErrorCode::Conflict,
            "There is no insurance on file for this patient (self-pay).",
        )
    })?;
    Ok(Json(answer))
}

fn sse_event((id, row): &DeskEvent) -> Event {
    Event::default()
        .id(id.to_string())
        .event("appointment")
        .json_data(row)
        .unwrap_or_else(|_| Event::default().comment("unserialisable"))
}

fn notice_event(notice: &Notice) -> Event {
    match notice {
        Notice::Help(help) => Event::default()
            .event("help")
            .json_data(help)
            .unwrap_or_else(|_| Event::default().comment("unserialisable")),
        Notice::ScheduleChanged => Event::default().event("schedule").data("changed"),
    }
}

/// `GET /api/v1/desk/events`: one `appointment` event per change, `help` events, and a
/// `schedule` event when the day's appointments changed (reload). A board that reconnects
/// with `Last-Event-ID` first gets every event it missed, from the database.
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // Subscribe before reading the backlog so nothing falls between the two.
    let (live, notices, stopping) = state.events.subscribe();
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let backlog: VecDeque<DeskEvent> = match last_event_id {
        Some(id) => state.store.desk_events_after(id).await?.into(),
        None => VecDeque::new(),
    };
    let last_sent = backlog.back().map(|(id, _)| *id).or(last_event_id).unwrap_or(0);
    // Reconnect quickly after a dropped connection or a server restart.
    let hello = Event::default().retry(Duration::from_secs(1)).comment("connected");

    metrics::gauge!("arrive_board_streams").increment(1.0);
    let stream = stream::unfold(
        EventStream {
            hello: Some(hello),
            backlog,
            live,
            notices,
            stopping,
            last_sent,
        },
        |mut s| async move {
            if let Some(event) = s.hello.take() {
                return Some((Ok(event), s));
            }
            if let Some(event) = s.backlog.pop_front() {
                return Some((Ok(sse_event(&event)), s));
            }
            loop {
                // The futures borrow `s`, so the select only says what came; `s` moves after.
                let received = tokio::select! {
                    _ = s.stopping.wait_for(|stop| *stop) => return None,
                    received = s.live.recv() => Received::Appointment(received),
                    notice = s.notices.recv() => Received::Notice(notice),
                };
                let received = match received {
                    Received::Appointment(received) => received,
                    Received::Notice(Ok(notice)) => return Some((Ok(notice_event(&notice)), s)),
                    // A board that missed notices reloads the day: tell it so.
                    Received::Notice(Err(RecvError::Lagged(_))) => {
                        return Some((Ok(notice_event(&Notice::ScheduleChanged)), s))
                    }
                    Received::Notice(Err(RecvError::Closed)) => return None,
                };
                match received {
                    Ok(event) if event.0 <= s.last_sent => continue,
                    Ok(event) => {
                        s.last_sent = event.0;
                        return Some((Ok(sse_event(&event)), s));
                    }
                    // Too far behind or closing: end the stream; the browser reconnects with
                    // Last-Event-ID and replays from the database.
                    Err(RecvError::Lagged(_) | RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

impl Drop for EventStream {
    fn drop(&mut self) {
        metrics::gauge!("arrive_board_streams").decrement(1.0);
    }
}

enum Received {
    Appointment(Result<DeskEvent, RecvError>),
    Notice(Result<Notice, RecvError>),
}

/// An open board stream; counted in `arrive_board_streams` while it lives.
struct EventStream {
    hello: Option<Event>,
    backlog: VecDeque<DeskEvent>,
    live: tokio::sync::broadcast::Receiver<DeskEvent>,
    notices: tokio::sync::broadcast::Receiver<Notice>,
    stopping: tokio::sync::watch::Receiver<bool>,
    last_sent: i64,
}
