//! The example app's actix-web routes. The pages themselves are in `examples/common` (shared
//! with the axum app); `main.rs` serves these routes behind the session middleware and
//! `tests/browser.rs` includes this file with `#[path]` and drives it in headless Chromium.
#![allow(
    dead_code,
    reason = "main.rs and tests/browser.rs each use a different part of this module"
)]

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{COOKIE, LOCATION};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use sealed_session::actix::Session;

use crate::common::{self, AppSession, LoginForm, LoginQuery, NoteForm, Reply};

/// The app's routes. Serve them behind the session middleware, which opens the session once per
/// request, renews it when due and removes dead cookies, so the handlers that only read need no
/// session code:
/// `App::new().wrap(SessionMiddleware::new(cookies.clone())).configure(app::routes)`.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(home))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/private", web::get().to(private))
        .route("/whoami", web::get().to(whoami))
        .route("/counter", web::post().to(counter))
        .route("/note", web::post().to(note))
        .route("/admin", web::post().to(admin))
        .route("/logout", web::post().to(logout));
}

impl Responder for Reply {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        match self {
            Reply::Html(status, html) => HttpResponse::build(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            )
            .content_type("text/html; charset=utf-8")
            .body(html),
            Reply::Text(text) => HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(text),
            Reply::Redirect(to) => HttpResponse::SeeOther()
                .insert_header((LOCATION, to))
                .finish(),
            // `SealError` is an actix `ResponseError`: a 500 with a fixed text.
            Reply::SealFailed(e) => HttpResponse::from_error(e),
        }
    }
}

/// Names of the cookies the request carried.
fn cookie_names(request: &HttpRequest) -> String {
    common::cookie_names(request.headers().get_all(COOKIE).map(|v| v.as_bytes()))
}

async fn home(session: Session<AppSession>, request: HttpRequest) -> Reply {
    common::home(&session, &cookie_names(&request))
}

async fn login_form(session: Session<AppSession>, query: web::Query<LoginQuery>) -> Reply {
    common::login_form(&session, &query)
}

async fn login(session: Session<AppSession>, form: web::Form<LoginForm>) -> Reply {
    common::login(&session, form.into_inner())
}

async fn private(session: Session<AppSession>) -> Reply {
    common::private(&session)
}

async fn whoami(session: Session<AppSession>, request: HttpRequest) -> Reply {
    common::whoami(&session, &cookie_names(&request))
}

async fn counter(mut session: Session<AppSession>) -> Reply {
    common::counter(&mut session)
}

async fn note(mut session: Session<AppSession>, form: web::Form<NoteForm>) -> Reply {
    common::note(&mut session, form.into_inner())
}

async fn admin(mut session: Session<AppSession>) -> Reply {
    common::admin(&mut session)
}

async fn logout(session: Session<AppSession>) -> Reply {
    common::logout(&session)
}
