//! The pipeline file: the examples read, a file written back reads as the same pipeline, and
//! every malformed file is refused with its line and what would be right.

use super::file::{DataSource, parse};
use super::sweep::Strategy;
use super::write::to_toml;
use crate::data::bundled::BundledDataset;
use crate::registry::gates::{Comparison, Gate, Margin};
use crate::spec::ModelSpec;

fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../pipelines")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

const EXAMPLES: [&str; 5] = [
    "iris.toml",
    "wine.toml",
    "breast_cancer.toml",
    "digits.toml",
    "diabetes.toml",
];

#[test]
fn every_example_reads_and_round_trips_through_the_writer() {
    for name in EXAMPLES {
        let pipeline = parse(&example(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
        let written = to_toml(&pipeline);
        let again = parse(&written)
            .unwrap_or_else(|error| panic!("{name} written back: {error}\n{written}"));
        assert_eq!(again, pipeline, "{name}\n{written}");
    }
}

#[test]
fn the_iris_example_says_what_it_does() {
    let iris = parse(&example("iris.toml")).unwrap();
    assert_eq!(iris.name, "iris");
    assert_eq!(iris.data, DataSource::Bundled(BundledDataset::Iris));
    assert_eq!(iris.train.epochs, 60);
    assert_eq!(iris.train.seed, 7);
    assert_eq!(iris.train.model, ModelSpec::mlp(vec![16]));
    let sweep = iris.sweep.as_ref().unwrap();
    assert_eq!(sweep.strategy, Strategy::Grid);
    assert_eq!(sweep.trials(&iris.train).unwrap().len(), 4);
    assert_eq!(
        iris.gates,
        [
            Gate::BeatsChampion {
                metric: "test_accuracy".into(),
                margin: Margin::Absolute(0.0)
            },
            Gate::Threshold {
                metric: "test_accuracy".into(),
                comparison: Comparison::AtLeast,
                value: 0.85
            },
        ]
    );
    let promote = iris.promote.unwrap();
    assert_eq!(
        (promote.model.as_str(), promote.alias.as_deref()),
        ("iris", Some("champion"))
    );
}

#[test]
fn a_csv_source_names_the_upload_and_its_options() {
    let text = r#"
format = "kindling-pipeline/1"
name = "trial"
[data]
csv = "data/field_trial.csv"
target = "species"
missing = "impute"
[triggers]
on_new_data = true
"#;
    let pipeline = parse(text).unwrap();
    let DataSource::Csv { file, options } = &pipeline.data else {
        panic!()
    };
    assert_eq!(DataSource::dataset_name(file), "field_trial");
    assert_eq!(options.target.as_deref(), Some("species"));
    assert!(pipeline.triggers.on_new_data);
    assert_eq!(parse(&to_toml(&pipeline)).unwrap(), pipeline);
}

#[test]
fn every_malformed_file_is_refused_with_its_line() {
    let head = "format = \"kindling-pipeline/1\"\nname = \"p\"\n[data]\nbundled = \"iris\"\n";
    let cases: Vec<(String, &str)> = vec![
        ("format = \"kindling-pipeline/9\"\nname = \"p\"\n[data]\nbundled = \"iris\"\n".into(),
         "line 1: format is \"kindling-pipeline/9\"; this version of Kindling reads \"kindling-pipeline/1\""),
        ("format = \"kindling-pipeline/1\"\nname = \"p\"\n[data]\nbundled = \"iris\"\n[trian]\nepochs = 3\n".into(),
         "line 5: unknown field `trian`"),
        (format!("{head}[train]\nepochs = 2.5\n"),
         "line 6: [train] epochs must be a whole number of 0 or more, not 2.5"),
        (format!("{head}[train]\nlearning_rte = 0.1\n"),
         "line 6: [train] \"learning_rte\" is not a setting Kindling knows"),
        (format!("{head}[train]\noptimizer = \"adagrad\"\n"),
         "line 6: [train] optimizer: \"adagrad\" is not a known optimizer: choose one of adam, adamw, sgd"),
        (format!("{head}[train]\nlearning_rate = -1\n"),
         "[train] the learning rate"),
        ("format = \"kindling-pipeline/1\"\nname = \"p\"\n[data]\nbundled = \"iris\"\nsynthetic = \"spiral\"\n".into(),
         "[data] names one source"),
        ("format = \"kindling-pipeline/1\"\nname = \"p\"\n[data]\nbundled = \"irises\"\n".into(),
         "line 4: [data] bundled: \"irises\" is not a known bundled dataset"),
        (format!("{head}[gate]\ntest_accuracy = \"> 0.9\"\n"),
         "line 6: [gate] test_accuracy = \"> 0.9\": a rule starts with >= or <="),
        (format!("{head}[gate]\ntest_accuracy = 0.9\n"),
         "line 6: [gate] test_accuracy takes a rule in quotes"),
        (format!("{head}[sweep]\nstrategy = \"grid\"\nlearning_rate = {{ min = 0.001, max = 0.1 }}\n"),
         "[sweep] a grid tries listed values; learning_rate is a range"),
        (format!("{head}[sweep]\nstrategy = \"bayes\"\nlearning_rate = [0.1]\n"),
         "line 6: [sweep] strategy \"bayes\" is not known"),
        (format!("{head}[sweep]\nstrategy = \"grid\"\n"),
         "[sweep] varies nothing"),
        (format!("{head}[sweep]\nwarmup = [1, 2]\n"),
         "line 6: [sweep] \"warmup\" is neither a sweep setting"),
        (format!("{head}[promote]\nmodel = \"has space\"\n"),
         "[promote] model:"),
        (format!("{head}[triggers]\non_new_data = true\n"),
         "[triggers] on_new_data needs [data] csv"),
        ("format = \"kindling-pipeline/1\"\nname = \"p\"\n[data\nbundled = \"iris\"\n".into(),
         "line 3: "),
        ("format = \"kindling-pipeline/1\"\n[data]\nbundled = \"iris\"\n".into(),
         "missing field `name`"),
    ];
    for (text, expected) in cases {
        let error = parse(&text).unwrap_err().to_string();
        assert!(
            error.contains(expected),
            "expected {expected:?} in {error:?} for\n{text}"
        );
    }
    assert!(
        parse(&"#".repeat(300 * 1024))
            .unwrap_err()
            .to_string()
            .contains("at most 256 KiB")
    );
}

#[test]
fn a_starter_pipeline_reads_back_as_written() {
    use crate::data::Task;
    use crate::spec::TrainSpec;
    let train = TrainSpec {
        dataset: crate::spec::DatasetSpec::Bundled(BundledDataset::Wine),
        ..TrainSpec::default()
    };
    let starter = super::write::starter(
        "wine",
        DataSource::Bundled(BundledDataset::Wine),
        train,
        Task::Classification,
    );
    let text = to_toml(&starter);
    let read = parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    assert_eq!(read, starter, "{text}");
    assert!(text.contains("test_accuracy = \">= 0.8\""), "{text}");
}
