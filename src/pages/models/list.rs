//! Every registered model, and the package upload that brings one in.

use kindling_core::package::zip;
use kindling_core::registry::ModelVersion;
use leptos::prelude::*;

use crate::components::badges::aliases_view;
use crate::components::drop_zone::{DropZone, FilePicker};
use crate::components::lesson_text::Term;
use crate::components::why_note::WhyNote;
use crate::platform::files::PickedFile;
use crate::state::registry::{ModelBundle, Registry};

#[component]
pub fn ModelsPage() -> impl IntoView {
    let registry = expect_context::<Registry>();
    let notice = RwSignal::new(None::<Result<String, String>>);
    let upload = move |file: PickedFile| {
        // Refused before reading: a file of gigabytes would otherwise be read whole first.
        let limit = zip::PACKAGE_LIMITS.max_archive_bytes;
        if file.size_bytes > limit as f64 {
            let error = zip::ZipError::TooLarge(file.size_bytes as usize, limit);
            notice.set(Some(Err(format!(
                "{} was not added: not a readable package: {error}",
                file.name
            ))));
            return;
        }
        notice.set(Some(Ok(format!("Checking {}…", file.name))));
        leptos::task::spawn_local(async move {
            let outcome = match file.bytes().await {
                Ok(bytes) => registry.upload(&file.name, bytes).await,
                Err(error) => Err(error),
            };
            notice.set(Some(match outcome {
                Ok(version) => Ok(upload_notice(&file.name, &version)),
                Err(error) => Err(format!("{} was not added: {error}", file.name)),
            }));
        });
    };
    // The last delete, with what it removed (for Undo).
    let removed = RwSignal::new(None::<Result<(String, ModelBundle), String>>);
    let delete = move |name: String| {
        leptos::task::spawn_local(async move {
            removed.set(Some(match registry.delete_model(&name).await {
                Ok(bundle) => {
                    let text = format!(
                        "Deleted {} and its {} version{}.",
                        name,
                        bundle.1.len(),
                        if bundle.1.len() == 1 { "" } else { "s" }
                    );
                    Ok((text, bundle))
                }
                Err(error) => Err(error),
            }));
        });
    };
    let undo = move |bundle: ModelBundle| {
        leptos::task::spawn_local(async move {
            removed.set(match registry.restore_model(bundle).await {
                Ok(()) => None,
                Err(error) => Some(Err(error)),
            });
        });
    };
    let rows = move || {
        let versions = registry.versions.get();
        registry
            .models
            .get()
            .into_iter()
            .map(|model| {
                let own: Vec<&ModelVersion> =
                    versions.iter().filter(|v| v.model == model.name).collect();
                let latest = own.last().map(|v| format!("v{}", v.version)).unwrap_or_default();
                let task = own
                    .last()
                    .map(|v| format!("{:?}", v.signature.task()).to_lowercase())
                    .unwrap_or_default();
                let href = format!("/models/{}", model.name);
                let name = model.name.clone();
                view! {
                    <tr class="model-row" data-model=model.name.clone()>
                        <td><a href=href>{model.name.clone()}</a>
                            " " <button type="button" class="link delete-model"
                                on:click=move |_| delete(name.clone())>"Delete"</button></td>
                        <td>{task}</td>
                        <td class="number">{own.len()}</td>
                        <td>{latest}</td>
                        <td>{aliases_view(&model.aliases.iter().map(|(a, v)| format!("{a} → v{v}")).collect::<Vec<_>>())}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="page models">
            <h1>"Models"</h1>
            <WhyNote>"Only runs that pass their "<Term key="gate">"gates"</Term>" become versions in the "<Term key="registry">"registry"</Term>", and an "<Term key="alias">"alias"</Term>" such as "<Term key="champion">"champion"</Term>" says which one serves. Promotion becomes a rule anyone can check, and rollback is moving the alias back."</WhyNote>
            <p class="lead">
                "Registered models and their versions. Register a finished run from its page; \
                 bring in a package someone shared below. Packages open in ONNX Runtime and \
                 Python's safetensors as they are, and unzipped each is an MLflow model: \
                 mlflow.pyfunc loads it and mlflow models serve serves it."
            </p>
            <DropZone class="drop-zone" on_file=upload>
                <p>"Drop a " <code>".kindling.zip"</code> " package here, or "
                    <FilePicker on_file=upload id="package-file" accept=".zip,application/zip" />
                </p>
                <p class="hint">"It is checked step by step (size, names, manifest, hashes, tensor shapes, finite weights, a prediction) before anything is stored."</p>
            </DropZone>
            {move || removed.get().map(|notice| match notice {
                Ok((text, bundle)) => {
                    let bundle = StoredValue::new(bundle);
                    view! {
                        <p class="notice delete-notice" role="status">{text} " "
                            <button type="button" class="link undo" on:click=move |_| undo(bundle.get_value())>"Undo"</button>
                        </p>
                    }.into_any()
                }
                Err(text) => view! { <p class="error delete-notice" role="alert">{text}</p> }.into_any(),
            })}
            <div role="status" class="upload-notice">
                {move || notice.get().map(|notice| match notice {
                    Ok(text) => view! { <p class="notice">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="error">{text}</p> }.into_any(),
                })}
            </div>
            {move || if registry.models.with(Vec::is_empty) {
                view! { <p class="empty">{move || if registry.loaded.get() { "No models yet. Open a finished run and register it." } else { "Loading…" }}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="models-table">
                            <thead><tr><th>"Model"</th><th>"Task"</th><th>"Versions"</th><th>"Latest"</th><th>"Aliases"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// What an upload did: the version it became and, when this registry's checks found fault
/// with it, which ones (such a version takes an alias only with a written override).
fn upload_notice(file_name: &str, version: &ModelVersion) -> String {
    let failed: Vec<&str> = version
        .gate_report
        .failures()
        .map(|check| check.name.as_str())
        .collect();
    if failed.is_empty() {
        format!(
            "{file_name} passed every check and is now {} v{}.",
            version.model, version.version
        )
    } else {
        format!(
            "{file_name} is now {} v{}, but failed: {}. It takes an alias only with a written override.",
            version.model,
            version.version,
            failed.join("; ")
        )
    }
}
