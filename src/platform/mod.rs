//! The only module of the UI that touches `web-sys`: the worker client, the panic reporter and
//! the clock. Everything above it sees plain Rust types and the traits in `state`.

pub mod clock;
pub mod panic;
pub mod worker;
