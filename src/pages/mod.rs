//! One file per page.

pub mod about;
pub mod compare;
pub mod data;
pub mod models;
pub mod predict;
pub mod run_detail;
pub mod runs;
pub mod train;
