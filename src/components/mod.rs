//! Reusable views.

pub mod line_chart;
pub mod progress_bar;
