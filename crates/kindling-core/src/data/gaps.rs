//! Raw values in JSON, where a gap (NaN) has no number to be: it is written `null` and read
//! back as NaN. Datasets cross to the worker, into IndexedDB and into workspace files as JSON,
//! and rows to score cross to the model worker, so without this a CSV with gaps could be
//! imported but never stored, sent or scored.

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};

pub fn serialize<S: Serializer>(values: &[f32], serializer: S) -> Result<S::Ok, S::Error> {
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
    deserializer.deserialize_seq(Values)
}
