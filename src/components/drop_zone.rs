//! Where a person hands the page a file: a region that takes a dropped file (and shows when one
//! is dragged over it), and the "choose one" button that picks the same way. The Data, Models
//! and Predict pages each take one file this way.

use leptos::prelude::*;

use crate::platform::files::{self, PickedFile};

/// A region that takes a dropped file; `children` say what to drop and usually hold a
/// [`FilePicker`] with the same `on_file`.
#[component]
pub fn DropZone(
    #[prop(into)] class: String,
    #[prop(into)] on_file: Callback<PickedFile>,
    children: Children,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let on_drop = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        dragging.set(false);
        if let Some(file) = files::from_drop_event(&event) {
            on_file.run(file);
        }
    };
    view! {
        <div class=class class:dragging=move || dragging.get()
            on:dragover=move |event: leptos::ev::DragEvent| { event.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            {children()}
        </div>
    }
}

/// "choose one": a label styled as `class` around a hidden file input.
#[component]
pub fn FilePicker(
    #[prop(into)] on_file: Callback<PickedFile>,
    accept: &'static str,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(default = "button")] class: &'static str,
) -> impl IntoView {
    let on_change = move |event: leptos::ev::Event| {
        if let Some(file) = files::from_input_event(&event) {
            on_file.run(file);
        }
    };
    view! {
        <label class=class>
            "choose one"
            <input type="file" id=id name=name class="visually-hidden" accept=accept on:change=on_change />
        </label>
    }
}
