//! The model worker's answers: gate checks, packages, upload checks, predictions and CSV
//! reading, with the few models and the one CSV table it keeps between requests. The worker
//! only fetches a file the page hands over by address and posts the answer; everything else is
//! here, tested natively.

use std::collections::HashMap;

use kindling_core::data::csv::{Table, read_table};
use kindling_core::protocol::{CsvPreview, ModelReply, ModelRequest, ModelSource};

use crate::{TrainedModel, automatic_checks, build_package, open_package};

/// The playground asks about the same model again and again; a few stay loaded.
pub const KEPT_MODELS: usize = 4;

/// An answer, or what went wrong in words for the page.
pub type Answer = Result<ModelReply, String>;

/// What the model worker keeps between requests.
#[derive(Default)]
pub struct ModelService {
    loaded: HashMap<String, TrainedModel>,
    /// The CSV file the import preview shows, until it is imported or another is read.
    table: Option<Table>,
}

impl ModelService {
    /// Answers every request but [`ModelRequest::ReadCsv`] and
    /// [`ModelRequest::OutlineWorkspace`], whose files the worker fetches first.
    pub fn answer(&mut self, request: ModelRequest) -> Answer {
        match request {
            ModelRequest::Check {
                source,
                registered,
                evidence,
            } => {
                let model = load(source)?;
                Ok(ModelReply::Checks(automatic_checks(
                    &model,
                    registered.as_ref(),
                    evidence.as_deref(),
                )))
            }
            ModelRequest::Package { source, version } => {
                let model = load(source)?;
                let (bytes, weights_sha256) =
                    build_package(&version, &model).map_err(|e| e.to_string())?;
                Ok(ModelReply::Package {
                    bytes,
                    weights_sha256,
                })
            }
            ModelRequest::Open { bytes } => {
                let (opened, _) = open_package(&bytes).map_err(|e| e.to_string())?;
                Ok(ModelReply::Opened {
                    manifest: Box::new(opened.manifest),
                    sha256: opened.sha256,
                })
            }
            ModelRequest::Predict { key, source, rows } => self.predict(key, source, &rows),
            ModelRequest::ReadCsv { .. } | ModelRequest::OutlineWorkspace { .. } => {
                Err("the file must be fetched before it can be read".into())
            }
            ModelRequest::ImportCsv { name, options } => {
                let table = self
                    .table
                    .as_ref()
                    .ok_or("the file is no longer open here: choose it again")?;
                let import = table
                    .to_dataset(&name, &options)
                    .map_err(|e| e.to_string())?;
                Ok(ModelReply::CsvImported {
                    dataset: Box::new(import.dataset),
                    dropped_rows: import.dropped_rows,
                    ignored_columns: import
                        .ignored_columns
                        .into_iter()
                        .map(|(name, _)| name)
                        .collect(),
                })
            }
        }
    }

    /// Reads and profiles a CSV file for the import preview, keeping the table for
    /// `ImportCsv`. A file that cannot be read leaves no table behind.
    pub fn read_csv(&mut self, bytes: &[u8]) -> Answer {
        self.table = None;
        let table = read_table(bytes).map_err(|e| e.to_string())?;
        let preview = CsvPreview {
            row_count: table.row_count(),
            columns: table.profile(),
            suggested_tasks: table
                .header
                .iter()
                .map(|column| table.suggested_task(column).ok())
                .collect(),
        };
        self.table = Some(table);
        Ok(ModelReply::CsvRead(Box::new(preview)))
    }

    fn predict(&mut self, key: String, source: Option<ModelSource>, rows: &[f32]) -> Answer {
        let model = match (self.loaded.get(&key), source) {
            (Some(model), _) => model,
            (None, None) => return Ok(ModelReply::NotLoaded),
            (None, Some(source)) => {
                let model = load(source)?;
                if self.loaded.len() >= KEPT_MODELS {
                    self.loaded.clear();
                }
                self.loaded.entry(key).or_insert(model)
            }
        };
        let width = model.signature().column_count();
        if width == 0 || !rows.len().is_multiple_of(width) {
            return Err(format!(
                "the model takes {width} values per row; {} values do not make whole rows",
                rows.len()
            ));
        }
        Ok(ModelReply::Predictions(model.predict(rows)))
    }
}

pub(crate) fn load(source: ModelSource) -> Result<TrainedModel, String> {
    match source {
        ModelSource::Run(model) => TrainedModel::from_run_model(&model).map_err(|e| e.to_string()),
        ModelSource::Package(bytes) => open_package(&bytes)
            .map(|(_, model)| model)
            .map_err(|e| e.to_string()),
    }
}
