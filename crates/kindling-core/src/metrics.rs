//! Per-epoch training metrics, named as MLflow names them so they read the same after export.

use serde::{Deserialize, Serialize};

/// What one finished epoch measured. Validation figures are absent when the split holds no
/// validation rows; accuracy is absent for regression and R² for classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based, as a person counts epochs.
    pub epoch: usize,
    /// The rate this epoch trained with (it changes under a schedule).
    pub learning_rate: f64,
    /// Mean loss over the epoch's batches, weighted by batch size: cross-entropy for classes,
    /// mean squared error of the standardised target for a number.
    pub train_loss: f64,
    /// Fraction of training rows classified correctly while the epoch trained.
    pub train_accuracy: Option<f64>,
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    /// Coefficient of determination on the validation rows.
    pub val_r2: Option<f64>,
    /// Wall time spent training, after this epoch.
    pub elapsed_ms: f64,
}

impl EpochMetrics {
    /// The validation score early stopping and model choice look at: accuracy or R².
    pub fn val_score(&self) -> Option<f64> {
        self.val_accuracy.or(self.val_r2)
    }
}
