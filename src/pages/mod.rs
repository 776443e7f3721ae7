//! One file per page.

pub mod about;
pub mod train;
