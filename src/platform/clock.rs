/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_unix_ms() -> f64 {
    js_sys::Date::now()
}

/// A random 32-bit number for ids and generated names (not for anything secret).
pub fn random_u32() -> u32 {
    (js_sys::Math::random() * 4_294_967_296.0) as u32
}

/// A Unix time as local date and time, to the minute ("2026-11-23 18:05").
pub fn local_time_text(unix_ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_ms));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}
