//! The HTTP surface, assembled in one place: `/api/v1/...` JSON, and the web apps' files
//! (static_files.rs) for everything else.

pub mod admin;
mod auth;
pub mod consent_texts;
mod desk;
mod fhir;
mod kiosk;
pub mod openapi;
mod pre;
mod pre_desk;

use std::any::Any;
use std::path::Path;

use arrive_domain::ErrorCode;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::AppState;
use openapi::Caller;

/// Largest request body any endpoint accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(state: AppState, dist_dir: &Path) -> Router {
    // Every route here is registered with `routes!`, which documents it as it mounts it.
    let api = OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(consent_texts::consent_text))
        // Enrolled tablets only: every kiosk route is behind the device-token guard.
        .nest(
            "/kiosk",
            openapi::requires(kiosk::router(), Caller::Kiosk).layer(middleware::from_fn_with_state(
                state.clone(),
                crate::auth::require_kiosk,
            )),
        )
        // A patient at home: the link's birth-date check, then their match token (api/pre.rs).
        .nest("/pre", pre::router())
        .nest("/auth", auth::router(state.clone()))
        // Staff only: every route of these routers, now and later, is behind its guard.
        .nest(
            "/desk",
            openapi::requires(desk::router(), Caller::Staff).layer(middleware::from_fn_with_state(
                state.clone(),
                crate::auth::require_staff,
            )),
        )
        .nest(
            "/admin",
            openapi::requires(admin::router(), Caller::Staff).layer(middleware::from_fn_with_state(
                state.clone(),
                crate::auth::require_admin,
            )),
        );
    let (api, document) = api.split_for_parts();
    let document = openapi::document(document);
    let json = serde_json::to_string(&document).unwrap_or_else(|_| "{}".to_owned());
    let api = api
        .layer(axum::Extension(openapi::Document(json.into())))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let api = with_api_layers(api);
    // FHIR R4 for staff and the clinic's integration engine, behind the same staff guard.
    let fhir = with_api_layers(
        fhir::router()
            .fallback(api_not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(middleware::from_fn_with_state(
                state.clone(),
                crate::auth::require_staff,
            )),
    );

    // Two apps, built apart so the lobby tablet never downloads staff code: the desk board
    // (dist/desk/, under /desk) and the kiosk (dist/, every other path).
    let desk_files = crate::static_files::app(&dist_dir.join("desk"));
    let kiosk_files: Router = crate::static_files::app(dist_dir);
    let app = Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(crate::telemetry::render))
        .nest("/api/v1", api)
        .nest("/fhir/r4", fhir)
        .nest_service("/desk", desk_files)
        .fallback(move |request: Request| async move {
            let path = request.uri().path();
            if path.starts_with("/api/") || path == "/api" || path.starts_with("/fhir/") {
                return api_not_found().await.into_response();
            }
            // Client-side routes (/, /kiosk) get the kiosk's index.html.
            match kiosk_files.oneshot(request).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            }
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::client_address,
        ))
        .layer(middleware::from_fn(crate::edge::json_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(crate::edge::refuse_control_characters));
    let mut app = app;
    for layer in crate::security::headers(dist_dir, state.secure_cookies) {
        app = app.layer(layer);
    }
    app.with_state(state)
}

/// What every JSON API answer goes through: metrics, the body limit, no caching, gzip when
/// the client accepts it (the apps' files come compressed from the build), and a log line
/// with the route pattern — never the URI: paths and queries must not leak into logs.
fn with_api_layers(router: Router<AppState>) -> Router<AppState> {
    router
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(crate::telemetry::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // API answers may carry PHI: no cache may keep them.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("-", MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), route)
        }))
}

/// Liveness (`/healthz`, `/api/v1/health`): the process answers.
#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Object))
)]
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Readiness (`/readyz`): the database answers too, so a load balancer sends no traffic to an
/// instance that cannot record a check-in.
async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal,
            "The database is not reachable.",
        )
        .into_response(),
    }
}

pub use crate::error::NO_SUCH_ENDPOINT;

async fn api_not_found() -> ApiError {
    ApiError::not_found(NO_SUCH_ENDPOINT)
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "This method is not allowed here.",
    )
}

fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    // The panic payload could hold request data: log only that it happened.
    tracing::error!("a request handler panicked");
    ApiError::internal().into_response()
}

/// A QR code of `text`, as SVG.
pub fn qr_svg(text: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(text).map_err(|_| ApiError::internal())?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}
