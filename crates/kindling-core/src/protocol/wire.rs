//! A protocol message as it crosses the worker boundary: its JSON, with every block of bytes
//! (weights, packages, a dataset's values, rows to score) taken out as an attachment. The
//! platform code sends the attachments as transferable `ArrayBuffer`s, so megabytes cross
//! as one copy out of wasm memory and one copy in, instead of being written as base64 or JSON
//! numbers, copied as a string and parsed again on the other side.
//!
//! The fields that hold bytes (`base64::serde_bytes`, `data::gaps`) ask [`attach`] while a
//! message is being encoded and [`detach`] while one is being decoded; in the JSON the field is
//! then the attachment's index. Outside [`encode`] and [`decode`] nothing changes: stored
//! records, workspace files and the fuzz corpora stay plain JSON.

use std::cell::RefCell;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// One message on the wire: JSON, and the byte blocks its fields name by index.
#[derive(Debug, Clone, PartialEq)]
pub struct Wire {
    pub json: String,
    pub attachments: Vec<Vec<u8>>,
}

impl Wire {
    /// A message that is one JSON string and carries no blocks: what a post of a plain string
    /// is, and how messages went before attachments.
    pub fn plain(json: String) -> Self {
        Self {
            json,
            attachments: Vec::new(),
        }
    }
}

enum Table {
    /// Encoding: the blocks given so far, in index order.
    Collecting(Vec<Vec<u8>>),
    /// Decoding: the blocks that came with the message; each may be taken once.
    Providing(Vec<Option<Vec<u8>>>),
}

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// Puts the table back to none when encoding or decoding ends, also on an error.
struct Scope;

impl Scope {
    fn enter(table: Table) -> Self {
        TABLE.with_borrow_mut(|slot| *slot = Some(table));
        Self
    }

    fn leave(self) -> Option<Table> {
        TABLE.with_borrow_mut(Option::take)
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        TABLE.with_borrow_mut(|slot| *slot = None);
    }
}

/// Serialises `message` with its byte fields taken out.
pub fn encode<T: Serialize>(message: &T) -> Wire {
    let scope = Scope::enter(Table::Collecting(Vec::new()));
    let json = serde_json::to_string(message).expect("protocol messages always serialise");
    let attachments = match scope.leave() {
        Some(Table::Collecting(attachments)) => attachments,
        _ => Vec::new(),
    };
    Wire { json, attachments }
}

/// Reads a message [`encode`] wrote; a field naming an attachment that is missing or already
/// used is an error, as any other malformed message.
pub fn decode<T: DeserializeOwned>(wire: Wire) -> Result<T, serde_json::Error> {
    let scope = Scope::enter(Table::Providing(
        wire.attachments.into_iter().map(Some).collect(),
    ));
    let message = serde_json::from_str(&wire.json);
    drop(scope);
    message
}

/// While a message is encoded: keeps `bytes` as an attachment and answers its index. `None`
/// otherwise, and the field writes itself as plain JSON.
pub(crate) fn attach(bytes: impl FnOnce() -> Vec<u8>) -> Option<u64> {
    TABLE.with_borrow_mut(|slot| match slot {
        Some(Table::Collecting(attachments)) => {
            attachments.push(bytes());
            Some(attachments.len() as u64 - 1)
        }
        _ => None,
    })
}

/// Whether a message is being decoded, so a byte field expects an index instead of JSON.
pub(crate) fn providing() -> bool {
    TABLE.with_borrow(|slot| matches!(slot, Some(Table::Providing(_))))
}

