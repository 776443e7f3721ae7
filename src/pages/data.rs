//! The Data page: choose a bundled, synthetic or uploaded dataset and see what is in it (a
//! preview, per-column statistics, class balance and the version id) before training on it.

use kindling_core::choice::Choice;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::data::csv::{ColumnKind, ImportOptions, MissingPolicy};
use kindling_core::data::prepare::dataset_id;
use kindling_core::data::synthetic::{Generator, SyntheticSpec};
use kindling_core::data::{ColumnSummary, Dataset, Target, Task};
use kindling_core::protocol::CsvPreview;
use kindling_core::tracking::StoredDataset;
use leptos::prelude::*;

use crate::components::drop_zone::{DropZone, FilePicker};
use crate::components::fields::SelectField;
use crate::components::lesson_text::Term;
use crate::components::scatter_plot::{ScatterPlot, ScatterPoint};
use crate::components::select::SelectOption;
use crate::components::why_note::WhyNote;
use crate::platform::files::PickedFile;
use crate::state::data::{DataChoice, Source, imported_key};
use crate::state::models::Models;
use crate::state::pipelines::Pipelines;
use crate::state::registry::Registry;
use crate::state::workbench::Workbench;

/// Rows shown in the preview tables.
const PREVIEW_ROWS: usize = 8;
/// Columns shown before "and N more" (the digits have 64).
const PREVIEW_COLUMNS: usize = 12;

#[component]
pub fn DataPage() -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let registry = expect_context::<Registry>();
    let choice = expect_context::<DataChoice>();
    // The last delete: what was removed (for Undo), or why it was refused.
    let removed = RwSignal::new(None::<Result<(String, StoredDataset), String>>);
    let delete = move |id: String| {
        leptos::task::spawn_local(async move {
            let versions = registry.versions.get_untracked();
            removed.set(Some(match workbench.delete_dataset(&id, &versions).await {
                Ok(dataset) => {
                    if choice.key.get_untracked() == imported_key(&id) {
                        choice
                            .key
                            .set(SyntheticSpec::default().kind.generator().key().into());
                    }
                    Ok((format!("Deleted {}.", dataset.entry.name), dataset))
                }
                Err(error) => Err(error),
            }));
        });
    };
    let undo = move |dataset: StoredDataset| {
        leptos::task::spawn_local(async move {
            removed.set(match workbench.restore_dataset(dataset).await {
                Ok(()) => None,
                Err(error) => Some(Err(error.to_string())),
            });
        });
    };
    let loaded = LocalResource::new(move || {
        // Every field the data depends on, so the preview follows the typing.
        choice.key.track();
        choice.sample_count.track();
        choice.noise.track();
        choice.seed.track();
        choice.blob_classes.track();
        // An uploaded dataset can be read once the store has opened.
        workbench.status.track();
        async move { choice.load_in_chunk(workbench).await.map(|(_, data)| data) }
    });
    let source = Memo::new(move |_| choice.source());

    view! {
        <section class="page data">
            <h1>"Data"</h1>
            <WhyNote>"A model is only as good as its data. Each dataset is kept with its "<Term key="data-hash">"data hash"</Term>", so a run says exactly which rows it saw, and a new upload of the same name is a new version you can compare."</WhyNote>
            <div class="data-layout">
                <div class="data-sources">
                    <fieldset>
                        <legend>"Synthetic"</legend>
                        <ul class="choices">
                            {Generator::all().map(|generator| view! {
                                <DataChoiceItem key=generator.key()>{generator.title()}</DataChoiceItem>
                            }).collect_view()}
                        </ul>
                    </fieldset>
                    <fieldset>
                        <legend>"Real datasets"</legend>
                        <ul class="choices">
                            {BundledDataset::all().map(|bundled| view! {
                                <DataChoiceItem key=bundled.key()>{bundled.title()}</DataChoiceItem>
                            }).collect_view()}
                        </ul>
                    </fieldset>
                    <fieldset>
                        <legend>"Your datasets"</legend>
                        <ul class="choices">
                            {move || workbench.datasets.get().into_iter().map(|entry| {
                                let (id, name) = (entry.id.clone(), entry.name.clone());
                                view! {
                                    <DataChoiceItem key=imported_key(&entry.id)>
                                        {name} <small>{format!(" ({} rows)", entry.rows)}</small>
                                    </DataChoiceItem>
                                    <button type="button" class="link delete-dataset" data-dataset=entry.name
                                        on:click=move |_| delete(id.clone())>"Delete"</button>
                                }
                            }).collect_view()}
                        </ul>
                        {move || removed.get().map(|notice| match notice {
                            Ok((text, dataset)) => {
                                let dataset = StoredValue::new(dataset);
                                view! {
                                    <p class="notice dataset-notice" role="status">{text} " "
                                        <button type="button" class="link undo" on:click=move |_| undo(dataset.get_value())>"Undo"</button>
                                    </p>
                                }.into_any()
                            }
                            Err(text) => view! { <p class="error dataset-notice" role="alert">{text}</p> }.into_any(),
                        })}
                        <CsvUpload />
                    </fieldset>
                </div>
                <div class="data-view">
                    <Show when=move || matches!(source.get(), Ok(Source::Synthetic(_)))>
                        <SyntheticControls choice />
                    </Show>
                    {move || match source.get() {
                        Ok(Source::Bundled(bundled)) => Some(view! {
                            <p class="dataset-about">{bundled.description()}</p>
                            <p class="dataset-credit"><small>"Source: " {bundled.credit()}</small></p>
                        }),
                        _ => None,
                    }}
                    {move || match loaded.get() {
                        None => view! { <p class="empty">"Loading…"</p> }.into_any(),
                        Some(Err(error)) => view! { <p class="error" role="alert">{error}</p> }.into_any(),
                        Some(Ok(data)) => view! { <DatasetSummary data /> }.into_any(),
                    }}
                    <p><a href="/" class="button primary">"Train on this data"</a></p>
                </div>
            </div>
        </section>
    }
}

