//! A confusion matrix as an SVG heatmap: which classes a classifier mistakes for which.

use leptos::prelude::*;

use super::chart_text::{class_name, coord, truncate};

const GRID: f64 = 360.0;
const MARGIN_LEFT: f64 = 104.0;
const MARGIN_RIGHT: f64 = 8.0;
const MARGIN_TOP: f64 = 8.0;
const MARGIN_BOTTOM: f64 = 84.0;
const WIDTH: f64 = MARGIN_LEFT + GRID + MARGIN_RIGHT;
const HEIGHT: f64 = MARGIN_TOP + GRID + MARGIN_BOTTOM;
/// Past this many classes a count no longer fits in its cell; the cell's tooltip still has it.
const MAX_COUNTED_CLASSES: usize = 12;
/// Past this many classes the names along the axes would overlap; tooltips still name them.
const MAX_NAMED_CLASSES: usize = 30;
const MAX_NAME_CHARS: usize = 12;
const NAME_FONT: f64 = 11.0;
const COUNT_FONT: f64 = 12.0;
/// An average glyph's width in ems, to tell whether a label fits without measuring the DOM.
const GLYPH_WIDTH: f64 = 0.6;
/// From this share a cell is dark enough that its count is written in white.
const DARK_SHARE: f64 = 0.5;
/// A row's whole share; an empty cell stays white so the eye goes to the mistakes.
const FULL_RGB: (u8, u8, u8) = (24, 100, 171);

/// `confusion[actual][predicted]` counts. Shading is by share of the actual class's row, so a
/// rare class's mistakes show as plainly as a common one's.
#[component]
pub fn ConfusionMatrix(confusion: Vec<Vec<usize>>, class_names: Vec<String>) -> impl IntoView {
    let count = confusion.len();
    let shares = row_shares(&confusion);
    let cell = GRID / count.max(1) as f64;
    let names: Vec<String> = (0..count).map(|i| class_name(&class_names, i)).collect();
    let short_names: Vec<String> = names.iter().map(|n| truncate(n, MAX_NAME_CHARS)).collect();
    let show_counts = count <= MAX_COUNTED_CLASSES;
    let show_names = count <= MAX_NAMED_CLASSES;
    let name_font = NAME_FONT.min(cell * 0.8);

    let cells = (0..count)
        .flat_map(|actual| (0..count).map(move |predicted| (actual, predicted)))
        .map(|(actual, predicted)| {
            let value = confusion[actual].get(predicted).copied().unwrap_or(0);
            let share = shares[actual][predicted];
            let x = MARGIN_LEFT + predicted as f64 * cell;
            let y = MARGIN_TOP + actual as f64 * cell;
            let tooltip = cell_tooltip(&names[actual], &names[predicted], value, share);
            let text = show_counts.then(|| {
                let digits = value.to_string();
                let font_size = coord(count_font_size(cell, digits.len()));
                let class = if share >= DARK_SHARE {
                    "count on-dark"
                } else {
                    "count"
                };
                view! {
                    <text class=class x=coord(x + cell / 2.0) y=coord(y + cell / 2.0)
                        text-anchor="middle" dominant-baseline="central"
                        font-size=font_size>
                        {digits}
                    </text>
                }
            });
            view! {
                <rect class="cell" x=coord(x) y=coord(y) width=coord(cell) height=coord(cell)
                    fill=heat_fill(share)>
                    <title>{tooltip}</title>
                </rect>
                {text}
            }
        })
        .collect_view();

    let row_labels = show_names.then(|| {
        short_names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let y = MARGIN_TOP + (i as f64 + 0.5) * cell;
                view! {
                    <text class="class-name" x=MARGIN_LEFT - 4.0 y=coord(y) text-anchor="end"
                        dominant-baseline="central" font-size=coord(name_font)>
                        {name.clone()}
                    </text>
                }
            })
            .collect_view()
    });
    let across = names_fit_across(&short_names, cell, name_font);
    let column_labels = show_names.then(|| {
        short_names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let x = MARGIN_LEFT + (i as f64 + 0.5) * cell;
                let y = MARGIN_TOP + GRID + 6.0;
                let (anchor, transform) = if across {
                    ("middle", String::new())
                } else {
                    ("end", format!("rotate(-45 {} {})", coord(x), coord(y)))
                };
                view! {
                    <text class="class-name" x=coord(x) y=coord(y) text-anchor=anchor
                        dominant-baseline="hanging" font-size=coord(name_font) transform=transform>
                        {name.clone()}
                    </text>
                }
            })
            .collect_view()
    });

    let label = summary(&confusion);
    view! {
        <figure class="confusion-matrix">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                {cells}
                {row_labels}
                {column_labels}
                <text class="axis-label" x=MARGIN_LEFT + GRID / 2.0 y=HEIGHT - 4.0 text-anchor="middle">
                    "Predicted"
                </text>
                <text class="axis-label" x=12 y=MARGIN_TOP + GRID / 2.0 text-anchor="middle"
                    transform=format!("rotate(-90 12 {})", MARGIN_TOP + GRID / 2.0)>
                    "Actual"
                </text>
            </svg>
        </figure>
    }
}

