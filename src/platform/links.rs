//! Links to this app and the clipboard: what a run page's "Copy link" needs.

use wasm_bindgen_futures::JsFuture;

/// The address of the Train page with `fragment` after its `#`, or `None` outside a page.
pub fn train_page_address(fragment: &str) -> Option<String> {
    let origin = web_sys::window()?.location().origin().ok()?;
    Some(format!("{origin}/#{fragment}"))
}

/// Puts `text` on the clipboard, or says why the browser would not (a page not in focus, or
/// a browser that asks first and was refused).
pub async fn copy_text(text: &str) -> Result<(), String> {
    let refused = || "the browser did not let the page copy it".to_owned();
    let clipboard = web_sys::window()
        .ok_or_else(refused)?
        .navigator()
        .clipboard();
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|_| refused())
}
