//! The lesson file read whole and refused line by line, and the checks over hand-made facts;
//! every bundled lesson in `lessons/` must read.

use super::check::{Check, Facts, PipelineOutcome, VersionFact};
use super::markup::{Block, Inline};
use super::*;

const GOOD: &str = "---
format: kindling-lesson/1
id: first-run
title: Your first tracked run
summary: Train and find it again.
---
Kindling keeps **every** run.

## Step: Train on iris
page: /
highlight: #field-dataset
check: run dataset = 'iris'

Choose iris, then press Train.
note: lowercase prose after the first line is prose.

## Step: Find it
check: visit /runs
";

#[test]
fn a_lesson_reads_with_its_header_intro_and_steps() {
    let lesson = Lesson::parse(GOOD).unwrap();
    assert_eq!(lesson.id, "first-run");
    assert_eq!(lesson.title, "Your first tracked run");
    assert_eq!(lesson.summary, "Train and find it again.");
    assert_eq!(
        lesson.intro,
        vec![Block::Paragraph(vec![
            Inline::Text("Kindling keeps ".into()),
            Inline::Strong("every".into()),
            Inline::Text(" run.".into()),
        ])]
    );
    assert_eq!(lesson.steps.len(), 2);
    let first = &lesson.steps[0];
    assert_eq!(first.title, "Train on iris");
    assert_eq!(first.page.as_deref(), Some("/"));
    assert_eq!(first.highlight.as_deref(), Some("#field-dataset"));
    assert!(matches!(first.check, Check::Runs { at_least: 1, .. }));
    assert_eq!(first.body.len(), 1, "{:?}", first.body);
    assert_eq!(lesson.steps[1].check, Check::Visit("/runs".into()));
    assert!(lesson.steps[1].body.is_empty());
}

#[test]
fn every_bundled_lesson_reads() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lessons");
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).unwrap();
            let lesson = Lesson::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!lesson.summary.is_empty(), "{}", path.display());
            read += 1;
        }
    }
    assert!(read >= 8, "{read} lessons bundled");
}

/// Every mistake names its line and what would be right.
#[test]
fn a_bad_lesson_file_is_refused_naming_the_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("# Lesson\n", 1, "starts with a line \"---\""),
        (
            "---\nformat: kindling-lesson/9\nid: a\ntitle: T\n---\n",
            2,
            "not a format",
        ),
        ("---\nid: a\ntitle: T\n---\n", 4, "no \"format"),
        (
            "---\nformat: kindling-lesson/1\ntitle: T\n---\n",
            4,
            "no \"id:\"",
        ),
        ("---\nformat: kindling-lesson/1\nid: A b\n", 3, "not an id"),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\nauthor: me\n---\n",
            5,
            "not a header key",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n",
            4,
            "never closed",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\nJust prose.\n",
            6,
            "no steps",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Intro\n",
            6,
            "is not a step",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n# Big\n",
            6,
            "only steps have headings",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step:\ncheck: alert\n",
            6,
            "no title",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\npage: /\n",
            6,
            "no \"check:\"",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\nchek: alert\n",
            7,
            "not a step setting",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: alert\ncheck: alert\n",
            8,
            "twice",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\npage: runs\ncheck: alert\n",
            7,
            "not a page",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: fly away\n",
            7,
            "\"fly\" is not a check",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: run metrics.x >\n",
            7,
            "the run filter",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: runs 0\n",
            7,
            "count of 1 or more",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: pipeline green\n",
            7,
            "passed, cached, stopped or failed",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: alert now\n",
            7,
            "takes nothing after it",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: visit runs\n",
            7,
            "needs a page's path",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: version\n",
            7,
            "needs a model's name",
        ),
        (
            "---\nformat: kindling-lesson/1\nid: a\ntitle: T\n---\n## Step: S\ncheck: alias\n",
            7,
            "needs an alias",
        ),
    ];
    for (text, line, words) in cases {
        let error = Lesson::parse(text).unwrap_err();
        assert_eq!(error.line, *line, "{text:?}: {error}");
        assert!(error.message.contains(words), "{text:?}: {error}");
        assert!(error.to_string().starts_with(&format!("line {line}: ")));
    }
    let huge = format!("---\n{}", "x".repeat(MAX_LESSON_BYTES));
    assert!(
        Lesson::parse(&huge)
            .unwrap_err()
            .message
            .contains("at most 64 KB")
    );
}

