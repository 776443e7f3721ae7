//! The `kindling` binary as a person or a CI job uses it: each test runs the built binary in a
//! scratch folder and reads its exit code, stdout and stderr. The pipelines train on the
//! bundled iris data for 20 epochs, so every test takes seconds.

mod common;

use std::fs;
use std::path::Path;

use common::{Scratch, kindling};
use kindling_core::tracking::Recipe;
use kindling_core::workspace::Workspace;
use serde_json::Value;

/// Iris, a two-trial grid, a gate it passes and the champion alias.
const PIPELINE: &str = r#"
format = "kindling-pipeline/1"
name = "iris-cli"

[data]
bundled = "iris"

[expect]
schema = "first-version"
min_rows = 100

[train]
model = "mlp"
hidden_layers = [16]
epochs = 20

[sweep]
strategy = "grid"
learning_rate = [0.01, 0.03]

[gate]
test_accuracy = ">= 0.5"

[promote]
model = "iris-cli"
alias = "champion"
"#;

fn iris_rows(count: usize) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/datasets/iris.csv");
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .take(count + 1)
        .map(|line| format!("{line}\n"))
        .collect()
}

fn step_states(report: &Value) -> Vec<String> {
    report["run"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["state"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_pipeline_passes_reuses_every_step_and_leaves_a_package_that_verifies_predicts_and_repeats() {
    let scratch = Scratch::new("pipeline");
    let dir = &scratch.0;
    scratch.write("iris.toml", PIPELINE);

    let first = kindling(dir, &["pipeline", "run", "iris.toml"]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        first.stdout.trim_end().ends_with("pipeline passed"),
        "{first:?}"
    );
    for step in ["ingest", "train", "gate", "register", "promote"] {
        assert!(
            first
                .stdout
                .lines()
                .any(|line| line.starts_with(&format!("✓ {step}")) && line.contains("passed")),
            "{step}: {first:?}"
        );
    }
    assert_eq!(
        first.stdout.matches("  · trial iris-cli-t").count(),
        2,
        "a line per trial: {first:?}"
    );
    for file in [
        "workspace.json",
        "pipelines.json",
        "packages/iris-cli-v1.kindling.zip",
    ] {
        assert!(dir.join(".kindling").join(file).is_file(), "{file}");
    }

    // The same inputs again: every step is reused, in text and in JSON.
    let again = kindling(dir, &["pipeline", "run", "iris.toml", "--json"]);
    assert_eq!(again.code, 0, "{again:?}");
    let report = again.json();
    assert_eq!(report["outcome"], "passed");
    assert_eq!(step_states(&report), ["Cached"; 8], "{again:?}");
    let text = kindling(dir, &["pipeline", "run", "iris.toml"]);
    assert_eq!(text.code, 0, "{text:?}");
    let step_lines: Vec<&str> = text
        .stdout
        .lines()
        .filter(|line| line.starts_with('✓'))
        .collect();
    assert_eq!(step_lines.len(), 8, "{text:?}");
    assert!(
        step_lines.iter().all(|line| line.contains(" cached ")),
        "{text:?}"
    );

    // The registered version's package passes every upload check…
    let package = ".kindling/packages/iris-cli-v1.kindling.zip";
    let verified = kindling(dir, &["verify", package]);
    assert_eq!(verified.code, 0, "{verified:?}");
    assert!(
        verified.stdout.contains("every upload check passed"),
        "{verified:?}"
    );
    assert!(
        verified.stdout.contains("model      iris-cli v1"),
        "{verified:?}"
    );
    let verified = kindling(dir, &["verify", package, "--json"]).json();
    assert_eq!(
        (verified["ok"].clone(), verified["version"].clone()),
        (Value::Bool(true), Value::from(1))
    );
    assert_eq!(verified["model"], "iris-cli");

    // …and answers a CSV of iris rows: the header, then one line per row.
    scratch.write("rows.csv", &iris_rows(5));
    let predicted = kindling(dir, &["predict", package, "rows.csv"]);
    assert_eq!(predicted.code, 0, "{predicted:?}");
    let lines: Vec<&str> = predicted.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{predicted:?}");
    assert!(
        lines[0].ends_with(
            ",species,predicted_species,probability_setosa,probability_versicolor,probability_virginica"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1..].iter().all(|line| line.split(',').count() == 9),
        "{predicted:?}"
    );
    assert!(
        predicted
            .stderr
            .contains("Scored 5 rows of rows.csv with iris-cli v1."),
        "{predicted:?}"
    );
    let predicted = kindling(dir, &["predict", package, "rows.csv", "--json"]).json();
    assert_eq!(predicted["rows"].as_array().unwrap().len(), 5);

    // The champion's run, repeated from its recipe, scores exactly as it did.
    let workspace =
        Workspace::from_json(&fs::read(dir.join(".kindling/workspace.json")).unwrap()).unwrap();
    let champion_run = &workspace.versions[0].version.lineage.run_id;
    let run = workspace
        .runs
        .iter()
        .map(|bundle| &bundle.run)
        .find(|run| &run.id == champion_run)
        .unwrap();
    scratch.write("recipe.json", &Recipe::of(run).to_json_pretty());
    let repeated = kindling(dir, &["train", "recipe.json", "--json"]);
    assert_eq!(repeated.code, 0, "{repeated:?}");
    let repeated = repeated.json();
    assert_eq!(repeated["identical"], true, "{repeated:#}");
    let metrics = repeated["metrics"].as_array().unwrap();
    assert!(
        metrics
            .iter()
            .any(|metric| metric["name"] == "test_accuracy")
    );
    assert!(
        metrics.iter().all(|metric| metric["difference"] == 0.0),
        "{repeated:#}"
    );
    let table = kindling(dir, &["train", "recipe.json"]);
    assert_eq!(table.code, 0, "{table:?}");
    assert!(
        table.stdout.contains("every metric is the recipe's"),
        "{table:?}"
    );
}

#[test]
fn a_gate_that_cannot_pass_fails_the_pipeline_with_its_reason_and_registers_nothing() {
    let scratch = Scratch::new("gate");
    scratch.write("strict.toml", &PIPELINE.replace(">= 0.5", ">= 1.01"));
    let ran = kindling(&scratch.0, &["pipeline", "run", "strict.toml"]);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stdout
            .contains("pipeline failed at gate: the gate failed: test_accuracy ≥ 1.01"),
        "{ran:?}"
    );
    assert!(
        ran.stdout.lines().any(|line| line.starts_with("✗ gate")),
        "{ran:?}"
    );
    assert!(
        !scratch.0.join(".kindling/packages").exists(),
        "nothing registered"
    );
    let json = kindling(&scratch.0, &["pipeline", "run", "strict.toml", "--json"]);
    assert_eq!(json.code, 1, "{json:?}");
    let report = json.json();
    assert_eq!(report["outcome"], "failed");
    assert_eq!(report["failed_step"], "gate");
    assert!(
        report["reason"]
            .as_str()
            .unwrap()
            .contains("test_accuracy ≥ 1.01")
    );
}

#[test]
fn a_malformed_pipeline_file_is_refused_with_its_line_before_anything_runs() {
    let scratch = Scratch::new("malformed");
    scratch.write(
        "broken.toml",
        &PIPELINE.replace("epochs = 20", "epochs = \"many\""),
    );
    let ran = kindling(&scratch.0, &["pipeline", "run", "broken.toml"]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(ran.stderr.starts_with("broken.toml: line 15: "), "{ran:?}");
    assert!(ran.stdout.is_empty(), "{ran:?}");
    assert!(
        !scratch.0.join(".kindling").exists(),
        "no store is made for a file that cannot run"
    );

    let json = kindling(&scratch.0, &["pipeline", "run", "broken.toml", "--json"]);
    assert_eq!(json.code, 2, "{json:?}");
    assert!(json.json()["error"].as_str().unwrap().contains("line 15:"));

    let missing = kindling(&scratch.0, &["pipeline", "run", "absent.toml"]);
    assert_eq!(
        (missing.code, missing.stderr.trim()),
        (2, "absent.toml: no such file")
    );
    let usage = kindling(&scratch.0, &["pipeline", "run"]);
    assert_eq!(usage.code, 2, "{usage:?}");
}

#[test]
fn a_damaged_store_file_is_named_and_left_alone() {
    let scratch = Scratch::new("damaged");
    scratch.write("iris.toml", PIPELINE);
    fs::create_dir_all(scratch.0.join("store")).unwrap();
    scratch.write(
        "store/workspace.json",
        "{\"format\": \"kindling-workspace/2\", \"runs\": 3}",
    );
    let ran = kindling(
        &scratch.0,
        &["pipeline", "run", "iris.toml", "--store", "store"],
    );
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(
        ran.stderr
            .starts_with("store/workspace.json: the store file is damaged"),
        "{ran:?}"
    );
    assert_eq!(
        fs::read_to_string(scratch.0.join("store/workspace.json")).unwrap(),
        "{\"format\": \"kindling-workspace/2\", \"runs\": 3}"
    );
}

#[test]
fn garbage_is_not_a_package_and_a_bad_recipe_is_not_trained() {
    let scratch = Scratch::new("garbage");
    let dir = &scratch.0;
    scratch.write("junk.kindling.zip", "this is not a zip file at all");
    let verified = kindling(dir, &["verify", "junk.kindling.zip"]);
    assert_eq!(verified.code, 1, "{verified:?}");
    assert!(
        verified
            .stderr
            .starts_with("junk.kindling.zip: not a readable package: "),
        "{verified:?}"
    );
    let json = kindling(dir, &["verify", "junk.kindling.zip", "--json"]);
    assert_eq!(json.code, 1);
    assert!(
        json.json()["error"]
            .as_str()
            .unwrap()
            .contains("not a readable package")
    );
    scratch.write("rows.csv", &iris_rows(3));
    let predicted = kindling(dir, &["predict", "junk.kindling.zip", "rows.csv"]);
    assert_eq!(predicted.code, 1, "{predicted:?}");
    assert!(predicted.stdout.is_empty(), "{predicted:?}");
    let missing = kindling(dir, &["verify", "absent.kindling.zip"]);
    assert_eq!(missing.code, 2, "{missing:?}");

    scratch.write("recipe.json", "{\"format\": \"kindling-recipe/9\"}");
    let trained = kindling(dir, &["train", "recipe.json"]);
    assert_eq!(trained.code, 2, "{trained:?}");
    assert!(
        trained
            .stderr
            .contains("cannot read (it reads \"kindling-recipe/1\")"),
        "{trained:?}"
    );
}
