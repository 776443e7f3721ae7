//! A canvas to draw an image on for an image model (the 8x8 digits): the person draws with a
//! mouse, pen or finger in thick round strokes, and at the end of each stroke the drawing is
//! fitted to the model's grid and averaged down to one value per cell, which a small preview
//! shows as the model will see it. That preview is also a grid a keyboard fills: the arrow
//! keys move between its cells and Space (or Enter) inks or empties one, so a person who cannot
//! draw can still ask the model. A stroke drawn afterwards replaces the grid with the drawing.

use leptos::prelude::*;

use crate::platform;
use crate::platform::canvas::{Coverage, Pen};

/// The drawing surface, in canvas pixels (CSS may show it smaller; pointer positions are
/// scaled to match).
const CANVAS_SIZE: u32 = 280;
/// About a tenth of the surface: a digit drawn across most of it comes out with strokes about
/// one cell thick on an 8x8 grid, like the training digits.
const STROKE_WIDTH: f64 = 28.0;
const INK: &str = "#1f2328";

/// Averages ink coverage (`alpha`, one byte per pixel, row-major) down to `rows x columns`
/// cells, each value in 0..=1.
///
/// The drawing is first fitted to the grid: the smallest box of the grid's shape that holds
/// everything drawn, centred on it. The training digits were made that way (each was scaled to
/// fill the image's height and centred before being averaged down), so a digit drawn small or
/// off to one side still looks to the model like the ones it learned from.
fn downsample(
    alpha: &[u8],
    width: usize,
    height: usize,
    rows: usize,
    columns: usize,
) -> Option<Vec<f32>> {
    if rows == 0 || columns == 0 || alpha.len() < width * height {
        return None;
    }
    let (mut left, mut right, mut top, mut bottom) = (usize::MAX, 0, usize::MAX, 0);
    for y in 0..height {
        for x in 0..width {
            if alpha[y * width + x] > 0 {
                left = left.min(x);
                right = right.max(x);
                top = top.min(y);
                bottom = bottom.max(y);
            }
        }
    }
    if left > right {
        return None;
    }
    let ink_width = (right - left + 1) as f64;
    let ink_height = (bottom - top + 1) as f64;
    let aspect = columns as f64 / rows as f64;
    let box_height = ink_height.max(ink_width / aspect);
    let box_width = box_height * aspect;
    let box_left = (left + right + 1) as f64 / 2.0 - box_width / 2.0;
    let box_top = (top + bottom + 1) as f64 / 2.0 - box_height / 2.0;
    let cell_width = box_width / columns as f64;
    let cell_height = box_height / rows as f64;
    let mut sums = vec![0.0f64; rows * columns];
    for y in top..=bottom {
        let row = (((y as f64 + 0.5 - box_top) / cell_height) as usize).min(rows - 1);
        for x in left..=right {
            let ink = alpha[y * width + x];
            if ink > 0 {
                let column = (((x as f64 + 0.5 - box_left) / cell_width) as usize).min(columns - 1);
                sums[row * columns + column] += f64::from(ink) / 255.0;
            }
        }
    }
    let cell_area = cell_width * cell_height;
    Some(
        sums.into_iter()
            .map(|sum| (sum / cell_area).clamp(0.0, 1.0) as f32)
            .collect(),
    )
}

