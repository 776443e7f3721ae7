//! What the store keeps beside a run's summary: the model it kept, its whole bundle for export,
//! and the datasets a person imported.

use serde::{Deserialize, Serialize};

use super::run::{DatasetRef, RunRecord};
use crate::data::{Dataset, Task};
use crate::evaluation::Evaluation;
use crate::metrics::EpochMetrics;
use crate::signature::ModelSignature;

/// The model a finished run kept: Burn's record bytes (the exact reload) and what is needed to
/// use them. Stored with the run when it finishes, so any finished run can later be validated,
/// registered or tried in the playground.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunModel {
    pub signature: ModelSignature,
    #[serde(with = "crate::base64::serde_bytes")]
    pub burnpack: Vec<u8>,
    /// The weights after the run's first few steps, so a check can retrain the recipe that far
    /// and compare; `None` for runs made before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_weights: Option<WeightsFingerprint>,
}

/// Weights after `steps` training steps, by the sha256 of their canonical safetensors bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightsFingerprint {
    pub steps: u64,
    pub sha256: String,
}

/// A run with everything stored about it: what export writes, import reads and undo puts
/// back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunBundle {
    pub run: RunRecord,
    pub history: Vec<EpochMetrics>,
    pub evaluation: Option<Evaluation>,
    /// The model the run kept, so a run brought back can still be registered. Absent in
    /// workspace files written before models travelled with runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<RunModel>,
}

/// A dataset the person imported, kept so its runs can be re-run after a reload. Keyed by
/// content hash: the same rows imported twice are stored once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetEntry {
    pub id: String,
    pub name: String,
    pub task: Task,
    pub rows: usize,
    pub features: usize,
    pub added_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDataset {
    pub entry: DatasetEntry,
    pub dataset: Dataset,
}

impl StoredDataset {
    pub fn new(dataset: Dataset, added_ms: f64) -> Self {
        let reference = DatasetRef::of(&dataset);
        Self {
            entry: DatasetEntry {
                id: reference.id,
                name: reference.name,
                task: reference.task,
                rows: reference.rows,
                features: reference.features,
                added_ms,
            },
            dataset,
        }
    }
}
