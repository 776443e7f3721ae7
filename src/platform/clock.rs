/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_unix_ms() -> f64 {
    js_sys::Date::now()
}

/// A random 32-bit number for ids and generated names (not for anything secret).
pub fn random_u32() -> u32 {
    (js_sys::Math::random() * 4_294_967_296.0) as u32
}
