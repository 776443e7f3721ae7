//! Checks that a model is what its record says, each of which fails for a model that is not:
//!
//! - **reproducible**: retraining the recipe on the same data for its first few steps gives
//!   the same weights, bit for bit, as the run had after those steps (a fingerprint the run
//!   keeps). A model whose recipe, data or seed was changed, or a build that trains
//!   differently, fails. A run made before the fingerprint was kept is retrained twice and the
//!   two compared instead, which shows at least that the recipe is deterministic here.
//! - **scores as claimed**: the stored weights, scored on the recipe's own test split, give
//!   the test metrics the run (or an uploaded package) claims.
//!
//! Both need the data the recipe names; without it they fail as "not verified", so a version
//! nobody could check takes an alias only with a written override.

use kindling_core::data::Task;
use kindling_core::evaluation::Report;
use kindling_core::protocol::Evidence;
use kindling_core::registry::gates::{CheckKind, CheckResult};
use kindling_core::tracking::{RunOutcome, RunRecord, WeightsFingerprint};

use crate::trained::{FINGERPRINT_STEPS, TrainedModel};
use crate::trainer::Trainer;

/// A metric may differ by this much, relative, and still be the one claimed: the same weights
/// on the same backend score exactly alike; this only absorbs a printed-and-read-back value.
const METRIC_TOLERANCE: f64 = 1e-9;

pub const REPRODUCIBLE: &str = "retraining reproduces the run's first steps";
pub use kindling_core::registry::gates::SCORES_AS_CLAIMED;

fn check(name: &str, passed: bool, detail: String) -> CheckResult {
    CheckResult {
        kind: CheckKind::Automatic,
        name: name.to_owned(),
        passed,
        value: None,
        threshold: None,
        detail,
    }
}

/// Both checks, or both "not verified" when there is no evidence to check against.
pub fn checks(model: &TrainedModel, evidence: Option<&Evidence>) -> Vec<CheckResult> {
    let Some(evidence) = evidence else {
        let detail = "not verified: the dataset the recipe names is not in this browser or could \
                      not be read (uploaded data is found by its content hash)"
            .to_owned();
        return vec![
            check(REPRODUCIBLE, false, detail.clone()),
            check(SCORES_AS_CLAIMED, false, detail),
        ];
    };
    vec![reproducible(evidence), scores_as_claimed(model, evidence)]
}

fn retrain(evidence: &Evidence, steps: u64) -> Result<WeightsFingerprint, String> {
    let mut trainer =
        Trainer::new(&evidence.recipe, &evidence.data).map_err(|error| error.to_string())?;
    trainer
        .train_steps(steps)
        .map_err(|error| error.to_string())?;
    Ok(trainer.weights_fingerprint())
}

fn reproducible(evidence: &Evidence) -> CheckResult {
    let outcome = match &evidence.early_weights {
        Some(kept) => retrain(evidence, kept.steps).map(|again| {
            if again == *kept {
                (
                    true,
                    format!(
                        "{} steps retrained give the run's weights bit for bit",
                        kept.steps
                    ),
                )
            } else {
                (
                    false,
                    format!(
                        "{} steps retrained give other weights than the run had: the recipe, \
                         the data or the build differs from the one that trained it",
                        kept.steps
                    ),
                )
            }
        }),
        None => retrain(evidence, FINGERPRINT_STEPS).and_then(|first| {
            let second = retrain(evidence, FINGERPRINT_STEPS)?;
            Ok(if first == second {
                (
                    true,
                    "two retrainings agree bit for bit (this run is older than the fingerprint \
                     of its first steps, so it is not compared with them)"
                        .to_owned(),
                )
            } else {
                (false, "two retrainings of the recipe disagree".to_owned())
            })
        }),
    };
    match outcome {
        Ok((passed, detail)) => check(REPRODUCIBLE, passed, detail),
        Err(error) => check(
            REPRODUCIBLE,
            false,
            format!("the recipe cannot be retrained: {error}"),
        ),
    }
}

fn scores_as_claimed(model: &TrainedModel, evidence: &Evidence) -> CheckResult {
    let split = evidence.recipe.split.split(&evidence.data);
    if split.test.is_empty() {
        return check(
            SCORES_AS_CLAIMED,
            false,
            "not verified: the recipe keeps no test rows".into(),
        );
    }
    let report = model.evaluate(&evidence.data.select_rows(&split.test));
    // The names a run records its test scores under, from the same report.
    let mut scored = RunRecord::new(
        String::new(),
        String::new(),
        evidence.recipe.clone(),
        &evidence.data,
        0.0,
    );
    let evaluation = kindling_core::evaluation::Evaluation {
        best_epoch: 0,
        validation: None,
        test: Some(report.clone()),
    };
    scored.finish(RunOutcome::Completed, &evaluation, 0.0);
    let mut compared = 0;
    for (name, claimed) in evidence
        .claimed_metrics
        .iter()
        .filter(|(name, _)| name.starts_with("test_"))
    {
        let Some(&measured) = scored.metrics.get(name) else {
            continue;
        };
        compared += 1;
        let close = (measured - claimed).abs() <= METRIC_TOLERANCE * claimed.abs().max(1.0);
        if !close {
            return check(
                SCORES_AS_CLAIMED,
                false,
                format!(
                    "{name} is {measured:.6} on the recipe's test rows, not the {claimed:.6} claimed"
                ),
            );
        }
    }
    let headline = match (&report, model.signature().task()) {
        (Report::Classification(report), Task::Classification) => {
            format!("test accuracy {:.4}", report.accuracy)
        }
        (Report::Regression(report), _) => format!("test RMSE {:.4}", report.rmse),
        _ => String::new(),
    };
    if compared == 0 {
        return check(
            SCORES_AS_CLAIMED,
            false,
            "not verified: no test score is claimed to compare with".into(),
        );
    }
    check(
        SCORES_AS_CLAIMED,
        true,
        format!(
            "{compared} test scores measured again on {} test rows match ({headline})",
            split.test.len()
        ),
    )
}