/// Each count as a share of its row (its actual class); 0 throughout a row with no rows.
fn row_shares(confusion: &[Vec<usize>]) -> Vec<Vec<f64>> {
    let count = confusion.len();
    confusion
        .iter()
        .map(|row| {
            let total: usize = row.iter().take(count).sum();
            (0..count)
                .map(|j| {
                    let value = row.get(j).copied().unwrap_or(0);
                    if total == 0 {
                        0.0
                    } else {
                        value as f64 / total as f64
                    }
                })
                .collect()
        })
        .collect()
}

/// White at 0, [`FULL_RGB`] at 1, straight between.
fn heat_fill(share: f64) -> String {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let channel = |full: u8| (255.0 - (255.0 - f64::from(full)) * share).round() as u8;
    let (r, g, b) = FULL_RGB;
    format!("#{:02x}{:02x}{:02x}", channel(r), channel(g), channel(b))
}

/// As large as [`COUNT_FONT`] but no wider than the cell.
fn count_font_size(cell: f64, digits: usize) -> f64 {
    let fits = (cell - 4.0) / (digits.max(1) as f64 * GLYPH_WIDTH);
    COUNT_FONT.min(fits).max(1.0)
}

/// Column names are written level when every one fits its column, slanted otherwise.
fn names_fit_across(names: &[String], cell: f64, font: f64) -> bool {
    names
        .iter()
        .all(|name| name.chars().count() as f64 * font * GLYPH_WIDTH <= cell - 2.0)
}

fn cell_tooltip(actual: &str, predicted: &str, count: usize, share: f64) -> String {
    let rows = if count == 1 { "row" } else { "rows" };
    if count == 0 {
        format!("Actual {actual}, predicted {predicted}: 0 rows")
    } else {
        format!(
            "Actual {actual}, predicted {predicted}: {count} {rows} ({:.1}% of {actual})",
            share * 100.0
        )
    }
}

/// What a screen reader says instead of the grid: its size and how much of it is right.
fn summary(confusion: &[Vec<usize>]) -> String {
    let count = confusion.len();
    let total: usize = confusion
        .iter()
        .flat_map(|row| row.iter().take(count))
        .sum();
    let correct: usize = (0..count)
        .map(|i| confusion[i].get(i).copied().unwrap_or(0))
        .sum();
    if total == 0 {
        return format!("Confusion matrix of {count} classes, with no rows");
    }
    format!(
        "Confusion matrix of {count} classes: {correct} of {total} rows ({:.1}%) on the diagonal",
        correct as f64 / total as f64 * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_normalised_by_actual_row() {
        let shares = row_shares(&[vec![3, 1], vec![0, 0]]);
        assert_eq!(shares, vec![vec![0.75, 0.25], vec![0.0, 0.0]]);
    }

    #[test]
    fn ragged_rows_read_as_zero() {
        let shares = row_shares(&[vec![2], vec![1, 1]]);
        assert_eq!(shares, vec![vec![1.0, 0.0], vec![0.5, 0.5]]);
        assert!(summary(&[vec![2], vec![1, 1]]).contains("3 of 4 rows"));
    }

    #[test]
    fn fill_runs_from_white_to_blue() {
        assert_eq!(heat_fill(0.0), "#ffffff");
        assert_eq!(heat_fill(1.0), "#1864ab");
        assert_eq!(heat_fill(2.0), "#1864ab");
        assert_eq!(heat_fill(f64::NAN), "#ffffff");
        assert_eq!(heat_fill(0.5), "#8cb2d5");
    }

    #[test]
    fn counts_shrink_to_fit_their_cell() {
        assert_eq!(count_font_size(60.0, 2), COUNT_FONT);
        let small = count_font_size(30.0, 5);
        assert!(small < COUNT_FONT);
        assert!(small * 5.0 * GLYPH_WIDTH <= 26.0 + 1e-9);
    }

    #[test]
    fn long_names_are_slanted() {
        let names = vec!["cat".to_string(), "dog".to_string()];
        assert!(names_fit_across(&names, GRID / 2.0, NAME_FONT));
        let long = vec!["setosa-long".to_string(); 10];
        assert!(!names_fit_across(&long, GRID / 10.0, NAME_FONT));
    }

    #[test]
    fn tooltips_give_count_and_share() {
        assert_eq!(
            cell_tooltip("cat", "dog", 3, 0.25),
            "Actual cat, predicted dog: 3 rows (25.0% of cat)"
        );
        assert_eq!(
            cell_tooltip("cat", "dog", 0, 0.0),
            "Actual cat, predicted dog: 0 rows"
        );
    }

    #[test]
    fn the_summary_counts_the_diagonal() {
        assert_eq!(
            summary(&[vec![2, 1], vec![0, 1]]),
            "Confusion matrix of 2 classes: 3 of 4 rows (75.0%) on the diagonal"
        );
        assert_eq!(summary(&[]), "Confusion matrix of 0 classes, with no rows");
    }
}
