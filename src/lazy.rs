//! Code loaded on first use. One chunk, `kindling_pages`, is cut out of the UI's wasm after
//! linking (`cargo xtask finish-dist`): every page but Train (`routes`), and what the
//! Train page needs only once something happens — the stores (`app`), the worker protocol's
//! JSON (`app`), making and reading datasets (`state::data`) and a run's charts
//! (`pages::train`). Each is a `#[wasm_split(kindling_pages, …)]` function; the first load
//! carries the shell, the Train form and the reactive state.
//!
//! Code in the chunk calls the plain functions behind these, never a split function itself
//! (`DataChoice::load_in_chunk` for the Data page): that call would need the loader, which
//! builds without the splitter, such as the browser tests, cannot resolve.
//!
//! The chunk is fetched as the app starts (opening the stores asks for it, just after the first
//! render) and the service worker keeps it, so it is missing only when the network fails
//! before the app was ever cached: each use then says so in words, and the next use tries again
//! (the stores, opened once, only on reload).

/// The end of the sentence that says a part of the app is missing.
const NOT_LOADED: &str = "could not be loaded: Kindling works offline only once it has been \
    opened online, so reconnect, then reload the page";

/// "`what` could not be loaded: …", for an error message or alert.
pub fn not_loaded(what: &str) -> String {
    format!("{what} {NOT_LOADED}")
}
