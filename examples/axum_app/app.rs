//! The example app's axum routes, behind the session layer. The pages themselves are in
//! `examples/common` (shared with the actix app); `main.rs` serves this router and
//! `tests/browser.rs` includes this file with `#[path]` and drives it in headless Chromium.
#![allow(
    dead_code,
    reason = "main.rs and tests/browser.rs each use a different part of this module"
)]

use axum::Router;
use axum::extract::{Form, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sealed_session::SessionCookie;
use sealed_session::axum::Session;
use sealed_session::tower::SessionLayer;

use crate::common::{self, AppSession, LoginForm, LoginQuery, NoteForm, Reply};

/// The app's routes, behind the session layer: it opens the session once per request, renews it
/// when due and removes dead cookies, so the handlers that only read need no session code.
pub fn router(cookies: SessionCookie) -> Router {
    routes().layer(SessionLayer::new(cookies))
}

/// The app's routes without the layer (the browser tests add their own pages before it).
pub fn routes() -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/private", get(private))
        .route("/whoami", get(whoami))
        .route("/counter", post(counter))
        .route("/note", post(note))
        .route("/admin", post(admin))
        .route("/logout", post(logout))
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Html(status, html) => (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                Html(html),
            )
                .into_response(),
            Reply::Text(text) => text.into_response(),
            Reply::Redirect(to) => Redirect::to(to).into_response(),
            Reply::SealFailed(e) => e.into_response(),
        }
    }
}

/// Names of the cookies the request carried.
fn cookie_names(headers: &HeaderMap) -> String {
    common::cookie_names(headers.get_all(header::COOKIE).iter().map(|v| v.as_bytes()))
}

async fn home(session: Session<AppSession>, headers: HeaderMap) -> Reply {
    common::home(&session, &cookie_names(&headers))
}

async fn login_form(session: Session<AppSession>, Query(query): Query<LoginQuery>) -> Reply {
    common::login_form(&session, &query)
}

async fn login(session: Session<AppSession>, Form(form): Form<LoginForm>) -> Reply {
    common::login(&session, form)
}

async fn private(session: Session<AppSession>) -> Reply {
    common::private(&session)
}

async fn whoami(session: Session<AppSession>, headers: HeaderMap) -> Reply {
    common::whoami(&session, &cookie_names(&headers))
}

async fn counter(mut session: Session<AppSession>) -> Reply {
    common::counter(&mut session)
}

async fn note(mut session: Session<AppSession>, Form(form): Form<NoteForm>) -> Reply {
    common::note(&mut session, form)
}

async fn admin(mut session: Session<AppSession>) -> Reply {
    common::admin(&mut session)
}

async fn logout(session: Session<AppSession>) -> Reply {
    common::logout(&session)
}
