//! The example app of `examples/axum_app`, on actix-web: the same pages (they live in
//! `examples/common`), behind `sealed_session::actix::SessionMiddleware`.
//!
//! ```sh
//! cargo run --example actix_app --features actix-web
//! # then open http://127.0.0.1:3000/ (user: anything, password: demo)
//! ```
//!
//! Environment: the same as the axum app (`APP_ADDR`, `APP_SESSION_KEYS`, `APP_IDLE_SECS`,
//! `APP_ABSOLUTE_SECS`, `APP_COOKIE_CHUNKS`, `APP_INSECURE_DEV_COOKIES=1`; see
//! `examples/axum_app/main.rs`).
//!
//! The pages that only read the session (`/`, `/private`, `/whoami`) have no session code: the
//! middleware renews their sessions when due and removes dead cookies.

mod app;
#[path = "../common/mod.rs"]
mod common;

use std::error::Error;

use actix_web::{App, HttpServer};
use sealed_session::actix::SessionMiddleware;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let start = common::Startup::from_env()?;
    // One middleware, cloned into every worker's `App`: they share the session cookies.
    let middleware = SessionMiddleware::new(start.cookies.clone());
    let server =
        HttpServer::new(move || App::new().wrap(middleware.clone()).configure(app::routes))
            .bind(&start.addr)?;
    for bound in server.addrs() {
        println!("{}", start.banner("actix-web", bound));
    }
    server.run().await?;
    Ok(())
}
