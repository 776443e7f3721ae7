//! The browser's clock and randomness for the UI (the worker uses its own `performance`).

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

/// Marks the moment the app is on screen and answers input (`kindling-interactive` in the
/// page's performance timeline), so the end-to-end harness can measure time to interactive.
pub fn mark_interactive() {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        // Only a measurement is lost if the timeline refuses the mark.
        let _ = performance.mark("kindling-interactive");
    }
}

/// The cores the browser offers (`navigator.hardwareConcurrency`), at least 1.
pub fn cores() -> usize {
    web_sys::window()
        .map(|window| window.navigator().hardware_concurrency() as usize)
        .unwrap_or(1)
        .max(1)
}
