//! What a lesson step waits for, and how it is decided: the app describes what it holds as
//! [`Facts`] and a [`Check`] reads them, so the same rules decide in the tab and in the tests.
//! Each check is one line of a lesson file, `check: <kind> <argument>`:
//!
//! | line | passes when |
//! |---|---|
//! | `visit /runs` | the learner is on that page (the path, without its query); `/runs/*` is any run's page |
//! | `run <filter>` | a finished run matches the Runs filter (`run dataset = 'Iris flowers' and metrics.val_accuracy > 0.9`) |
//! | `runs <n> <filter>` | at least n finished runs match it (the filter may be empty) |
//! | `compare <n>` | the Compare page shows at least n runs |
//! | `version <model>` | the model (or `*`, any) has a registered version |
//! | `alias <alias> <n>` | some model's alias points at version n or later (n defaults to 1) |
//! | `download` | a package was downloaded |
//! | `recipe` | a run's recipe was downloaded or its link copied |
//! | `predict` | the Predict page answered a question of the learner's own: a value changed, a digit drawn or a CSV scored (its first answer, to the typical row, does not count) |
//! | `pipeline passed` | a pipeline run passed (`stopped` and `failed` too; `cached` passed reusing every step) |
//! | `deployment` | a model is deployed |
//! | `alert` | a deployment's drift alert fired |
//! | `retrained` | a deployment retrained its model and promoted the new version |

use crate::tracking::query::Query;
use crate::tracking::{RunRecord, RunState};

/// What the app holds when a check is asked, gathered by the page from its state.
#[derive(Debug, Default)]
pub struct Facts<'a> {
    /// The address's path, without its query.
    pub path: &'a str,
    /// Runs the Compare page shows (0 elsewhere).
    pub compared_runs: usize,
    pub runs: &'a [RunRecord],
    pub versions: Vec<VersionFact>,
    pub packages_downloaded: u32,
    pub recipes_shared: u32,
    /// Answers on the Predict page to inputs the learner gave (not the typical row it opens with).
    pub own_predictions: u32,
    pub pipeline_outcomes: Vec<PipelineOutcome>,
    pub deployments: usize,
    pub alerts_fired: usize,
    pub retrainings_promoted: usize,
}

/// A registered version and the aliases that point at it.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionFact {
    pub model: String,
    pub version: u32,
    pub aliases: Vec<String>,
}

/// How a pipeline run ended, as a check names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineOutcome {
    Passed,
    /// Passed with every step reused from an earlier run (a run also counts as passed).
    Cached,
    Stopped,
    Failed,
}

/// One step's condition, read from its `check:` line.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Visit(String),
    Runs { at_least: usize, filter: Query },
    Compare(usize),
    Version(Option<String>),
    Alias { alias: String, min_version: u32 },
    Download,
    Recipe,
    Predict,
    Pipeline(PipelineOutcome),
    Deployment,
    Alert,
    Retrained,
}

