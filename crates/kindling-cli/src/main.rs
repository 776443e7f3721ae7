//! `kindling`, the native command line: the same pipelines, recipes and packages as the
//! browser, through the same core and ml crates, for scripts, CI and machines with more cores.
//!
//! - `kindling pipeline run FILE [--store DIR] [--parallel N]`: a pipeline file, end to end;
//! - `kindling train RECIPE [--data CSV]`: a run's recipe trained again, metrics compared;
//! - `kindling verify PACKAGE`: every upload check the browser applies to a package;
//! - `kindling predict PACKAGE CSV`: the browser's batch predictions, as CSV on stdout;
//! - `kindling monitor --reference CSV --current CSV`: the browser monitor's drift statistics
//!   and anomalies for a batch, for a scheduled job;
//! - `kindling serve PACKAGE [--port N]`: the package as an HTTP server speaking MLflow's
//!   scoring protocol;
//! - `kindling mlflow push WORKSPACE --tracking-uri URL`: runs and models into an MLflow
//!   tracking server, as the browser's Settings → Sync does.
//!
//! Each takes `--json` for one JSON document on stdout instead of text. Exit codes: 0
//! success, 1 it ran and the answer is no, 2 bad arguments or an unreadable input, 3 (monitor)
//! an alert fired. Nothing
//! panics on bad input: every refusal names the file and what is wrong with it.

mod args;
mod clock;
mod commands;
mod data;
mod error;
mod files;
mod host;
mod output;
mod package_file;
mod progress;
mod registry;
mod store;
mod training;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, MlflowCommand, PipelineCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.command.json();
    let result = match &cli.command {
        Command::Pipeline(PipelineCommand::Run(args)) => commands::pipeline::run(args),
        Command::Train(args) => commands::train::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Monitor(args) => commands::monitor::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Mlflow(MlflowCommand::Push(args)) => commands::mlflow::push(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if !matches!(error, error::CliError::Reported | error::CliError::Alerted) {
                let _ = writeln!(std::io::stderr().lock(), "{error}");
                if json && !output::answered() {
                    let document = serde_json::json!({
                        "error": error.to_string(),
                        "exit_code": error.exit_code(),
                    });
                    let _ = writeln!(std::io::stdout().lock(), "{document:#}");
                }
            }
            ExitCode::from(error.exit_code())
        }
    }
}