#[test]
fn checks_read_the_apps_facts() {
    let check = |text: &str| Check::parse(text).unwrap();
    let mut facts = Facts {
        path: "/runs",
        ..Facts::default()
    };
    assert!(check("visit /runs").passes(&facts));
    assert!(!check("visit /").passes(&facts));
    assert!(
        !check("visit /runs/*").passes(&facts),
        "the list is not a run's page"
    );
    facts.path = "/runs/abc";
    assert!(check("visit /runs/*").passes(&facts));
    facts.path = "/runs";
    assert!(!check("compare 2").passes(&facts));
    facts.path = "/compare";
    facts.compared_runs = 2;
    assert!(check("compare 2").passes(&facts));
    assert!(!check("compare 3").passes(&facts));

    facts.versions = vec![
        VersionFact {
            model: "iris".into(),
            version: 1,
            aliases: vec![],
        },
        VersionFact {
            model: "iris".into(),
            version: 2,
            aliases: vec!["champion".into()],
        },
    ];
    assert!(check("version iris").passes(&facts));
    assert!(check("version *").passes(&facts));
    assert!(!check("version wine").passes(&facts));
    assert!(check("alias champion").passes(&facts));
    assert!(check("alias champion 2").passes(&facts));
    assert!(!check("alias champion 3").passes(&facts));
    assert!(!check("alias challenger").passes(&facts));

    assert!(!check("download").passes(&facts));
    facts.packages_downloaded = 1;
    assert!(check("download").passes(&facts));
    assert!(!check("recipe").passes(&facts));
    facts.recipes_shared = 1;
    assert!(check("recipe").passes(&facts));
    assert!(!check("predict").passes(&facts));
    facts.own_predictions = 1;
    assert!(check("predict").passes(&facts));
    assert!(!check("pipeline passed").passes(&facts));
    facts.pipeline_outcomes = vec![PipelineOutcome::Passed, PipelineOutcome::Stopped];
    assert!(!check("pipeline cached").passes(&facts));
    facts.pipeline_outcomes.push(PipelineOutcome::Cached);
    assert!(check("pipeline cached").passes(&facts));
    assert!(check("pipeline stopped").passes(&facts));
    assert!(!check("pipeline failed").passes(&facts));
    assert!(!check("deployment").passes(&facts));
    assert!(!check("alert").passes(&facts));
    assert!(!check("retrained").passes(&facts));
    facts.deployments = 1;
    facts.alerts_fired = 1;
    facts.retrainings_promoted = 1;
    assert!(check("deployment").passes(&facts));
    assert!(check("alert").passes(&facts));
    assert!(check("retrained").passes(&facts));
}

#[test]
fn a_run_check_counts_the_finished_runs_its_filter_matches() {
    let check = |text: &str| Check::parse(text).unwrap();
    let mut finished = crate::tracking::contract::run("a", 1.0);
    finished.state = crate::tracking::RunState::Finished {
        early_stopped: false,
    };
    finished.metrics.insert("val_accuracy".into(), 0.95);
    let mut running = crate::tracking::contract::run("b", 2.0);
    running.metrics.insert("val_accuracy".into(), 0.99);
    let runs = vec![finished, running];
    let facts = Facts {
        runs: &runs,
        ..Facts::default()
    };
    assert!(check("run metrics.val_accuracy > 0.9").passes(&facts));
    assert!(
        !check("run metrics.val_accuracy > 0.96").passes(&facts),
        "only the running run is that good"
    );
    assert!(check("runs 1").passes(&facts));
    assert!(
        !check("runs 2").passes(&facts),
        "a running run is not counted"
    );
}
