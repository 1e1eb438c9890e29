//! A small axum app that keeps its whole session in a sealed cookie: log in, a private page, a
//! counter stored in the session, a note (large notes span several cookies), a privilege change
//! that reissues the session, logout, and idle expiry you can watch.
//!
//! ```sh
//! cargo run --example axum_app --features axum
//! # then open http://127.0.0.1:3000/ (user: anything, password: demo)
//! ```
//!
//! Environment: `APP_ADDR` (default `127.0.0.1:3000`), `APP_SESSION_KEYS` (`1:<base64 key>`;
//! without it a development key is generated, loudly), `APP_IDLE_SECS` (default 1800; try 20 to
//! watch a session expire), `APP_ABSOLUTE_SECS`, `APP_COOKIE_CHUNKS` (default 3),
//! `APP_INSECURE_DEV_COOKIES=1` (plain-http development cookies, for a host name other than
//! localhost; debug builds only: a release build refuses to start with it).
//!
//! The pages are in `examples/common` (the actix app serves the same ones). The router sits
//! behind `sealed_session::tower::SessionLayer`: the pages that only read the
//! session (`/`, `/private`, `/whoami`) have no session code, and the layer renews their sessions
//! when due and removes dead cookies.

mod app;
#[path = "../common/mod.rs"]
mod common;

use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let start = common::Startup::from_env()?;
    let listener = tokio::net::TcpListener::bind(&start.addr).await?;
    println!("{}", start.banner("axum", listener.local_addr()?));
    axum::serve(listener, app::router(start.cookies)).await?;
    Ok(())
}
