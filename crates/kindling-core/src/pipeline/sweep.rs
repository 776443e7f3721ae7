//! Sweeps: many recipes from one, each a normal tracked run. Grid (every combination), random
//! (seeded draws from lists and ranges) and successive halving (Jamieson & Talwalkar): every
//! candidate trains for a few epochs, the best third (`eta`) goes on for `eta` times as many,
//! and so on up to the recipe's epochs. A rung retrains from the start with the same seed
//! rather than resuming, so every trial is an ordinary, reproducible run.

use crate::registry::gates::higher_is_better;
use crate::rng::Mulberry32;
use crate::spec::TrainSpec;
use crate::spec::params::{self, ParamValue};

/// The most trials one sweep may ask for: a classroom laptop trains them all in minutes.
pub const MAX_TRIALS: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    pub strategy: Strategy,
    /// Each varied setting and its values, in the file's order.
    pub axes: Vec<(String, Axis)>,
    /// How many candidates random and halving draw (grid: every combination).
    pub trials: Option<usize>,
    pub seed: u64,
    /// The metric that picks the best trial; by default the validation score of the task.
    pub pick: Option<String>,
    /// At most this many trials at once (default: every core the machine offers).
    pub parallel: Option<usize>,
    /// Halving keeps the best `1 / eta` of each rung.
    pub eta: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Grid,
    Random,
    Halving,
}

impl Strategy {
    pub fn key(self) -> &'static str {
        match self {
            Strategy::Grid => "grid",
            Strategy::Random => "random",
            Strategy::Halving => "halving",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    Values(Vec<ParamValue>),
    /// Drawn uniformly (or log-uniformly); whole numbers when both bounds are.
    Range {
        min: f64,
        max: f64,
        log: bool,
        whole: bool,
    },
}

/// One candidate recipe: the settings it varies and the spec they make.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// 1-based, in the order trials were drawn.
    pub number: usize,
    pub settings: Vec<(String, ParamValue)>,
    pub spec: TrainSpec,
}

impl Trial {
    /// The settings as a run's name suffix and the sweep table show them.
    pub fn label(&self) -> String {
        describe(&self.settings)
    }
}

/// The default number of draws for random and halving.
const DEFAULT_DRAWS: usize = 8;

impl SweepSpec {
    /// Every candidate the sweep trains first (for halving, the first rung at full epochs;
    /// [`rung_epochs`] shortens them). Refused in words when a value makes a spec the trainer
    /// cannot use, or there would be too many.
    pub fn trials(&self, base: &TrainSpec) -> Result<Vec<Trial>, String> {
        let settings = match self.strategy {
            Strategy::Grid => self.grid()?,
            Strategy::Random => self.draws(self.trials.unwrap_or(DEFAULT_DRAWS)),
            Strategy::Halving => {
                let all_lists = self
                    .axes
                    .iter()
                    .all(|(_, axis)| matches!(axis, Axis::Values(_)));
                match self.trials {
                    None if all_lists => self.grid()?,
                    draws => self.draws(draws.unwrap_or(DEFAULT_DRAWS)),
                }
            }
        };
        if settings.is_empty() || settings.len() > MAX_TRIALS {
            return Err(format!(
                "{} trials; a sweep has 1 to {MAX_TRIALS}",
                settings.len()
            ));
        }
        if self.eta < 2 {
            return Err("eta must be 2 or more".into());
        }
        settings
            .into_iter()
            .enumerate()
            .map(|(index, settings)| {
                let mut spec = base.clone();
                for (name, value) in &settings {
                    params::apply(&mut spec, name, value).map_err(|error| error.to_string())?;
                }
                spec.validate().map_err(|error| {
                    format!("trial {} ({}): {error}", index + 1, describe(&settings))
                })?;
                Ok(Trial {
                    number: index + 1,
                    settings,
                    spec,
                })
            })
            .collect()
    }

