//! The Train form's model and training settings: every select a key table's options, every
//! field bound to the app-wide [`TrainForm`].

use kindling_core::choice::Choice;
use kindling_core::spec::{Activation, ModelKind, OptimizerKind, ScheduleKind, StopMetric};
use leptos::prelude::*;

use crate::components::fields::{SelectField, TextField};
use crate::components::select::SelectOption;
use crate::state::train_form::TrainForm;

#[component]
pub fn ModelFields(form: TrainForm) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Model"</legend>
            <SelectField label="Model" name="model" value=form.model>
                {ModelKind::all().map(|kind| view! {
                    <SelectOption chosen=form.model value=kind.key()>{model_title(kind)}</SelectOption>
                }).collect_view()}
            </SelectField>
            <Show when=move || form.model.get() == ModelKind::Mlp.key()>
                <TextField label="Hidden layers" name="hidden-layers" value=form.hidden_layers
                    hint="units per layer, e.g. 64, 64" />
                <SelectField label="Activation" name="activation" value=form.activation>
                    {Activation::all().map(|a| view! { <SelectOption chosen=form.activation value=a.key()>{a.key()}</SelectOption> }).collect_view()}
                </SelectField>
                <TextField label="Dropout" name="dropout" value=form.dropout hint="0 to 0.9" />
            </Show>
            <Show when=move || form.model.get() == ModelKind::Cnn.key()>
                <TextField label="Filters" name="filters" value=form.filters />
                <div class="field checkbox">
                    <label>
                        <input type="checkbox" name="pool" prop:checked=move || form.pool.get()
                            on:change=move |ev| form.pool.set(event_target_checked(&ev)) />
                        " 2×2 max-pool"
                    </label>
                </div>
                <TextField label="Dense units" name="dense-units" value=form.dense_units hint="0 for none" />
            </Show>
        </fieldset>
    }
}

#[component]
pub fn TrainingFields(form: TrainForm) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Training"</legend>
            <SelectField label="Optimiser" name="optimizer" value=form.optimizer>
                {OptimizerKind::all().map(|kind| view! {
                    <SelectOption chosen=form.optimizer value=kind.key()>{optimizer_title(kind)}</SelectOption>
                }).collect_view()}
            </SelectField>
            <Show when=move || form.optimizer.get() == OptimizerKind::Sgd.key()>
                <TextField label="Momentum" name="momentum" value=form.momentum />
            </Show>
            <TextField label="Learning rate" name="learning-rate" value=form.learning_rate />
            <SelectField label="Schedule" name="schedule" value=form.schedule>
                {ScheduleKind::all().map(|kind| view! {
                    <SelectOption chosen=form.schedule value=kind.key()>{schedule_title(kind)}</SelectOption>
                }).collect_view()}
            </SelectField>
            <Show when=move || form.schedule.get() == ScheduleKind::Step.key()>
                <TextField label="Step every (epochs)" name="step-every" value=form.step_every />
                <TextField label="Step factor" name="step-factor" value=form.step_factor />
            </Show>
            <TextField label="Weight decay" name="weight-decay" value=form.weight_decay />
            <TextField label="Batch size" name="batch-size" value=form.batch_size />
            <TextField label="Epochs" name="epochs" value=form.epochs />
            <TextField label="Seed" name="seed" value=form.seed />
            <TextField label="Validation %" name="validation-percent" value=form.validation_percent />
            <TextField label="Test %" name="test-percent" value=form.test_percent />
            <div class="field checkbox">
                <label>
                    <input type="checkbox" name="early-stopping" prop:checked=move || form.early_stopping.get()
                        on:change=move |ev| form.early_stopping.set(event_target_checked(&ev)) />
                    " Early stopping"
                </label>
            </div>
            <Show when=move || form.early_stopping.get()>
                <SelectField label="Watch" name="stop-metric" value=form.stop_metric>
                    {StopMetric::all().map(|metric| view! {
                        <SelectOption chosen=form.stop_metric value=metric.key()>{stop_metric_title(metric)}</SelectOption>
                    }).collect_view()}
                </SelectField>
                <TextField label="Patience (epochs)" name="patience" value=form.patience />
                <TextField label="Minimum change" name="min-delta" value=form.min_delta />
            </Show>
        </fieldset>
    }
}

fn model_title(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Mlp => "Multi-layer perceptron",
        ModelKind::Linear => "Linear (logistic / linear regression)",
        ModelKind::Cnn => "Small CNN (image data: digits)",
    }
}

fn optimizer_title(kind: OptimizerKind) -> &'static str {
    match kind {
        OptimizerKind::Adam => "Adam",
        OptimizerKind::AdamW => "AdamW (decoupled weight decay)",
        OptimizerKind::Sgd => "SGD with momentum",
    }
}

fn schedule_title(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Constant => "Constant",
        ScheduleKind::Step => "Step decay",
        ScheduleKind::Cosine => "Cosine to zero",
    }
}

fn stop_metric_title(metric: StopMetric) -> &'static str {
    match metric {
        StopMetric::ValidationLoss => "validation loss",
        StopMetric::ValidationScore => "validation accuracy / R²",
    }
}
