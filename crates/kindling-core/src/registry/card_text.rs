//! The model card as Markdown (`MODEL_CARD.md` in every package): the factual sections
//! generated from the version, the written ones as the person wrote them.

use super::card::SECTIONS;
use super::model::ModelVersion;
use crate::data::Task;
use crate::signature::Output;
use crate::spec::ModelSpec;

/// What an unwritten section says, so a reader sees what is missing rather than nothing.
const NOT_WRITTEN: &str = "_Not written yet._";

/// The generated text of a factual section (`None` for a section a person writes).
pub fn generated_section(version: &ModelVersion, heading: &str) -> Option<String> {
    let lineage = &version.lineage;
    let dataset = &lineage.dataset;
    let text = match heading {
        "Model details" => {
            let architecture = match &version.signature.model {
                ModelSpec::Linear => match version.signature.task() {
                    Task::Classification => "softmax (multinomial logistic) regression".to_owned(),
                    Task::Regression => "linear regression".to_owned(),
                },
                ModelSpec::Mlp {
                    hidden_layers,
                    activation,
                    dropout,
                } => format!(
                    "multi-layer perceptron, hidden layers {hidden_layers:?}, {activation:?} activation, dropout {dropout}"
                ),
                ModelSpec::Cnn {
                    filters,
                    pool,
                    dense_units,
                } => format!(
                    "convolutional network: {filters} 3x3 filters{}, dense layer of {dense_units}",
                    if *pool { ", 2x2 max-pooling" } else { "" }
                ),
            };
            format!(
                "- Name: {} version {}\n- Architecture: {architecture}\n- Trained by Kindling {} in run \"{}\" ({})\n- Recipe: {} epochs, batch {}, {:?} optimiser, learning rate {}, seed {}\n- Inputs: {} numeric features ({})\n- Output: {}",
                version.model,
                version.version,
                lineage.app_version,
                lineage.run_name,
                lineage.run_id,
                lineage.recipe.epochs,
                lineage.recipe.batch_size,
                lineage.recipe.optimizer,
                lineage.recipe.learning_rate,
                lineage.recipe.seed,
                version.signature.input_size(),
                abbreviate(&version.signature.feature_names),
                match &version.signature.output {
                    Output::Classes {
                        target,
                        class_names,
                    } => format!("{target}, one of {}", abbreviate(class_names)),
                    Output::Value { target } => format!("{target}, a number"),
                }
            )
        }
        "Metrics" => match version.signature.task() {
            Task::Classification => "Accuracy, macro-averaged F1, ROC AUC and log loss on the held-out test split; the split is stratified by class.".to_owned(),
            Task::Regression => "R², RMSE and MAE on the held-out test split, in the target's own units.".to_owned(),
        },
        "Evaluation data" => format!(
            "The test split of {} (test fraction {}, split seed {}), never seen in training or model selection.",
            dataset.name, lineage.recipe.split.test_fraction, lineage.recipe.split.seed
        ),
        "Training data" => format!(
            "{}: {} rows, {} features, target \"{}\"; dataset version (sha256) `{}`. Features are standardised with means and deviations fitted on the training split only.",
            dataset.name, dataset.rows, dataset.features, dataset.target, dataset.id
        ),
        "Quantitative analyses" => {
            let mut table = String::from("| metric | value |\n| --- | --- |\n");
            for (name, value) in &version.metrics {
                table.push_str(&format!("| {name} | {value:.4} |\n"));
            }
            table.push_str(&format!(
                "\nGates: {}.",
                if version.gate_report.passed() { "passed" } else { "FAILED" }
            ));
            for check in &version.gate_report.checks {
                table.push_str(&format!(
                    "\n- {} {}: {}",
                    if check.passed { "pass" } else { "FAIL" },
                    check.name,
                    check.detail
                ));
            }
            table
        }
        _ => return None,
    };
    Some(text)
}

fn abbreviate(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(", … ({} in all)", names.len()));
    }
    text
}

/// `MODEL_CARD.md`: every section, generated or written.
pub fn to_markdown(version: &ModelVersion) -> String {
    let mut text = format!("# Model card: {} v{}\n", version.model, version.version);
    for (heading, written) in SECTIONS {
        let body = if written {
            let body = version.card.section(heading).unwrap_or_default().trim();
            if body.is_empty() {
                NOT_WRITTEN.to_owned()
            } else {
                body.to_owned()
            }
        } else {
            generated_section(version, heading).unwrap_or_default()
        };
        text.push_str(&format!("\n## {heading}\n\n{body}\n"));
    }
    text
}

/// `README.md`: the card with the YAML front matter the Hugging Face hub reads (license,
/// library, tags, datasets, metrics), so the unzipped package can be pushed to the hub as it is.
/// Every value is written as a JSON string, which YAML reads as the same text.
pub fn to_readme(version: &ModelVersion) -> String {
    let quote = |text: &str| serde_json::to_string(text).expect("text always serialises");
    let list = |items: &[String]| {
        items
            .iter()
            .map(|item| format!("\n- {}", quote(item)))
            .collect::<String>()
    };
    let task = match version.signature.task() {
        Task::Classification => "tabular-classification",
        Task::Regression => "tabular-regression",
    };
    let mut metrics: Vec<String> = version
        .metrics
        .keys()
        .filter_map(|name| name.strip_prefix("test_"))
        .map(|name| match name {
            "f1_macro" => "f1".to_owned(),
            "r2" => "r_squared".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    metrics.dedup();
    let tags = [
        "kindling".to_owned(),
        "onnx".into(),
        "safetensors".into(),
        task.into(),
    ];
    format!(
        "---\nlicense: unknown\nlibrary_name: onnx\npipeline_tag: {task}\ntags:{}\ndatasets:{}\nmetrics:{}\n---\n\n{}",
        list(&tags),
        list(std::slice::from_ref(&version.lineage.dataset.name)),
        list(&metrics),
        to_markdown(version)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::tests::version;

    #[test]
    fn the_readme_is_the_card_under_front_matter_the_hub_reads() {
        let mut v = version("iris", 2, true);
        v.lineage.dataset.name = "iris: \"the\" flowers".into();
        let readme = to_readme(&v);
        let (front, card) = readme
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n\n"))
            .expect("front matter between --- lines");
        assert_eq!(card, to_markdown(&v));
        assert!(front.contains("library_name: onnx"));
        assert!(front.contains("pipeline_tag: tabular-classification"));
        assert!(front.contains("metrics:\n- \"accuracy\""), "{front}");
        assert!(
            front.contains(r#"- "iris: \"the\" flowers""#),
            "a name with YAML's own characters is quoted: {front}"
        );
    }

    #[test]
    fn the_card_has_every_section_in_order_with_prompts_for_unwritten_ones() {
        let mut v = version("iris", 2, true);
        v.card.caveats = "Only tried on synthetic spirals.".into();
        let text = to_markdown(&v);
        let positions: Vec<usize> = SECTIONS
            .iter()
            .map(|(heading, _)| text.find(&format!("## {heading}\n")).expect(heading))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
        assert!(text.starts_with("# Model card: iris v2\n"));
        assert!(text.contains("Only tried on synthetic spirals."));
        assert_eq!(text.matches(NOT_WRITTEN).count(), 3);
        assert!(text.contains("| test_accuracy | 0.9000 |"));
        assert!(text.contains(&v.lineage.dataset.id));
    }
}
