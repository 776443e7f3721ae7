//! A canvas to draw an image on for an image model (the 8x8 digits): the person draws with a
//! mouse, pen or finger in thick round strokes, and at the end of each stroke the drawing is
//! fitted to the model's grid and averaged down to one value per cell, which a small preview
//! shows as the model will see it.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, PointerEvent};

/// The drawing surface, in canvas pixels (CSS may show it smaller; pointer positions are
/// scaled to match).
const CANVAS_SIZE: u32 = 280;
/// About a tenth of the surface: a digit drawn across most of it comes out with strokes about
/// one cell thick on an 8x8 grid, like the training digits.
const STROKE_WIDTH: f64 = 28.0;
const INK: &str = "#1f2328";

/// The 2-D context. It is asked for the same way every time, because the options only count
/// on the first request: the drawing is read back after every stroke, so it is kept in memory
/// the CPU can read quickly.
fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE).ok()?;
    let context = canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    context.set_line_width(STROKE_WIDTH);
    context.set_line_cap("round");
    context.set_line_join("round");
    context.set_stroke_style_str(INK);
    context.set_fill_style_str(INK);
    Some(context)
}

/// Where the pointer is, in canvas pixels.
fn position(canvas: &HtmlCanvasElement, event: &PointerEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let scale_x = f64::from(canvas.width()) / rect.width().max(1.0);
    let scale_y = f64::from(canvas.height()) / rect.height().max(1.0);
    (
        (f64::from(event.client_x()) - rect.left()) * scale_x,
        (f64::from(event.client_y()) - rect.top()) * scale_y,
    )
}

/// The drawing as `rows x columns` values in 0..=1 (row-major, 1 = fully inked), or `None`
/// when nothing is drawn.
fn sample(canvas: &HtmlCanvasElement, rows: usize, columns: usize) -> Option<Vec<f32>> {
    let width = canvas.width() as usize;
    let height = canvas.height() as usize;
    let image = context(canvas)?
        .get_image_data(0.0, 0.0, width as f64, height as f64)
        .ok()?;
    let rgba = image.data();
    let alpha: Vec<u8> = rgba.iter().skip(3).step_by(4).copied().collect();
    downsample(&alpha, width, height, rows, columns)
}

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
    // The last point of the stroke being drawn; `None` between strokes.
    let last = StoredValue::new(None::<(f64, f64)>);
    let grid = RwSignal::new(vec![0.0f32; rows * columns]);

    let on_down = move |event: PointerEvent| {
        // Only the main button (or a pen or finger touching).
        if event.button() != 0 {
            return;
        }
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        event.prevent_default();
        let _ = canvas.set_pointer_capture(event.pointer_id());
        let (x, y) = position(&canvas, &event);
        if let Some(context) = context(&canvas) {
            context.begin_path();
            let _ = context.arc(x, y, STROKE_WIDTH / 2.0, 0.0, std::f64::consts::TAU);
            context.fill();
        }
        last.set_value(Some((x, y)));
    };
    let on_move = move |event: PointerEvent| {
        let Some((from_x, from_y)) = last.get_value() else {
            return;
        };
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        event.prevent_default();
        let (x, y) = position(&canvas, &event);
        if let Some(context) = context(&canvas) {
            context.begin_path();
            context.move_to(from_x, from_y);
            context.line_to(x, y);
            context.stroke();
        }
        last.set_value(Some((x, y)));
    };
    let finish = move || {
        if last.get_value().is_none() {
            return;
        }
        last.set_value(None);
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        let sampled = sample(&canvas, rows, columns);
        grid.set(sampled.clone().unwrap_or_else(|| vec![0.0; rows * columns]));
        on_change.run(sampled);
    };
    let clear = move |_| {
        last.set_value(None);
        if let Some(canvas) = canvas_ref.get_untracked()
            && let Some(context) = context(&canvas)
        {
            context.clear_rect(
                0.0,
                0.0,
                f64::from(canvas.width()),
                f64::from(canvas.height()),
            );
        }
        grid.set(vec![0.0; rows * columns]);
        on_change.run(None);
    };

    let cells = move || {
        grid.get()
            .into_iter()
            .map(|value| {
                let style = format!("background-color: rgba(31, 35, 40, {value:.3})");
                view! { <span class="digit-cell" style=style data-value=format!("{value:.2}")></span> }
            })
            .collect_view()
    };
    view! {
        <div class="digit-canvas">
            <canvas
                id="digit-canvas"
                node_ref=canvas_ref
                width=CANVAS_SIZE
                height=CANVAS_SIZE
                role="img"
                aria-label="Drawing area: draw with the mouse, a pen or a finger"
                on:pointerdown=on_down
                on:pointermove=on_move
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
                        aria-hidden="true"
                    >
                        {cells}
                    </div>
                    <figcaption>{format!("What the model sees ({rows}x{columns})")}</figcaption>
                </figure>
            </div>
        </div>
    }
}
