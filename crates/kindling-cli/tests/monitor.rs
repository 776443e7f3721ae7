//! `kindling monitor` as a scheduled job uses it: exit code 0 for a batch like the training
//! data, 3 when drift fires a rule or a column goes missing, 2 for a rule or file it cannot
//! read, and the same report as JSON.

mod common;

use std::fs;
use std::path::Path;

use common::{Scratch, kindling};

/// Iris as the app ships it.
fn iris() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/datasets/iris.csv");
    fs::read_to_string(path).unwrap().replace('\r', "")
}

/// Iris with every sepal length moved by `shift` cm, and the last column left out when
/// `labels` is false.
fn shifted(shift: f32, labels: bool) -> String {
    let mut lines = iris().lines().map(str::to_owned).collect::<Vec<_>>();
    for line in lines.iter_mut().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        let length: f32 = cells[0].parse().unwrap();
        cells[0] = format!("{:.1}", length + shift);
        *line = cells.join(",");
    }
    if !labels {
        for line in &mut lines {
            let cut = line.rfind(',').unwrap();
            line.truncate(cut);
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn a_batch_like_the_training_data_passes_and_a_shifted_one_fires_its_rule() {
    let scratch = Scratch::new("monitor-drift");
    let reference = scratch.write("train.csv", &iris());
    let same = scratch.write("same.csv", &iris());
    let moved = scratch.write("moved.csv", &shifted(1.5, false));
    let reference = reference.to_str().unwrap();

    let calm = kindling(
        &scratch.0,
        &[
            "monitor",
            "--reference",
            reference,
            "--current",
            same.to_str().unwrap(),
        ],
    );
    assert_eq!(calm.code, 0, "{calm:?}");
    assert!(calm.stdout.contains("no alert fired"), "{calm:?}");

    let drifted = kindling(
        &scratch.0,
        &[
            "monitor",
            "--reference",
            reference,
            "--current",
            moved.to_str().unwrap(),
            "--target",
            "species",
            "--json",
        ],
    );
    assert_eq!(drifted.code, 3, "{drifted:?}");
    let answer = drifted.json();
    assert_eq!(answer["exit_code"], 3);
    let alert = &answer["alerts"][0];
    assert_eq!(alert["rule"], "psi > 0.2 over 100 requests");
    assert_eq!(alert["feature"], "sepal_length_cm");
    let features = answer["report"]["features"].as_array().unwrap();
    assert_eq!(features.len(), 4, "the target is not a feature");
    let sepal = &features[0];
    assert!(sepal["psi"].as_f64().unwrap() > 1.0, "{sepal}");
    assert!(sepal["ks"]["p_value"].as_f64().unwrap() < 1e-6, "{sepal}");
    let width = &features[1];
    assert_eq!(
        width["psi"].as_f64(),
        Some(0.0),
        "an untouched column: {width}"
    );
    assert!(
        answer["report"]["target"].is_null(),
        "the batch has no labels, so no target drift"
    );
}

#[test]
fn a_missing_column_is_a_blocking_anomaly_and_rules_are_checked_before_anything_is_read() {
    let scratch = Scratch::new("monitor-anomaly");
    let reference = scratch.write("train.csv", &iris());
    let without_a_column: String = iris()
        .lines()
        .map(|line| line.split_once(',').unwrap().1.to_owned() + "\n")
        .collect();
    let current = scratch.write("current.csv", &without_a_column);
    let args = |rule: &'static str| {
        vec![
            "monitor".to_owned(),
            "--reference".into(),
            reference.to_str().unwrap().into(),
            "--current".into(),
            current.to_str().unwrap().into(),
            "--rule".into(),
            rule.into(),
        ]
    };
    let run = |rule| {
        let args = args(rule);
        kindling(
            &scratch.0,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };

    let broken = run("psi > 0.2 over 100 requests");
    assert_eq!(broken.code, 3, "{broken:?}");
    assert!(
        broken
            .stdout
            .contains("blocking: sepal_length_cm: the column is missing"),
        "{broken:?}"
    );

    let unreadable = run("psi >= 0.2 over 100 requests");
    assert_eq!(unreadable.code, 2, "{unreadable:?}");
    assert!(
        unreadable.stderr.contains("METRIC > NUMBER"),
        "{unreadable:?}"
    );

    let needs_a_model = run("accuracy < 0.9 over 100 labels");
    assert_eq!(needs_a_model.code, 2, "{needs_a_model:?}");
    assert!(
        needs_a_model
            .stderr
            .contains("needs the endpoint's answers"),
        "{needs_a_model:?}"
    );

    let missing_file = kindling(
        &scratch.0,
        &[
            "monitor",
            "--reference",
            "nowhere.csv",
            "--current",
            "nowhere.csv",
        ],
    );
    assert_eq!(missing_file.code, 2, "{missing_file:?}");
    assert!(
        missing_file.stderr.contains("nowhere.csv"),
        "{missing_file:?}"
    );
}
