//! The messages between the UI and the trainer worker. Both sides use these types, so a change
//! here is checked by the compiler on both ends. On the wire a message is JSON with its blocks
//! of bytes beside it ([`wire`]); [`ToWorker::to_json`] writes the same message as one JSON
//! string, for the fuzz corpora and the bench scripts.

pub mod endpoint;
pub mod wire;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::csv::{ColumnProfile, ImportOptions};
use crate::data::{Dataset, Task};
use crate::evaluation::Evaluation;
use crate::metrics::EpochMetrics;
use crate::package::Manifest;
use crate::registry::ModelVersion;
use crate::registry::gates::CheckResult;
use crate::signature::{ModelSignature, Prediction};
use crate::spec::{Backend, TrainSpec};
use crate::tracking::{RunModel, RunOutcome, WeightsFingerprint};

/// From the UI to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Train on `data` (the UI loads or imports it; the worker never fetches anything).
    Train {
        run_id: String,
        spec: Box<TrainSpec>,
        data: Dataset,
    },
    Pause,
    Resume,
    /// Ends the run after the current slice, keeping what was learned.
    Stop,
    /// Work on a trained model (checks, packages, predictions), answered by
    /// [`FromWorker::Reply`] with the same `request_id`.
    Model {
        request_id: u32,
        request: Box<ModelRequest>,
    },
    /// `cargo xtask bench` drives the worker directly with these; the app never sends them.
    Bench(BenchRequest),
    /// A deployment's simulated endpoint (its own worker), answered by [`FromWorker::Endpoint`].
    Endpoint(endpoint::EndpointCommand),
}

/// A measurement the benchmark asks of the worker, answered by [`FromWorker::Bench`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BenchRequest {
    /// Trains one of `kindling_ml::bench::workloads` (by id) and reports samples/s.
    Workload { id: String, backend: Backend },
    /// The browser's own f32 SIMD peak: a tight f32x4 multiply-add loop, in GFLOP/s.
    SimdPeak,
    /// The monitor's drift statistics over a window of this many rows
    /// (`kindling_ml::bench::drift_ms`).
    Drift { rows: usize },
    /// One message's trip through `postMessage` (encode, post, receive, decode) within the
    /// worker, in the codec the app uses or as one JSON string, as it used to go.
    Trip {
        payload: TripPayload,
        codec: TripCodec,
    },
}

/// What a [`BenchRequest::Trip`] carries: a dataset of this many megabytes of f32 values (as
/// the page sends one to train on), or a package of this many megabytes (as the worker answers
/// one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TripPayload {
    Dataset { megabytes: usize },
    Package { megabytes: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TripCodec {
    /// [`wire`]: JSON beside transferred buffers.
    Wire,
    /// One JSON string, bytes as base64 and values as numbers.
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BenchReply {
    Workload {
        id: String,
        backend: Backend,
        samples_per_s: f64,
    },
    SimdPeak {
        gflops: f64,
    },
    Drift {
        rows: usize,
        features: usize,
        ms: f64,
    },
    /// The fastest of a few trips: the time spent on the sending side (encode and post) and on
    /// the receiving side (read and decode), and from the start to the message in hand.
    Trip {
        payload: TripPayload,
        codec: TripCodec,
        send_ms: f64,
        receive_ms: f64,
        total_ms: f64,
    },
    Failed(String),
}

/// What the UI asks of the second worker: everything about trained models (the UI does not
/// link Burn), and reading CSV files, so a large file never freezes the page.
// Built once per request and boxed inside `ToWorker`, so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelRequest {
    /// The automatic gate checks, against the registered model's signature when it has one,
    /// and against the recipe's own data when this browser holds it.
    Check {
        source: ModelSource,
        registered: Option<ModelSignature>,
        #[serde(default)]
        evidence: Option<Box<Evidence>>,
    },
    /// The package of `version`, whose weights come from `source` (a run's model when it is
    /// registered, its current package when its card is edited).
    Package {
        source: ModelSource,
        version: Box<ModelVersion>,
    },
    /// Runs every upload check on a package.
    Open {
        #[serde(with = "crate::base64::serde_bytes")]
        bytes: Vec<u8>,
    },
    /// Answers for raw row-major inputs. `key` names the model so the worker can keep it
    /// loaded between requests; without `source`, the worker answers
    /// [`ModelReply::NotLoaded`] if it does not hold the model.
    Predict {
        key: String,
        source: Option<ModelSource>,
        #[serde(with = "crate::data::gaps")]
        rows: Vec<f32>,
    },
    /// Reads and profiles a CSV file for the import preview; the worker keeps the table for
    /// `ImportCsv`. `url` is a `blob:` address of the file the person chose: the worker fetches
    /// it, so megabytes of file never pass through the page's thread.
    ReadCsv { url: String },
    /// Reads and checks a workspace file (handed over by `blob:` address, as `ReadCsv`'s) and
    /// answers where its records lie, so the page reads them in slices from its own copy.
    OutlineWorkspace { url: String },
    /// Makes a dataset of the table the last `ReadCsv` read.
    ImportCsv {
        name: String,
        options: ImportOptions,
    },
}

/// What a model claims and the data to check it on: its recipe, the dataset the recipe names
/// (found in this browser by its content hash), the test scores it claims, and the fingerprint
/// of its first training steps when it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub recipe: TrainSpec,
    pub data: Dataset,
    pub claimed_metrics: BTreeMap<String, f64>,
    pub early_weights: Option<WeightsFingerprint>,
}

