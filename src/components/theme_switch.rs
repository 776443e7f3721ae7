//! The header's theme switch: follow the system's light or dark, or keep one
//! (`platform::theme`).

use kindling_core::choice::Choice;
use leptos::prelude::*;

use crate::components::select::SelectOption;
use crate::platform::theme::{self, ThemeChoice};

#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let chosen = RwSignal::new(theme::chosen().key().to_owned());
    let on_change = move |event| {
        let key = event_target_value(&event);
        if let Ok(choice) = ThemeChoice::from_key(&key) {
            theme::choose(choice);
            chosen.set(key);
        }
    };
    view! {
        <label class="theme-switch">
            "Theme"
            <select name="theme" on:change=on_change>
                {ThemeChoice::all()
                    .map(|choice| view! {
                        <SelectOption value=choice.key() chosen>{choice.label()}</SelectOption>
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
