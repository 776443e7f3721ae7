//! Protocol messages as `postMessage` carries them (`kindling_core::protocol::wire`): a plain
//! string when a message holds no bytes (so the bench scripts can read it as JSON), else
//! `{json, buffers}` whose `ArrayBuffer`s are transferred. The page's `platform::worker` reads
//! and writes the same shape.

use kindling_core::protocol::wire::Wire;
use wasm_bindgen::JsValue;

/// The value to post and the buffers to transfer with it (empty for a plain string).
pub fn to_js(wire: &Wire) -> (JsValue, js_sys::Array) {
    let buffers: js_sys::Array = wire
        .attachments
        .iter()
        .map(|bytes| js_sys::Uint8Array::from(bytes.as_slice()).buffer())
        .collect();
    if wire.attachments.is_empty() {
        return (JsValue::from_str(&wire.json), buffers);
    }
    let envelope = js_sys::Object::new();
    // Setting a field of a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&envelope, &"json".into(), &wire.json.as_str().into());
    let _ = js_sys::Reflect::set(&envelope, &"buffers".into(), &buffers);
    (envelope.into(), buffers)
}

/// What the page posted; a value of another shape reads as empty JSON, which the protocol
/// reports as unreadable.
pub fn from_js(data: &JsValue) -> Wire {
    if let Some(json) = data.as_string() {
        return Wire::plain(json);
    }
    let field = |name: &str| js_sys::Reflect::get(data, &name.into()).unwrap_or_default();
    Wire {
        json: field("json").as_string().unwrap_or_default(),
        attachments: js_sys::Array::from(&field("buffers"))
            .iter()
            .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
            .collect(),
    }
}
