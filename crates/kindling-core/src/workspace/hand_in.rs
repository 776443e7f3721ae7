//! Hand-ins: a student's experiment as a file for their teacher. It is a workspace file
//! (`kindling-workspace/2`, so anything that reads workspaces reads it) holding one experiment's
//! runs, the uploaded datasets they and their versions need, and the versions registered from
//! those runs with their models, marked with who handed it in and which experiment it is.
//!
//! A teacher opens many at once: each is read with every workspace check, grouped by student,
//! and every version is scored on the teacher's own copy of the data
//! ([`crate::scoring::held_out`]), never on the scores the file claims. [`leaderboard`] ranks
//! the students by their best version on the chosen metric.

use std::collections::{BTreeMap, HashSet};

use thiserror::Error;

pub use super::file::HandIn;
use super::file::Workspace;
use crate::registry::gates::higher_is_better;

/// A name is a label on the teacher's screen, not an essay.
pub const MAX_STUDENT_CHARS: usize = 80;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum HandInError {
    #[error("write your name first, so your teacher knows whose work this is")]
    NoName,
    #[error("a name is at most {MAX_STUDENT_CHARS} characters; this one has {0}")]
    NameTooLong(usize),
    #[error("a name is one line")]
    NameLineBreak,
    #[error("the experiment \"{0}\" has no runs to hand in")]
    NoRuns(String),
    #[error(
        "this is a workspace file, not a hand-in: a student makes one with \"Hand in\" on the \
         Runs page (a workspace is imported on the Runs page)"
    )]
    NotAHandIn,
}

/// A student's name as they typed it: trimmed, one line, not blank.
pub fn student_name(typed: &str) -> Result<String, HandInError> {
    let name = typed.trim();
    if name.contains(['\n', '\r']) {
        return Err(HandInError::NameLineBreak);
    }
    match name.chars().count() {
        0 => Err(HandInError::NoName),
        count if count > MAX_STUDENT_CHARS => Err(HandInError::NameTooLong(count)),
        _ => Ok(name.to_owned()),
    }
}

impl Workspace {
    /// This workspace cut down to `experiment`'s runs and what they need, marked as `student`'s
    /// hand-in. A model keeps only the versions its kept runs trained, and only the aliases
    /// and alias history that point at those.
    pub fn hand_in(self, student: &str, experiment: &str) -> Result<Workspace, HandInError> {
        let student = student_name(student)?;
        let runs: Vec<_> = self
            .runs
            .into_iter()
            .filter(|bundle| bundle.run.experiment == experiment)
            .collect();
        if runs.is_empty() {
            return Err(HandInError::NoRuns(experiment.to_owned()));
        }
        let run_ids: HashSet<&str> = runs.iter().map(|bundle| bundle.run.id.as_str()).collect();
        let versions: Vec<_> = self
            .versions
            .into_iter()
            .filter(|bundle| run_ids.contains(bundle.version.lineage.run_id.as_str()))
            .collect();
        let needed: HashSet<&str> = runs
            .iter()
            .map(|bundle| bundle.run.dataset.id.as_str())
            .chain(
                versions
                    .iter()
                    .map(|bundle| bundle.version.lineage.dataset.id.as_str()),
            )
            .collect();
        let datasets = self
            .datasets
            .into_iter()
            .filter(|stored| needed.contains(stored.entry.id.as_str()))
            .collect();
        let models = self
            .models
            .into_iter()
            .filter_map(|mut model| {
                let kept: HashSet<u32> = versions
                    .iter()
                    .filter(|bundle| bundle.version.model == model.name)
                    .map(|bundle| bundle.version.version)
                    .collect();
                if kept.is_empty() {
                    return None;
                }
                model.aliases.retain(|_, version| kept.contains(version));
                model
                    .alias_history
                    .retain(|change| change.version.is_none_or(|version| kept.contains(&version)));
                Some(model)
            })
            .collect();
        Ok(Workspace {
            runs,
            datasets,
            models,
            versions,
            hand_in: Some(HandIn {
                student,
                experiment: experiment.to_owned(),
            }),
            ..self
        })
    }

