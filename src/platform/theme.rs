//! The page's colour theme: a person's choice, else the system's; and presenter mode (larger
//! type, the live charts first), a display preference of the same kind. `public/theme.js` applies it
//! before the first paint and follows the system's changes; this writes the same choice when the
//! header's switch changes it. The choice is kept in localStorage, not IndexedDB: it is a display
//! preference the blocking script must read synchronously, and no run or model depends on it.

use kindling_core::choice::Choice;

/// The key `public/theme.js` reads.
const STORAGE_KEY: &str = "kindling-theme";

/// What a person chose in the header: follow the system, or one theme whatever it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    System,
    Light,
    Dark,
}

impl Choice for ThemeChoice {
    const WHAT: &'static str = "theme";
    const KEYS: &'static [(Self, &'static str)] = &[
        (ThemeChoice::System, "system"),
        (ThemeChoice::Light, "light"),
        (ThemeChoice::Dark, "dark"),
    ];
}

impl ThemeChoice {
    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "System",
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
        }
    }
}

/// The stored choice; `System` when there is none or storage is unavailable (a private window
/// that refuses it still follows the system).
pub fn chosen() -> ThemeChoice {
    storage()
        .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|key| ThemeChoice::from_key(&key).ok())
        .unwrap_or(ThemeChoice::System)
}

/// Keeps the choice for the next visit and shows it now. Storage that refuses the write still
/// changes this page's colours.
pub fn choose(choice: ThemeChoice) {
    if let Some(storage) = storage() {
        let _ = match choice {
            ThemeChoice::System => storage.remove_item(STORAGE_KEY),
            chosen => storage.set_item(STORAGE_KEY, chosen.key()),
        };
    }
    let dark = match choice {
        ThemeChoice::Dark => true,
        ThemeChoice::Light => false,
        ThemeChoice::System => system_prefers_dark(),
    };
    if let Some(root) = root() {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
}

/// The key `public/theme.js` reads for presenter mode; present while it is on.
const PRESENT_KEY: &str = "kindling-present";

/// Whether presenter mode is on (the blocking script applied it before the first paint).
pub fn presenting() -> bool {
    root().is_some_and(|root| root.has_attribute("data-present"))
}

/// Turns presenter mode on or off, now and for the next visit.
pub fn set_presenting(on: bool) {
    if let Some(storage) = storage() {
        let _ = if on {
            storage.set_item(PRESENT_KEY, "on")
        } else {
            storage.remove_item(PRESENT_KEY)
        };
    }
    if let Some(root) = root() {
        let _ = if on {
            root.set_attribute("data-present", "")
        } else {
            root.remove_attribute("data-present")
        };
    }
}

fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

fn system_prefers_dark() -> bool {
    web_sys::window()
        .and_then(|window| {
            window
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
        })
        .is_some_and(|query| query.matches())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
