//! Score a whole file: the scoring is `kindling_core::scoring::batch`'s; this is its view.

use std::rc::Rc;

use kindling_core::scoring::batch::{
    BatchFile, PREVIEW_ROWS, Refusal, Scored, feature_matrix, read_rows, scored, to_csv,
};
use leptos::prelude::*;

use super::loaded::{ModelState, next_ticket};
use crate::components::drop_zone::{DropZone, FilePicker};
use crate::platform::files::{self, PickedFile};
use crate::state::lessons::Lessons;
use crate::state::models::Models;

#[derive(Debug, Clone, PartialEq)]
enum BatchState {
    Idle,
    Working(String),
    Failed(Refusal),
    Done(Box<Scored>),
}

impl BatchState {
    fn failed(heading: String) -> Self {
        BatchState::Failed(Refusal {
            heading,
            problems: Vec::new(),
        })
    }
}

/// Score a whole file: drop or pick a CSV, check it against the model, answer every row in one
/// request, preview the first rows and download them all.
#[component]
pub fn BatchScoring(model: RwSignal<ModelState, LocalStorage>) -> impl IntoView {
    let models = expect_context::<Models>();
    let lessons = expect_context::<Lessons>();
    let file = RwSignal::new_local(None::<Rc<BatchFile>>);
    let state = RwSignal::new(BatchState::Idle);
    let reads = StoredValue::new(0u64);
    let scorings = StoredValue::new(0u64);

    let read = move |picked: PickedFile| {
        let ticket = next_ticket(reads);
        file.set(None);
        state.set(BatchState::Working(format!("Reading {}…", picked.name)));
        leptos::task::spawn_local(async move {
            let table = match picked.bytes().await {
                Ok(bytes) => read_rows(&bytes),
                Err(error) => Err(error),
            };
            if reads.try_get_value() != Some(ticket) {
                return;
            }
            match table {
                Ok(table) => file.set(Some(Rc::new(BatchFile {
                    name: picked.name,
                    table,
                }))),
                Err(error) => state.set(BatchState::failed(format!("{}: {error}", picked.name))),
            }
        });
    };
    // Scores the file against the chosen version; again when either changes.
    Effect::new(move |_| {
        let ticket = next_ticket(scorings);
        let Some(batch) = file.get() else {
            return;
        };
        let loaded = match model.get() {
            Some(Ok(loaded)) => loaded,
            Some(Err(_)) => return state.set(BatchState::Idle),
            None => return state.set(BatchState::Working("Waiting for the model…".into())),
        };
        let (rows, notes) = match feature_matrix(&loaded.version.signature, &batch.table) {
            Ok(found) => found,
            Err(refusal) => return state.set(BatchState::Failed(refusal)),
        };
        state.set(BatchState::Working(format!(
            "Scoring {} rows of {}…",
            batch.table.row_count(),
            batch.name
        )));
        let (key, source) = (loaded.key(), loaded.source());
        leptos::task::spawn_local(async move {
            let answer = models.predict(key, source, rows).await;
            if scorings.try_get_value() != Some(ticket) {
                return;
            }
            let outcome =
                answer.and_then(|predictions| scored(&batch, &loaded.version, &predictions, notes));
            state.set(match outcome {
                Ok(scored) => {
                    lessons.own_predictions.update(|count| *count += 1);
                    BatchState::Done(Box::new(scored))
                }
                Err(error) => BatchState::failed(format!("{}: {error}", batch.name)),
            });
        });
    });

    let download = move |_| {
        let text = state.with_untracked(|state| match state {
            BatchState::Done(scored) => Some(to_csv(scored)),
            _ => None,
        });
        if let Some(text) = text
            && let Err(error) = files::download_text("predictions.csv", &text, "text/csv")
        {
            state.set(BatchState::failed(error));
        }
    };
    let outcome = move || {
        match state.get() {
        BatchState::Idle => None,
        BatchState::Working(text) => Some(view! { <p class="empty batch-working">{text}</p> }.into_any()),
        BatchState::Failed(Refusal { heading, problems }) => Some(view! {
            <div class="error batch-error" role="alert">
                <p>{heading}</p>
                {(!problems.is_empty()).then(|| view! {
                    <ul>{problems.into_iter().map(|problem| view! { <li>{problem}</li> }).collect_view()}</ul>
                })}
            </div>
        }.into_any()),
        BatchState::Done(scored) => {
            let summary = scored
                .summary
                .iter()
                .map(|line| view! { <p>{line.clone()}</p> })
                .collect_view();
            Some(view! {
            <div class="batch-summary" role="status">{summary}</div>
            <p><button type="button" id="batch-download" class="primary" on:click=download>"Download predictions.csv"</button></p>
            <BatchPreview scored=*scored />
        }.into_any())
        }
    }
    };

    view! {
        <div class="predict-panel batch-scoring">
            <h2>"Score a file"</h2>
            <DropZone class="drop-zone batch-drop" on_file=read>
                <p>"Drop a CSV file here, or "
                    <FilePicker on_file=read id="batch-file" accept=".csv,.tsv,.txt,text/csv" />
                </p>
                <p class="hint">
                    "It needs a header row naming the model's feature columns; other columns are kept. \
                     You get them back with the predictions beside them."
                </p>
            </DropZone>
            {outcome}
        </div>
    }
}

/// The first rows with their answers in front.
#[component]
fn BatchPreview(scored: Scored) -> impl IntoView {
    let Scored {
        header,
        rows,
        original_columns,
        preview,
        ..
    } = scored;
    let (originals, added) = header.split_at(original_columns);
    let head = added
        .iter()
        .map(|name| (name, true))
        .chain(originals.iter().map(|name| (name, false)))
        .map(|(name, predicted)| view! { <th class:predicted=predicted>{name.clone()}</th> })
        .collect_view();
    let body = rows
        .iter()
        .zip(&preview)
        .map(|(row, shown)| {
            let cells = shown
                .iter()
                .map(|cell| (cell, true))
                .chain(row[..original_columns].iter().map(|cell| (cell, false)))
                .map(
                    |(cell, predicted)| view! { <td class:predicted=predicted>{cell.clone()}</td> },
                )
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    let total = rows.len();
    view! {
        <h3>{if total > PREVIEW_ROWS { format!("The first {PREVIEW_ROWS} of {total} rows") } else { "Every row".to_owned() }}</h3>
        <div class="table-wrap">
            <table class="batch-preview">
                <thead><tr>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}
