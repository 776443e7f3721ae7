//! The Runs table's columns: what each shows, how it sorts, and its key in the address
//! (`view::RunsView`).

use std::cmp::Ordering;

use kindling_core::choice::Choice;
use kindling_core::tracking::RunRecord;

use crate::format::{format_duration, format_metric, format_time};

/// A column of the Runs table, in the order the table shows them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column {
    Name,
    Status,
    Dataset,
    Model,
    LearningRate,
    Epochs,
    Score,
    ValLoss,
    Duration,
    Started,
}

impl Column {
    /// Whether a first click on the column sorts it high to low: the best score and the newest
    /// run are what a person looks for first.
    pub fn descending_first(self) -> bool {
        matches!(self, Column::Score | Column::Started)
    }

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Status => "Status",
            Column::Dataset => "Dataset",
            Column::Model => "Model",
            Column::LearningRate => "learning_rate",
            Column::Epochs => "Epochs",
            Column::Score => "Test score",
            Column::ValLoss => "Val loss",
            Column::Duration => "Duration",
            Column::Started => "Started",
        }
    }

    /// The cell's text as the table shows it (and the table's CSV export writes it).
    pub fn text(self, run: &RunRecord) -> String {
        let metric = |value: Option<f64>| value.map(format_metric).unwrap_or_else(|| "—".into());
        match self {
            Column::Name => run.name.clone(),
            Column::Status => run.state.label().to_owned(),
            Column::Dataset => run.dataset.name.clone(),
            Column::Model => run.spec.model.label(),
            Column::LearningRate => run.spec.learning_rate.to_string(),
            Column::Epochs => run.epochs_done.to_string(),
            Column::Score => metric(run.headline()),
            Column::ValLoss => metric(run.metrics.get("val_loss").copied()),
            Column::Duration => format_duration(run.duration_ms),
            Column::Started => format_time(run.started_ms),
        }
    }

    /// The order of two runs in this column. Runs without the number (a score before the run
    /// finished, say) sort after those with it, whichever the direction.
    pub fn compare(self, a: &RunRecord, b: &RunRecord, descending: bool) -> Ordering {
        let directed = |order: Ordering| if descending { order.reverse() } else { order };
        let number = |value: Option<f64>, other: Option<f64>| match (value, other) {
            (Some(x), Some(y)) => directed(x.total_cmp(&y)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        match self {
            Column::Name => directed(a.name.to_lowercase().cmp(&b.name.to_lowercase())),
            Column::Status => directed(a.state.label().cmp(b.state.label())),
            Column::Dataset => directed(a.dataset.name.cmp(&b.dataset.name)),
            Column::Model => directed(a.spec.model.label().cmp(&b.spec.model.label())),
            Column::LearningRate => directed(a.spec.learning_rate.total_cmp(&b.spec.learning_rate)),
            Column::Epochs => directed(a.epochs_done.cmp(&b.epochs_done)),
            Column::Score => number(a.headline(), b.headline()),
            Column::ValLoss => number(
                a.metrics.get("val_loss").copied(),
                b.metrics.get("val_loss").copied(),
            ),
            Column::Duration => directed(a.duration_ms.total_cmp(&b.duration_ms)),
            Column::Started => directed(a.started_ms.total_cmp(&b.started_ms)),
        }
    }
}

impl Choice for Column {
    const WHAT: &'static str = "column";
    const KEYS: &'static [(Self, &'static str)] = &[
        (Column::Name, "name"),
        (Column::Status, "status"),
        (Column::Dataset, "dataset"),
        (Column::Model, "model"),
        (Column::LearningRate, "learning_rate"),
        (Column::Epochs, "epochs"),
        (Column::Score, "score"),
        (Column::ValLoss, "val_loss"),
        (Column::Duration, "duration"),
        (Column::Started, "started"),
    ];
}
