//! Where answers go: text for a person, or with `--json` one JSON document on stdout for a
//! script, never both. Writes to a closed pipe (`kindling predict … | head`) are ignored rather
//! than panicking, as `println!` would.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

/// The chosen form of a command's answer.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// A line of the text answer; nothing in `--json` mode.
    pub fn line(&self, text: impl std::fmt::Display) {
        if !self.json {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }

    /// The JSON answer; nothing in text mode.
    pub fn json<T: Serialize>(&self, value: &T) {
        if self.json {
            ANSWERED.store(true, Ordering::Relaxed);
            let text = serde_json::to_string_pretty(value)
                .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }

    /// A note beside the answer (on stderr, so stdout stays the answer alone); nothing in
    /// `--json` mode.
    pub fn note(&self, text: impl std::fmt::Display) {
        if !self.json {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
}

/// Set once a JSON answer was printed, so a failure after it does not print a second document.
static ANSWERED: AtomicBool = AtomicBool::new(false);

/// Whether a JSON answer was printed.
pub fn answered() -> bool {
    ANSWERED.load(Ordering::Relaxed)
}

/// Milliseconds as seconds with one decimal: `1.2 s`.
pub fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms.max(0.0) / 1000.0)
}

/// A metric with the precision the browser's tables use, or a dash when missing.
pub fn metric(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.4}"))
}
