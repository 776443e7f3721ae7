//! Parallel coordinates: one vertical axis per hyperparameter and the metric last, one line per
//! run, so settings that go with good results line up.

use leptos::prelude::*;

use super::chart_text::{coord, format_number, truncate};

#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub name: String,
    /// numeric axes scale min..max; text axes place distinct values evenly
    pub kind: AxisKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AxisKind {
    Numeric,
    /// The values in the order they are listed bottom to top; text values a line has but this
    /// list lacks are added after them.
    Categorical(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PcLine {
    pub label: String,
    /// one per axis; None = missing
    pub values: Vec<Option<AxisValue>>,
    /// 0..1, colours the line (the chosen metric, normalised). Higher values are drawn on top,
    /// so normalise the best run to 1.
    pub colour_value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    Number(f64),
    Text(String),
}

const MIN_WIDTH: f64 = 640.0;
const AXIS_SPACING: f64 = 110.0;
const HEIGHT: f64 = 320.0;
/// Half an axis's spacing: the first axis's name is centred on it and may be that wide.
const MARGIN_LEFT: f64 = AXIS_SPACING / 2.0;
const MARGIN_RIGHT: f64 = 80.0;
const MARGIN_TOP: f64 = 36.0;
const MARGIN_BOTTOM: f64 = 44.0;
const PLOT_HEIGHT: f64 = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
/// How many `.pc-ramp-N` classes the stylesheet has: a class per line keeps colours out of the
/// markup, and ten steps are as many as the eye tells apart on a thin line.
const RAMP_STEPS: usize = 10;
#[cfg(test)]
const RAMP_LOW: (u8, u8, u8) = (28, 126, 214);
#[cfg(test)]
const RAMP_HIGH: (u8, u8, u8) = (247, 103, 7);
/// More labels than this on one axis would overlap; the rest are in the lines' tooltips.
const MAX_CATEGORY_LABELS: usize = 12;
const NAME_FONT: f64 = 12.0;
const GLYPH_WIDTH: f64 = 0.6;

#[component]
pub fn ParallelCoordinates(axes: Vec<Axis>, lines: Vec<PcLine>) -> impl IntoView {
    let width = chart_width(axes.len());
    let scales = scales(&axes, &lines);
    let name_chars = ((AXIS_SPACING - 8.0) / (NAME_FONT * GLYPH_WIDTH)) as usize;

    let axis_marks = axes
        .iter()
        .zip(&scales)
        .enumerate()
        .map(|(i, (axis, scale))| {
            let x = axis_x(i, axes.len(), width);
            let ticks = scale
                .ticks()
                .into_iter()
                .map(|(position, text)| {
                    view! {
                        <text class="tick" x=coord(x + 5.0) y=coord(to_y(position) + 4.0)>{text}</text>
                    }
                })
                .collect_view();
            view! {
                <g class="pc-axis">
                    <line class="axis" x1=coord(x) x2=coord(x) y1=MARGIN_TOP y2=MARGIN_TOP + PLOT_HEIGHT />
                    <text class="axis-name" x=coord(x) y=MARGIN_TOP - 14.0 text-anchor="middle">
                        <title>{axis.name.clone()}</title>
                        {truncate(&axis.name, name_chars)}
                    </text>
                    {ticks}
                </g>
            }
        })
        .collect_view();

    let runs = draw_order(&lines)
        .into_iter()
        .map(|index| {
            let line = &lines[index];
            let positions: Vec<Option<f64>> = scales
                .iter()
                .enumerate()
                .map(|(i, scale)| {
                    line.values
                        .get(i)
                        .and_then(Option::as_ref)
                        .and_then(|value| scale.position(value))
                })
                .collect();
            let class = format!("pc-run pc-ramp-{}", ramp_step(line.colour_value));
            let marks = line_segments(&positions)
                .into_iter()
                .map(|segment| {
                    let screen: Vec<(f64, f64)> = segment
                        .iter()
                        .map(|&(i, position)| (axis_x(i, axes.len(), width), to_y(position)))
                        .collect();
                    if let [(cx, cy)] = screen[..] {
                        view! { <circle cx=coord(cx) cy=coord(cy) r=2.5 /> }.into_any()
                    } else {
                        let points = screen
                            .iter()
                            .map(|&(x, y)| format!("{},{}", coord(x), coord(y)))
                            .collect::<Vec<_>>()
                            .join(" ");
                        view! { <polyline points=points /> }.into_any()
                    }
                })
                .collect_view();
            view! {
                <g class=class>
                    <title>{line_tooltip(line, &axes)}</title>
                    {marks}
                </g>
            }
        })
        .collect_view();

    let metric = axes
        .last()
        .map(|axis| axis.name.clone())
        .unwrap_or_default();
    let swatches = (0..RAMP_STEPS)
        .map(|step| {
            let x = MARGIN_LEFT + 120.0 + step as f64 * 12.0;
            view! {
                <rect class=format!("swatch pc-ramp-{step}") x=coord(x) y=HEIGHT - 18.0 width=12 height=8 />
            }
        })
        .collect_view();
    let label = format!(
        "Parallel coordinates of {} runs over {}",
        lines.len(),
        axes.iter()
            .map(|axis| axis.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    view! {
        <figure class="parallel-coordinates">
            <svg viewBox=format!("0 0 {width} {HEIGHT}") role="img" aria-label=label>
                <g class="runs">{runs}</g>
                {axis_marks}
                <g class="ramp-legend">
                    <text class="tick" x=MARGIN_LEFT + 114.0 y=HEIGHT - 10.0 text-anchor="end">
                        {format!("{} low", truncate(&metric, 16))}
                    </text>
                    {swatches}
                    <text class="tick" x=MARGIN_LEFT + 126.0 + RAMP_STEPS as f64 * 12.0 y=HEIGHT - 10.0>
                        "high"
                    </text>
                </g>
            </svg>
        </figure>
    }
}

/// How an axis turns a value into a height, 0 at the bottom and 1 at the top.
#[derive(Debug, Clone, PartialEq)]
enum Scale {
    /// `None` when no line has a number on the axis.
    Numeric(Option<(f64, f64)>),
    Categorical(Vec<String>),
}

impl Scale {
    /// `None` for a value the axis cannot place: text on a numeric axis, a number on a text
    /// axis, or a number that is not finite. The line breaks there, as for a missing value.
    fn position(&self, value: &AxisValue) -> Option<f64> {
        match (self, value) {
            (Scale::Numeric(Some((min, max))), AxisValue::Number(v)) if v.is_finite() => {
                Some(if max > min {
                    (v - min) / (max - min)
                } else {
                    0.5
                })
            }
            (Scale::Categorical(categories), AxisValue::Text(text)) => categories
                .iter()
                .position(|c| c == text)
                .map(|index| category_position(index, categories.len())),
            _ => None,
        }
    }

    /// Labels to write beside the axis: a numeric axis's extremes, or its categories (every
    /// n-th when there are many).
    fn ticks(&self) -> Vec<(f64, String)> {
        match self {
            Scale::Numeric(None) => Vec::new(),
            Scale::Numeric(Some((min, max))) if min == max => vec![(0.5, format_number(*min))],
            Scale::Numeric(Some((min, max))) => {
                vec![(0.0, format_number(*min)), (1.0, format_number(*max))]
            }
            Scale::Categorical(categories) => {
                let step = categories.len().div_ceil(MAX_CATEGORY_LABELS).max(1);
                categories
                    .iter()
                    .enumerate()
                    .step_by(step)
                    .map(|(i, c)| (category_position(i, categories.len()), truncate(c, 12)))
                    .collect()
            }
        }
    }
}

/// Each axis's scale, from the values the lines hold on it.
fn scales(axes: &[Axis], lines: &[PcLine]) -> Vec<Scale> {
    axes.iter()
        .enumerate()
        .map(|(i, axis)| {
            let values = lines
                .iter()
                .filter_map(move |line| line.values.get(i).and_then(Option::as_ref));
            match &axis.kind {
                AxisKind::Numeric => {
                    let range = values
                        .filter_map(|value| match value {
                            AxisValue::Number(v) if v.is_finite() => Some(*v),
                            _ => None,
                        })
                        .fold(None, |range: Option<(f64, f64)>, v| {
                            Some(range.map_or((v, v), |(low, high)| (low.min(v), high.max(v))))
                        });
                    Scale::Numeric(range)
                }
                AxisKind::Categorical(listed) => {
                    let mut categories = listed.clone();
                    for value in values {
                        if let AxisValue::Text(text) = value
                            && !categories.contains(text)
                        {
                            categories.push(text.clone());
                        }
                    }
                    Scale::Categorical(categories)
                }
            }
        })
        .collect()
}

/// Categories spread bottom to top; a lone one sits halfway.
fn category_position(index: usize, count: usize) -> f64 {
    if count <= 1 {
        0.5
    } else {
        index as f64 / (count - 1) as f64
    }
}

/// Runs of consecutive axes a line has a value on, as (axis index, height). A missing value
/// breaks the line rather than being drawn at some made-up height.
fn line_segments(positions: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut segments = Vec::new();
    let mut current = Vec::new();
    for (i, position) in positions.iter().enumerate() {
        match position {
            Some(height) => current.push((i, *height)),
            None if !current.is_empty() => segments.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

/// Lowest colour value first, so the best runs are drawn last, on top.
fn draw_order(lines: &[PcLine]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|&a, &b| unit(lines[a].colour_value).total_cmp(&unit(lines[b].colour_value)));
    order
}

fn unit(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Which `.pc-ramp-N` class colours a line.
fn ramp_step(value: f64) -> usize {
    (unit(value) * (RAMP_STEPS - 1) as f64).round() as usize
}

/// The colour a line with this colour value must be drawn in: the tests hold each
/// `.pc-ramp-N` rule of the stylesheet to it. The ramp runs straight from blue to orange in RGB;
/// its middle is a grey-brown, still clear on a light page.
#[cfg(test)]
fn ramp_colour(value: f64) -> String {
    let t = ramp_step(value) as f64 / (RAMP_STEPS - 1) as f64;
    let channel =
        |low: u8, high: u8| (f64::from(low) + (f64::from(high) - f64::from(low)) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        channel(RAMP_LOW.0, RAMP_HIGH.0),
        channel(RAMP_LOW.1, RAMP_HIGH.1),
        channel(RAMP_LOW.2, RAMP_HIGH.2)
    )
}

fn chart_width(axis_count: usize) -> f64 {
    (MARGIN_LEFT + MARGIN_RIGHT + axis_count.saturating_sub(1) as f64 * AXIS_SPACING).max(MIN_WIDTH)
}

/// Axes spread evenly across the plot; a lone axis stands in the middle.
fn axis_x(index: usize, count: usize, width: f64) -> f64 {
    let plot = width - MARGIN_LEFT - MARGIN_RIGHT;
    if count <= 1 {
        MARGIN_LEFT + plot / 2.0
    } else {
        MARGIN_LEFT + index as f64 * plot / (count - 1) as f64
    }
}

fn to_y(position: f64) -> f64 {
    MARGIN_TOP + (1.0 - unit(position)) * PLOT_HEIGHT
}

fn line_tooltip(line: &PcLine, axes: &[Axis]) -> String {
    let values: Vec<String> = axes
        .iter()
        .enumerate()
        .map(|(i, axis)| {
            let value = match line.values.get(i).and_then(Option::as_ref) {
                Some(AxisValue::Number(v)) => format_number(*v),
                Some(AxisValue::Text(text)) => text.clone(),
                None => "missing".to_string(),
            };
            format!("{} {value}", axis.name)
        })
        .collect();
    format!("{}: {}", line.label, values.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(name: &str) -> Axis {
        Axis {
            name: name.to_string(),
            kind: AxisKind::Numeric,
        }
    }

    fn line(values: Vec<Option<AxisValue>>, colour_value: f64) -> PcLine {
        PcLine {
            label: "run".to_string(),
            values,
            colour_value,
        }
    }

    use AxisValue::{Number, Text};

    #[test]
    fn numeric_axes_span_the_lines_values() {
        let lines = [
            line(vec![Some(Number(0.25))], 0.0),
            line(vec![Some(Number(0.75))], 0.0),
            line(vec![Some(Number(f64::NAN))], 0.0),
            line(vec![None], 0.0),
        ];
        let scale = &scales(&[numeric("lr")], &lines)[0];
        assert_eq!(scale, &Scale::Numeric(Some((0.25, 0.75))));
        assert_eq!(scale.position(&Number(0.5)), Some(0.5));
        assert_eq!(scale.position(&Text("x".into())), None);
        assert_eq!(
            scale.ticks(),
            [(0.0, "0.25".to_string()), (1.0, "0.75".to_string())]
        );
    }

    #[test]
    fn a_constant_axis_puts_everything_halfway() {
        let lines = [line(vec![Some(Number(3.0))], 0.0)];
        let scale = &scales(&[numeric("epochs")], &lines)[0];
        assert_eq!(scale.position(&Number(3.0)), Some(0.5));
        assert_eq!(scale.ticks(), [(0.5, "3".to_string())]);
        assert!(scales(&[numeric("empty")], &[])[0].ticks().is_empty());
    }

    #[test]
    fn text_axes_list_their_categories_then_any_unlisted_ones() {
        let axis = Axis {
            name: "optimiser".to_string(),
            kind: AxisKind::Categorical(vec!["sgd".into(), "adam".into()]),
        };
        let lines = [
            line(vec![Some(Text("adamw".into()))], 0.0),
            line(vec![Some(Text("sgd".into()))], 0.0),
        ];
        let scale = &scales(&[axis], &lines)[0];
        assert_eq!(
            scale,
            &Scale::Categorical(vec!["sgd".into(), "adam".into(), "adamw".into()])
        );
        assert_eq!(scale.position(&Text("sgd".into())), Some(0.0));
        assert_eq!(scale.position(&Text("adam".into())), Some(0.5));
        assert_eq!(scale.position(&Text("adamw".into())), Some(1.0));
        assert_eq!(scale.position(&Number(1.0)), None);
        assert_eq!(category_position(0, 1), 0.5);
    }

    #[test]
    fn many_categories_label_every_nth() {
        let scale = Scale::Categorical((0..30).map(|i| format!("c{i}")).collect());
        let ticks = scale.ticks();
        assert!(ticks.len() <= MAX_CATEGORY_LABELS);
        assert_eq!(ticks[0], (0.0, "c0".to_string()));
    }

    #[test]
    fn missing_values_break_the_line() {
        let segments = line_segments(&[
            Some(0.1),
            Some(0.2),
            None,
            Some(0.4),
            None,
            Some(0.6),
            Some(0.7),
        ]);
        assert_eq!(
            segments,
            vec![
                vec![(0, 0.1), (1, 0.2)],
                vec![(3, 0.4)],
                vec![(5, 0.6), (6, 0.7)]
            ]
        );
        assert!(line_segments(&[None, None]).is_empty());
    }

    #[test]
    fn best_runs_are_drawn_last() {
        let lines = [line(vec![], 0.9), line(vec![], f64::NAN), line(vec![], 0.2)];
        assert_eq!(draw_order(&lines), [1, 2, 0]);
    }

    #[test]
    fn the_ramp_runs_blue_to_orange_in_steps() {
        assert_eq!(ramp_colour(0.0), "#1c7ed6");
        assert_eq!(ramp_colour(1.0), "#f76707");
        assert_eq!(ramp_colour(7.0), "#f76707");
        assert_eq!(
            ramp_colour(0.52),
            ramp_colour(5.0 / 9.0),
            "one colour per step"
        );
        assert_eq!(ramp_step(0.0), 0);
        assert_eq!(ramp_step(1.0), RAMP_STEPS - 1);
        assert_eq!(ramp_step(-3.0), 0);
        assert_eq!(ramp_step(f64::NAN), 0);
        assert_eq!(ramp_step(0.5), 5);
    }

    #[test]
    fn the_stylesheet_has_every_ramp_step() {
        let css = include_str!("../../style/components.css");
        for step in 0..RAMP_STEPS {
            let colour = ramp_colour(step as f64 / (RAMP_STEPS - 1) as f64);
            let rule = format!(".pc-ramp-{step} {{ stroke: {colour}; fill: {colour}; }}");
            assert!(css.contains(&rule), "missing `{rule}`");
        }
    }

    #[test]
    fn axes_spread_across_and_a_lone_one_is_centred() {
        let width = chart_width(3);
        assert_eq!(width, MIN_WIDTH);
        assert_eq!(axis_x(0, 3, width), MARGIN_LEFT);
        assert_eq!(axis_x(2, 3, width), width - MARGIN_RIGHT);
        assert_eq!(
            axis_x(0, 1, width),
            MARGIN_LEFT + (width - MARGIN_LEFT - MARGIN_RIGHT) / 2.0
        );
        assert!(chart_width(20) > MIN_WIDTH);
        assert_eq!(to_y(1.0), MARGIN_TOP);
        assert_eq!(to_y(0.0), MARGIN_TOP + PLOT_HEIGHT);
    }

    #[test]
    fn tooltips_name_every_axis() {
        let axes = [numeric("lr"), numeric("accuracy")];
        let run = PcLine {
            label: "run 3".to_string(),
            values: vec![Some(Number(0.01)), None],
            colour_value: 0.5,
        };
        assert_eq!(
            line_tooltip(&run, &axes),
            "run 3: lr 0.01, accuracy missing"
        );
    }
}
