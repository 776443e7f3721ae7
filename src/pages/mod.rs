//! One module per page. Pages never import each other (`cargo xtask rules`): what two pages
//! share lives in `components/` (views) or `state/` (data and actions).

pub mod about;
pub mod compare;
pub mod data;
pub mod deployments;
pub mod glossary;
pub mod hand_ins;
pub mod lessons;
pub mod models;
pub mod pipelines;
pub mod predict;
pub mod run_detail;
pub mod runs;
pub mod settings;
pub mod train;
