//! The data a pipeline or a recipe names, read natively: the five bundled datasets are built
//! into the binary (the same files the app serves from `assets/datasets/`, so a pipeline reads
//! the same rows in the tab and here), synthetic sets are generated, and a CSV is read from
//! disk with core's importer, the same as an upload in the browser.

use std::path::Path;

use kindling_core::choice::Choice;
use kindling_core::data::Dataset;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::data::csv::{ImportOptions, MAX_FILE_BYTES, read_table};
use kindling_core::pipeline::file::DataSource;
use kindling_core::spec::DatasetSpec;
use kindling_core::tracking::Recipe;

use crate::error::CliError;
use crate::files::read_limited;

/// The bundled CSV files, as the app ships them.
fn bundled_bytes(bundled: BundledDataset) -> &'static [u8] {
    match bundled {
        BundledDataset::Iris => include_bytes!("../../../assets/datasets/iris.csv"),
        BundledDataset::Wine => include_bytes!("../../../assets/datasets/wine.csv"),
        BundledDataset::BreastCancer => {
            include_bytes!("../../../assets/datasets/breast_cancer.csv")
        }
        BundledDataset::Digits => include_bytes!("../../../assets/datasets/digits.csv"),
        BundledDataset::Diabetes => include_bytes!("../../../assets/datasets/diabetes.csv"),
    }
}

pub fn bundled(bundled: BundledDataset) -> Result<Dataset, String> {
    bundled.parse(bundled_bytes(bundled)).map_err(|error| {
        format!(
            "the bundled dataset {} cannot be read: {error}",
            bundled.key()
        )
    })
}

/// A CSV file read into a dataset called `name`, as the browser imports an upload.
pub fn csv(path: &Path, name: &str, options: &ImportOptions) -> Result<Dataset, CliError> {
    let bytes = read_limited(path, MAX_FILE_BYTES, "a CSV file Kindling imports")?;
    let table = read_table(&bytes)
        .map_err(|error| CliError::Input(format!("{}: {error}", path.display())))?;
    table
        .to_dataset(name, options)
        .map(|import| import.dataset)
        .map_err(|error| CliError::Input(format!("{}: {error}", path.display())))
}

/// The data a pipeline's `[data]` names; a CSV's path is relative to the pipeline file's
/// folder (`base`).
pub fn of_source(source: &DataSource, base: &Path) -> Result<Dataset, String> {
    match source {
        DataSource::Bundled(which) => bundled(*which),
        DataSource::Synthetic(spec) => spec.generate().map_err(|error| error.to_string()),
        DataSource::Csv { file, options } => {
            csv(&base.join(file), DataSource::dataset_name(file), options)
                .map_err(|error| error.to_string())
        }
    }
}

/// The rows a recipe was trained on: its bundled or synthetic source, or `file` for a dataset
/// a person imported (which only they have), read with each of the recipe's
/// [`Recipe::csv_import_attempts`] in turn until one gives its rows. Whatever the source, the
/// rows must be the ones the recipe names: their content hash is checked.
pub fn for_recipe(recipe: &Recipe, file: Option<&Path>) -> Result<Dataset, CliError> {
    let expected = &recipe.dataset;
    let data = match (&recipe.spec.dataset, file) {
        (_, Some(file)) => {
            let mut refusal = None;
            for options in recipe.csv_import_attempts() {
                let data = csv(file, &expected.name, &options)?;
                match recipe.check_data(&data) {
                    Ok(()) => return Ok(data),
                    Err(error) => refusal = Some(error),
                }
            }
            let refusal = refusal.expect("at least one import was tried");
            return Err(CliError::Input(refusal.to_string()));
        }
        (DatasetSpec::Bundled(which), None) => bundled(*which).map_err(CliError::Input)?,
        (DatasetSpec::Synthetic(synthetic), None) => synthetic
            .generate()
            .map_err(|error| CliError::Input(format!("the recipe's synthetic data: {error}")))?,
        (DatasetSpec::Imported { name }, None) => {
            return Err(CliError::Input(format!(
                "the recipe was trained on \"{name}\", a CSV file imported in Kindling: pass the file \
                 with --data FILE"
            )));
        }
    };
    recipe
        .check_data(&data)
        .map_err(|error| CliError::Input(error.to_string()))?;
    Ok(data)
}
