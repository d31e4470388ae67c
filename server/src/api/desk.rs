//! The front desk board's API: today's schedule, and a live stream of changes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use arrive_domain::api::{
    CardImageRef, CardSide, DeskConsent, DeskDay, DeskDetail, DeskForm, DeskMetrics, DeskVerification, Eligibility,
    EligibilityExchange,
};
use arrive_domain::questionnaire::model::localized;
use arrive_domain::questionnaire::{summary, QuestionnaireResponse};
use arrive_domain::ErrorBody;

use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::events::{DeskEvent, Notice};
use crate::store::Progress;
use crate::AppState;

// Alike by design: each handler is its route's OpenAPI description, extractors, store call, audit.

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(appointments))
        .routes(routes!(detail))
        .routes(routes!(acknowledge))
        .routes(routes!(check_eligibility))
        .routes(routes!(eligibility_exchanges))
        .routes(routes!(card_image))
        .routes(routes!(acknowledge_help))
        .routes(routes!(metrics))
        .routes(routes!(roomed))
        .routes(routes!(no_show))
        .routes(routes!(undo_check_in))
        .routes(routes!(events))
        .merge(super::pre_desk::router())
}

fn no_such_appointment() -> ApiError {
    ApiError::not_found("There is no such appointment.")
}

/// A 404 unless there is such an appointment.
async fn existing_appointment(state: &AppState, id: i64) -> Result<(), ApiError> {
    match state.store.appointment_record(id).await? {
        Some(_) => Ok(()),
        None => Err(no_such_appointment()),
    }
}

/// Today's board: every appointment and open help request. Each view is audited.
#[utoipa::path(get, path = "/appointments", tag = "desk",
    responses((status = 200, description = "Today's appointments and open help requests.", body = DeskDay)))]
async fn appointments(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
) -> Result<Json<DeskDay>, ApiError> {
    let mut day = state.store.desk_day(state.clinic_today()).await?;
    (day.wait_amber_minutes, day.wait_red_minutes) = state.wait_minutes;
    who.audit(&state.store, "view_board", None).await?;
    Ok(Json(day))
}

/// Today's numbers: aggregates, no patient data (so not audited).
#[utoipa::path(get, path = "/metrics", tag = "desk",
    responses((status = 200, description = "Today's numbers.", body = DeskMetrics)))]
async fn metrics(State(state): State<AppState>) -> Result<Json<DeskMetrics>, ApiError> {
    Ok(Json(state.store.metrics(state.clinic_today(), Utc::now()).await?))
}

/// `?lang=es`: the desk's language, for the questions and titles (the answers are as given).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DetailLanguage {
    /// `en` (default) or `es`.
    lang: Option<String>,
}

/// Everything the patient gave for this appointment. Each view is audited.
#[utoipa::path(get, path = "/appointments/{id}", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id."), DetailLanguage),
    responses((status = 200, description = "Everything the patient gave.", body = DeskDetail),
        (status = 404, description = "No such appointment.", body = ErrorBody)))]
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
        .ok_or_else(no_such_appointment)?;
    who.audit(&state.store, "view_detail", Some(id)).await?;
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
        .map(|photo| CardImageRef {
            rank: photo.rank,
            side: photo.side.as_str().to_owned(),
        })
        .collect();
    Ok(Some(DeskVerification {
        changes: crate::verification::changes(&stored.on_file, &stored.verification, &state.payers),
        payment: stored.verification.payment,
        card_images,
    }))
}

/// A photo of an insurance card taken at the kiosk, as the JPEG it is. Each view is audited.
#[utoipa::path(get, path = "/appointments/{id}/card-images/{rank}/{side}", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id."),
        ("rank" = u8, Path, description = "1 primary, 2 secondary."),
        ("side" = CardSide, Path, description = "Which side of the card.")),
    responses((status = 200, description = "The photo.", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, description = "No such card image.", body = ErrorBody)))]
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
    who.audit(&state.store, "view_card_image", Some(id)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        jpeg,
    )
        .into_response())
}

