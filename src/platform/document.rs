//! The page's own document: its title, where the keyboard's focus is, and the control a lesson
//! step outlines.

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

/// The class a lesson step's control wears (`components::lesson_guide`).
const HIGHLIGHT_CLASS: &str = "lesson-highlight";

/// Outlines the first element `selector` finds and no other; `None`, or a selector that is not
/// valid CSS, outlines nothing.
pub fn highlight(selector: Option<&str>) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let target = selector.and_then(|selector| document.query_selector(selector).ok().flatten());
    if let Ok(marked) = document.query_selector_all(&format!(".{HIGHLIGHT_CLASS}")) {
        for index in 0..marked.length() {
            let element = marked
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::Element>().ok());
            if let Some(element) = element
                && Some(&element) != target.as_ref()
            {
                let _ = element.class_list().remove_1(HIGHLIGHT_CLASS);
            }
        }
    }
    if let Some(target) = target {
        let _ = target.class_list().add_1(HIGHLIGHT_CLASS);
    }
}