/// One dataset in the list of choices: a radio button bound to the shared choice.
#[component]
fn DataChoiceItem(#[prop(into)] key: String, children: Children) -> impl IntoView {
    let choice = expect_context::<DataChoice>();
    let checked_key = key.clone();
    view! {
        <li><label>
            <input type="radio" name="data-choice" value=key.clone()
                prop:checked=move || choice.key.with(|chosen| *chosen == checked_key)
                on:change=move |_| choice.key.set(key.clone()) />
            " " {children()}
        </label></li>
    }
}

#[component]
fn SyntheticControls(choice: DataChoice) -> impl IntoView {
    let field = |label: &'static str, name: &'static str, value: RwSignal<String>| {
        let id = format!("field-data-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input type="text" id=id name=name inputmode="decimal" autocomplete="off"
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </div>
        }
    };
    view! {
        <div class="synthetic-controls">
            {field("Points", "data-points", choice.sample_count)}
            {field("Noise", "data-noise", choice.noise)}
            {field("Data seed", "data-seed", choice.seed)}
            <Show when=move || choice.key.get() == "blobs">
                {field("Classes", "data-classes", choice.blob_classes)}
            </Show>
        </div>
    }
}

#[component]
fn DatasetSummary(data: Dataset) -> impl IntoView {
    let id = dataset_id(&data);
    let task = match data.task() {
        Task::Classification => format!("classification into {} classes", data.class_count()),
        Task::Regression => "regression (predicts a number)".to_owned(),
    };
    let stats = data.feature_stats();
    let hidden_columns = stats.len().saturating_sub(PREVIEW_COLUMNS);
    let stats_rows = stats
        .iter()
        .take(PREVIEW_COLUMNS)
        .map(|s| {
            let cells = match &s.summary {
                ColumnSummary::Numeric {
                    min,
                    max,
                    mean,
                    std,
                } => view! {
                    <td>"number"</td>
                    <td>{format!("{min:.3}")}</td>
                    <td>{format!("{max:.3}")}</td>
                    <td>{format!("{mean:.3}")}</td>
                    <td>{format!("{std:.3}")}</td>
                }
                .into_any(),
                ColumnSummary::Categorical { counts } => {
                    let listed: Vec<String> = counts
                        .iter()
                        .map(|(category, count)| format!("{category} ({count})"))
                        .collect();
                    view! {
                        <td>"category"</td>
                        <td colspan="4" class="categories">{listed.join(", ")}</td>
                    }
                    .into_any()
                }
            };
            view! {
                <tr>
                    <th scope="row">{s.name.clone()}</th>
                    {cells}
                    <td class="number">{s.missing}</td>
                </tr>
            }
        })
        .collect_view();
    let balance = match &data.target {
        Target::Classes { class_names, .. } => {
            let counts = data.class_counts();
            let largest = counts.iter().copied().max().unwrap_or(1).max(1);
            let bars = class_names
                .iter()
                .zip(&counts)
                .map(|(name, &count)| {
                    let width = format!("width: {:.1}%", count as f64 / largest as f64 * 100.0);
                    view! {
                        <li>
                            <span class="class-name">{name.clone()}</span>
                            <span class="bar"><span class="bar-fill" style=width></span></span>
                            <span class="class-count">{count}</span>
                        </li>
                    }
                })
                .collect_view();
            Some(view! {
                <h2>"Class balance"</h2>
                <ul class="class-balance">{bars}</ul>
            })
        }
        Target::Values { .. } => None,
    };
    let plot = scatter_points(&data).map(|(points, x_label, y_label)| {
        view! {
            <ScatterPlot points=Signal::derive(move || points.clone()) x_label y_label />
        }
    });
    view! {
        <div class="dataset-summary">
            <h2>{data.name.clone()}</h2>
            <p class="dataset-facts">
                {format!("{} rows · {} features · {task} · target \"{}\"",
                    data.row_count(), data.feature_count(), data.target.name())}
            </p>
            <p class="dataset-version">"Version id " <code class="dataset-id" title="sha256 of the rows">{id}</code></p>
            {plot}
            {balance}
            <h2>"Columns"</h2>
            <table class="column-stats">
                <thead><tr><th>"Feature"</th><th>"Type"</th><th>"Min"</th><th>"Max"</th><th>"Mean"</th><th>"Std"</th><th>"Gaps"</th></tr></thead>
                <tbody>{stats_rows}</tbody>
            </table>
            {(hidden_columns > 0).then(|| view! { <p class="more">{format!("and {hidden_columns} more features")}</p> })}
            <h2>"Preview"</h2>
            <DataPreview data />
        </div>
    }
}