    fn grid(&self) -> Result<Vec<Vec<(String, ParamValue)>>, String> {
        let mut combinations: Vec<Vec<(String, ParamValue)>> = vec![Vec::new()];
        for (name, axis) in &self.axes {
            let Axis::Values(values) = axis else {
                return Err(format!(
                    "a grid tries listed values; {name} is a range (use strategy = \"random\")"
                ));
            };
            if combinations.len() * values.len() > MAX_TRIALS {
                return Err(format!(
                    "the grid has more than {MAX_TRIALS} combinations; list fewer values or use strategy = \"random\""
                ));
            }
            combinations = combinations
                .into_iter()
                .flat_map(|done| {
                    values.iter().map(move |value| {
                        let mut next = done.clone();
                        next.push((name.clone(), value.clone()));
                        next
                    })
                })
                .collect();
        }
        Ok(combinations)
    }

    fn draws(&self, count: usize) -> Vec<Vec<(String, ParamValue)>> {
        let mut random = Mulberry32::new(self.seed as u32 ^ (self.seed >> 32) as u32);
        (0..count.min(MAX_TRIALS + 1))
            .map(|_| {
                self.axes
                    .iter()
                    .map(|(name, axis)| {
                        let value = match axis {
                            Axis::Values(values) => values[random.next_index(values.len())].clone(),
                            Axis::Range {
                                min,
                                max,
                                log,
                                whole,
                            } => {
                                let at = random.next_f64();
                                let drawn = if *log {
                                    (min.ln() + at * (max.ln() - min.ln())).exp()
                                } else {
                                    min + at * (max - min)
                                };
                                ParamValue::Number(if *whole {
                                    drawn.round()
                                } else {
                                    round_sig(drawn)
                                })
                            }
                        };
                        (name.clone(), value)
                    })
                    .collect()
            })
            .collect()
    }

    /// The metric that picks the best trial for data of `classification` or not.
    pub fn pick_metric(&self, classification: bool) -> String {
        self.pick.clone().unwrap_or_else(|| {
            if classification {
                "val_accuracy"
            } else {
                "val_r2"
            }
            .to_owned()
        })
    }
}

/// Four significant digits: a drawn learning rate reads 0.003162, not 0.0031622776601683794.
fn round_sig(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let scale = 10f64.powi(3 - value.abs().log10().floor() as i32);
    (value * scale).round() / scale
}