/// A drawing canvas (`#digit-canvas`) with a Clear button and a preview of the grid the model
/// sees. `on_change` gets the grid (values in 0..=1) after each stroke, and `None` when the
/// canvas is cleared.
#[component]
pub fn DigitCanvas(
    rows: usize,
    columns: usize,
    #[prop(into)] on_change: Callback<Option<Vec<f32>>>,
) -> impl IntoView {
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let pen = StoredValue::new_local(Pen::new(STROKE_WIDTH, INK));
    let grid = RwSignal::new(vec![0.0f32; rows * columns]);

    let finish = move || {
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        let Some(drawn) = pen.with_value(|pen| pen.lift(&canvas)) else {
            return;
        };
        let sampled = drawn.and_then(|coverage: Coverage| {
            downsample(
                &coverage.alpha,
                coverage.width,
                coverage.height,
                rows,
                columns,
            )
        });
        grid.set(sampled.clone().unwrap_or_else(|| vec![0.0; rows * columns]));
        on_change.run(sampled);
    };
    let clear = move |_| {
        if let Some(canvas) = canvas_ref.get_untracked() {
            pen.with_value(|pen| pen.clear(&canvas));
        }
        grid.set(vec![0.0; rows * columns]);
        on_change.run(None);
    };

    // Each cell is drawn once and follows its own value, so the keyboard's focus stays on a
    // cell while the grid changes under it.
    let toggle_cell = move |index: usize| {
        grid.update(|grid| grid[index] = if grid[index] >= 0.5 { 0.0 } else { 1.0 });
        let values = grid.get_untracked();
        let inked = values.iter().any(|value| *value > 0.0);
        on_change.run(inked.then_some(values));
    };
    let focused = RwSignal::new(0usize);
    let cell_id = |index: usize| format!("digit-cell-{index}");
    let on_grid_keydown = move |event: leptos::ev::KeyboardEvent| {
        let current = focused.get_untracked();
        let (row, column) = (current / columns, current % columns);
        let next = match event.key().as_str() {
            "ArrowRight" if column + 1 < columns => current + 1,
            "ArrowLeft" if column > 0 => current - 1,
            "ArrowDown" if row + 1 < rows => current + columns,
            "ArrowUp" if row > 0 => current - columns,
            "Home" => row * columns,
            "End" => row * columns + columns - 1,
            _ => return,
        };
        event.prevent_default();
        focused.set(next);
        platform::document::focus(&cell_id(next));
    };
    let cells = (0..rows * columns)
        .map(|index| {
            let value = move || grid.with(|grid| grid.get(index).copied().unwrap_or(0.0));
            let label = format!(
                "Row {}, column {}",
                index / columns + 1,
                index % columns + 1
            );
            view! {
                <button type="button" class="digit-cell" id=cell_id(index) aria-label=label
                    tabindex=move || if focused.get() == index { "0" } else { "-1" }
                    aria-pressed=move || (value() >= 0.5).to_string()
                    style=move || format!("background-color: rgba(31, 35, 40, {:.3})", value())
                    data-value=move || format!("{:.2}", value())
                    on:focus=move |_| focused.set(index)
                    on:click=move |_| toggle_cell(index)>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="digit-canvas">
            <canvas
                id="digit-canvas"
                node_ref=canvas_ref
                width=CANVAS_SIZE
                height=CANVAS_SIZE
                role="img"
                aria-label="Drawing area: draw with the mouse, a pen or a finger, or fill the grid beside it with the keyboard"
                on:pointerdown=move |event| if let Some(canvas) = canvas_ref.get_untracked() {
                    pen.with_value(|pen| pen.press(&canvas, &event));
                }
                on:pointermove=move |event| if let Some(canvas) = canvas_ref.get_untracked() {
                    pen.with_value(|pen| pen.drag(&canvas, &event));
                }
                on:pointerup=move |_| finish()
                on:pointercancel=move |_| finish()
                on:lostpointercapture=move |_| finish()
            ></canvas>
            <div class="digit-side">
                <button type="button" class="digit-clear" on:click=clear>"Clear"</button>
                <figure class="digit-preview">
                    <div
                        class="digit-grid"
                        style=format!("grid-template-columns: repeat({columns}, 1fr)")
                        role="group"
                        aria-label="What the model sees: arrow keys move, Space inks or empties a cell"
                        on:keydown=on_grid_keydown
                    >
                        {cells}
                    </div>
                    <figcaption>
                        {format!("What the model sees ({rows}x{columns}). ")}
                        "Keyboard: arrow keys move, Space inks a cell."
                    </figcaption>
                </figure>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::downsample;

    #[test]
    fn a_drawing_is_fitted_to_the_grid_before_it_is_averaged() {
        // A 2x2 block of full ink in the corner of a 10x10 canvas fills the whole 2x2 grid.
        let mut alpha = vec![0u8; 100];
        for (x, y) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            alpha[y * 10 + x] = 255;
        }
        assert_eq!(downsample(&alpha, 10, 10, 2, 2), Some(vec![1.0; 4]));
        // A vertical bar is centred in a square box: its middle column only.
        let mut bar = vec![0u8; 100];
        for y in 2..8 {
            bar[y * 10 + 5] = 255;
        }
        let grid = downsample(&bar, 10, 10, 3, 3).unwrap();
        assert!(
            grid[1] > 0.0 && grid[0] == 0.0 && grid[2] == 0.0,
            "{grid:?}"
        );
        assert_eq!(downsample(&[0; 100], 10, 10, 2, 2), None, "nothing drawn");
    }
}
