//! A labelled progress bar.

use leptos::prelude::*;

/// A labelled progress bar; `fraction` is clamped to `0.0..=1.0`.
#[component]
pub fn ProgressBar(
    #[prop(into)] fraction: Signal<f64>,
    #[prop(into)] label: Signal<String>,
) -> impl IntoView {
    let percent = move || (fraction.get().clamp(0.0, 1.0) * 100.0).round();
    view! {
        <div class="progress">
            <div
                class="progress-track"
                role="progressbar"
                aria-label=label
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || percent().to_string()
            >
                <div class="progress-fill" style:width=move || format!("{}%", percent())></div>
            </div>
            <span class="progress-label">{label}</span>
        </div>
    }
}
