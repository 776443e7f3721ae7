/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_unix_ms() -> f64 {
    js_sys::Date::now()
}