impl Check {
    /// Reads a `check:` line's value; the error says what would be right.
    pub fn parse(text: &str) -> Result<Check, String> {
        let text = text.trim();
        let (kind, argument) = text
            .split_once(char::is_whitespace)
            .map_or((text, ""), |(kind, rest)| (kind, rest.trim()));
        let none = |check: Check| {
            if argument.is_empty() {
                Ok(check)
            } else {
                Err(format!(
                    "\"{kind}\" takes nothing after it, found \"{argument}\""
                ))
            }
        };
        let count = |word: &str| {
            word.parse::<usize>()
                .ok()
                .filter(|count| *count > 0)
                .ok_or_else(|| format!("\"{kind}\" needs a count of 1 or more, found \"{word}\""))
        };
        match kind {
            "visit" if argument.starts_with('/') && !argument.contains(char::is_whitespace) => {
                Ok(Check::Visit(argument.to_owned()))
            }
            "visit" => Err(format!(
                "\"visit\" needs a page's path such as /runs, found \"{argument}\""
            )),
            "run" => runs(1, argument),
            "runs" => {
                let (number, filter) = argument
                    .split_once(char::is_whitespace)
                    .unwrap_or((argument, ""));
                runs(count(number)?, filter.trim())
            }
            "compare" => Ok(Check::Compare(count(argument)?)),
            "version" if argument.is_empty() => {
                Err("\"version\" needs a model's name, or * for any model".to_owned())
            }
            "version" if argument == "*" => Ok(Check::Version(None)),
            "version" => Ok(Check::Version(Some(argument.to_owned()))),
            "alias" => {
                let mut words = argument.split_whitespace();
                let alias = words
                    .next()
                    .ok_or("\"alias\" needs an alias's name, such as champion")?;
                let min_version = match words.next() {
                    None => 1,
                    Some(word) => u32::try_from(count(word)?).map_err(|_| "too large a version")?,
                };
                if let Some(extra) = words.next() {
                    return Err(format!(
                        "\"alias\" takes a name and a version, found \"{extra}\" too"
                    ));
                }
                Ok(Check::Alias {
                    alias: alias.to_owned(),
                    min_version,
                })
            }
            "download" => none(Check::Download),
            "recipe" => none(Check::Recipe),
            "predict" => none(Check::Predict),
            "pipeline" => match argument {
                "passed" => Ok(Check::Pipeline(PipelineOutcome::Passed)),
                "cached" => Ok(Check::Pipeline(PipelineOutcome::Cached)),
                "stopped" => Ok(Check::Pipeline(PipelineOutcome::Stopped)),
                "failed" => Ok(Check::Pipeline(PipelineOutcome::Failed)),
                other => Err(format!(
                    "\"pipeline\" needs passed, cached, stopped or failed, found \"{other}\""
                )),
            },
            "deployment" => none(Check::Deployment),
            "alert" => none(Check::Alert),
            "retrained" => none(Check::Retrained),
            "" => Err(
                "the check is empty: write what to wait for, such as \"run dataset = 'Iris flowers'\""
                    .to_owned(),
            ),
            other => Err(format!(
                "\"{other}\" is not a check: use visit, run, runs, compare, version, alias, \
                 download, recipe, predict, pipeline, deployment, alert or retrained"
            )),
        }
    }

    /// Whether the app's state satisfies the check.
    pub fn passes(&self, facts: &Facts) -> bool {
        match self {
            Check::Visit(path) => match path.strip_suffix('*') {
                Some(prefix) => facts.path.len() > prefix.len() && facts.path.starts_with(prefix),
                None => facts.path == path,
            },
            Check::Runs { at_least, filter } => {
                facts
                    .runs
                    .iter()
                    .filter(|run| {
                        matches!(run.state, RunState::Finished { .. }) && filter.matches(*run)
                    })
                    .count()
                    >= *at_least
            }
            Check::Compare(count) => facts.path == "/compare" && facts.compared_runs >= *count,
            Check::Version(model) => facts
                .versions
                .iter()
                .any(|version| model.as_ref().is_none_or(|model| *model == version.model)),
            Check::Alias { alias, min_version } => facts.versions.iter().any(|version| {
                version.version >= *min_version && version.aliases.iter().any(|a| a == alias)
            }),
            Check::Download => facts.packages_downloaded > 0,
            Check::Recipe => facts.recipes_shared > 0,
            Check::Predict => facts.own_predictions > 0,
            Check::Pipeline(outcome) => facts.pipeline_outcomes.contains(outcome),
            Check::Deployment => facts.deployments > 0,
            Check::Alert => facts.alerts_fired > 0,
            Check::Retrained => facts.retrainings_promoted > 0,
        }
    }
}

fn runs(at_least: usize, filter: &str) -> Result<Check, String> {
    let query = Query::parse(filter).map_err(|error| format!("the run filter: {error}"))?;
    Ok(Check::Runs {
        at_least,
        filter: query,
    })
}
