//! Kindling's browser shell: the Leptos UI. `main.rs` only mounts [`App`]; the trainer is the
//! separate `worker` binary, so this crate never links Burn.

pub mod app;
pub mod components;
pub mod format;
pub mod lazy;
pub mod pages;
pub mod platform;
pub mod routes;
pub mod state;
pub mod titles;

pub use app::App;
