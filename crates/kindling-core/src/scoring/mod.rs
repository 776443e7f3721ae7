//! What the Predict page computes, as plain functions tested natively: which version to open,
//! the single-row form (inputs, typed values, answers as text) and scoring a whole file; and
//! MLflow's scoring protocol over the same scorer, which `kindling serve` speaks; and a model
//! scored on someone else's copy of the data (`held_out`), as a teacher scores hand-ins.

pub mod batch;
pub mod form;
pub mod held_out;
pub mod invocations;
pub mod pick;
