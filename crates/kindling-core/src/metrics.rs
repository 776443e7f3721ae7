//! Per-epoch training metrics, named as MLflow names them so they read the same after export.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// Names a run's metrics and params had before they took the names MLflow and scikit-learn
/// users know, each with its name now. Stored runs, versions, gates and typed queries that use
/// an old name are read as the new one.
pub const RENAMED: [(&str, &str); 6] = [
    ("train_acc", "train_accuracy"),
    ("val_acc", "val_accuracy"),
    ("test_acc", "test_accuracy"),
    ("test_f1", "test_f1_macro"),
    ("test_auc", "test_roc_auc"),
    ("lr", "learning_rate"),
];

/// A metric's or param's name now, whichever name it was written with.
pub fn current_name(name: &str) -> &str {
    RENAMED
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| new)
}

/// Reads a map of metrics, renaming old names (serde's `deserialize_with`).
pub fn renamed_on_read<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, f64>, D::Error> {
    let stored = BTreeMap::<String, f64>::deserialize(deserializer)?;
    Ok(stored
        .into_iter()
        .map(|(name, value)| (current_name(&name).to_owned(), value))
        .collect())
}

/// Reads one metric's name, renaming an old one (serde's `deserialize_with`).
pub fn renamed_name_on_read<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    Ok(current_name(&name).to_owned())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Stored {
        #[serde(deserialize_with = "renamed_on_read")]
        metrics: BTreeMap<String, f64>,
    }

    #[test]
    fn old_names_are_read_as_the_new_ones() {
        let stored: Stored =
            serde_json::from_str(r#"{"metrics":{"val_acc":0.9,"test_auc":0.8,"test_rmse":3.0}}"#)
                .unwrap();
        let names: Vec<&str> = stored.metrics.keys().map(String::as_str).collect();
        assert_eq!(names, ["test_rmse", "test_roc_auc", "val_accuracy"]);
        assert_eq!(current_name("lr"), "learning_rate");
        assert_eq!(current_name("test_r2"), "test_r2");
    }
}
