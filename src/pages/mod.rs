//! One file per page, and `routes`: the pages loaded on first use.

pub mod about;
pub mod compare;
pub mod data;
pub mod models;
pub mod predict;
pub mod routes;
pub mod run_detail;
pub mod runs;
pub mod train;