/// A CSV file as the import preview shows it: the columns, what each holds, and the task each
/// would be as the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvPreview {
    pub row_count: usize,
    pub columns: Vec<ColumnProfile>,
    /// Per column, the task it suggests as the target (`None`: it cannot be one).
    pub suggested_tasks: Vec<Option<Task>>,
}

/// Where a model's weights come from: a run's record or a stored package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelSource {
    Run(Box<RunModel>),
    Package(#[serde(with = "crate::base64::serde_bytes")] Vec<u8>),
}

/// The worker's answer to a [`ModelRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelReply {
    Checks(Vec<CheckResult>),
    Package {
        #[serde(with = "crate::base64::serde_bytes")]
        bytes: Vec<u8>,
        weights_sha256: String,
    },
    /// The package passed every check.
    Opened {
        manifest: Box<Manifest>,
        sha256: String,
    },
    Predictions(Vec<Prediction>),
    /// The worker does not hold the model a `Predict` named: ask again with its source.
    NotLoaded,
    CsvRead(Box<CsvPreview>),
    WorkspaceOutlined(Box<crate::workspace::WorkspaceOutline>),
    CsvImported {
        dataset: Box<Dataset>,
        /// Rows left out for a missing value.
        dropped_rows: usize,
        /// Columns left out of the features.
        ignored_columns: Vec<String>,
    },
}

/// From the worker to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The trainer module has started and listens; `build` is its [`crate::BUILD_ID`], which
    /// the page compares with its own. This variant's shape never changes, so a page can read
    /// it from a worker of any build.
    Ready {
        build: String,
    },
    /// Sent once per slice: the epochs finished since the last message, and how far along the
    /// whole run is (`0.0..=1.0`, counting partial epochs).
    Progress {
        run_id: String,
        epochs: Vec<EpochMetrics>,
        fraction_done: f64,
    },
    /// What a classifier on 2-D data answers across the plane, so the page can draw its
    /// decision boundary under the points while it learns. Sent at a bounded rate, and once more
    /// before `Finished`.
    Boundary {
        run_id: String,
        /// Epochs finished when the grid was drawn; the weights may be part-way into the next.
        epoch: usize,
        grid: BoundaryGrid,
    },
    Paused {
        run_id: String,
    },
    Resumed {
        run_id: String,
    },
    Finished {
        run_id: String,
        outcome: RunOutcome,
        /// The kept model on the validation and test splits, in evaluation mode.
        evaluation: Box<Evaluation>,
        /// The kept model's weights; `None` only if they could not be written.
        model: Option<Box<RunModel>>,
    },
    /// The run could not go on; `reason` is written for a person.
    Failed {
        run_id: String,
        reason: String,
    },
    Bench(BenchReply),
    /// The answer to [`ToWorker::Model`]; an error is written for a person.
    Reply {
        request_id: u32,
        result: Result<ModelReply, String>,
    },
    /// The trainer itself broke (a panic); it must be restarted.
    Crashed {
        message: String,
    },
    Endpoint(endpoint::EndpointEvent),
}

