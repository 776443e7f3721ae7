//! Edits a model's gates in place: metric thresholds and the margin by which a candidate must
//! beat the champion.

use kindling_core::registry::gates::{Comparison, Gate, Margin, round_for_display};
use kindling_core::tracking::METRIC_NAMES;
use leptos::prelude::*;

/// The metrics a gate can name: the test scores runs record.
fn gate_metrics() -> impl Iterator<Item = &'static str> {
    METRIC_NAMES
        .into_iter()
        .filter(|name| name.starts_with("test_"))
}

/// Edits a list of gates in place: thresholds and the champion margin.
#[component]
pub fn GateEditor(gates: RwSignal<Vec<Gate>>) -> impl IntoView {
    let add_threshold = move |_| {
        gates.update(|gates| {
            gates.push(Gate::Threshold {
                metric: "test_accuracy".into(),
                comparison: Comparison::AtLeast,
                value: 0.9,
            })
        })
    };
    let add_champion = move |_| {
        gates.update(|gates| {
            gates.push(Gate::BeatsChampion {
                metric: "test_accuracy".into(),
                margin: Margin::Absolute(0.0),
            })
        })
    };
    // Rows are rebuilt only when one is added or removed, so editing a value keeps focus.
    let count = Memo::new(move |_| gates.with(Vec::len));
    let rows = move || {
        (0..count.get())
            .map(|index| view! { <GateRow gates index /> })
            .collect_view()
    };
    view! {
        <ul class="gate-editor">{rows}</ul>
        <div class="gate-actions">
            <button type="button" class="secondary add-threshold" on:click=add_threshold>"+ Threshold"</button>
            <button type="button" class="secondary add-champion" on:click=add_champion>"+ Beat the champion"</button>
        </div>
    }
}

#[component]
fn GateRow(gates: RwSignal<Vec<Gate>>, index: usize) -> impl IntoView {
    // The row's markup depends only on its kind; values are edited in place.
    let kind = Memo::new(move |_| {
        gates.with(|gates| {
            gates
                .get(index)
                .map(|gate| matches!(gate, Gate::Threshold { .. }))
        })
    });
    let update = move |change: &dyn Fn(&mut Gate)| {
        gates.update(|gates| {
            if let Some(gate) = gates.get_mut(index) {
                change(gate);
            }
        })
    };
    let on_metric = move |event: leptos::ev::Event| {
        let value = event_target_value(&event);
        update(&|gate| match gate {
            Gate::Threshold { metric, .. } | Gate::BeatsChampion { metric, .. } => {
                *metric = value.clone()
            }
        });
    };
    let on_comparison = move |event: leptos::ev::Event| {
        let at_most = event_target_value(&event) == "at-most";
        update(&|gate| {
            if let Gate::Threshold { comparison, .. } = gate {
                *comparison = if at_most {
                    Comparison::AtMost
                } else {
                    Comparison::AtLeast
                };
            }
        });
    };
    let on_value = move |event: leptos::ev::Event| {
        let Ok(number) = event_target_value(&event).trim().parse::<f64>() else {
            return;
        };
        update(&|gate| match gate {
            Gate::Threshold { value, .. } => *value = number,
            Gate::BeatsChampion { margin, .. } => {
                *margin = match margin {
                    Margin::Absolute(_) => Margin::Absolute(number),
                    Margin::Relative(_) => Margin::Relative(number / 100.0),
                }
            }
        });
    };
    let on_margin_kind = move |event: leptos::ev::Event| {
        let relative = event_target_value(&event) == "relative";
        update(&|gate| {
            // The number in the field stays; only its unit changes.
            if let Gate::BeatsChampion { margin, .. } = gate {
                *margin = match (*margin, relative) {
                    (Margin::Absolute(step), true) => Margin::Relative(step / 100.0),
                    (Margin::Relative(share), false) => Margin::Absolute(share * 100.0),
                    (unchanged, _) => unchanged,
                };
            }
        });
    };
    let remove = move |_| {
        gates.update(|gates| {
            if index < gates.len() {
                gates.remove(index);
            }
        })
    };
    move || {
        kind.get()
            .and_then(|_| gates.with_untracked(|gates| gates.get(index).cloned()))
            .map(|gate| {
            let metric = gate.metric().to_owned();
            let metric_select = view! {
                <select class="gate-metric" aria-label="Metric" on:change=on_metric>
                    {gate_metrics().map(|name| view! {
                        <option value=name selected=name == metric>{name}</option>
                    }).collect_view()}
                </select>
            };
            match gate {
                Gate::Threshold { comparison, value, .. } => view! {
                    <li class="gate-row threshold">
                        {metric_select}
                        <select class="gate-comparison" aria-label="Comparison" on:change=on_comparison>
                            <option value="at-least" selected=comparison == Comparison::AtLeast>"≥"</option>
                            <option value="at-most" selected=comparison == Comparison::AtMost>"≤"</option>
                        </select>
                        <input type="number" step="any" class="gate-value" aria-label="Threshold" prop:value=value.to_string() on:change=on_value />
                        <button type="button" class="link" on:click=remove>"Remove"</button>
                    </li>
                }.into_any(),
                Gate::BeatsChampion { margin, .. } => {
                    let (relative, shown) = match margin {
                        Margin::Absolute(step) => (false, step),
                        Margin::Relative(share) => (true, round_for_display(share * 100.0)),
                    };
                    view! {
                        <li class="gate-row champion">
                            "beats the champion on " {metric_select} " by at least "
                            <input type="number" step="any" class="gate-value" aria-label="Margin" prop:value=shown.to_string() on:change=on_value />
                            <select class="gate-margin" aria-label="Margin kind" on:change=on_margin_kind>
                                <option value="absolute" selected=!relative>"(absolute)"</option>
                                <option value="relative" selected=relative>"%"</option>
                            </select>
                            <button type="button" class="link" on:click=remove>"Remove"</button>
                        </li>
                    }.into_any()
                }
            }
        })
    }
}