/// Takes the attachment at `index` out of the message being decoded.
pub(crate) fn detach(index: u64) -> Result<Vec<u8>, String> {
    TABLE.with_borrow_mut(|slot| match slot {
        Some(Table::Providing(attachments)) => usize::try_from(index)
            .ok()
            .and_then(|index| attachments.get_mut(index))
            .and_then(Option::take)
            .ok_or_else(|| format!("the message names a block of bytes ({index}) it lacks")),
        _ => Err("a block of bytes was named outside a message".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Target};
    use crate::protocol::{FromWorker, ModelReply, ModelRequest, ModelSource, ToWorker};

    fn dataset_with_gap() -> Dataset {
        Dataset {
            name: "gappy".into(),
            feature_names: vec!["a".into(), "b".into()],
            features: vec![1.5, f32::NAN, -0.0, f32::MAX],
            target: Target::Values {
                name: "y".into(),
                values: vec![0.25, 3.0],
            },
            image_shape: None,
            feature_kinds: Vec::new(),
        }
    }

    #[test]
    fn bytes_and_values_travel_as_attachments_and_come_back_bit_for_bit() {
        let train = ToWorker::Train {
            run_id: "r1".into(),
            spec: Box::default(),
            data: dataset_with_gap(),
        };
        let wire = encode(&train);
        assert_eq!(wire.attachments.len(), 2, "{}", wire.json);
        assert_eq!(wire.attachments[0].len(), 4 * 4);
        assert_eq!(wire.attachments[1].len(), 2 * 4);
        assert!(
            wire.json.contains(r#""features":0"#) && !wire.json.contains("1.5"),
            "no value is left in the JSON: {}",
            wire.json
        );
        let ToWorker::Train { data, .. } = decode::<ToWorker>(wire).unwrap() else {
            panic!("not a Train message");
        };
        let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&data.features), bits(&dataset_with_gap().features));

        let package = vec![0u8, 1, 2, 255, 7];
        let reply = FromWorker::Reply {
            request_id: 9,
            result: Ok(ModelReply::Package {
                bytes: package.clone(),
                weights_sha256: "ab".into(),
            }),
        };
        let wire = encode(&reply);
        assert_eq!(wire.attachments, vec![package]);
        assert_eq!(decode::<FromWorker>(wire).unwrap(), reply);
    }

    #[test]
    fn several_blocks_keep_their_places() {
        let request = ToWorker::Model {
            request_id: 1,
            request: Box::new(ModelRequest::Predict {
                key: "k".into(),
                source: Some(ModelSource::Package(vec![4, 5, 6])),
                rows: vec![0.5, f32::NAN],
            }),
        };
        let wire = encode(&request);
        assert_eq!(wire.attachments.len(), 2);
        assert_eq!(
            decode::<ToWorker>(wire).unwrap().to_json(),
            request.to_json()
        );
    }

    #[test]
    fn outside_a_message_the_json_is_as_before() {
        let data = dataset_with_gap();
        let json = serde_json::to_string(&data).unwrap();
        assert!(json.contains("[1.5,null,-0.0,"), "{json}");
        let stored: Dataset = serde_json::from_str(&json).unwrap();
        assert!(stored.features[1].is_nan());
        assert!(!providing());
    }

    #[test]
    fn a_missing_or_reused_block_is_an_error_and_leaves_no_table_behind() {
        let mut wire = encode(&ToWorker::Model {
            request_id: 2,
            request: Box::new(ModelRequest::Open { bytes: vec![1] }),
        });
        wire.attachments.clear();
        let error = decode::<ToWorker>(wire).unwrap_err();
        assert!(error.to_string().contains("lacks"), "{error}");
        assert!(!providing());

        let reused = Wire {
            json: r#"{"Model":{"request_id":3,"request":{"Predict":{"key":"k","source":{"Package":0},"rows":0}}}}"#.into(),
            attachments: vec![vec![0, 0, 0, 0]],
        };
        assert!(decode::<ToWorker>(reused).is_err());
        let ragged = Wire {
            json: r#"{"Model":{"request_id":3,"request":{"Predict":{"key":"k","source":null,"rows":0}}}}"#.into(),
            attachments: vec![vec![0, 0, 0]],
        };
        let error = decode::<ToWorker>(ragged).unwrap_err();
        assert!(error.to_string().contains("whole number"), "{error}");
    }
}
