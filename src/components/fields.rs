//! Labelled form fields bound to a signal: a text input and a select. Each owns its label,
//! its id (`field-<name>`) and its hint, so every form on every page reads alike and every
//! control has a label.

use leptos::prelude::*;

/// A text input holding what was typed, as typed.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    /// Free text rather than a number (no decimal keypad on phones).
    #[prop(optional)]
    text: bool,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    let input_id = format!("field-{name}");
    let hint_id = format!("hint-{name}");
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <input type="text" id=input_id name=name inputmode=if text { "text" } else { "decimal" }
                autocomplete="off" list=list
                aria-describedby=hint.map(|_| hint_id.clone())
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
            {hint.map(|hint| view! { <small id=hint_id>{hint}</small> })}
        </div>
    }
}

/// A select holding the chosen option's value; `children` are its options (usually
/// [`super::select::SelectOption`]s bound to the same `value`, so the right one shows chosen
/// even when the options arrive after the value).
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    /// Text under the select, such as a link to more.
    #[prop(optional)]
    hint: Option<ViewFn>,
    children: Children,
) -> impl IntoView {
    let select_id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=select_id.clone()>{label}</label>
            <select id=select_id name=name
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))>
                {children()}
            </select>
            {hint.map(|hint| view! { <small>{hint.run()}</small> })}
        </div>
    }
}
