//! The glossary: every word of MLOps the workbench uses, said plainly once. Lessons link to an
//! entry with `[text](#key)`, pages with their term links, and the Glossary page lists them all.

/// One entry: its key (the link's anchor), the term as written, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub key: &'static str,
    pub term: &'static str,
    pub meaning: &'static str,
}

/// Every entry, alphabetically by term.
pub const GLOSSARY: &[Term] = &[
    Term {
        key: "alert",
        term: "Alert",
        meaning: "A rule on a deployment's monitor that fires when drift or accuracy crosses its limit for long enough, and can start retraining.",
    },
    Term {
        key: "alias",
        term: "Alias",
        meaning: "A name such as champion that points at one version of a registered model. Serving follows the alias, so promoting a model is moving the alias, and rolling back is moving it back.",
    },
    Term {
        key: "champion",
        term: "Champion and challenger",
        meaning: "The champion is the version serving everyone; a challenger is a newer version tried beside it (in shadow or on a canary share of the traffic) until it earns the alias.",
    },
    Term {
        key: "data-hash",
        term: "Data hash",
        meaning: "A fingerprint (SHA-256) of a dataset's rows. Two runs with the same data hash saw exactly the same data; a changed hash is a new data version.",
    },
    Term {
        key: "drift",
        term: "Drift",
        meaning: "The data a deployed model sees moving away from the data it learned from. A model can be as good as ever on old data and worse on today's.",
    },
    Term {
        key: "early-stopping",
        term: "Early stopping",
        meaning: "Ending training once the validation loss stops improving for a number of epochs (the patience), and keeping the best epoch's weights.",
    },
    Term {
        key: "epoch",
        term: "Epoch",
        meaning: "One pass of training over every training row. Loss and accuracy are recorded after each.",
    },
    Term {
        key: "experiment",
        term: "Experiment",
        meaning: "A named group of runs that answer one question (as in MLflow): the Runs table, Compare and a sweep work within one, and a student hands one in.",
    },
    Term {
        key: "gate",
        term: "Gate",
        meaning: "A check a run must pass before it may be registered: a metric above a threshold, better than the champion, weights that reload and reproduce. Gates make promotion a rule instead of a judgement call.",
    },
    Term {
        key: "hand-in",
        term: "Hand-in",
        meaning: "One experiment saved as a file for a teacher: its runs, the data they need and the models registered from them. The teacher scores every model on their own copy of the data, so a file's claims are checked, not trusted.",
    },
    Term {
        key: "ks",
        term: "KS test",
        meaning: "The Kolmogorov–Smirnov test: the largest gap between two distributions of a numeric column, with a p-value saying how surprising that gap is by chance.",
    },
    Term {
        key: "loss",
        term: "Loss",
        meaning: "The number training makes smaller: how wrong the model's outputs are on the rows it sees. Lower is better.",
    },
    Term {
        key: "registry",
        term: "Model registry",
        meaning: "Where models that passed their gates are kept as numbered versions with their lineage (the run, the data) and their aliases.",
    },
    Term {
        key: "overfitting",
        term: "Overfitting",
        meaning: "A model learning its training rows instead of the pattern: training loss keeps falling while validation loss turns up.",
    },
    Term {
        key: "package",
        term: "Package",
        meaning: "A model version as one zip file: weights, ONNX graph, preprocessing and a model card, which ONNX Runtime, Python and MLflow open.",
    },
    Term {
        key: "pipeline",
        term: "Pipeline",
        meaning: "Every step from data to a promoted model written down as a file and run as one: ingest, validate data, train or sweep, evaluate, gate, register, promote. CI/CD for models.",
    },
    Term {
        key: "psi",
        term: "PSI",
        meaning: "The population stability index: how much a column's share of values per bin moved between two samples. Below 0.1 is stable, above 0.25 is a large shift.",
    },
    Term {
        key: "recipe",
        term: "Recipe",
        meaning: "Everything that made a run: data source and its hash, model and training settings, seed and split. The same recipe trains the same model, bit for bit.",
    },
    Term {
        key: "retraining",
        term: "Retraining",
        meaning: "Training the model again on newer data, usually through its pipeline, so it passes the same gates before it replaces the champion.",
    },
    Term {
        key: "run",
        term: "Run",
        meaning: "One training of one model, tracked: its settings, its metrics after every epoch, its data and its result, kept so it can be compared and reproduced.",
    },
    Term {
        key: "seed",
        term: "Seed",
        meaning: "The number that starts every random choice of a run (the split, the first weights, the batch order). The same seed gives the same run.",
    },
    Term {
        key: "sweep",
        term: "Sweep",
        meaning: "Many runs of the same recipe over a grid or a random sample of settings, to find the best by a chosen metric.",
    },
    Term {
        key: "validation-split",
        term: "Validation and test split",
        meaning: "Rows held back from training. The validation rows guide choices while training (early stopping, which run to keep); the test rows are scored once at the end, for an honest estimate.",
    },
];

/// The entry for `key`.
pub fn term(key: &str) -> Option<&'static Term> {
    GLOSSARY.iter().find(|term| term.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_anchors_and_the_list_is_alphabetical() {
        for (index, entry) in GLOSSARY.iter().enumerate() {
            assert!(
                entry
                    .key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                entry.key
            );
            assert_eq!(term(entry.key), Some(entry), "one entry per key");
            if index > 0 {
                assert!(
                    GLOSSARY[index - 1].term.to_lowercase() < entry.term.to_lowercase(),
                    "{} is out of order",
                    entry.term
                );
            }
        }
    }
}
