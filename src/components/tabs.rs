//! Tabs as the WAI-ARIA tabs pattern has them: a tablist whose tabs each name the panel they
//! control, one tab in the Tab order (the selected one), and the arrow keys, Home and End to move
//! between them, selecting as they go. The panel follows the list and holds what the page gives.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

use crate::platform;

/// A tab list and its one panel; `id` makes the tabs' and the panel's ids unique on the page.
#[component]
pub fn Tabs<T>(
    /// What the tabs choose between, for a screen reader ("Chart").
    label: &'static str,
    id: &'static str,
    tabs: Vec<(T, &'static str)>,
    selected: RwSignal<T>,
    children: Children,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let count = tabs.len();
    let values: Vec<T> = tabs.iter().map(|(value, _)| *value).collect();
    let values = StoredValue::new(values);
    let index_of = move |value: T| {
        values.with_value(|values| values.iter().position(|v| *v == value).unwrap_or(0))
    };
    let tab_id = move |index: usize| format!("{id}-tab-{index}");
    let panel_id = format!("{id}-panel");
    let on_keydown = move |event: KeyboardEvent| {
        let current = index_of(selected.get_untracked());
        let next = match event.key().as_str() {
            "ArrowRight" => (current + 1) % count,
            "ArrowLeft" => (current + count - 1) % count,
            "Home" => 0,
            "End" => count - 1,
            _ => return,
        };
        event.prevent_default();
        selected.set(values.with_value(|values| values[next]));
        platform::document::focus(&tab_id(next));
    };
    let tab_buttons = tabs
        .into_iter()
        .enumerate()
        .map(|(index, (value, text))| {
            let is_selected = move || selected.get() == value;
            view! {
                <button type="button" role="tab" class="tab" id=tab_id(index)
                    aria-controls=panel_id.clone()
                    aria-selected=move || is_selected().to_string()
                    tabindex=move || if is_selected() { "0" } else { "-1" }
                    on:click=move |_| selected.set(value)>
                    {text}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="tab-list" role="tablist" aria-label=label on:keydown=on_keydown>
            {tab_buttons}
        </div>
        <div class="tab-panel" role="tabpanel" id=panel_id.clone() tabindex="0"
            aria-labelledby=move || tab_id(index_of(selected.get()))>
            {children()}
        </div>
    }
}