// Three routes, one handler (`progress`): alike by design, each with its own OpenAPI description.

/// The patient was taken to an exam room.
#[utoipa::path(post, path = "/appointments/{id}/roomed", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 204, description = "Recorded."),
        (status = 404, description = "No such appointment.", body = ErrorBody),
        (status = 409, description = "It does not apply to this visit now.", body = ErrorBody)))]
async fn roomed(state: State<AppState>, who: Extension<SignedIn>, id: Path<i64>) -> Result<StatusCode, ApiError> {
    progress(state, who, id, Progress::Roomed).await
}

/// The patient is not coming.
#[utoipa::path(post, path = "/appointments/{id}/no-show", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 204, description = "Recorded."),
        (status = 404, description = "No such appointment.", body = ErrorBody),
        (status = 409, description = "It does not apply to this visit now.", body = ErrorBody)))]
async fn no_show(state: State<AppState>, who: Extension<SignedIn>, id: Path<i64>) -> Result<StatusCode, ApiError> {
    progress(state, who, id, Progress::NoShow).await
}

/// Undoes a check-in made by mistake.
#[utoipa::path(post, path = "/appointments/{id}/undo-check-in", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 204, description = "Undone."),
        (status = 404, description = "No such appointment.", body = ErrorBody),
        (status = 409, description = "It does not apply to this visit now.", body = ErrorBody)))]
async fn undo_check_in(
    state: State<AppState>,
    who: Extension<SignedIn>,
    id: Path<i64>,
) -> Result<StatusCode, ApiError> {
    progress(state, who, id, Progress::UndoCheckIn).await
}

/// Roomed, no-show, or undo a check-in made by mistake: 409 when it does not apply now.
async fn progress(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
    step: Progress,
) -> Result<StatusCode, ApiError> {
    existing_appointment(&state, id).await?;
    let Some(event_id) = state.store.progress(id, step, Utc::now()).await? else {
        return Err(ApiError::conflict(
            "That does not apply to this visit now. Reload the board.",
        ));
    };
    state.publish_appointment(id, event_id).await?;
    who.audit(&state.store, step.audit_action(), Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Someone went to the tablet: the help banner goes from every board.
#[utoipa::path(post, path = "/help/{id}/acknowledge", tag = "desk",
    params(("id" = i64, Path, description = "The help request's id.")),
    responses((status = 204, description = "Acknowledged."),
        (status = 404, description = "No such open help request.", body = ErrorBody)))]
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
    state.events.publish_help(help).await;
    who.audit(&state.store, "acknowledge_help", None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "I have seen to it": clears the urgent flag on every board.
#[utoipa::path(post, path = "/appointments/{id}/acknowledge", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 204, description = "Acknowledged."),
        (status = 404, description = "No such appointment.", body = ErrorBody)))]
async fn acknowledge(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    existing_appointment(&state, id).await?;
    if let Some(event_id) = state.store.acknowledge_urgent(id, Utc::now()).await? {
        state.publish_appointment(id, event_id).await?;
    }
    who.audit(&state.store, "acknowledge_urgent", Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks the payer again (after the patient gave new insurance, say) and answers what it said.
#[utoipa::path(post, path = "/appointments/{id}/eligibility", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 200, description = "What the payer said.", body = Eligibility),
        (status = 404, description = "No such appointment.", body = ErrorBody),
        (status = 409, description = "No eligibility service, or no insurance on file.", body = ErrorBody)))]
