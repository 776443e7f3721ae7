//! A small SVG line chart: enough for live training curves, with no charting library to load.

use leptos::prelude::*;

/// One line of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// A CSS class that sets the line's colour.
    pub class: &'static str,
    pub points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const MARGIN_LEFT: f64 = 56.0;
const MARGIN_RIGHT: f64 = 12.0;
const MARGIN_TOP: f64 = 12.0;
const MARGIN_BOTTOM: f64 = 32.0;
/// More points than pixels only costs time: longer series are thinned to about this many.
const MAX_POINTS_DRAWN: usize = 600;

#[component]
pub fn LineChart(
    #[prop(into)] series: Signal<Vec<Series>>,
    #[prop(into)] x_label: String,
    #[prop(into)] y_label: Signal<String>,
) -> impl IntoView {
    let bounds = Memo::new(move |_| series.with(|all| data_bounds(all)));
    let plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    let plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let to_screen = move |(x, y): (f64, f64), b: Bounds| {
        let sx = MARGIN_LEFT + (x - b.x_min) / (b.x_max - b.x_min) * plot_width;
        let sy = MARGIN_TOP + (1.0 - (y - b.y_min) / (b.y_max - b.y_min)) * plot_height;
        (sx, sy)
    };
    let lines = move || {
        let b = bounds.get();
        series
            .get()
            .into_iter()
            .map(|line| {
                let step = line.points.len().div_ceil(MAX_POINTS_DRAWN).max(1);
                let mut drawn: Vec<(f64, f64)> = line.points.iter().copied().step_by(step).collect();
                if let Some(&last) = line.points.last()
                    && drawn.last() != Some(&last)
                {
                    drawn.push(last);
                }
                let points = drawn
                    .into_iter()
                    .map(|p| {
                        let (sx, sy) = to_screen(p, b);
                        format!("{sx:.1},{sy:.1}")
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                view! { <polyline class=format!("line {}", line.class) points=points><title>{line.label}</title></polyline> }
            })
            .collect_view()
    };
    let y_ticks = move || {
        let b = bounds.get();
        (0..=4)
            .map(|i| {
                let value = b.y_min + (b.y_max - b.y_min) * f64::from(i) / 4.0;
                let (_, sy) = to_screen((b.x_min, value), b);
                view! {
                    <line class="grid" x1=MARGIN_LEFT x2=WIDTH - MARGIN_RIGHT y1=sy y2=sy />
                    <text class="tick" x=MARGIN_LEFT - 6.0 y=sy + 4.0 text-anchor="end">{format_tick(value)}</text>
                }
            })
            .collect_view()
    };
    let x_ticks = move || {
        let b = bounds.get();
        (0..=4)
            .map(|i| {
                let mut value = b.x_min + (b.x_max - b.x_min) * f64::from(i) / 4.0;
                if b.x_max - b.x_min >= 4.0 {
                    // Epochs and steps are whole numbers.
                    value = value.round();
                }
                let (sx, _) = to_screen((value, b.y_min), b);
                view! { <text class="tick" x=sx y=HEIGHT - MARGIN_BOTTOM + 16.0 text-anchor="middle">{format_tick(value)}</text> }
            })
            .collect_view()
    };
    let legend = move || {
        series
            .get()
            .into_iter()
            .map(|line| view! { <li class=line.class><span class="legend-text">{line.label}</span></li> })
            .collect_view()
    };

    view! {
        <figure class="line-chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=move || y_label.get()>
                {y_ticks}
                {x_ticks}
                <text class="axis-label" x=MARGIN_LEFT + plot_width / 2.0 y=HEIGHT - 2.0 text-anchor="middle">{x_label}</text>
                <text class="axis-label" x=12 y=MARGIN_TOP + plot_height / 2.0 text-anchor="middle"
                    transform=format!("rotate(-90 12 {})", MARGIN_TOP + plot_height / 2.0)>
                    {move || y_label.get()}
                </text>
                {lines}
            </svg>
            <ul class="legend">{legend}</ul>
        </figure>
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Bounds {
    x_min: f64,
    x_max: f64,
    y_min: f64,
    y_max: f64,
}

/// The smallest box around every finite point, never empty (so nothing divides by zero).
fn data_bounds(series: &[Series]) -> Bounds {
    let finite = series
        .iter()
        .flat_map(|line| line.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in finite {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    if x_min > x_max {
        return Bounds {
            x_min: 0.0,
            x_max: 1.0,
            y_min: 0.0,
            y_max: 1.0,
        };
    }
    let y_min = y_min.min(0.0);
    Bounds {
        x_min,
        x_max: if x_max > x_min { x_max } else { x_min + 1.0 },
        y_min,
        y_max: if y_max > y_min { y_max } else { y_min + 1.0 },
    }
}

fn format_tick(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 || (magnitude > 0.0 && magnitude < 0.01) {
        format!("{value:.1e}")
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}