    /// The hand-in as it joins a teacher's own work: its runs in an experiment named after the
    /// student and theirs ("Ada · Week 1"), so every student's runs stay apart in the Runs
    /// table and Compare. A model whose name the teacher's registry holds already is given a
    /// new name by the import, as any import does.
    pub fn for_teacher(mut self) -> Result<Workspace, HandInError> {
        let hand_in = self.handed_in()?.clone();
        let experiment = format!("{} · {}", hand_in.student, hand_in.experiment);
        for bundle in &mut self.runs {
            bundle.run.experiment = experiment.clone();
        }
        Ok(self)
    }

    /// Who handed this file in; a plain workspace is refused in words.
    pub fn handed_in(&self) -> Result<&HandIn, HandInError> {
        self.hand_in.as_ref().ok_or(HandInError::NotAHandIn)
    }
}

/// The file name a hand-in is downloaded as: the student and the experiment, readable in a
/// teacher's downloads folder, with nothing a file system refuses.
pub fn file_name(hand_in: &HandIn) -> String {
    let safe = |text: &str| {
        text.chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
    };
    format!(
        "hand-in-{}-{}.json",
        safe(&hand_in.student),
        safe(&hand_in.experiment)
    )
}

/// One version a student handed in, as the teacher's copy of the data scored it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredVersion {
    pub student: String,
    pub model: String,
    pub version: u32,
    /// What the file says the version scored on its own test rows.
    pub claimed: BTreeMap<String, f64>,
    /// What it scored on the teacher's data, or why it could not be scored.
    pub scored: Result<BTreeMap<String, f64>, String>,
}

/// A student's place on the leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// 1 for the best; students with nothing scored come last, without a place.
    pub place: Option<usize>,
    pub student: String,
    /// Their best version on the metric (model, version, value).
    pub best: Option<(String, u32, f64)>,
}

/// Every student in `scored`, best first on `metric` (lower first for losses and errors); a
/// tie shares a place. A student whose versions could not be scored, or who registered none
/// (`students` lists everyone who handed in), comes last.
pub fn leaderboard(students: &[String], scored: &[ScoredVersion], metric: &str) -> Vec<Standing> {
    let higher = higher_is_better(metric);
    let better = |a: f64, b: f64| if higher { a > b } else { a < b };
    let mut best: BTreeMap<&str, (String, u32, f64)> = BTreeMap::new();
    for entry in scored {
        let Some(&value) = entry
            .scored
            .as_ref()
            .ok()
            .and_then(|metrics| metrics.get(metric))
        else {
            continue;
        };
        if value.is_nan() {
            continue;
        }
        let slot = best.get(entry.student.as_str());
        if slot.is_none_or(|(_, _, held)| better(value, *held)) {
            best.insert(&entry.student, (entry.model.clone(), entry.version, value));
        }
    }
    let mut names: Vec<&String> = students.iter().collect();
    names.sort();
    names.dedup();
    let mut standings: Vec<Standing> = names
        .into_iter()
        .map(|student| Standing {
            place: None,
            student: student.clone(),
            best: best.get(student.as_str()).cloned(),
        })
        .collect();
    standings.sort_by(|a, b| match (&a.best, &b.best) {
        (Some((_, _, x)), Some((_, _, y))) => {
            let order = x.total_cmp(y);
            if higher { order.reverse() } else { order }
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut previous: Option<(f64, usize)> = None;
    for (index, standing) in standings.iter_mut().enumerate() {
        let Some((_, _, value)) = standing.best else {
            break;
        };
        let place = match previous {
            Some((held, place)) if held == value => place,
            _ => index + 1,
        };
        standing.place = Some(place);
        previous = Some((value, place));
    }
    standings
}

#[cfg(test)]
#[path = "hand_in_tests.rs"]
mod tests;
