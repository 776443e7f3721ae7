//! The Settings page: the MLflow tracking server runs and models are synced to (none by
//! default, and then nothing leaves the tab), syncing by hand or after every change, and what
//! the last sync did or why it stopped, with the command that fixes it.

use leptos::prelude::*;

use crate::platform;
use crate::state::mlflow::{Mlflow, SyncStatus};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let mlflow = expect_context::<Mlflow>();
    let url = RwSignal::new(String::new());
    let automatically = RwSignal::new(false);
    let saved_notice = RwSignal::new(None::<Result<String, String>>);
    // The fields start from the stored settings once they are read, unless the person has
    // typed meanwhile; Save waits for them.
    let typed = RwSignal::new(false);
    Effect::new(move |_| {
        if mlflow.loaded.get() && !typed.get_untracked() {
            let settings = mlflow.settings.get_untracked();
            url.set(settings.tracking_url);
            automatically.set(settings.sync_automatically);
        }
    });
    let origin = mlflow.page_origin();
    let save = move |_| {
        let text = url.get_untracked();
        let auto = automatically.get_untracked();
        leptos::task::spawn_local(async move {
            let said = match mlflow.save(&text, auto).await {
                Ok(()) if text.trim().is_empty() => {
                    Ok("Saved: no tracking server, so Kindling sends nothing anywhere.".to_owned())
                }
                Ok(()) => Ok("Saved.".to_owned()),
                Err(error) => Err(error),
            };
            saved_notice.set(Some(said));
        });
    };
    let command = move || {
        let port = mlflow
            .settings
            .with(|settings| {
                settings
                    .tracking_url
                    .rsplit(':')
                    .next()
                    .and_then(|port| port.parse::<u16>().ok())
            })
            .unwrap_or(5000);
        format!("mlflow server --host 127.0.0.1 --port {port} --cors-allowed-origins {origin}")
    };
    view! {
        <section class="page settings">
            <h1>"Settings"</h1>
            <h2>"MLflow tracking server"</h2>
            <p class="lead">
                "Everything you make stays in this browser. When a team outgrows one browser, "
                "sync the runs and models to an MLflow tracking server: experiments, runs with "
                "their params, metric histories, tags, notes and data, registered models, "
                "versions with their packages, and aliases. With no URL set, Kindling makes no "
                "request to anywhere but its own files."
            </p>
            <div class="settings-form">
                <label for="mlflow-url">"MLflow tracking URL"</label>
                <input
                    id="mlflow-url"
                    type="url"
                    placeholder="http://127.0.0.1:5000"
                    prop:value=move || url.get()
                    on:input=move |event| {
                        typed.set(true);
                        url.set(event_target_value(&event));
                    }
                />
                <label class="checkbox">
                    <input
                        id="mlflow-auto"
                        type="checkbox"
                        prop:checked=move || automatically.get()
                        on:change=move |event| {
                            typed.set(true);
                            automatically.set(event_target_checked(&event));
                        }
                    />
                    " Sync automatically after a run ends and after a registry change"
                </label>
                <button
                    id="mlflow-save"
                    type="button"
                    disabled=move || !mlflow.loaded.get()
                    on:click=save
                >
                    "Save"
                </button>
            </div>
            {move || saved_notice.get().map(|said| match said {
                Ok(text) => view! { <p class="notice mlflow-saved" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error mlflow-saved" role="alert">{text}</p> }.into_any(),
            })}
            {move || (mlflow.admitted() == Some(false)).then(|| view! {
                <p class="notice mlflow-reload" role="status">
                    "This page admits a new server's address when it loads. "
                    <button id="mlflow-reload" type="button" on:click=move |_| mlflow.reload()>
                        "Reload to connect"
                    </button>
                </p>
            })}
            <p>"Start a server this page may use:"</p>
            <pre class="command"><code>{command}</code></pre>
            <div class="sync-row">
                <button
                    id="mlflow-sync"
                    type="button"
                    disabled=move || {
                        mlflow.settings.with(|settings| settings.tracking_url.is_empty())
                            || matches!(mlflow.status.get(), SyncStatus::Syncing(_))
                    }
                    on:click=move |_| mlflow.sync_now()
                >
                    "Sync now"
                </button>
                {move || mlflow.last_sync_ms.get().map(|at_ms| {
                    let at = platform::clock::local_time_text(at_ms);
                    view! { <span class="last-sync">{format!("Last synced {at}")}</span> }
                })}
            </div>
            <SyncState mlflow />
        </section>
    }
}

/// Progress while a sync runs; then what it did, or why it stopped.
#[component]
fn SyncState(mlflow: Mlflow) -> impl IntoView {
    move || {
        match mlflow.status.get() {
        SyncStatus::Idle => None,
        SyncStatus::Syncing(progress) => Some(
            view! {
                <div class="mlflow-status syncing" role="status">
                    <progress max=progress.total.max(1) value=progress.done></progress>
                    {format!(" Syncing {} ({} of {})…", progress.doing, progress.done, progress.total)}
                </div>
            }
            .into_any(),
        ),
        SyncStatus::Synced(summary) => Some(
            view! { <p class="mlflow-status synced" role="status">{format!("Synced: {summary}.")}</p> }
                .into_any(),
        ),
        SyncStatus::Failed(reason) => Some(
            view! { <p class="mlflow-status error" role="alert">{format!("Sync stopped: {reason}.")}</p> }
                .into_any(),
        ),
    }
    }
}
