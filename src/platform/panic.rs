//! A panic in the UI must not leave a blank or frozen page: it is written to the console and
//! shown as a banner built with plain DOM calls (the reactive UI may be what broke).

use wasm_bindgen::JsCast;

/// The banner's id, so tests and styles can find it.
pub const PANIC_BANNER_ID: &str = "fatal-error";

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal_error(&info.to_string());
    }));
}

/// Puts a message that cannot be missed at the top of the page.
pub fn show_fatal_error(message: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let banner = match document.get_element_by_id(PANIC_BANNER_ID) {
        Some(existing) => existing,
        None => match document.create_element("div") {
            Ok(created) => {
                created.set_id(PANIC_BANNER_ID);
                created.set_attribute("role", "alert").ok();
                let _ = body.prepend_with_node_1(&created);
                created
            }
            Err(_) => return,
        },
    };
    // Text, never markup: the message may quote user input.
    banner.set_text_content(Some(&format!(
        "Kindling hit an internal error and stopped: {message}. Reload the page to continue."
    )));
    if let Some(element) = banner.dyn_ref::<web_sys::HtmlElement>() {
        element.set_class_name("fatal-error");
    }
}
