//! Reusable views.

mod chart_text;
pub mod confusion_matrix;
pub mod deferred;
pub mod digit_canvas;
pub mod drop_zone;
pub mod line_chart;
pub mod parallel_coordinates;
pub mod progress_bar;
pub mod roc_chart;
pub mod scatter_plot;
pub mod select;
