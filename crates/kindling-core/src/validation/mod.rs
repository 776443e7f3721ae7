//! Data validation, as TensorFlow Data Validation and Great Expectations do it: each data
//! version is profiled (`profile`), a schema is inferred from the first version a pipeline sees
//! (`schema`), and every later version is checked against it and the pipeline's expectations
//! (`anomaly`). Versions are content hashes; two versions of the same named dataset are
//! compared column by column (`DataProfile::changes_since`).

pub mod anomaly;
pub mod profile;
pub mod schema;
#[cfg(test)]
mod tests;

pub use anomaly::{Anomaly, AnomalyKind, Expectations, SchemaPolicy, check};
pub use profile::{ColumnProfile, DataProfile, TargetProfile, ValueProfile};
pub use schema::{ColumnSchema, ColumnType, DataSchema, TargetSchema};
