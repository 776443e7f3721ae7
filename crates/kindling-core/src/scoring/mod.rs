//! What the Predict page computes, as plain functions tested natively: which version to open,
//! the single-row form (inputs, typed values, answers as text) and scoring a whole file.

pub mod batch;
pub mod form;
pub mod pick;
