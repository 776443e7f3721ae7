//! The command line's words: subcommands, their arguments and flags, and the help text each
//! shows. clap refuses anything else with a usage message and exit code 2.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kindling",
    version,
    about = "Kindling on the command line: run pipelines, repeat a run from its recipe, check \
             model packages and predict with them",
    after_help = "Exit codes: 0 success; 1 it ran and the answer is no (a pipeline failed, a \
                  package failed a check); 2 bad arguments or an unreadable input; 3 (monitor) an alert rule fired or the \
                  batch breaks the training data's schema."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Pipelines: data → validate → train → gate → register → promote.
    #[command(subcommand)]
    Pipeline(PipelineCommand),
    /// Train a run's recipe again and compare its metrics with the recipe's.
    Train(TrainArgs),
    /// Apply every check the browser applies to an uploaded package.
    Verify(VerifyArgs),
    /// Predict every row of a CSV file with a package; CSV on stdout.
    Predict(PredictArgs),
    /// Compare a batch of production rows with the training data: per-feature drift (PSI,
    /// Kolmogorov–Smirnov) and data anomalies; exit code 3 when an alert rule fires.
    Monitor(MonitorArgs),
    /// Serve a package over HTTP with MLflow's scoring protocol (POST /invocations) on
    /// 127.0.0.1, until Ctrl-C.
    Serve(ServeArgs),
    /// MLflow: push a workspace's runs, models, versions and aliases to a tracking server.
    #[command(subcommand)]
    Mlflow(MlflowCommand),
}

impl Command {
    /// Whether the answer is wanted as JSON.
    pub fn json(&self) -> bool {
        match self {
            Command::Pipeline(PipelineCommand::Run(args)) => args.json,
            Command::Train(args) => args.json,
            Command::Verify(args) => args.json,
            Command::Predict(args) => args.json,
            Command::Monitor(args) => args.json,
            Command::Serve(_) => false,
            Command::Mlflow(MlflowCommand::Push(args)) => args.json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum PipelineCommand {
    /// Run a pipeline file (`format = "kindling-pipeline/1"`).
    Run(PipelineRunArgs),
}

#[derive(Debug, Args)]
pub struct PipelineRunArgs {
    /// The pipeline file (TOML); a `[data] csv` path is relative to its folder.
    pub file: PathBuf,
    /// The store folder: runs, the registry, pipelines' memory and package copies.
    #[arg(long, value_name = "DIR", default_value = ".kindling")]
    pub store: PathBuf,
    /// Trials trained at once (default: the file's `[sweep] parallel`, else one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub parallel: Option<u16>,
    /// Print the pipeline run's record as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A recipe file (`kindling-recipe/1`), as the run page downloads it.
    pub recipe: PathBuf,
    /// The CSV file the recipe's dataset was imported from (needed for imported data).
    #[arg(long, value_name = "CSV")]
    pub data: Option<PathBuf>,
    /// Print the comparison as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A package file (`<model>-v<n>.kindling.zip`).
    pub package: PathBuf,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A package file (`<model>-v<n>.kindling.zip`); it is checked as `verify` checks it.
    pub package: PathBuf,
    /// A CSV file with the model's input columns (others are passed through).
    pub csv: PathBuf,
    /// Print the predictions as JSON instead of CSV.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The data the model was trained on (CSV).
    #[arg(long, value_name = "CSV")]
    pub reference: PathBuf,
    /// The batch to check: rows the model saw in production (CSV).
    #[arg(long, value_name = "CSV")]
    pub current: PathBuf,
    /// The target column; its drift is reported when the batch has it too. Without it every
    /// column is a feature.
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// An alert rule, as the browser's monitor writes them (repeatable); the batch is the
    /// window. Default: "psi > 0.2 over 100 requests".
    #[arg(long = "rule", value_name = "RULE")]
    pub rules: Vec<String>,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A package file (`<model>-v<n>.kindling.zip`); it is checked as `verify` checks it.
    pub package: PathBuf,
    /// The port on 127.0.0.1 (0: any free port, printed when the server starts).
    #[arg(long, default_value_t = 5000)]
    pub port: u16,
}

#[derive(Debug, Subcommand)]
pub enum MlflowCommand {
    /// Push a workspace file (the browser's "Export workspace", or a store's workspace.json)
    /// to an MLflow tracking server. Pushing again sends only what changed.
    Push(MlflowPushArgs),
}

#[derive(Debug, Args)]
pub struct MlflowPushArgs {
    /// The workspace file. The MLflow ids it was given are kept beside it, in
    /// `<file>.mlflow.json`.
    pub workspace: PathBuf,
    /// The tracking server, e.g. http://127.0.0.1:5000 (default: $MLFLOW_TRACKING_URI).
    #[arg(long)]
    pub tracking_uri: Option<String>,
    /// Print what was sent as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
