//! Standard base64 (RFC 4648, padded), for bytes inside JSON: weights and packages in stored
//! records and workspace files. In a worker message the same fields travel as attachments
//! ([`crate::protocol::wire`]). A few dozen lines here instead of a dependency in both wasm
//! binaries.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |word, (i, &b)| word | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(ALPHABET[(word >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

const INVALID: u8 = 0xff;

/// Each byte's value in [`ALPHABET`], or [`INVALID`]: weights are megabytes of base64.
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut index = 0;
    while index < 64 {
        table[ALPHABET[index] as usize] = index as u8;
        index += 1;
    }
    table
};

/// `None` for text that is not padded standard base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    for (index, chunk) in text.chunks(4).enumerate() {
        let last = index + 1 == text.len() / 4;
        let padding = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut word = 0u32;
        for (i, &c) in chunk[..4 - padding].iter().enumerate() {
            let value = DECODE[usize::from(c)];
            if value == INVALID {
                return None;
            }
            let value = u32::from(value);
            word |= value << (18 - 6 * i);
        }
        bytes.extend_from_slice(&word.to_be_bytes()[1..4 - padding]);
    }
    Some(bytes)
}

/// `#[serde(with = "crate::base64::serde_bytes")]` for a `Vec<u8>` field.
pub mod serde_bytes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::protocol::wire;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        match wire::attach(|| bytes.to_vec()) {
            Some(index) => index.serialize(serializer),
            None => serializer.serialize_str(&super::encode(bytes)),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        if wire::providing() {
            let index = u64::deserialize(deserializer)?;
            return wire::detach(index).map_err(serde::de::Error::custom);
        }
        let text = String::deserialize(deserializer)?;
        super::decode(&text).ok_or_else(|| serde::de::Error::custom("invalid base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors_from_the_rfc() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn every_byte_round_trips_and_garbage_is_refused() {
        let bytes: Vec<u8> = (0..=255).chain((0..=255).rev()).collect();
        for len in 0..bytes.len() {
            assert_eq!(decode(&encode(&bytes[..len])).unwrap(), &bytes[..len]);
        }
        for bad in ["Zg=", "Z===", "Zg==Zg==", "Zm9v!", "Zm 9"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
