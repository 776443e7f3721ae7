//! The header's display switches (`platform::theme`): the theme (follow the system's light or
//! dark, or keep one) and presenter mode for demos in a room.

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

/// Presenter mode: larger type and the live charts before the settings, for a projector.
#[component]
pub fn PresentSwitch() -> impl IntoView {
    let on = RwSignal::new(theme::presenting());
    let toggle = move |_| {
        let next = !on.get_untracked();
        theme::set_presenting(next);
        on.set(next);
    };
    view! {
        <button type="button" class="present-switch" aria-pressed=move || on.get().to_string()
            title="Larger type and the live charts first, for showing Kindling to a room"
            on:click=toggle>
            "Present"
        </button>
    }
}
