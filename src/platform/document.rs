//! The page's own document: its title, and where the keyboard's focus is.

/// Sets the tab's title; a page without a document (never in the app) keeps none.
pub fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        document.set_title(title);
    }
}

/// Moves the keyboard's focus to the element with `id`. A link to `#id` alone only scrolls: the
/// next Tab would start from the link again, not from the place it pointed to.
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}
