//! How a command fails, and the exit code each kind of failure gives, so scripts and CI can
//! tell "your input is wrong" (2) from "it ran and the answer is no" (1) without parsing text.

use thiserror::Error;

/// Why a command did not succeed. Every message is for a person: it names the file and says
/// what is wrong with it.
#[derive(Debug, Error)]
pub enum CliError {
    /// Bad arguments or an input that cannot be read: a missing or malformed file, a store
    /// file that is damaged. Exit code 2, as for a usage error.
    #[error("{0}")]
    Input(String),
    /// It ran and the answer is no: a package failed a check, a model could not score a file,
    /// a run could not train. Exit code 1.
    #[error("{0}")]
    Refused(String),
    /// A pipeline failed and its output already said where and why. Exit code 1, and nothing
    /// more to print.
    #[error("the pipeline did not pass")]
    Reported,
    /// `monitor` found drift an alert rule fires on, or anomalies that break the schema, and
    /// its output already said which. Exit code 3, so a scheduled job can tell drift from a
    /// failure.
    #[error("an alert fired")]
    Alerted,
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Refused(_) | CliError::Reported => 1,
            CliError::Alerted => 3,
        }
    }
}
