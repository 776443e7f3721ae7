//! The real datasets that ship with the app, so a person can train on real data offline from
//! the first minute. The CSV files live in `assets/datasets/` and are served next to the app;
//! this module knows what each one is, where it comes from, and how to read it.

use serde::{Deserialize, Serialize};

use super::csv::{CsvError, ImportOptions, read_table};
use super::{Dataset, ImageShape, Task};
use crate::choice::Choice;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BundledDataset {
    Iris,
    Wine,
    BreastCancer,
    Digits,
    Diabetes,
}

/// UCI datasets are licensed CC BY 4.0, which asks for this credit wherever they are shown.
const LICENCE: &str =
    "UCI Machine Learning Repository, CC BY 4.0; as distributed with scikit-learn (BSD-3-Clause)";

/// The keys are the files' stems (`iris` for `iris.csv`).
impl Choice for BundledDataset {
    const WHAT: &'static str = "bundled dataset";
    const KEYS: &'static [(Self, &'static str)] = &[
        (BundledDataset::Iris, "iris"),
        (BundledDataset::Wine, "wine"),
        (BundledDataset::BreastCancer, "breast_cancer"),
        (BundledDataset::Digits, "digits"),
        (BundledDataset::Diabetes, "diabetes"),
    ];
}

impl BundledDataset {
    /// The file's name under `datasets/` in the served app.
    pub fn file_name(self) -> String {
        format!("{}.csv", self.key())
    }

    pub fn title(self) -> &'static str {
        match self {
            BundledDataset::Iris => "Iris flowers",
            BundledDataset::Wine => "Wine cultivars",
            BundledDataset::BreastCancer => "Breast cancer diagnosis",
            BundledDataset::Digits => "Handwritten digits (8x8)",
            BundledDataset::Diabetes => "Diabetes progression",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            BundledDataset::Iris => {
                "150 flowers, 4 measurements in cm; predict the species (3 classes)."
            }
            BundledDataset::Wine => {
                "178 wines, 13 chemical measurements; predict the cultivar (3 classes)."
            }
            BundledDataset::BreastCancer => {
                "569 cell-nucleus images described by 30 measurements; predict malignant or benign."
            }
            BundledDataset::Digits => {
                "1,797 handwritten digits as 8x8 grayscale images (values 0-16); predict the digit."
            }
            BundledDataset::Diabetes => {
                "442 patients, 10 baseline measurements; predict disease progression after one year (regression)."
            }
        }
    }

    /// Who made the data, as the licence asks to be shown with it.
    pub fn credit(self) -> String {
        let source = match self {
            BundledDataset::Iris => "Iris: R. A. Fisher, 1936",
            BundledDataset::Wine => "Wine: M. Forina and others",
            BundledDataset::BreastCancer => {
                "Breast Cancer Wisconsin (Diagnostic): W. H. Wolberg, W. N. Street and O. L. Mangasarian"
            }
            BundledDataset::Digits => {
                "Optical Recognition of Handwritten Digits: E. Alpaydin and C. Kaynak"
            }
            BundledDataset::Diabetes => {
                "Diabetes: B. Efron, T. Hastie, I. Johnstone and R. Tibshirani, \"Least Angle Regression\", 2004"
            }
        };
        format!("{source}. {LICENCE}.")
    }

    pub fn task(self) -> Task {
        match self {
            BundledDataset::Diabetes => Task::Regression,
            _ => Task::Classification,
        }
    }

    pub fn image_shape(self) -> Option<ImageShape> {
        (self == BundledDataset::Digits).then_some(ImageShape {
            height: 8,
            width: 8,
        })
    }

    /// Reads the file's bytes: the target is the last column.
    pub fn parse(self, bytes: &[u8]) -> Result<Dataset, CsvError> {
        let table = read_table(bytes)?;
        let options = ImportOptions {
            task: Some(self.task()),
            image_shape: self.image_shape(),
            ..ImportOptions::default()
        };
        Ok(table.to_dataset(self.title(), &options)?.dataset)
    }
}
