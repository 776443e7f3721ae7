//! A pen on a `<canvas>`: thick round strokes in ink following a pointer, and the drawing read
//! back as ink coverage, one byte per pixel, for the digit canvas.

use std::cell::Cell;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, PointerEvent};

/// What was drawn: alpha per pixel (0 = blank, 255 = fully inked), row-major.
pub struct Coverage {
    pub alpha: Vec<u8>,
    pub width: usize,
    pub height: usize,
}

/// The pen and the stroke it is drawing.
pub struct Pen {
    stroke_width: f64,
    ink: &'static str,
    /// The last point of the stroke being drawn; `None` between strokes.
    last: Cell<Option<(f64, f64)>>,
}

impl Pen {
    pub fn new(stroke_width: f64, ink: &'static str) -> Self {
        Self {
            stroke_width,
            ink,
            last: Cell::new(None),
        }
    }

    /// Starts a stroke with a dot where the pointer went down (the main button, a pen or a
    /// finger; other buttons draw nothing).
    pub fn press(&self, canvas: &HtmlCanvasElement, event: &PointerEvent) {
        if event.button() != 0 {
            return;
        }
        event.prevent_default();
        let _ = canvas.set_pointer_capture(event.pointer_id());
        let (x, y) = position(canvas, event);
        if let Some(context) = self.context(canvas) {
            context.begin_path();
            let _ = context.arc(x, y, self.stroke_width / 2.0, 0.0, std::f64::consts::TAU);
            context.fill();
        }
        self.last.set(Some((x, y)));
    }

    /// Draws the stroke on to where the pointer is now.
    pub fn drag(&self, canvas: &HtmlCanvasElement, event: &PointerEvent) {
        let Some((from_x, from_y)) = self.last.get() else {
            return;
        };
        event.prevent_default();
        let (x, y) = position(canvas, event);
        if let Some(context) = self.context(canvas) {
            context.begin_path();
            context.move_to(from_x, from_y);
            context.line_to(x, y);
            context.stroke();
        }
        self.last.set(Some((x, y)));
    }

    /// Ends the stroke and reads the drawing back; `None` when no stroke was being drawn.
    pub fn lift(&self, canvas: &HtmlCanvasElement) -> Option<Option<Coverage>> {
        self.last.take()?;
        Some(self.coverage(canvas))
    }

    /// Wipes the canvas.
    pub fn clear(&self, canvas: &HtmlCanvasElement) {
        self.last.set(None);
        if let Some(context) = self.context(canvas) {
            context.clear_rect(
                0.0,
                0.0,
                f64::from(canvas.width()),
                f64::from(canvas.height()),
            );
        }
    }

    fn coverage(&self, canvas: &HtmlCanvasElement) -> Option<Coverage> {
        let width = canvas.width() as usize;
        let height = canvas.height() as usize;
        let image = self
            .context(canvas)?
            .get_image_data(0.0, 0.0, width as f64, height as f64)
            .ok()?;
        let alpha = image.data().iter().skip(3).step_by(4).copied().collect();
        Some(Coverage {
            alpha,
            width,
            height,
        })
    }

    /// The 2-D context. It is asked for the same way every time, because the options only
    /// count on the first request: the drawing is read back after every stroke, so it is kept
    /// in memory the CPU can read quickly.
    fn context(&self, canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE).ok()?;
        let context = canvas
            .get_context_with_context_options("2d", &options)
            .ok()??
            .dyn_into::<CanvasRenderingContext2d>()
            .ok()?;
        context.set_line_width(self.stroke_width);
        context.set_line_cap("round");
        context.set_line_join("round");
        context.set_stroke_style_str(self.ink);
        context.set_fill_style_str(self.ink);
        Some(context)
    }
}

/// Where the pointer is, in canvas pixels (CSS may show the canvas smaller).
fn position(canvas: &HtmlCanvasElement, event: &PointerEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let scale_x = f64::from(canvas.width()) / rect.width().max(1.0);
    let scale_y = f64::from(canvas.height()) / rect.height().max(1.0);
    (
        (f64::from(event.client_x()) - rect.left()) * scale_x,
        (f64::from(event.client_y()) - rect.top()) * scale_y,
    )
}
