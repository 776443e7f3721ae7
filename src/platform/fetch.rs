//! Reading files the app serves next to itself (the bundled datasets).

use std::future::Future;
use std::pin::Pin;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

use crate::state::data::ServedFiles;

/// The served files, fetched from the page's own origin. Paths are from the app's root, not
/// the page's address: from `/runs/<id>` a relative `datasets/iris.csv` would name
/// `/runs/datasets/iris.csv`, which the server answers with the app's page.
pub struct Served;

impl ServedFiles for Served {
    fn read<'a>(
        &'a self,
        path: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>> + 'a>> {
        Box::pin(async move { fetch_bytes(&format!("/{}", path.trim_start_matches('/'))).await })
    }
}

/// The bytes at `url` (relative to the page), or why they could not be read.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("there is no window to load from")?;
    let failed = |detail: String| format!("{url} could not be loaded: {detail}");
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|error| failed(format!("{error:?}")))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| failed("the answer was not a response".into()))?;
    if !response.ok() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    let buffer = response
        .array_buffer()
        .map_err(|error| failed(format!("{error:?}")))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|error| failed(format!("{error:?}")))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