fn describe(settings: &[(String, ParamValue)]) -> String {
    settings
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Halving's rungs for `candidates` trials of a recipe of `epochs`: each rung's epochs and how
/// many trials train in it, the last rung at the recipe's own epochs.
pub fn rungs(candidates: usize, epochs: usize, eta: usize) -> Vec<(usize, usize)> {
    let mut count = 0;
    let mut remaining = candidates;
    while remaining > 1 && epochs / eta.pow(count as u32 + 1) >= 1 {
        remaining = remaining.div_ceil(eta);
        count += 1;
    }
    (0..=count)
        .map(|rung| {
            let epochs_here = (epochs / eta.pow((count - rung) as u32)).max(1);
            let trials_here = (0..rung).fold(candidates, |left, _| left.div_ceil(eta));
            (epochs_here, trials_here)
        })
        .collect()
}

/// The best of `scored` (trial index, value of the pick metric) by `metric`; a trial without
/// the metric ranks last.
pub fn ranked(scored: &[(usize, Option<f64>)], metric: &str) -> Vec<usize> {
    let higher = higher_is_better(metric);
    let mut order: Vec<&(usize, Option<f64>)> = scored.iter().collect();
    order.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => {
            let ordering = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
            if higher { ordering.reverse() } else { ordering }
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    order.into_iter().map(|(index, _)| *index).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(strategy: Strategy, axes: Vec<(&str, Axis)>) -> SweepSpec {
        SweepSpec {
            strategy,
            axes: axes.into_iter().map(|(n, a)| (n.to_owned(), a)).collect(),
            trials: None,
            seed: 7,
            pick: None,
            parallel: None,
            eta: 3,
        }
    }

    fn numbers(values: &[f64]) -> Axis {
        Axis::Values(values.iter().map(|v| ParamValue::Number(*v)).collect())
    }

    #[test]
    fn a_grid_tries_every_combination_first_axis_slowest() {
        let grid = sweep(
            Strategy::Grid,
            vec![
                ("learning_rate", numbers(&[0.01, 0.003])),
                (
                    "hidden_layers",
                    Axis::Values(vec![
                        ParamValue::Numbers(vec![16.0]),
                        ParamValue::Numbers(vec![32.0, 16.0]),
                    ]),
                ),
            ],
        );
        let trials = grid.trials(&TrainSpec::default()).unwrap();
        let labels: Vec<String> = trials.iter().map(Trial::label).collect();
        assert_eq!(
            labels,
            [
                "learning_rate=0.01 hidden_layers=[16]",
                "learning_rate=0.01 hidden_layers=[32, 16]",
                "learning_rate=0.003 hidden_layers=[16]",
                "learning_rate=0.003 hidden_layers=[32, 16]",
            ]
        );
        assert_eq!(trials[3].spec.learning_rate, 0.003);
        assert_eq!(trials[3].number, 4);
    }

    #[test]
    fn random_draws_are_seeded_and_stay_in_range() {
        let mut random = sweep(
            Strategy::Random,
            vec![
                (
                    "learning_rate",
                    Axis::Range {
                        min: 0.001,
                        max: 0.1,
                        log: true,
                        whole: false,
                    },
                ),
                (
                    "batch_size",
                    Axis::Range {
                        min: 16.0,
                        max: 128.0,
                        log: false,
                        whole: true,
                    },
                ),
            ],
        );
        random.trials = Some(20);
        let first = random.trials(&TrainSpec::default()).unwrap();
        assert_eq!(
            first,
            random.trials(&TrainSpec::default()).unwrap(),
            "same seed, same trials"
        );
        assert_eq!(first.len(), 20);
        for trial in &first {
            assert!(
                (0.001..=0.1).contains(&trial.spec.learning_rate),
                "{}",
                trial.label()
            );
            assert!((16..=128).contains(&trial.spec.batch_size));
        }
        random.seed = 8;
        assert_ne!(first, random.trials(&TrainSpec::default()).unwrap());
    }

    #[test]
    fn a_sweep_the_trainer_cannot_run_is_refused_in_words() {
        let too_big = sweep(
            Strategy::Grid,
            vec![(
                "seed",
                numbers(&(0..300).map(f64::from).collect::<Vec<_>>()),
            )],
        );
        assert!(
            too_big
                .trials(&TrainSpec::default())
                .unwrap_err()
                .contains("more than 256")
        );
        let bad = sweep(
            Strategy::Grid,
            vec![("learning_rate", numbers(&[0.01, -1.0]))],
        );
        let error = bad.trials(&TrainSpec::default()).unwrap_err();
        assert!(error.starts_with("trial 2 (learning_rate=-1): "), "{error}");
        let ranged = sweep(
            Strategy::Grid,
            vec![(
                "dropout",
                Axis::Range {
                    min: 0.0,
                    max: 0.5,
                    log: false,
                    whole: false,
                },
            )],
        );
        assert!(
            ranged
                .trials(&TrainSpec::default())
                .unwrap_err()
                .contains("use strategy = \"random\"")
        );
    }

    #[test]
    fn halving_rungs_end_at_the_recipes_epochs_and_keep_a_third() {
        assert_eq!(rungs(9, 90, 3), [(10, 9), (30, 3), (90, 1)]);
        assert_eq!(rungs(8, 100, 3), [(11, 8), (33, 3), (100, 1)]);
        assert_eq!(rungs(4, 2, 3), [(2, 4)], "too few epochs to halve");
        assert_eq!(rungs(1, 50, 3), [(50, 1)]);
    }

    #[test]
    fn trials_rank_by_the_pick_metric_in_its_direction() {
        let scored = [(0, Some(0.8)), (1, None), (2, Some(0.9))];
        assert_eq!(ranked(&scored, "val_accuracy"), [2, 0, 1]);
        assert_eq!(ranked(&scored, "val_loss"), [0, 2, 1]);
    }
}
