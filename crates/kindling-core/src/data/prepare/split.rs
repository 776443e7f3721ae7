//! The seeded (stratified) split into training, validation and test rows.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::{Dataset, Target};
use crate::rng::Mulberry32;

/// The most of the data that may be held out for validation or for testing, each.
pub const MAX_HOLDOUT_FRACTION: f64 = 0.4;

/// How the rows are shared between training, validation (early stopping, model choice) and
/// test (the final, untouched estimate).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitSpec {
    pub validation_fraction: f64,
    pub test_fraction: f64,
    pub seed: u32,
}

impl Default for SplitSpec {
    /// 65 / 15 / 20: enough test rows for a stable estimate on the small bundled sets.
    fn default() -> Self {
        Self {
            validation_fraction: 0.15,
            test_fraction: 0.2,
            seed: 42,
        }
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum SplitError {
    #[error("the validation and test shares must each be between 0 and 0.4, not {0}")]
    Fraction(f64),
}

/// Row indices of each part, ascending.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

impl SplitSpec {
    pub fn validate(&self) -> Result<(), SplitError> {
        for fraction in [self.validation_fraction, self.test_fraction] {
            if !(0.0..=MAX_HOLDOUT_FRACTION).contains(&fraction) {
                return Err(SplitError::Fraction(fraction));
            }
        }
        Ok(())
    }

    /// Splits the rows. For classification every class is split in the same proportions
    /// (stratified), so a rare class is not missing from the test data by chance.
    pub fn split(&self, data: &Dataset) -> Split {
        let mut rng = Mulberry32::new(self.seed);
        let groups: Vec<Vec<usize>> = match &data.target {
            Target::Classes {
                labels,
                class_names,
                ..
            } => (0..class_names.len() as u32)
                .map(|class| {
                    (0..labels.len())
                        .filter(|&row| labels[row] == class)
                        .collect()
                })
                .collect(),
            Target::Values { values, .. } => vec![(0..values.len()).collect()],
        };
        let mut split = Split::default();
        for mut rows in groups {
            rng.shuffle(&mut rows);
            let count = rows.len();
            let test = share(count, self.test_fraction);
            let validation = share(count, self.validation_fraction).min(count - test);
            let validation = if test + validation == count && count > 0 {
                validation.saturating_sub(1)
            } else {
                validation
            };
            split.test.extend_from_slice(&rows[..test]);
            split
                .validation
                .extend_from_slice(&rows[test..test + validation]);
            split.train.extend_from_slice(&rows[test + validation..]);
        }
        split.train.sort_unstable();
        split.validation.sort_unstable();
        split.test.sort_unstable();
        split
    }
}

fn share(count: usize, fraction: f64) -> usize {
    ((count as f64 * fraction).round() as usize).min(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::{SyntheticKind, SyntheticSpec};

    fn blobs(classes: u32, count: usize) -> Dataset {
        SyntheticSpec {
            kind: SyntheticKind::Blobs { classes },
            sample_count: count,
            noise: 0.1,
            seed: 5,
        }
        .generate()
        .unwrap()
    }

    #[test]
    fn the_split_covers_every_row_once_and_keeps_class_shares() {
        let data = blobs(3, 300);
        let split = SplitSpec::default().split(&data);
        let mut all: Vec<usize> = [&split.train, &split.validation, &split.test]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..300).collect::<Vec<_>>());
        assert_eq!(
            (split.train.len(), split.validation.len(), split.test.len()),
            (195, 45, 60)
        );
        for part in [&split.train, &split.validation, &split.test] {
            let counts = data.select_rows(part).class_counts();
            assert!(
                counts.iter().all(|&c| c == counts[0]),
                "unbalanced {counts:?}"
            );
        }
        assert_eq!(split, SplitSpec::default().split(&data));
        let other = SplitSpec {
            seed: 43,
            ..SplitSpec::default()
        };
        assert_ne!(split.test, other.split(&data).test);
    }

    #[test]
    fn a_tiny_class_keeps_a_training_row() {
        let mut data = blobs(2, 20);
        let Target::Classes { labels, .. } = &mut data.target else {
            panic!()
        };
        labels.iter_mut().for_each(|l| *l = 0);
        // Two rows: a 40% test share and a 40% validation share each round up to one row.
        labels[7] = 1;
        labels[8] = 1;
        let split = SplitSpec {
            validation_fraction: 0.4,
            test_fraction: 0.4,
            seed: 1,
        }
        .split(&data);
        assert!(split.train.contains(&7) || split.train.contains(&8));
    }
}
