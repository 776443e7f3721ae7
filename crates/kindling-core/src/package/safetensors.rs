//! The safetensors format, read and written without Burn: the package's weights file, which
//! Python's `safetensors` and numpy read, and which the package check inspects (names, shapes,
//! finite values) before any network is built.
//!
//! Kindling writes one canonical form (tensors sorted by name, fixed metadata, the header padded
//! with spaces to a multiple of 8 bytes), so the same weights always give the same bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::manifest::WEIGHTS_LAYOUT;

/// One parameter tensor: its path in the network, its shape and its values (row-major, f32).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// Why a weights file could not be read.
#[derive(Debug, Error, PartialEq)]
pub enum SafetensorsError {
    #[error("the weights file is shorter than its header says ({0} bytes)")]
    Truncated(usize),
    #[error("the weights file's header is not valid JSON: {0}")]
    Header(String),
    #[error("tensor '{name}' is stored as {dtype}; Kindling's weights are F32")]
    DType { name: String, dtype: String },
    #[error("tensor '{name}' has shape {shape:?} but {bytes} bytes of data")]
    Size {
        name: String,
        shape: Vec<usize>,
        bytes: usize,
    },
    #[error("tensor '{name}' points outside the weights file")]
    OutOfBounds { name: String },
    #[error("the weights file's tensors overlap or leave gaps (at {0})")]
    Layout(String),
}

#[derive(Serialize, Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [usize; 2],
}

/// The metadata every Kindling weights file carries. Not `"format": "pt"`: the tensors are in
/// Burn's layout (a dense weight is `[in, out]`, PyTorch's is `[out, in]`), which `layout`
/// spells out.
fn metadata() -> String {
    let layout = serde_json::to_string(WEIGHTS_LAYOUT).expect("text always serialises");
    format!(r#"{{"format":"kindling","layout":{layout},"producer":"kindling"}}"#)
}

/// The canonical bytes for `tensors` (their order does not matter).
pub fn write(tensors: &[NamedTensor]) -> Vec<u8> {
    let mut sorted: Vec<&NamedTensor> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut header = String::from("{\"__metadata__\":");
    header.push_str(&metadata());
    let mut offset = 0;
    for tensor in &sorted {
        let end = offset + tensor.values.len() * 4;
        let entry = Entry {
            dtype: "F32".into(),
            shape: tensor.shape.clone(),
            data_offsets: [offset, end],
        };
        header.push(',');
        header.push_str(&serde_json::to_string(&tensor.name).expect("a string serialises"));
        header.push(':');
        header.push_str(&serde_json::to_string(&entry).expect("an entry serialises"));
        offset = end;
    }
    header.push('}');
    while (8 + header.len()) % 8 != 0 {
        header.push(' ');
    }
    let mut bytes = Vec::with_capacity(8 + header.len() + offset);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for tensor in sorted {
        for value in &tensor.values {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
    }
    bytes
}

/// Every tensor in a safetensors file, sorted by name. Only F32 tensors are accepted.
pub fn read(bytes: &[u8]) -> Result<Vec<NamedTensor>, SafetensorsError> {
    let header_len = bytes
        .get(..8)
        .map(|len| u64::from_le_bytes(len.try_into().expect("eight bytes")))
        .ok_or(SafetensorsError::Truncated(bytes.len()))?;
    let header_end = usize::try_from(header_len)
        .ok()
        .and_then(|len| len.checked_add(8))
        .filter(|&end| end <= bytes.len())
        .ok_or(SafetensorsError::Truncated(bytes.len()))?;
    let mut header: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&bytes[8..header_end])
            .map_err(|error| SafetensorsError::Header(error.to_string()))?;
    header.remove("__metadata__");
    let data = &bytes[header_end..];
    let mut entries = Vec::with_capacity(header.len());
    for (name, entry) in header {
        let entry: Entry = serde_json::from_value(entry)
            .map_err(|error| SafetensorsError::Header(format!("{name}: {error}")))?;
        if entry.dtype != "F32" {
            return Err(SafetensorsError::DType {
                name,
                dtype: entry.dtype,
            });
        }
        let [start, end] = entry.data_offsets;
        if start > end || end > data.len() {
            return Err(SafetensorsError::OutOfBounds { name });
        }
        let count = entry
            .shape
            .iter()
            .try_fold(1usize, |count, &side| count.checked_mul(side));
        if count.and_then(|count| count.checked_mul(4)) != Some(end - start) {
            return Err(SafetensorsError::Size {
                name,
                shape: entry.shape,
                bytes: end - start,
            });
        }
        entries.push((name, entry));
    }
    // Tensors must tile the data exactly: overlapping or repeated ranges would let a small file
    // claim many copies of the same bytes.
    let mut by_offset: Vec<&(String, Entry)> = entries.iter().collect();
    by_offset.sort_by_key(|(_, entry)| entry.data_offsets);
    let mut covered = 0;
    for (name, entry) in by_offset {
        if entry.data_offsets[0] != covered {
            return Err(SafetensorsError::Layout(name.clone()));
        }
        covered = entry.data_offsets[1];
    }
    if covered != data.len() {
        return Err(SafetensorsError::Layout("(the end of the file)".into()));
    }
    Ok(entries
        .into_iter()
        .map(|(name, entry)| {
            let [start, end] = entry.data_offsets;
            let values = data[start..end]
                .chunks_exact(4)
                .map(|value| f32::from_le_bytes(value.try_into().expect("four bytes")))
                .collect();
            NamedTensor {
                name,
                shape: entry.shape,
                values,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensors() -> Vec<NamedTensor> {
        vec![
            NamedTensor {
                name: "Mlp.output.weight".into(),
                shape: vec![2, 3],
                values: vec![1.0, -2.0, 3.5, 0.0, f32::MIN_POSITIVE, 6.0],
            },
            NamedTensor {
                name: "Mlp.output.bias".into(),
                shape: vec![3],
                values: vec![0.25, 0.5, -0.75],
            },
        ]
    }

    #[test]
    fn weights_round_trip_sorted_by_name() {
        let read_back = read(&write(&tensors())).unwrap();
        let mut expected = tensors();
        expected.reverse();
        assert_eq!(read_back, expected);
    }

    #[test]
    fn the_bytes_do_not_depend_on_tensor_order_and_the_header_is_aligned() {
        let mut reversed = tensors();
        reversed.reverse();
        let bytes = write(&tensors());
        assert_eq!(bytes, write(&reversed));
        let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert_eq!((8 + header_len) % 8, 0);
        assert_eq!(bytes.len(), 8 + header_len + 9 * 4);
    }

    #[test]
    fn broken_files_are_refused_in_words() {
        let bytes = write(&tensors());
        assert_eq!(read(&bytes[..5]), Err(SafetensorsError::Truncated(5)));
        assert!(matches!(
            read(&bytes[..bytes.len() - 4]),
            Err(SafetensorsError::OutOfBounds { .. })
        ));
        let mut header = br#"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#.to_vec();
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.append(&mut header);
        file.extend_from_slice(&[0, 0]);
        assert_eq!(
            read(&file).unwrap_err().to_string(),
            "tensor 'w' is stored as F16; Kindling's weights are F32"
        );
        let mut header = br#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,4]}}"#.to_vec();
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.append(&mut header);
        file.extend_from_slice(&[0, 0, 0, 0]);
        assert!(matches!(read(&file), Err(SafetensorsError::Size { .. })));
        let mut header = br#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.to_vec();
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.append(&mut header);
        file.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(read(&file), Err(SafetensorsError::Layout("b".into())));
    }
}
