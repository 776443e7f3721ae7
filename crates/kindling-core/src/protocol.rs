//! The messages between the UI and the trainer worker. Both sides use these types, so a change
//! here is checked by the compiler on both ends; on the wire each message is one JSON string.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::Dataset;
use crate::evaluation::Evaluation;
use crate::metrics::EpochMetrics;
use crate::spec::TrainSpec;

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
}

/// From the worker to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The trainer module has started and listens.
    Ready,
    /// Sent once per slice: the epochs finished since the last message, and how far along the
    /// whole run is (`0.0..=1.0`, counting partial epochs).
    Progress {
        run_id: String,
        epochs: Vec<EpochMetrics>,
        fraction_done: f64,
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
    },
    /// The run could not go on; `reason` is written for a person.
    Failed {
        run_id: String,
        reason: String,
    },
    /// The trainer itself broke (a panic); it must be restarted.
    Crashed {
        message: String,
    },
}

/// How a run that produced a model came to an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    /// Every requested epoch ran.
    Completed,
    /// The person pressed Stop.
    Stopped,
    /// The validation metric stopped improving; the best epoch's weights were kept.
    EarlyStopped,
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

#[cfg(test)]
mod tests {
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
    fn garbage_is_an_error_not_a_panic() {
        let err = FromWorker::from_json("{\"Nope\":1}").unwrap_err();
        assert!(err.to_string().starts_with("the trainer sent a message"));
    }
}