async fn check_eligibility(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<Json<Eligibility>, ApiError> {
    existing_appointment(&state, id).await?;
    if state.clearinghouse.is_none() {
        return Err(ApiError::conflict(
            "No eligibility service is configured (ARRIVE_ELIGIBILITY).",
        ));
    }
    who.audit(&state.store, "check_eligibility", Some(id)).await?;
    crate::eligibility::check_and_publish(&state, id).await?;
    let answer = state
        .store
        .eligibility(id)
        .await?
        .ok_or_else(|| ApiError::conflict("There is no insurance on file for this patient (self-pay)."))?;
    Ok(Json(answer))
}

/// The X12 270s sent for this visit and the 271s that came back, oldest first: what the payer
/// was asked and said, word for word. Each view is audited; none of it is ever logged.
#[utoipa::path(get, path = "/appointments/{id}/eligibility/exchanges", tag = "desk",
    params(("id" = i64, Path, description = "The appointment's id.")),
    responses((status = 200, description = "The visit's 270/271 exchanges (empty when none).", body = Vec<EligibilityExchange>),
        (status = 404, description = "No such appointment.", body = ErrorBody)))]
async fn eligibility_exchanges(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
    // Taken as text so that a malformed id is our JSON 404, not axum's plain-text 400.
    Path(id): Path<String>,
) -> Result<Json<Vec<EligibilityExchange>>, ApiError> {
    let id: i64 = id.parse().map_err(|_| no_such_appointment())?;
    existing_appointment(&state, id).await?;
    who.audit(&state.store, "view_eligibility_exchange", Some(id)).await?;
    Ok(Json(state.store.exchanges(id).await?))
}

fn sse_event(event: &DeskEvent) -> Event {
    Event::default()
        .id(event.id.to_string())
        .event("appointment")
        .json_data(&event.appointment)
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
#[utoipa::path(get, path = "/events", tag = "desk",
    params(("Last-Event-ID" = Option<i64>, Header, description = "The last event received, to replay what was missed.")),
    responses((status = 200, description = "Server-Sent Events: `appointment` (a DeskAppointment, with the event id), `help` (a DeskHelp), `schedule`.", content_type = "text/event-stream", body = String)))]
async fn events(
    State(state): State<AppState>,
    Extension(who): Extension<SignedIn>,
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
    let last_sent = backlog.back().map(|event| event.id).or(last_event_id).unwrap_or(0);
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
            store: state.store.clone(),
            session: who.session,
            recheck: tokio::time::interval_at(tokio::time::Instant::now() + SESSION_RECHECK, SESSION_RECHECK),
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
                    _ = s.recheck.tick() => Received::Recheck,
                    received = s.live.recv() => Received::Appointment(received),
                    notice = s.notices.recv() => Received::Notice(notice),
                };
                let received = match received {
                    Received::Appointment(received) => received,
                    // The session ended (signed out, disabled, password reset): so does the
                    // stream. The board's reconnect then meets the sign-in.
                    Received::Recheck => match s.store.session(&s.session, Utc::now()).await {
                        Ok(Some(_)) => continue,
                        Ok(None) => return None,
                        // The database is away for a moment: keep the stream, ask again later.
                        Err(_) => continue,
                    },
                    Received::Notice(Ok(notice)) => return Some((Ok(notice_event(&notice)), s)),
                    // A board that missed notices reloads the day: tell it so.
                    Received::Notice(Err(RecvError::Lagged(_))) => {
                        return Some((Ok(notice_event(&Notice::ScheduleChanged)), s))
                    }
                    Received::Notice(Err(RecvError::Closed)) => return None,
                };
                match received {
                    Ok(event) if event.id <= s.last_sent => continue,
                    Ok(event) => {
                        s.last_sent = event.id;
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
    Recheck,
}

/// How often an open board stream checks that its session still stands: a disabled account's
/// board goes dark within this.
const SESSION_RECHECK: Duration = Duration::from_secs(5);

/// An open board stream; counted in `arrive_board_streams` while it lives.
struct EventStream {
    hello: Option<Event>,
    backlog: VecDeque<DeskEvent>,
    live: tokio::sync::broadcast::Receiver<DeskEvent>,
    notices: tokio::sync::broadcast::Receiver<Notice>,
    stopping: tokio::sync::watch::Receiver<bool>,
    last_sent: i64,
    store: crate::store::Store,
    /// The session's token hash.
    session: String,
    recheck: tokio::time::Interval,
}
