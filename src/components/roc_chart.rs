//! ROC curves on a square SVG plot: how well each class's score ranks it above the rest, at
//! every threshold at once.

use kindling_core::evaluation::RocCurve;
use leptos::prelude::*;

use super::chart_text::{class_name, coord, format_number};

const PLOT: f64 = 300.0;
const MARGIN_LEFT: f64 = 52.0;
const MARGIN_RIGHT: f64 = 12.0;
const MARGIN_TOP: f64 = 12.0;
const MARGIN_BOTTOM: f64 = 40.0;
const WIDTH: f64 = MARGIN_LEFT + PLOT + MARGIN_RIGHT;
const HEIGHT: f64 = MARGIN_TOP + PLOT + MARGIN_BOTTOM;
const TICKS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
/// Past this many curves the screen-reader label gives the mean rather than every class.
const MAX_LISTED_CURVES: usize = 8;

/// Curves are coloured by class index (`roc-line-{class % 8}`), so a class keeps the colour it
/// has in the scatter plots.
#[component]
pub fn RocChart(curves: Vec<RocCurve>, class_names: Vec<String>) -> impl IntoView {
    let binary = curves.len() == 1 && class_names.len() == 2;
    let lines = curves
        .iter()
        .map(|curve| {
            let name = class_name(&class_names, curve.class);
            let title = if binary {
                format!("{name} (positive class): {}", auc_text(curve.auc))
            } else {
                format!("{name} against the rest: {}", auc_text(curve.auc))
            };
            view! {
                <polyline class=format!("roc-line roc-line-{}", curve.class % 8)
                    points=polyline_points(&curve.points)>
                    <title>{title}</title>
                </polyline>
            }
        })
        .collect_view();
    let legend = curves
        .iter()
        .map(|curve| {
            let text = format!(
                "{}: {}",
                class_name(&class_names, curve.class),
                auc_text(curve.auc)
            );
            view! { <li class=format!("roc-line-{}", curve.class % 8)><span class="legend-text">{text}</span></li> }
        })
        .collect_view();
    let ticks = TICKS
        .iter()
        .map(|&rate| {
            let (x, y) = to_screen((rate, rate));
            view! {
                <line class="grid" x1=coord(x) x2=coord(x) y1=MARGIN_TOP y2=MARGIN_TOP + PLOT />
                <line class="grid" x1=MARGIN_LEFT x2=MARGIN_LEFT + PLOT y1=coord(y) y2=coord(y) />
                <text class="tick" x=coord(x) y=MARGIN_TOP + PLOT + 14.0 text-anchor="middle">
                    {format_number(rate)}
                </text>
                <text class="tick" x=MARGIN_LEFT - 6.0 y=coord(y + 4.0) text-anchor="end">
                    {format_number(rate)}
                </text>
            }
        })
        .collect_view();
    let (start, end) = (to_screen((0.0, 0.0)), to_screen((1.0, 1.0)));
    let label = summary(&curves, &class_names);

    view! {
        <figure class="roc-chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                {ticks}
                <line class="chance" x1=coord(start.0) y1=coord(start.1) x2=coord(end.0) y2=coord(end.1)>
                    <title>"Chance: AUC 0.5"</title>
                </line>
                <text class="axis-label" x=MARGIN_LEFT + PLOT / 2.0 y=HEIGHT - 4.0 text-anchor="middle">
                    "False positive rate"
                </text>
                <text class="axis-label" x=12 y=MARGIN_TOP + PLOT / 2.0 text-anchor="middle"
                    transform=format!("rotate(-90 12 {})", MARGIN_TOP + PLOT / 2.0)>
                    "True positive rate"
                </text>
                {lines}
            </svg>
            <ul class="legend">{legend}</ul>
        </figure>
    }
}

/// A rate pair to the plot's square; rates outside 0..1 are pinned to its edge.
fn to_screen((false_positive, true_positive): (f64, f64)) -> (f64, f64) {
    let unit = |rate: f64| {
        if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    (
        MARGIN_LEFT + unit(false_positive) * PLOT,
        MARGIN_TOP + (1.0 - unit(true_positive)) * PLOT,
    )
}

fn polyline_points(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|&point| {
            let (x, y) = to_screen(point);
            format!("{},{}", coord(x), coord(y))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn auc_text(auc: Option<f64>) -> String {
    match auc {
        Some(auc) => format!("AUC {auc:.3}"),
        None => "AUC undefined".to_string(),
    }
}

/// What a screen reader hears: every curve's AUC when there are few, their mean otherwise.
fn summary(curves: &[RocCurve], class_names: &[String]) -> String {
    if curves.is_empty() {
        return "ROC chart with no curves".to_string();
    }
    if curves.len() <= MAX_LISTED_CURVES {
        let each: Vec<String> = curves
            .iter()
            .map(|curve| {
                format!(
                    "{} {}",
                    class_name(class_names, curve.class),
                    auc_text(curve.auc)
                )
            })
            .collect();
        return format!("ROC curves: {}", each.join(", "));
    }
    let defined: Vec<f64> = curves.iter().filter_map(|curve| curve.auc).collect();
    let mean = (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64);
    format!(
        "ROC curves for {} classes, each against the rest: mean {}",
        curves.len(),
        auc_text(mean)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(class: usize, auc: Option<f64>) -> RocCurve {
        RocCurve {
            class,
            auc,
            points: vec![(0.0, 0.0), (0.5, 1.0), (1.0, 1.0)],
        }
    }

    #[test]
    fn the_unit_square_fills_the_plot_with_rates_rising_upwards() {
        assert_eq!(to_screen((0.0, 0.0)), (MARGIN_LEFT, MARGIN_TOP + PLOT));
        assert_eq!(to_screen((1.0, 1.0)), (MARGIN_LEFT + PLOT, MARGIN_TOP));
        assert_eq!(to_screen((2.0, -1.0)), to_screen((1.0, 0.0)));
        assert_eq!(to_screen((f64::NAN, 0.0)), to_screen((0.0, 0.0)));
    }

    #[test]
    fn polyline_points_are_screen_pairs() {
        let points = polyline_points(&[(0.0, 0.0), (1.0, 1.0)]);
        assert_eq!(points, "52.00,312.00 352.00,12.00");
        assert_eq!(polyline_points(&[]), "");
    }

    #[test]
    fn summaries_list_few_curves_and_average_many() {
        let names = vec!["cat".to_string(), "dog".to_string()];
        assert_eq!(
            summary(&[curve(1, Some(0.9))], &names),
            "ROC curves: dog AUC 0.900"
        );
        let many: Vec<RocCurve> = (0..10)
            .map(|class| curve(class, (class < 9).then_some(0.8)))
            .collect();
        assert_eq!(
            summary(&many, &names),
            "ROC curves for 10 classes, each against the rest: mean AUC 0.800"
        );
        assert_eq!(summary(&[], &names), "ROC chart with no curves");
    }
}
