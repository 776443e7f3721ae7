//! A scatter plot of classed points, optionally over a model's decision regions: the live view of
//! a 2-D classifier, and (with the diagonal) predicted against actual for a regression.

use kindling_core::protocol::BoundaryGrid;
use leptos::prelude::*;

use super::chart_text::{coord, evenly_spaced, format_number};

/// The categorical palette, in the hues of `.point-N` and `.roc-line-N` in
/// `style/components.css`; decision-region fills need them inline, where a class cannot reach.
pub const CLASS_COLOURS: [&str; 8] = [
    "#1f77b4", "#e8590c", "#2f9e44", "#d62728", "#7048e8", "#8c564b", "#d6336c", "#1098ad",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScatterPoint {
    pub x: f64,
    pub y: f64,
    pub class: usize,
}

const PLOT_WIDTH: f64 = 400.0;
const PLOT_HEIGHT: f64 = 400.0;
const MARGIN_LEFT: f64 = 56.0;
const MARGIN_RIGHT: f64 = 12.0;
const MARGIN_TOP: f64 = 12.0;
const MARGIN_BOTTOM: f64 = 36.0;
const WIDTH: f64 = MARGIN_LEFT + PLOT_WIDTH + MARGIN_RIGHT;
const HEIGHT: f64 = MARGIN_TOP + PLOT_HEIGHT + MARGIN_BOTTOM;
/// More circles than this stop adding information and slow every redraw.
const MAX_POINTS: usize = 2_000;
/// Up to this many points are drawn one circle each, with a hover title. More are drawn as one
/// path per class: a thousand circles and titles made showing a run a 60 ms task for the page,
/// and that many points are read as a cloud, not one by one.
const MAX_SEPARATE_POINTS: usize = 300;
/// The heatmap redraws every few hundred milliseconds: finer grids are sampled down to this.
const MAX_RESOLUTION: usize = 50;
/// A cell the model is sure of is drawn this opaque, so points on top stay readable.
const MAX_CELL_OPACITY: f64 = 0.5;
/// Confidence is rounded to this many steps so neighbouring cells that look alike merge into
/// one rect: the usual boundary is a few long runs per row, not fifty cells.
const CONFIDENCE_STEPS: f32 = 20.0;
/// The share of the data's range left empty on each side when no heatmap sets the frame.
const PADDING: f64 = 0.05;
const TARGET_TICKS: usize = 5;
const POINT_RADIUS: f64 = 3.0;

#[component]
pub fn ScatterPlot(
    #[prop(into)] points: Signal<Vec<ScatterPoint>>,
    #[prop(into)] x_label: String,
    #[prop(into)] y_label: String,
    #[prop(optional, into)] background: Option<Signal<Option<BoundaryGrid>>>,
    #[prop(optional)] diagonal: bool,
) -> impl IntoView {
    let bounds = Memo::new(move |_| {
        background
            .and_then(|heatmap| heatmap.with(|h| h.as_ref().map(Bounds::of_heatmap)))
            .unwrap_or_else(|| points.with(|all| data_bounds(all, diagonal)))
    });
    let runs = Memo::new(move |_| {
        background
            .and_then(|heatmap| heatmap.with(|h| h.as_ref().map(heatmap_runs)))
            .unwrap_or_default()
    });
    let classed = background.is_some();

    // One path per class and confidence step: a few dozen elements however the boundary
    // runs, where one rect per run made hundreds to rebuild whenever the page shows a run.
    let regions = move || {
        runs.with(|runs| {
            let mut shapes: std::collections::BTreeMap<(usize, u32), String> =
                std::collections::BTreeMap::new();
            for run in runs {
                let x = MARGIN_LEFT + run.x0 * PLOT_WIDTH;
                let y = MARGIN_TOP + (1.0 - run.y1) * PLOT_HEIGHT;
                let step = (run.confidence * CONFIDENCE_STEPS).round() as u32;
                shapes
                    .entry((run.class, step))
                    .or_default()
                    .push_str(&format!(
                        "M{} {}h{}v{}h-{}z",
                        coord(x),
                        coord(y),
                        coord((run.x1 - run.x0) * PLOT_WIDTH),
                        coord((run.y1 - run.y0) * PLOT_HEIGHT),
                        coord((run.x1 - run.x0) * PLOT_WIDTH)
                    ));
            }
            shapes
                .into_iter()
                .map(|((class, step), d)| {
                    let confidence = f64::from(step) / f64::from(CONFIDENCE_STEPS);
                    let title = format!("class {class}: {:.0}% confident", confidence * 100.0);
                    view! {
                        <path class="region" d=d
                            fill=CLASS_COLOURS[class % CLASS_COLOURS.len()]
                            fill-opacity=format!("{:.3}", confidence * MAX_CELL_OPACITY)>
                            <title>{title}</title>
                        </path>
                    }
                })
                .collect_view()
        })
    };
    let (mark_x, mark_y) = (x_label.clone(), y_label.clone());
    let marks = move || {
        let b = bounds.get();
        let shown = points.with(|all| drawn(all));
        let classed = classed || shown.iter().any(|p| p.class != 0);
        if shown.len() > MAX_SEPARATE_POINTS {
            return clouds(&shown, &b).into_any();
        }
        shown
            .into_iter()
            .map(|p| {
                let (cx, cy) = b.to_screen(p.x, p.y);
                let mut title = format!(
                    "{mark_x} {}, {mark_y} {}",
                    format_number(p.x),
                    format_number(p.y)
                );
                if classed {
                    title.push_str(&format!(", class {}", p.class));
                }
                view! {
                    <circle class=format!("point point-{}", p.class % 8)
                        cx=coord(cx) cy=coord(cy) r=POINT_RADIUS>
                        <title>{title}</title>
                    </circle>
                }
            })
            .collect_view()
            .into_any()
    };
    let x_ticks = move || {
        let b = bounds.get();
        nice_ticks(b.x_min, b.x_max, TARGET_TICKS)
            .into_iter()
            .map(|value| {
                let (sx, _) = b.to_screen(value, b.y_min);
                view! {
                    <line class="grid" x1=coord(sx) x2=coord(sx) y1=MARGIN_TOP y2=MARGIN_TOP + PLOT_HEIGHT />
                    <text class="tick" x=coord(sx) y=MARGIN_TOP + PLOT_HEIGHT + 14.0 text-anchor="middle">
                        {format_number(value)}
                    </text>
                }
            })
            .collect_view()
    };
    let y_ticks = move || {
        let b = bounds.get();
        nice_ticks(b.y_min, b.y_max, TARGET_TICKS)
            .into_iter()
            .map(|value| {
                let (_, sy) = b.to_screen(b.x_min, value);
                view! {
                    <line class="grid" x1=MARGIN_LEFT x2=MARGIN_LEFT + PLOT_WIDTH y1=coord(sy) y2=coord(sy) />
                    <text class="tick" x=MARGIN_LEFT - 6.0 y=coord(sy + 4.0) text-anchor="end">
                        {format_number(value)}
                    </text>
                }
            })
            .collect_view()
    };
    let identity_title = format!("{y_label} = {x_label}");
    let identity = move || {
        let b = bounds.get();
        diagonal.then(|| b.diagonal()).flatten().map(|(low, high)| {
            let (x1, y1) = b.to_screen(low, low);
            let (x2, y2) = b.to_screen(high, high);
            view! {
                <line class="diagonal" x1=coord(x1) y1=coord(y1) x2=coord(x2) y2=coord(y2)>
                    <title>{identity_title.clone()}</title>
                </line>
            }
        })
    };
    let label = {
        let (x_label, y_label) = (x_label.clone(), y_label.clone());
        move || {
            let count = points.with(Vec::len);
            let over = if runs.with(Vec::is_empty) {
                ""
            } else {
                ", over the model's decision regions"
            };
            format!("{y_label} against {x_label}: {count} points{over}")
        }
    };

    view! {
        <figure class="scatter-plot">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                <g class="regions">{regions}</g>
                {x_ticks}
                {y_ticks}
                {identity}
                <g class="points" data-count=move || points.with(|all| drawn(all).len())>{marks}</g>
                <text class="axis-label" x=MARGIN_LEFT + PLOT_WIDTH / 2.0 y=HEIGHT - 2.0 text-anchor="middle">
                    {x_label}
                </text>
                <text class="axis-label" x=12 y=MARGIN_TOP + PLOT_HEIGHT / 2.0 text-anchor="middle"
                    transform=format!("rotate(-90 12 {})", MARGIN_TOP + PLOT_HEIGHT / 2.0)>
                    {y_label}
                </text>
            </svg>
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

impl Bounds {
    /// The heatmap's frame, widened only if degenerate so nothing divides by zero.
    fn of_heatmap(heatmap: &BoundaryGrid) -> Bounds {
        let (x_min, x_max) = usable_range(heatmap.x_min, heatmap.x_max);
        let (y_min, y_max) = usable_range(heatmap.y_min, heatmap.y_max);
        Bounds {
            x_min,
            x_max,
            y_min,
            y_max,
        }
    }

    /// Data to SVG coordinates; points outside are pinned to the frame's edge rather than
    /// drawn over the axes.
    fn to_screen(self, x: f64, y: f64) -> (f64, f64) {
        let fx = ((x - self.x_min) / (self.x_max - self.x_min)).clamp(0.0, 1.0);
        let fy = ((y - self.y_min) / (self.y_max - self.y_min)).clamp(0.0, 1.0);
        (
            MARGIN_LEFT + fx * PLOT_WIDTH,
            MARGIN_TOP + (1.0 - fy) * PLOT_HEIGHT,
        )
    }

    /// The stretch of y = x inside the frame, if it crosses it.
    fn diagonal(self) -> Option<(f64, f64)> {
        let low = self.x_min.max(self.y_min);
        let high = self.x_max.min(self.y_max);
        (low < high).then_some((low, high))
    }
}

/// The points drawn: at most [`MAX_POINTS`], evenly spread through the data, finite only.
fn drawn(points: &[ScatterPoint]) -> Vec<ScatterPoint> {
    evenly_spaced(points.len(), MAX_POINTS)
        .map(|i| points[i])
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect()
}

/// Many points as one path per class (each point a circle of two arcs), in class order. A path
/// paints all its fill before its stroke, so each class's white outlines are a path of their
/// own, underneath: overlapping points then look as separate circles do.
fn clouds(points: &[ScatterPoint], bounds: &Bounds) -> impl IntoView + use<> {
    let mut paths: std::collections::BTreeMap<usize, String> = std::collections::BTreeMap::new();
    for p in points {
        let (cx, cy) = bounds.to_screen(p.x, p.y);
        paths.entry(p.class % 8).or_default().push_str(&format!(
            "M{} {}a{r} {r} 0 1 0 {d} 0a{r} {r} 0 1 0 -{d} 0",
            coord(cx - POINT_RADIUS),
            coord(cy),
            r = POINT_RADIUS,
            d = 2.0 * POINT_RADIUS
        ));
    }
    paths
        .into_iter()
        .map(|(class, d)| {
            view! {
                <path class="cloud-outline" d=d.clone() />
                <path class=format!("cloud point-{class}") d=d />
            }
        })
        .collect_view()
}

/// The padded box around the finite points. With `diagonal` both axes share one range, so
/// y = x runs corner to corner and a model's bias reads as distance from it.
fn data_bounds(points: &[ScatterPoint], diagonal: bool) -> Bounds {
    let finite = || points.iter().filter(|p| p.x.is_finite() && p.y.is_finite());
    let range = |values: &mut dyn Iterator<Item = f64>| {
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| {
            (low.min(v), high.max(v))
        })
    };
    let (mut x_min, mut x_max) = range(&mut finite().map(|p| p.x));
    let (mut y_min, mut y_max) = range(&mut finite().map(|p| p.y));
    if x_min > x_max {
        return Bounds {
            x_min: 0.0,
            x_max: 1.0,
            y_min: 0.0,
            y_max: 1.0,
        };
    }
    if diagonal {
        (x_min, x_max) = (x_min.min(y_min), x_max.max(y_max));
        (y_min, y_max) = (x_min, x_max);
    }
    let (x_min, x_max) = padded(x_min, x_max);
    let (y_min, y_max) = padded(y_min, y_max);
    Bounds {
        x_min,
        x_max,
        y_min,
        y_max,
    }
}

fn padded(min: f64, max: f64) -> (f64, f64) {
    let pad = if max > min {
        (max - min) * PADDING
    } else {
        (min.abs() * PADDING).max(1.0)
    };
    (min - pad, max + pad)
}

fn usable_range(min: f64, max: f64) -> (f64, f64) {
    if min.is_finite() && max.is_finite() && max > min {
        (min, max)
    } else if min.is_finite() {
        (min - 1.0, min + 1.0)
    } else {
        (0.0, 1.0)
    }
}

/// Round-numbered ticks (1, 2 or 5 times a power of ten apart) inside `min..=max`, about
/// `target` of them.
fn nice_ticks(min: f64, max: f64, target: usize) -> Vec<f64> {
    if !(min.is_finite() && max.is_finite()) || max <= min || target == 0 {
        return Vec::new();
    }
    let raw = (max - min) / target as f64;
    let power = 10f64.powf(raw.log10().floor());
    let multiple = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|&m| m * power >= raw)
        .unwrap_or(10.0);
    let step = multiple * power;
    // Dividing by a whole 1/power, rather than multiplying by a fractional power, keeps 0.6
    // from printing as 0.6000000000000001.
    let tick = |k: i64| {
        if power < 1.0 {
            k as f64 * multiple / (1.0 / power).round()
        } else {
            k as f64 * step
        }
    };
    let first = (min / step - 1e-9).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    (first..=last).map(tick).collect()
}

/// A horizontal run of heatmap cells drawn as one rect, in fractions of the heatmap's frame
/// (0 at its minimum, 1 at its maximum).
#[derive(Debug, Clone, PartialEq)]
struct CellRun {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    class: usize,
    /// Rounded to one of [`CONFIDENCE_STEPS`].
    confidence: f32,
}

/// The heatmap as few rects as its looks allow: sampled down to [`MAX_RESOLUTION`], confidence
/// rounded, and each row's neighbouring cells of one class and confidence merged. A heatmap whose
/// cells do not fill its grid is not drawn.
fn heatmap_runs(heatmap: &BoundaryGrid) -> Vec<CellRun> {
    let source = heatmap.resolution;
    if source == 0 || heatmap.cells.len() != source * source {
        return Vec::new();
    }
    let drawn = source.min(MAX_RESOLUTION);
    let cell_at = |row: usize, column: usize| {
        let (class, confidence) =
            heatmap.cells[row * source / drawn * source + column * source / drawn];
        let confidence = if confidence.is_finite() {
            (confidence.clamp(0.0, 1.0) * CONFIDENCE_STEPS).round() / CONFIDENCE_STEPS
        } else {
            0.0
        };
        (class, confidence)
    };
    let fraction = |index: usize| index as f64 / drawn as f64;
    let mut runs = Vec::new();
    for row in 0..drawn {
        let mut start = 0;
        while start < drawn {
            let look = cell_at(row, start);
            let mut end = start + 1;
            while end < drawn && cell_at(row, end) == look {
                end += 1;
            }
            if look.1 > 0.0 {
                runs.push(CellRun {
                    x0: fraction(start),
                    x1: fraction(end),
                    y0: fraction(row),
                    y1: fraction(row + 1),
                    class: look.0,
                    confidence: look.1,
                });
            }
            start = end;
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f64, y: f64) -> ScatterPoint {
        ScatterPoint { x, y, class: 0 }
    }

    fn heatmap(resolution: usize, cell: impl Fn(usize, usize) -> (usize, f32)) -> BoundaryGrid {
        BoundaryGrid {
            x_min: -1.0,
            x_max: 1.0,
            y_min: -2.0,
            y_max: 2.0,
            resolution,
            cells: (0..resolution)
                .flat_map(|row| (0..resolution).map(move |column| (row, column)))
                .map(|(row, column)| cell(row, column))
                .collect(),
        }
    }

    #[test]
    fn the_palette_matches_the_stylesheet() {
        let css = include_str!("../../style/components.css");
        for (i, colour) in CLASS_COLOURS.iter().enumerate() {
            let point = format!(".point-{i} {{ fill: {colour}; }}");
            let line = format!(".roc-line-{i} {{ stroke: {colour}; color: {colour}; }}");
            assert!(css.contains(&point), "missing `{point}`");
            assert!(css.contains(&line), "missing `{line}`");
        }
    }

    #[test]
    fn data_bounds_pad_the_points_and_skip_non_finite_ones() {
        let b = data_bounds(
            &[point(0.0, 10.0), point(10.0, 20.0), point(f64::NAN, 1e9)],
            false,
        );
        assert_eq!((b.x_min, b.x_max), (-0.5, 10.5));
        assert_eq!((b.y_min, b.y_max), (9.5, 20.5));
        let single = data_bounds(&[point(3.0, 3.0)], false);
        assert!(single.x_max > single.x_min && single.y_max > single.y_min);
        assert_eq!(data_bounds(&[], false).x_max, 1.0);
    }

    #[test]
    fn the_diagonal_plot_shares_one_range() {
        let b = data_bounds(&[point(0.0, 5.0), point(10.0, 20.0)], true);
        assert_eq!((b.x_min, b.x_max), (b.y_min, b.y_max));
        assert_eq!((b.x_min, b.x_max), (-1.0, 21.0));
        assert_eq!(b.diagonal(), Some((-1.0, 21.0)));
        let apart = Bounds {
            x_min: 0.0,
            x_max: 1.0,
            y_min: 5.0,
            y_max: 6.0,
        };
        assert_eq!(apart.diagonal(), None);
    }

    #[test]
    fn screen_y_grows_downwards_and_strays_are_pinned() {
        let b = Bounds {
            x_min: 0.0,
            x_max: 10.0,
            y_min: 0.0,
            y_max: 10.0,
        };
        assert_eq!(
            b.to_screen(0.0, 0.0),
            (MARGIN_LEFT, MARGIN_TOP + PLOT_HEIGHT)
        );
        assert_eq!(
            b.to_screen(10.0, 10.0),
            (MARGIN_LEFT + PLOT_WIDTH, MARGIN_TOP)
        );
        assert_eq!(b.to_screen(-5.0, 50.0), b.to_screen(0.0, 10.0));
    }

    #[test]
    fn a_heatmap_sets_the_frame() {
        let b = Bounds::of_heatmap(&heatmap(2, |_, _| (0, 1.0)));
        assert_eq!((b.x_min, b.x_max, b.y_min, b.y_max), (-1.0, 1.0, -2.0, 2.0));
    }

    #[test]
    fn ticks_are_round_and_inside_the_range() {
        assert_eq!(nice_ticks(0.0, 1.0, 5), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(-3.7, 12.2, 5), [0.0, 5.0, 10.0]);
        assert_eq!(nice_ticks(-0.03, 0.07, 5), [-0.02, 0.0, 0.02, 0.04, 0.06]);
        assert!(nice_ticks(1.0, 1.0, 5).is_empty());
        assert!(nice_ticks(0.0, f64::INFINITY, 5).is_empty());
    }

    #[test]
    fn uniform_rows_merge_into_one_rect_each() {
        let runs = heatmap_runs(&heatmap(4, |row, _| (row % 2, 0.9)));
        assert_eq!(runs.len(), 4);
        assert!(runs.iter().all(|run| run.x0 == 0.0 && run.x1 == 1.0));
        assert_eq!((runs[0].y0, runs[0].y1, runs[0].class), (0.0, 0.25, 0));
        assert_eq!((runs[3].y0, runs[3].y1, runs[3].class), (0.75, 1.0, 1));
    }

    #[test]
    fn a_boundary_splits_the_row_and_confidence_is_rounded() {
        let runs = heatmap_runs(&heatmap(
            4,
            |_, column| {
                if column < 2 { (0, 0.81) } else { (1, 0.79) }
            },
        ));
        assert_eq!(runs.len(), 8);
        assert_eq!((runs[0].x0, runs[0].x1, runs[0].class), (0.0, 0.5, 0));
        assert_eq!((runs[1].x0, runs[1].x1, runs[1].class), (0.5, 1.0, 1));
        assert_eq!(runs[0].confidence, 0.8);
        assert_eq!(runs[1].confidence, 0.8);
    }

    #[test]
    fn fine_grids_are_sampled_down_to_the_cap() {
        let fine = heatmap(200, |row, column| ((row + column) % 2, 1.0));
        let runs = heatmap_runs(&fine);
        assert!(runs.len() <= MAX_RESOLUTION * MAX_RESOLUTION);
        assert!(
            runs.iter()
                .all(|run| (run.y1 - run.y0 - 1.0 / 50.0).abs() < 1e-12)
        );
        assert!(
            heatmap_runs(&BoundaryGrid {
                cells: vec![(0, 1.0)],
                ..fine
            })
            .is_empty()
        );
    }
}
