//! Which steps an earlier run already did: a step's key is the content hash of what it reads
//! (the data version, its own settings, the app version), so the same key means the same
//! result and the earlier artefact is reused. A different app version never reuses anything.

use super::record::{Artefact, PipelineRun, Step, TrialRecord};
use crate::package::sha256_hex;

/// The key of `step` over `parts` (each a data hash, a setting as JSON, ...).
pub fn key(step: &str, parts: &[&str]) -> String {
    let mut text = format!("{}\u{1f}{step}", crate::APP_VERSION);
    for part in parts {
        text.push('\u{1f}');
        text.push_str(part);
    }
    sha256_hex(text.as_bytes())
}

/// The newest earlier run in which `step` succeeded with `key`, and that step's artefact.
pub fn cached<'a>(
    previous: &'a [PipelineRun],
    step: Step,
    key: &str,
) -> Option<(&'a PipelineRun, &'a Artefact)> {
    previous.iter().rev().find_map(|run| {
        let record = run.step(step);
        (record.state.succeeded() && record.cache_key.as_deref() == Some(key))
            .then_some(())
            .and(record.artefact.as_ref().map(|artefact| (run, artefact)))
    })
}

/// Earlier trials with this key that got a run, newest first: a sweep cut off by a reload finds
/// its finished trials here and trains only the rest.
pub fn earlier_trials<'a>(
    previous: &'a [PipelineRun],
    key: &'a str,
) -> impl Iterator<Item = &'a TrialRecord> + 'a {
    previous
        .iter()
        .rev()
        .filter_map(PipelineRun::training)
        .flat_map(|training| training.trials.iter())
        .filter(move |trial| trial.key == key && trial.run_id.is_some())
}
