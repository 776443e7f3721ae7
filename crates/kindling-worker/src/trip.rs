//! `cargo xtask bench`'s measure of what crossing the worker boundary costs: a message is
//! encoded, posted through a `MessageChannel` to this same worker, received and decoded, in
//! the codec the app uses (JSON beside transferred buffers, `kindling_core::protocol::wire`)
//! or as one JSON string (how messages went before). A channel to itself still clones the
//! message as a post to the page does, and both sides' work is what blocks a thread; only the
//! hop between threads is left out.

use kindling_core::data::{Dataset, Target};
use kindling_core::protocol::wire::Wire;
use kindling_core::protocol::{
    BenchReply, FromWorker, ModelReply, ToWorker, TripCodec, TripPayload,
};
use kindling_core::rng::Mulberry32;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageChannel, MessageEvent};

use crate::scope::now_ms;

/// Trips per request; the fastest is reported, as the first pays for growing wasm memory.
const TRIPS: usize = 3;
/// Columns of the bench's dataset: a wide table, as a large upload is.
const FEATURES: usize = 100;

pub async fn measure(payload: TripPayload, codec: TripCodec) -> BenchReply {
    let message = Message::of(payload);
    let mut fastest: Option<(f64, f64, f64)> = None;
    for _ in 0..TRIPS {
        let trip = match one_trip(&message, codec).await {
            Ok(trip) => trip,
            Err(reason) => return BenchReply::Failed(reason),
        };
        if fastest.is_none_or(|best| trip.2 < best.2) {
            fastest = Some(trip);
        }
    }
    let (send_ms, receive_ms, total_ms) = fastest.expect("at least one trip");
    BenchReply::Trip {
        payload,
        codec,
        send_ms,
        receive_ms,
        total_ms,
    }
}

/// The message of a payload, in the direction it goes in the app.
enum Message {
    ToWorker(ToWorker),
    FromWorker(FromWorker),
}

impl Message {
    fn of(payload: TripPayload) -> Self {
        let mut rng = Mulberry32::new(7);
        match payload {
            TripPayload::Dataset { megabytes } => {
                let rows = megabytes * 1_000_000 / 4 / FEATURES;
                let features = (0..rows * FEATURES)
                    .map(|_| rng.next_gaussian() as f32)
                    .collect();
                Self::ToWorker(ToWorker::Train {
                    run_id: "trip".into(),
                    spec: Box::default(),
                    data: Dataset {
                        name: "trip".into(),
                        feature_names: (0..FEATURES).map(|i| format!("x{i}")).collect(),
                        features,
                        target: Target::Classes {
                            name: "class".into(),
                            labels: (0..rows).map(|row| (row % 3) as u32).collect(),
                            class_names: vec!["a".into(), "b".into(), "c".into()],
                        },
                        image_shape: None,
                        feature_kinds: Vec::new(),
                    },
                })
            }
            TripPayload::Package { megabytes } => {
                let bytes = (0..megabytes * 1_000_000)
                    .map(|_| (rng.next_f64() * 256.0) as u8)
                    .collect();
                Self::FromWorker(FromWorker::Reply {
                    request_id: 1,
                    result: Ok(ModelReply::Package {
                        bytes,
                        weights_sha256: String::new(),
                    }),
                })
            }
        }
    }

    fn encode(&self, codec: TripCodec) -> Wire {
        match (self, codec) {
            (Self::ToWorker(message), TripCodec::Wire) => message.to_wire(),
            (Self::FromWorker(message), TripCodec::Wire) => message.to_wire(),
            (Self::ToWorker(message), TripCodec::Json) => Wire::plain(message.to_json()),
            (Self::FromWorker(message), TripCodec::Json) => Wire::plain(message.to_json()),
        }
    }

    /// Decodes what arrived and checks it is what was sent (by size, which any lost block
    /// would change).
    fn decode_same(&self, wire: Wire, codec: TripCodec) -> Result<(), String> {
        let same = match (self, codec) {
            (Self::ToWorker(sent), TripCodec::Wire) => {
                same_data(sent, &ToWorker::from_wire(wire).map_err(|e| e.to_string())?)
            }
            (Self::ToWorker(sent), TripCodec::Json) => same_data(
                sent,
                &ToWorker::from_json(&wire.json).map_err(|e| e.to_string())?,
            ),
            (Self::FromWorker(sent), TripCodec::Wire) => {
                *sent == FromWorker::from_wire(wire).map_err(|e| e.to_string())?
            }
            (Self::FromWorker(sent), TripCodec::Json) => {
                *sent == FromWorker::from_json(&wire.json).map_err(|e| e.to_string())?
            }
        };
        same.then_some(())
            .ok_or_else(|| "the message changed on its trip".to_owned())
    }
}

fn same_data(sent: &ToWorker, received: &ToWorker) -> bool {
    match (sent, received) {
        (ToWorker::Train { data: sent, .. }, ToWorker::Train { data: received, .. }) => {
            sent.features.len() == received.features.len() && sent.target == received.target
        }
        _ => false,
    }
}

/// `(send_ms, receive_ms, total_ms)` of one trip.
async fn one_trip(message: &Message, codec: TripCodec) -> Result<(f64, f64, f64), String> {
    let channel = MessageChannel::new().map_err(|_| "no message channel".to_owned())?;
    let start_ms = now_ms();
    let (value, transfer) = crate::wire::to_js(&message.encode(codec));
    let arrived = js_sys::Promise::new(&mut |resolve, _reject| {
        channel.port1().set_onmessage(Some(&resolve));
    });
    channel
        .port2()
        .post_message_with_transferable(&value, &transfer)
        .map_err(|_| "the message could not be posted".to_owned())?;
    drop(value);
    let sent_ms = now_ms();
    let event: MessageEvent = JsFuture::from(arrived)
        .await
        .map_err(|_| "the message did not arrive".to_owned())?
        .into();
    let received_ms = now_ms();
    message.decode_same(crate::wire::from_js(&event.data()), codec)?;
    let done_ms = now_ms();
    channel.port1().set_onmessage(None);
    let _: JsValue = event.into();
    Ok((
        sent_ms - start_ms,
        done_ms - received_ms,
        done_ms - start_ms,
    ))
}
