//! The only module of the UI that touches `web-sys`: the worker client, the panic reporter,
//! the clock, the document's title, the colour theme, links and the clipboard, yielding the main thread between pieces of a long job, fetching served files, and
//! the service worker and storage estimate. Everything above it sees plain Rust types and the traits in `state`.

pub mod canvas;
pub mod clock;
pub mod document;
pub mod fetch;
pub mod files;
pub mod idb;
pub mod links;
pub mod locks;
pub mod mlflow;
pub mod panic;
pub mod pwa;
pub mod tasks;
pub mod theme;
pub mod worker;
