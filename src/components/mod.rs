//! Reusable views.

pub mod badges;
mod chart_text;
pub mod confusion_matrix;
pub mod deferred;
pub mod digit_canvas;
pub mod drop_zone;
pub mod fields;
pub mod gate_editor;
pub mod gate_report;
pub mod lesson_guide;
pub mod lesson_text;
pub mod line_chart;
pub mod metric_charts;
pub mod parallel_coordinates;
pub mod progress_bar;
pub mod register_panel;
pub mod roc_chart;
pub mod scatter_plot;
pub mod select;
pub mod tabs;
pub mod theme_switch;
pub mod why_note;
pub mod workspace_file;