/// A classifier's answer at the centre of each cell of a square grid over the data's two raw
/// features. The frame is in raw units, the same as the points', so the page can draw the cells
/// and the points on one pair of axes; the worker asks the model about
/// [`BoundaryGrid::cell_centres`], so each cell shows what the model said about that cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundaryGrid {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
    pub resolution: usize,
    /// Row-major, `resolution × resolution` cells, row 0 at `y_min`, column 0 at `x_min`; each
    /// cell's most likely class and that class's probability, always finite (0 where a diverged
    /// model answered NaN: JSON cannot carry it, and the page could not read the message).
    pub cells: Vec<(usize, f32)>,
}

/// The share of the data's range added on each side, so points at the edge are not drawn on
/// the border of the heatmap and the boundary can be seen a little beyond the data.
const FRAME_PADDING: f64 = 0.1;

impl BoundaryGrid {
    /// `(x_min, x_max, y_min, y_max)` around row-major two-column raw `features`: their range
    /// padded on each side. A feature that never varies still gets a frame of some width, and
    /// non-finite values are left out, so the grid is always drawable.
    pub fn frame(features: &[f32]) -> (f64, f64, f64, f64) {
        let (x_min, x_max) = padded_range(features.iter().step_by(2));
        let (y_min, y_max) = padded_range(features.iter().skip(1).step_by(2));
        (x_min, x_max, y_min, y_max)
    }

    /// The raw feature pairs at the centre of every cell of a `resolution × resolution` grid over
    /// `frame`, row-major in the order of [`BoundaryGrid::cells`]: the inputs to ask the model about.
    pub fn cell_centres(frame: (f64, f64, f64, f64), resolution: usize) -> Vec<f32> {
        let (x_min, x_max, y_min, y_max) = frame;
        let centre = |min: f64, max: f64, index: usize| {
            (min + (index as f64 + 0.5) * (max - min) / resolution as f64) as f32
        };
        (0..resolution)
            .flat_map(|row| {
                (0..resolution).flat_map(move |column| {
                    [centre(x_min, x_max, column), centre(y_min, y_max, row)]
                })
            })
            .collect()
    }
}

fn padded_range<'a>(values: impl Iterator<Item = &'a f32>) -> (f64, f64) {
    let (min, max) = values
        .map(|&v| f64::from(v))
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), v| {
            (min.min(v), max.max(v))
        });
    if min > max {
        return (-1.0, 1.0);
    }
    let pad = if max > min {
        (max - min) * FRAME_PADDING
    } else {
        (min.abs() * FRAME_PADDING).max(1.0)
    };
    (min - pad, max + pad)
}

#[derive(Debug, Error)]
#[error("the trainer sent a message this page does not understand: {0}")]
pub struct ProtocolError(#[from] serde_json::Error);

macro_rules! json_codec {
    ($message:ty) => {
        impl $message {
            pub fn to_json(&self) -> String {
                serde_json::to_string(self).expect("protocol messages always serialise")
            }

            pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
                Ok(serde_json::from_str(text)?)
            }
        }
    };
}

json_codec!(ToWorker);
json_codec!(FromWorker);

macro_rules! wire_codec {
    ($message:ty) => {
        impl $message {
            /// The message as it crosses the worker boundary, its bytes as attachments.
            pub fn to_wire(&self) -> wire::Wire {
                wire::encode(self)
            }

            pub fn from_wire(message: wire::Wire) -> Result<Self, ProtocolError> {
                Ok(wire::decode(message)?)
            }
        }
    };
}

wire_codec!(ToWorker);
wire_codec!(FromWorker);

