//! Per-epoch training metrics, named as MLflow names them so they read the same after export.

use serde::{Deserialize, Serialize};

/// What one finished epoch measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based, as a person counts epochs.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's batches (weighted by batch size).
    pub train_loss: f64,
    /// Fraction of the epoch's training rows the model classified correctly while it trained.
    pub train_accuracy: f64,
    /// Wall time since training started, after this epoch.
    pub elapsed_ms: f64,
}
