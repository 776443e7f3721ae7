//! Files in and out of the tab: reading what a person picks or drops, and offering bytes as a
//! download. Nothing is uploaded anywhere.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Event, File, HtmlAnchorElement, HtmlInputElement, Url};

use crate::platform::tasks::TimeSlice;

/// How much of a file is copied between checks of the time slice.
const COPY_PIECE_BYTES: usize = 4 << 20;
const COPY_SLICE_MS: f64 = 8.0;

/// A file the person chose, read whole.
pub struct PickedFile {
    pub name: String,
    pub size_bytes: f64,
    pub file: File,
}

/// A `blob:` address of a file, for a worker to fetch; revoked when dropped.
pub struct ObjectUrl(String);

impl ObjectUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        // A failed revoke only keeps the file's memory until the tab closes.
        let _ = Url::revoke_object_url(&self.0);
    }
}

impl PickedFile {
    /// An address of the file that a worker can fetch, so its bytes need not pass through the
    /// page's thread.
    pub fn object_url(&self) -> Result<ObjectUrl, String> {
        Url::create_object_url_with_blob(&self.file)
            .map(ObjectUrl)
            .map_err(|_| format!("{} could not be read", self.name))
    }

    /// The file's bytes, or why the browser could not read them. Copied into the page's
    /// memory a piece at a time, giving the main thread back between pieces: a 317 MB file
    /// copied at once held it for about 300 ms.
    pub async fn bytes(&self) -> Result<Vec<u8>, String> {
        let buffer = JsFuture::from(self.file.array_buffer())
            .await
            .map_err(|_| format!("{} could not be read", self.name))?;
        let array = js_sys::Uint8Array::new(&buffer);
        let length = array.length() as usize;
        let mut bytes = vec![0; length];
        let mut slice = TimeSlice::start(COPY_SLICE_MS);
        for start in (0..length).step_by(COPY_PIECE_BYTES) {
            let end = (start + COPY_PIECE_BYTES).min(length);
            // Within the array's length, which fits in u32 (a browser's ArrayBuffer limit).
            array
                .subarray(start as u32, end as u32)
                .copy_to(&mut bytes[start..end]);
            slice.yield_when_over().await;
        }
        Ok(bytes)
    }
}

fn picked(file: File) -> PickedFile {
    PickedFile {
        name: file.name(),
        size_bytes: file.size(),
        file,
    }
}

/// The first file of an `<input type="file">` change event.
pub fn from_input_event(event: &Event) -> Option<PickedFile> {
    let input: HtmlInputElement = event.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0)?;
    // Picking the same file again should fire `change` again.
    input.set_value("");
    Some(picked(file))
}

/// Every file of an `<input type="file" multiple>` change event.
pub fn all_from_input_event(event: &Event) -> Vec<PickedFile> {
    let Some(input) = event
        .target()
        .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let picked = input
        .files()
        .map(|list| {
            (0..list.length())
                .filter_map(|index| list.get(index))
                .map(picked)
                .collect()
        })
        .unwrap_or_default();
    input.set_value("");
    picked
}

/// The first file of a drop.
pub fn from_drop_event(event: &web_sys::DragEvent) -> Option<PickedFile> {
    let file = event.data_transfer()?.files()?.get(0)?;
    Some(picked(file))
}

/// Offers `text` as a file download named `file_name`.
pub fn download_text(file_name: &str, text: &str, mime_type: &str) -> Result<(), String> {
    download(file_name, &wasm_bindgen::JsValue::from_str(text), mime_type)
}

/// Offers `bytes` as a file download named `file_name`.
pub fn download_bytes(file_name: &str, bytes: &[u8], mime_type: &str) -> Result<(), String> {
    download(file_name, &js_sys::Uint8Array::from(bytes), mime_type)
}

fn download(file_name: &str, part: &wasm_bindgen::JsValue, mime_type: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(part);
    let options = BlobPropertyBag::new();
    options.set_type(mime_type);
    let failed = |_| "the browser refused to create the download".to_owned();
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(failed)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("there is no page to download from")?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(failed)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // Revoked a little later: some browsers read the blob after the click returns.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}