impl ToWorker {
    /// The answer to a message the worker could not read, when it can tell who is waiting: a
    /// model request gets its error as the reply, a run fails in words. Without one, the page
    /// would wait for ever.
    pub fn unreadable(text: &str, error: &ProtocolError) -> Option<FromWorker> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let why = format!("the worker could not read what the page sent ({error})");
        if let Some(request_id) = value
            .pointer("/Model/request_id")
            .and_then(|id| id.as_u64())
        {
            return Some(FromWorker::Reply {
                request_id: u32::try_from(request_id).ok()?,
                result: Err(why),
            });
        }
        let run_id = value.pointer("/Train/run_id")?.as_str()?;
        Some(FromWorker::Failed {
            run_id: run_id.to_owned(),
            reason: why,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_the_worker_cannot_read_is_answered_to_whoever_waits() {
        let request =
            r#"{"Model":{"request_id":7,"request":{"Predict":{"key":"k","rows":"oops"}}}}"#;
        let error = ToWorker::from_json(request).unwrap_err();
        match ToWorker::unreadable(request, &error) {
            Some(FromWorker::Reply {
                request_id: 7,
                result: Err(why),
            }) => {
                assert!(
                    why.starts_with("the worker could not read what the page sent"),
                    "{why}"
                );
            }
            other => panic!("{other:?}"),
        }
        let train = r#"{"Train":{"run_id":"r1","spec":{},"data":{}}}"#;
        let error = ToWorker::from_json(train).unwrap_err();
        assert!(matches!(
            ToWorker::unreadable(train, &error),
            Some(FromWorker::Failed { run_id, .. }) if run_id == "r1"
        ));
        assert_eq!(ToWorker::unreadable("not json", &error), None);
    }

    use super::*;

    #[test]
    fn messages_round_trip_through_json() {
        let train = ToWorker::Train {
            run_id: "run-1".into(),
            spec: Box::default(),
            data: crate::data::synthetic::SyntheticSpec::default()
                .generate()
                .unwrap(),
        };
        assert_eq!(ToWorker::from_json(&train.to_json()).unwrap(), train);
        let progress = FromWorker::Progress {
            run_id: "run-1".into(),
            epochs: vec![EpochMetrics {
                epoch: 1,
                learning_rate: 0.01,
                train_loss: 0.5,
                train_accuracy: Some(0.75),
                val_loss: Some(0.6),
                val_accuracy: Some(0.7),
                val_r2: None,
                elapsed_ms: 12.5,
            }],
            fraction_done: 0.01,
        };
        assert_eq!(
            FromWorker::from_json(&progress.to_json()).unwrap(),
            progress
        );
    }

    #[test]
    fn a_boundary_round_trips_through_json() {
        let boundary = FromWorker::Boundary {
            run_id: "run-1".into(),
            epoch: 3,
            grid: BoundaryGrid {
                x_min: -1.25,
                x_max: 2.5,
                y_min: -0.1,
                y_max: 0.3,
                resolution: 2,
                cells: vec![(0, 0.5), (1, 0.987_654_3), (2, 1.0), (0, 0.333_333_34)],
            },
        };
        assert_eq!(
            FromWorker::from_json(&boundary.to_json()).unwrap(),
            boundary
        );
    }

    #[test]
    fn the_frame_pads_the_range_by_a_tenth_on_each_side() {
        let features = [0.0, -1.0, 10.0, 1.0, 5.0, 0.0];
        assert_eq!(BoundaryGrid::frame(&features), (-1.0, 11.0, -1.2, 1.2));
    }

    #[test]
    fn a_constant_or_missing_feature_still_gets_a_frame() {
        let (x_min, x_max, y_min, y_max) = BoundaryGrid::frame(&[3.0, f32::NAN, 3.0, 50.0]);
        assert!(x_min < 3.0 && x_max > 3.0, "{x_min}..{x_max}");
        assert_eq!((y_min, y_max), (45.0, 55.0));
        assert_eq!(BoundaryGrid::frame(&[]), (-1.0, 1.0, -1.0, 1.0));
    }

    #[test]
    fn cell_centres_are_row_major_from_the_bottom_left() {
        let centres = BoundaryGrid::cell_centres((0.0, 4.0, 10.0, 12.0), 2);
        assert_eq!(
            centres,
            [1.0, 10.5, 3.0, 10.5, 1.0, 11.5, 3.0, 11.5],
            "(x, y) for row 0 column 0, row 0 column 1, row 1 column 0, row 1 column 1"
        );
        assert!(BoundaryGrid::cell_centres((0.0, 1.0, 0.0, 1.0), 0).is_empty());
        assert_eq!(
            BoundaryGrid::cell_centres(BoundaryGrid::frame(&[0.0, 0.0, 1.0, 1.0]), 40).len(),
            2 * 40 * 40
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let err = FromWorker::from_json("{\"Nope\":1}").unwrap_err();
        assert!(err.to_string().starts_with("the trainer sent a message"));
    }
}