/// The first two features coloured by class, or the one feature against the target (the plot
/// thins them).
fn scatter_points(data: &Dataset) -> Option<(Vec<ScatterPoint>, String, String)> {
    if data.has_categories() {
        return None;
    }
    let rows = 0..data.row_count();
    match (&data.target, data.feature_count()) {
        (Target::Classes { labels, .. }, 2) => Some((
            rows.map(|row| ScatterPoint {
                x: f64::from(data.row(row)[0]),
                y: f64::from(data.row(row)[1]),
                class: labels[row] as usize,
            })
            .collect(),
            data.feature_names[0].clone(),
            data.feature_names[1].clone(),
        )),
        (Target::Values { name, values }, 1) => Some((
            rows.map(|row| ScatterPoint {
                x: f64::from(data.row(row)[0]),
                y: f64::from(values[row]),
                class: 0,
            })
            .collect(),
            data.feature_names[0].clone(),
            name.clone(),
        )),
        _ => None,
    }
}

#[component]
fn DataPreview(data: Dataset) -> impl IntoView {
    let columns = data.feature_count().min(PREVIEW_COLUMNS);
    let target_cell = |row: usize| match &data.target {
        Target::Classes {
            labels,
            class_names,
            ..
        } => class_names[labels[row] as usize].clone(),
        Target::Values { values, .. } => format!("{:.3}", values[row]),
    };
    let rows = (0..data.row_count().min(PREVIEW_ROWS))
        .map(|row| {
            let cells = (0..columns)
                .map(|column| {
                    let value = data.row(row)[column];
                    let text = match data.category(row, column) {
                        Some(category) => category.to_owned(),
                        None if value.is_nan() => String::new(),
                        None => format!("{value}"),
                    };
                    view! { <td>{text}</td> }
                })
                .collect_view();
            view! { <tr>{cells}<td class="target">{target_cell(row)}</td></tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="preview">
                <thead><tr>
                    {data.feature_names[..columns].iter().map(|name| view! { <th>{name.clone()}</th> }).collect_view()}
                    <th class="target">{data.target.name().to_owned()}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A file read by the worker, waiting for the person's choices.
#[derive(Clone)]
struct PendingImport {
    file_name: String,
    preview: CsvPreview,
}

/// Upload: drop or pick a CSV, check its columns, choose the target, task and missing-value
/// policy, then import. Every error is shown next to the file, and nothing is stored unless the
/// import succeeds. The file is read and turned into a dataset in the worker, so a large one
/// never freezes the page; meanwhile the page says what it is doing.
#[component]
fn CsvUpload() -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let pipelines = expect_context::<Pipelines>();
    let choice = expect_context::<DataChoice>();
    let pending = RwSignal::new_local(None::<PendingImport>);
    let error = RwSignal::new(None::<String>);
    let imported = RwSignal::new(None::<String>);
    let target = RwSignal::new(String::new());
    let task = RwSignal::new("auto".to_owned());
    let missing = RwSignal::new(MissingPolicy::DropRows.key().to_owned());
    let models = expect_context::<Models>();
    let working = RwSignal::new(None::<String>);

    let read = move |file: PickedFile| {
        error.set(None);
        imported.set(None);
        pending.set(None);
        working.set(Some(format!("Reading {}…", file.name)));
        leptos::task::spawn_local(async move {
            let parsed = match file.object_url() {
                Ok(url) => models.read_csv(url.as_str().to_owned()).await,
                Err(error) => Err(error),
            };
            working.set(None);
            match parsed {
                Ok(preview) => {
                    target.set(
                        preview
                            .columns
                            .last()
                            .map(|column| column.name.clone())
                            .unwrap_or_default(),
                    );
                    task.set(AUTOMATIC.into());
                    pending.set(Some(PendingImport {
                        file_name: file.name.clone(),
                        preview,
                    }));
                }
                Err(message) => error.set(Some(format!("{}: {message}", file.name))),
            }
        });
    };
    let on_import = move |_| {
        let Some(upload) = pending.get_untracked() else {
            return;
        };
        if working.get_untracked().is_some() {
            return;
        }
        let chosen = (|| {
            Ok::<_, String>(ImportOptions {
                target: Some(target.get_untracked()),
                task: match task.get_untracked().as_str() {
                    AUTOMATIC => None,
                    key => Some(Task::from_key(key).map_err(|e| e.to_string())?),
                },
                missing: MissingPolicy::from_key(&missing.get_untracked())
                    .map_err(|e| e.to_string())?,
                image_shape: None,
            })
        })();
        let options = match chosen {
            Ok(options) => options,
            Err(problem) => return error.set(Some(problem)),
        };
        let name = upload
            .file_name
            .trim_end_matches(".csv")
            .trim_end_matches(".CSV")
            .to_owned();
        error.set(None);
        working.set(Some(format!("Importing {}…", upload.file_name)));
        leptos::task::spawn_local(async move {
            let (dataset, dropped_rows, ignored_columns) =
                match models.import_csv(name, options).await {
                    Ok(import) => import,
                    Err(message) => {
                        working.set(None);
                        return error.set(Some(format!("{}: {message}", upload.file_name)));
                    }
                };
            let rows = dataset.row_count();
            let saved = workbench.save_dataset(dataset).await;
            working.set(None);
            match saved {
                Ok(entry) => {
                    let mut text = format!("Imported {} ({rows} rows).", entry.name);
                    match dropped_rows {
                        0 => {}
                        1 => text.push_str(" 1 row with a missing value was left out."),
                        dropped => text.push_str(&format!(
                            " {dropped} rows with missing values were left out."
                        )),
                    }
                    if !ignored_columns.is_empty() {
                        text.push_str(&format!(
                            " Not used as features: {}.",
                            ignored_columns.join(", ")
                        ));
                    }
                    if let Some(pipeline) = pipelines.new_data(&entry) {
                        text.push_str(&format!(
                            " Pipeline \"{pipeline}\" is running on this new version."
                        ));
                    }
                    imported.set(Some(text));
                    pending.set(None);
                    choice.key.set(imported_key(&entry.id));
                }
                Err(failure) => error.set(Some(failure.to_string())),
            }
        });
    };

    view! {
        <DropZone class="csv-upload" on_file=read>
            <p>"Drop a CSV file here, or "
                <FilePicker on_file=read name="csv-file" class="link" accept=".csv,.tsv,.txt,text/csv" />
                <small>" (stays on this device)"</small>
            </p>
            {move || working.get().map(|message| view! { <p class="notice upload-working" role="status" aria-busy="true">{message}</p> })}
            {move || error.get().map(|message| view! { <p class="error upload-error" role="alert">{message}</p> })}
            {move || imported.get().map(|message| view! { <p class="notice upload-done" role="status">{message}</p> })}
            {move || pending.get().map(|upload| {
                let columns = upload.preview.columns.clone();
                let suggestions: Vec<(String, &'static str)> = columns
                    .iter()
                    .zip(&upload.preview.suggested_tasks)
                    .map(|(column, task)| {
                        let label = match task {
                            Some(Task::Classification) => "Automatic: classification",
                            Some(Task::Regression) => "Automatic: regression",
                            None => "Automatic",
                        };
                        (column.name.clone(), label)
                    })
                    .collect();
                view! {
                    <div class="import-options">
                        <p class="file-name">{upload.file_name.clone()} {format!(" · {} rows", upload.preview.row_count)}</p>
                        <table class="column-profile">
                            <thead><tr><th>"Column"</th><th>"Type"</th><th>"Missing"</th><th>"Distinct"</th></tr></thead>
                            <tbody>
                                {columns.iter().map(|column| view! {
                                    <tr>
                                        <th scope="row">{column.name.clone()}</th>
                                        <td>{kind_label(column.kind)}</td>
                                        <td>{column.missing}</td>
                                        <td>{column.distinct}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <SelectField label="Target column" name="target" value=target>
                            {columns.iter().map(|column| { let label = column.name.clone(); view! { <SelectOption chosen=target value=column.name.clone()>{label}</SelectOption> } }).collect_view()}
                        </SelectField>
                        <SelectField label="Task" name="task" value=task>
                            <SelectOption chosen=task value=AUTOMATIC>{move || {
                                let chosen = target.get();
                                suggestions
                                    .iter()
                                    .find(|(name, _)| *name == chosen)
                                    .map_or("Automatic", |(_, label)| label)
                            }}</SelectOption>
                            <SelectOption chosen=task value=Task::Classification.key()>"Classification"</SelectOption>
                            <SelectOption chosen=task value=Task::Regression.key()>"Regression"</SelectOption>
                        </SelectField>
                        <SelectField label="Missing values" name="missing" value=missing>
                            <SelectOption chosen=missing value=MissingPolicy::DropRows.key()>"Leave out rows with a gap"</SelectOption>
                            <SelectOption chosen=missing value=MissingPolicy::Impute.key()>"Fill with the mean / most common value"</SelectOption>
                        </SelectField>
                        <button type="button" class="primary import" on:click=on_import disabled=move || working.get().is_some()>"Import"</button>
                    </div>
                }
            })}
        </DropZone>
    }
}

/// The task select's value for "let the import decide".
const AUTOMATIC: &str = "auto";

fn kind_label(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Numeric => "number",
        ColumnKind::Categorical => "category",
        ColumnKind::Constant => "constant (not used)",
        ColumnKind::Identifier => "identifier (not used)",
        ColumnKind::Empty => "empty (not used)",
    }
}
