//! Raw values in JSON, where a gap (NaN) has no number to be: it is written `null` and read
//! back as NaN. Datasets go into IndexedDB and into workspace files as JSON, so without this a
//! CSV with gaps could be imported but never stored. In a worker message the values travel as
//! an attachment instead ([`crate::protocol::wire`]), bit for bit, gaps included.

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::protocol::wire;

pub fn serialize<S: Serializer>(values: &[f32], serializer: S) -> Result<S::Ok, S::Error> {
    if let Some(index) = wire::attach(|| values.iter().flat_map(|v| v.to_le_bytes()).collect()) {
        return index.serialize(serializer);
    }
    let mut seq = serializer.serialize_seq(Some(values.len()))?;
    for value in values {
        seq.serialize_element(&(!value.is_nan()).then_some(*value))?;
    }
    seq.end()
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f32>, D::Error> {
    struct Values;
    impl<'de> Visitor<'de> for Values {
        type Value = Vec<f32>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a list of numbers, with null for a gap")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f32>, A::Error> {
            let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 24));
            while let Some(value) = seq.next_element::<Option<f32>>()? {
                values.push(value.unwrap_or(f32::NAN));
            }
            Ok(values)
        }
    }
    if wire::providing() {
        let bytes = attachment(deserializer)?;
        return Ok(words(&bytes)?.map(f32::from_le_bytes).collect());
    }
    deserializer.deserialize_seq(Values)
}

/// Class labels: plain JSON numbers, or an attachment inside a worker message.
pub mod labels {
    use super::*;

    pub fn serialize<S: Serializer>(labels: &[u32], serializer: S) -> Result<S::Ok, S::Error> {
        match wire::attach(|| labels.iter().flat_map(|v| v.to_le_bytes()).collect()) {
            Some(index) => index.serialize(serializer),
            None => labels.serialize(serializer),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u32>, D::Error> {
        if wire::providing() {
            let bytes = attachment(deserializer)?;
            return Ok(words(&bytes)?.map(u32::from_le_bytes).collect());
        }
        Vec::deserialize(deserializer)
    }
}

fn attachment<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    wire::detach(u64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

fn words<E: serde::de::Error>(bytes: &[u8]) -> Result<impl Iterator<Item = [u8; 4]> + '_, E> {
    if !bytes.len().is_multiple_of(4) {
        return Err(E::custom(
            "a block of 4-byte values is not a whole number of values long",
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|word| <[u8; 4]>::try_from(word).expect("chunks of 4")))
}
