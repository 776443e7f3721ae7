//! The Train page: settings on the left, the run's live progress on the right.

mod fields;
mod recipe_banner;
mod run_view;

use kindling_core::choice::Choice;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::data::synthetic::Generator;
use kindling_core::session::RunStatus;
use kindling_core::spec::TrainSpec;
use kindling_core::tracking::{Recipe, experiments};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};

use crate::components::deferred::Deferred;
use crate::components::fields::{SelectField, TextField};
use crate::components::lesson_text::Term;
use crate::components::select::SelectOption;
use crate::components::why_note::WhyNote;
use crate::platform;
use crate::state::data::{DataChoice, Source, imported_key};
use crate::state::recipe_link::RecipeLinks;
use crate::state::train_form::TrainForm;
use crate::state::training::Training;
use crate::state::workbench::Workbench;
use fields::{ModelFields, TrainingFields};
use recipe_banner::RecipeBanner;
use run_view::{ChartMetric, LazyRunView};

#[component]
pub fn TrainPage() -> impl IntoView {
    let training = expect_context::<Training>();
    let workbench = expect_context::<Workbench>();
    let choice = expect_context::<DataChoice>();
    let form = expect_context::<TrainForm>();
    if form.run_name.get_untracked().is_empty() {
        form.run_name.set(training.suggest_name());
    }
    // A recipe link (`/#recipe=…`) fills the form; the address then drops it, so a reload
    // keeps what the person has changed since.
    let links = expect_context::<RecipeLinks>();
    let location = use_location();
    let navigate = use_navigate();
    Effect::new(move |_| {
        let hash = location.hash.get();
        if Recipe::is_link_fragment(&hash) {
            links.open(&hash, choice, form, workbench);
            navigate(
                "/",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    // A memo: the run list changes every second while a run trains, the names rarely.
    let experiment_names = Memo::new(move |_| {
        workbench.runs.with(|runs| {
            experiments(runs)
                .into_iter()
                .map(|(name, _)| name)
                .collect::<Vec<_>>()
        })
    });
    let form_error = RwSignal::new(None::<String>);
    let chart_metric = RwSignal::new(ChartMetric::Loss);
    // The trainer loads while the person reads the form (a task after the page is drawn).
    leptos::task::spawn_local(async move {
        platform::tasks::next_task().await;
        training.prepare();
    });

    let run = training.run;
    let run_id = Memo::new(move |_| run.with(|run| run.as_ref().map(|r| r.run_id.clone())));
    let is_active = Memo::new(move |_| training.is_active());
    let is_paused = Memo::new(move |_| {
        run.with(|run| {
            run.as_ref()
                .is_some_and(|run| run.status == RunStatus::Paused)
        })
    });

    let loading = RwSignal::new(false);
    let on_train = move |_| {
        form_error.set(None);
        let awaiting_file = links
            .opened
            .with_untracked(|opened| opened.as_ref().is_some_and(|opened| !opened.data_ready));
        if awaiting_file {
            return form_error.set(Some(
                "The recipe link's run was trained on a CSV file this browser does not have: \
                 choose that file in the note above, or close the note to train on other data."
                    .to_owned(),
            ));
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            let started = match choice.load(workbench).await {
                Ok((dataset_spec, data)) => form.to_spec(dataset_spec).and_then(|spec| {
                    form.labels()
                        .and_then(|labels| training.start(spec, data, labels))
                }),
                Err(error) => Err(error),
            };
            loading.set(false);
            match started {
                Ok(()) => form.run_name.set(training.suggest_name()),
                Err(error) => form_error.set(Some(error)),
            }
        });
    };
    let apply_preset = move |_| {
        let bundled = match choice.source() {
            Ok(Source::Bundled(bundled)) => Some(bundled),
            _ => None,
        };
        form.fill(&TrainSpec::preset_for(bundled));
    };
    let source = Memo::new(move |_| choice.source());
    let is_synthetic = move || matches!(source.get(), Ok(Source::Synthetic(_)));
    let stored_datasets = move || {
        workbench
            .datasets
            .get()
            .into_iter()
            .map(|entry| view! { <SelectOption chosen=choice.key value=imported_key(&entry.id)>{entry.name}</SelectOption> })
            .collect_view()
    };

    view! {
        <section class="page train">
            <h1>"Train a model"</h1>
            <RecipeBanner />
            <WhyNote>"Every "<Term key="run">"run"</Term>" is tracked: its data, settings and "<Term key="seed">"seed"</Term>", its metrics after every "<Term key="epoch">"epoch"</Term>" and the model it made. A result you can find, compare and train again is worth more than a better one nobody can reproduce."</WhyNote>
            <div class="train-layout">
                <form class="settings" on:submit=move |ev| ev.prevent_default()>
                    <fieldset>
                        <legend>"Data"</legend>
                        <SelectField label="Dataset" name="dataset" value=choice.key
                            hint=ViewFn::from(|| view! { <a href="/data">"More about the data, or upload a CSV"</a> })>
                            {Generator::all().map(|generator| view! {
                                <SelectOption chosen=choice.key value=generator.key()>{generator.title()}</SelectOption>
                            }).collect_view()}
                            <optgroup label="Real datasets">
                                {BundledDataset::all().map(|bundled| view! {
                                    <SelectOption chosen=choice.key value=bundled.key()>{bundled.title()}</SelectOption>
                                }).collect_view()}
                            </optgroup>
                            <optgroup label="Your datasets">{stored_datasets}</optgroup>
                        </SelectField>
                        <Show when=move || choice.key.get() == Generator::Blobs.key()>
                            <TextField label="Classes" name="blob-classes" value=choice.blob_classes />
                        </Show>
                        <Show when=is_synthetic>
                            <TextField label="Points" name="sample-count" value=choice.sample_count />
                            <TextField label="Noise" name="noise" value=choice.noise />
                        </Show>
                        // Its own closure: a Show's fallback is drawn again only when `when` changes,
                        // so from one real dataset to another it kept the first one's words.
                        {move || match source.get() {
                            Ok(Source::Bundled(bundled)) => Some(view! {
                                <p class="dataset-about">{bundled.description()}</p>
                                <p class="dataset-credit"><small>"Source: " {bundled.credit()}</small></p>
                            }),
                            _ => None,
                        }}
                        <button type="button" class="link preset" on:click=apply_preset
                            title="Model and training settings that work well for this dataset">
                            "Use the recommended settings for this dataset"
                        </button>
                    </fieldset>
                    <ModelFields form />
                    <TrainingFields form />
                    <fieldset>
                        <legend>"Run"</legend>
                        <TextField label="Run name" name="run-name" value=form.run_name text=true />
                        <TextField label="Experiment" name="experiment" value=form.experiment text=true
                            list="experiment-names" hint="the Runs page groups runs by it; blank for Default" />
                        <datalist id="experiment-names">
                            {move || experiment_names.get().into_iter()
                                .map(|name| view! { <option value=name></option> })
                                .collect_view()}
                        </datalist>
                        <TextField label="Tags" name="tags" value=form.tags text=true
                            hint="comma-separated, e.g. baseline, small" />
                        <div class="field">
                            <label for="field-note">"Note"</label>
                            <textarea id="field-note" name="note" rows="2"
                                prop:value=move || form.note.get()
                                on:input=move |ev| form.note.set(event_target_value(&ev))></textarea>
                        </div>
                    </fieldset>
                    <div class="actions">
                        <button type="button" class="primary" on:click=on_train disabled=move || is_active.get() || loading.get()>
                            "Train"
                        </button>
                        <button type="button" disabled=move || !is_active.get()
                            on:click=move |_| if is_paused.get() { training.resume() } else { training.pause() }>
                            {move || if is_paused.get() { "Resume" } else { "Pause" }}
                        </button>
                        <button type="button" class="danger" disabled=move || !is_active.get()
                            on:click=move |_| training.stop()>
                            "Stop"
                        </button>
                    </div>
                    <Show when=move || form_error.get().is_some()>
                        <p class="error" role="alert">{move || form_error.get()}</p>
                    </Show>
                </form>
                <div class="run-view">
                    <Deferred>
                        <Show
                            when=move || run.with(Option::is_some)
                            fallback=|| view! {
                                <p class="empty">"Press Train to start. The curves appear here as the model learns."</p>
                            }
                        >
                            // Keyed by run, so a new run's charts are built a task after the click.
                            {move || run_id.get().map(|_| view! {
                                <LazyRunView run chart_metric plotted=training.plotted_data />
                            })}
                            <Show when=move || {
                                let latest = run_id.get();
                                latest.is_some() && workbench.saved_run.get() == latest
                            }>
                                <p class="run-saved" role="status">
                                    "Saved to this browser. " <a href="/runs">"See all runs"</a>
                                </p>
                            </Show>
                        </Show>
                    </Deferred>
                </div>
            </div>
        </section>
    }
}
