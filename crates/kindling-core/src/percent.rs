//! Percent-encoding for a value inside an address's query: MLflow's REST queries and the Runs
//! page's view in the app's own address both put free text (a filter with `&`, `=`, `#`,
//! quotes and spaces; a model or experiment name) there.

/// Percent-encodes every byte but RFC 3986's unreserved characters.
pub fn encode_query_value(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(encode_query_value("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(
            encode_query_value("name='é' & x#"),
            "name%3D%27%C3%A9%27%20%26%20x%23"
        );
    }
}
