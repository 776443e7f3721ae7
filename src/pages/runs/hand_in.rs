//! Handing in an experiment: the experiment the table shows, with the datasets its runs need and
//! the versions registered from them, as one file a student gives their teacher. The teacher
//! opens it on the Hand-ins page.

use kindling_core::workspace::hand_in::{HandIn, file_name};
use leptos::prelude::*;

use crate::format::plural;
use crate::platform::files;
use crate::state::workbench::{StoreStatus, Workbench};

#[component]
pub fn HandInForm(
    experiment: String,
    /// What the hand-in did, in words: the file saved, or why nothing was.
    #[prop(into)]
    on_result: Callback<Result<String, String>>,
) -> impl IntoView {
    let workbench = expect_context::<Workbench>();
    let student = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let title = format!("Hand in “{experiment}”");
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let experiment = experiment.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = async {
                let workspace = workbench
                    .export_workspace()
                    .await
                    .map_err(|error| error.to_string())?;
                let handed = workspace
                    .hand_in(&student.get_untracked(), &experiment)
                    .map_err(|error| error.to_string())?;
                let hand_in = handed.hand_in.clone().unwrap_or(HandIn {
                    student: String::new(),
                    experiment: experiment.clone(),
                });
                let name = file_name(&hand_in);
                files::download_text(&name, &handed.to_json(), "application/json")?;
                let runs = handed.runs.len();
                let versions = handed.versions.len();
                let mut text = format!(
                    "Saved {name}: {runs} run{}, {} dataset{} and {versions} model version{} of \
                     experiment {experiment}, handed in by {}. Give this file to your teacher.",
                    plural(runs),
                    handed.datasets.len(),
                    plural(handed.datasets.len()),
                    plural(versions),
                    hand_in.student,
                );
                if versions == 0 {
                    text.push_str(
                        " No model is registered from these runs, so your teacher has nothing \
                         to score: register your best run on its page, then hand in again.",
                    );
                }
                Ok::<_, String>(text)
            }
            .await;
            busy.set(false);
            on_result.run(result);
        });
    };
    view! {
        <details class="hand-in-form">
            <summary>{title}</summary>
            <form on:submit=on_submit>
                <p class="hint">
                    "One file with this experiment's runs, the data they need and the models "
                    "registered from them, for your teacher. Your teacher scores the models on "
                    "their own copy of the data."
                </p>
                <label for="hand-in-name">"Your name"</label>
                <input id="hand-in-name" name="student" autocomplete="name"
                    prop:value=move || student.get()
                    on:input=move |event| student.set(event_target_value(&event)) />
                <button type="submit" id="hand-in"
                    disabled=move || busy.get() || workbench.status.get() != StoreStatus::Ready>
                    "Save hand-in"
                </button>
            </form>
        </details>
    }
}
