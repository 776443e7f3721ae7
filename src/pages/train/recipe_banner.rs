//! The Train page's note about the recipe link it was opened with: whose settings the form
//! holds, the CSV file it waits for, and, once a run on exactly those settings and rows has
//! finished, whether it reproduced the recipe's metrics to the last bit.

use kindling_core::APP_VERSION;
use kindling_core::tracking::RunState;
use kindling_core::tracking::recipe_link::MetricComparison;
use leptos::prelude::*;

use crate::components::drop_zone::FilePicker;
use crate::format::format_metric;
use crate::platform::files::PickedFile;
use crate::state::data::DataChoice;
use crate::state::models::Models;
use crate::state::recipe_link::RecipeLinks;
use crate::state::training::Training;
use crate::state::workbench::Workbench;

#[component]
pub fn RecipeBanner() -> impl IntoView {
    let links = expect_context::<RecipeLinks>();
    let workbench = expect_context::<Workbench>();
    let training = expect_context::<Training>();
    let choice = expect_context::<DataChoice>();
    let models = expect_context::<Models>();
    // A CSV stored in this browser is chosen once the stored datasets have loaded.
    Effect::new(move |_| {
        workbench.datasets.track();
        links.opened.track();
        links.choose_data(choice, workbench);
    });
    let on_file = move |file: PickedFile| {
        leptos::task::spawn_local(async move {
            match file.object_url() {
                Ok(url) => {
                    links
                        .supply_csv(
                            file.name.clone(),
                            url.as_str().to_owned(),
                            models,
                            workbench,
                            choice,
                        )
                        .await
                }
                Err(error) => links.error.set(Some(error)),
            }
        });
    };
    // The last run of this tab, compared with the recipe if it is a repeat of it.
    let comparison = Memo::new(move |_| {
        let opened = links.opened.get()?;
        let run_id = training
            .run
            .with(|run| run.as_ref().map(|run| run.run_id.clone()))?;
        workbench.runs.with(|runs| {
            let run = runs.iter().find(|run| run.id == run_id)?;
            let repeat = matches!(run.state, RunState::Finished { .. })
                && run.spec == opened.recipe.spec
                && run.dataset.id == opened.recipe.dataset.id;
            repeat.then(|| opened.recipe.compare(&run.metrics))
        })
    });

    move || {
        let error = links.error.get();
        let opened = links.opened.get();
        if opened.is_none() && error.is_none() {
            return None;
        }
        let about = opened.map(|opened| {
            let recipe = opened.recipe;
            let short_id = kindling_core::ids::short_id(&recipe.dataset.id).to_owned();
            let expected = recipe
                .metrics
                .iter()
                .filter(|(name, _)| name.starts_with("test_"))
                .map(|(name, value)| format!("{name} {}", format_metric(*value)))
                .collect::<Vec<_>>()
                .join(", ");
            let wanted_file = (!opened.data_ready).then(|| {
                view! {
                    <p class="recipe-wants-file">
                        "It was trained on " <strong>{recipe.dataset.name.clone()}</strong>
                        {format!(", a CSV file ({} rows) this browser does not have. ", recipe.dataset.rows)}
                        "Choose that file: "
                        <FilePicker on_file name="recipe-csv" class="button" accept=".csv,.tsv,.txt,text/csv" />
                        " Any other file is refused."
                    </p>
                    {move || links.checking.get().map(|name| view! {
                        <p class="notice" role="status" aria-busy="true">{format!("Checking {name}…")}</p>
                    })}
                }
            });
            let other_version = (recipe.app_version != APP_VERSION).then(|| {
                view! {
                    <p class="hint">
                        {format!(
                            "The run was trained by Kindling {}; this is {APP_VERSION}, which may train differently.",
                            recipe.app_version
                        )}
                    </p>
                }
            });
            view! {
                <p>
                    "The form holds the settings of run " <strong>{recipe.run_name.clone()}</strong>
                    " on " {recipe.dataset.name.clone()} " (data version " <code>{short_id}</code>
                    {format!(", seed {}). Train to reproduce its metrics: {expected}.", recipe.spec.seed)}
                </p>
                {other_version}
                {wanted_file}
            }
        });
        Some(view! {
            <section class="recipe-banner" aria-label="Recipe link">
                <h2>"From a recipe link"</h2>
                {about}
                {error.map(|error| view! { <p class="error" role="alert">{error}</p> })}
                {move || comparison.get().map(|compared| view! { <Reproduction compared /> })}
                <button type="button" class="link" on:click=move |_| links.close()>"Close"</button>
            </section>
        })
    }
}

/// A repeat's metrics against the recipe's: one line when every one is identical, the ones
/// that differ otherwise.
#[component]
fn Reproduction(compared: Vec<MetricComparison>) -> impl IntoView {
    let count = compared.len();
    let differing: Vec<MetricComparison> = compared
        .into_iter()
        .filter(|metric| !metric.is_identical())
        .collect();
    if differing.is_empty() {
        return view! {
            <p class="recipe-reproduced" role="status">
                {format!("Reproduced bit for bit: all {count} metrics equal the recipe's.")}
            </p>
        }
        .into_any();
    }
    // Every digit: a difference in the last bit must show.
    let shown =
        |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |value| value.to_string());
    let rows = differing
        .iter()
        .map(|metric| {
            view! {
                <tr>
                    <th scope="row">{metric.name.clone()}</th>
                    <td>{shown(metric.recipe)}</td>
                    <td>{shown(metric.repeat)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="recipe-differs" role="status">
            {format!("{} of {count} metrics differ from the recipe's:", differing.len())}
        </p>
        <table class="recipe-differences">
            <thead><tr><th scope="col">"Metric"</th><th scope="col">"Recipe"</th><th scope="col">"This run"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
