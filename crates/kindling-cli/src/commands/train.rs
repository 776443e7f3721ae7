//! `kindling train RECIPE`: a run repeated from its recipe. The data must be the very rows the
//! recipe names (their content hash is checked, so a changed file is refused rather than
//! silently trained on); the same recipe on the same rows and backend trains bit for bit the
//! same, so every metric should match, and the table says where one does not.

use kindling_core::ids::short_id;
use kindling_core::tracking::recipe::MAX_RECIPE_BYTES;
use kindling_core::tracking::{Recipe, RunRecord, RunState};
use serde_json::json;

use crate::args::TrainArgs;
use crate::clock::{new_id, now_ms};
use crate::data;
use crate::error::CliError;
use crate::files::read_text;
use crate::output::{Output, seconds};
use crate::training;

pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    let out = Output { json: args.json };
    let text = read_text(&args.recipe, MAX_RECIPE_BYTES, "a recipe file")?;
    let recipe = Recipe::parse(&text)
        .map_err(|error| CliError::Input(format!("{}: {error}", args.recipe.display())))?;
    let data = data::for_recipe(&recipe, args.data.as_deref())?;
    out.note(format!(
        "training {} again on {} (data version {}, {} rows)…",
        recipe.run_name,
        recipe.dataset.name,
        short_id(&recipe.dataset.id),
        data.row_count()
    ));
    let trained = training::train(&recipe.spec, &data);
    let mut run = RunRecord::new(
        new_id("run"),
        recipe.run_name.clone(),
        recipe.spec.clone(),
        &data,
        now_ms(),
    );
    trained.record_into(&mut run, now_ms());
    if let RunState::Failed { reason } = &run.state {
        return Err(CliError::Refused(format!(
            "{}: the run failed: {reason}",
            args.recipe.display()
        )));
    }
    let compared = recipe.compare(&run.metrics);
    let differing = compared
        .iter()
        .filter(|metric| !metric.is_identical())
        .count();
    out.json(&json!({
        "recipe": args.recipe.display().to_string(),
        "run_id": recipe.run_id,
        "run_name": recipe.run_name,
        "dataset_id": recipe.dataset.id,
        "state": run.state.label(),
        "duration_ms": trained.duration_ms,
        "identical": differing == 0,
        "metrics": compared.iter().map(|metric| json!({
            "name": metric.name,
            "recipe": metric.recipe,
            "this_run": metric.repeat,
            "difference": metric.recipe.zip(metric.repeat).map(|(was, now)| now - was),
        })).collect::<Vec<_>>(),
    }));
    out.line(format!(
        "{} {} in {}",
        recipe.run_name,
        run.state.label(),
        seconds(trained.duration_ms)
    ));
    out.line(format!(
        "{:<16} {:>14} {:>14} {:>12}",
        "metric", "recipe", "this run", "difference"
    ));
    let shown =
        |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |value| format!("{value:.6}"));
    for metric in &compared {
        let difference = match metric.recipe.zip(metric.repeat) {
            None => "–".to_owned(),
            Some(_) if metric.is_identical() => "0".to_owned(),
            Some((was, now)) => format!("{:+.2e}", now - was),
        };
        out.line(format!(
            "{:<16} {:>14} {:>14} {difference:>12}",
            metric.name,
            shown(metric.recipe),
            shown(metric.repeat)
        ));
    }
    out.line(match differing {
        0 => "every metric is the recipe's".to_owned(),
        1 => "1 metric differs from the recipe's".to_owned(),
        count => format!("{count} metrics differ from the recipe's"),
    });
    Ok(())
}
