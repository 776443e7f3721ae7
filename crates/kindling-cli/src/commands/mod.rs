//! One module per subcommand; each reads its arguments, does its work through core, ml and the
//! store, and prints its answer (text, or one JSON document with `--json`).

pub mod mlflow;
pub mod monitor;
pub mod pipeline;
pub mod predict;
pub mod serve;
pub mod train;
pub mod verify;
