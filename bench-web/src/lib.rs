//! The whole-request benchmark's parts: the six apps ([`apps`]), the keep-alive load client
//! ([`client`]) and CPU accounting ([`cpu`]). `src/main.rs` runs them; `src/bin/allocs.rs` counts
//! the heap allocations of one request through each app.

#[path = "../../benches/common/session.rs"]
pub mod session;

pub mod apps;
pub mod client;
pub mod cpu;
