//! An `<option>` that knows whether it is chosen. A `<select>`'s `value` set before its options
//! exist is ignored by the browser, so a page that opens with a non-default choice (a re-run, a
//! return visit) would show the first option; marking the option itself avoids that.

use leptos::prelude::*;

#[component]
pub fn SelectOption(
    #[prop(into)] value: String,
    #[prop(into)] chosen: Signal<String>,
    children: Children,
) -> impl IntoView {
    let key = value.clone();
    view! { <option value=value prop:selected=move || chosen.with(|c| *c == key)>{children()}</option> }
}
