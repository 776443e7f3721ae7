//! The filter language: what each query matches, and what each mistake says.

use super::*;

/// Named "Spiral baseline ReLU" unless `unnamed`.
struct SampleRun {
    unnamed: bool,
}

impl Queryable for SampleRun {
    fn metric(&self, name: &str) -> Option<f64> {
        match name {
            "val_accuracy" => Some(0.93),
            "tiny" => Some(0.0005),
            "delta" => Some(-1.5),
            "loss" => Some(f64::NAN),
            _ => None,
        }
    }
    fn param(&self, name: &str) -> Option<Value> {
        match name {
            "learning_rate" => Some(Value::Number(0.1 * 0.1)),
            "activation" => Some(Value::Text("ReLU".to_string())),
            "standardise" => Some(Value::Bool(true)),
            _ => None,
        }
    }
    fn has_tag(&self, name: &str) -> bool {
        name == "baseline"
    }
    fn attribute(&self, name: &str) -> Option<String> {
        let value = match name {
            "name" if !self.unnamed => "Spiral baseline ReLU",
            "status" => "finished",
            "dataset" => "spiral",
            "model" => "MLP-2x16",
            _ => return None,
        };
        Some(value.to_string())
    }
}

fn check(cases: &[(&str, bool)]) {
    let run = SampleRun { unnamed: false };
    for &(text, expected) in cases {
        let query = Query::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(query.matches(&run), expected, "{text}");
    }
}

#[test]
fn the_issues_example_needs_every_clause() {
    let example = "metrics.val_acc > 0.9 and params.lr = 0.01 and tags.baseline";
    let stricter = example.replace("0.9", "0.95");
    let other_tag = example.replace("baseline", "other");
    check(&[(example, true), (&stricter, false), (&other_tag, false)]);
}

#[test]
fn an_old_metric_or_param_name_is_read_as_its_new_one_with_a_hint() {
    let old = Query::parse("metrics.val_acc > 0.9 and params.lr = 0.01").unwrap();
    let new = Query::parse("metrics.val_accuracy > 0.9 and params.learning_rate = 0.01").unwrap();
    let run = SampleRun { unnamed: false };
    assert!(old.matches(&run) && new.matches(&run));
    assert_eq!(
        old.hints,
        [
            "metrics.val_acc is now called metrics.val_accuracy; read as that",
            "params.lr is now called params.learning_rate; read as that"
        ]
    );
    assert!(new.hints.is_empty());
}

#[test]
fn an_empty_query_matches_everything() {
    for text in ["", "   "] {
        let query = Query::parse(text).unwrap();
        assert!(query.is_empty() && query.matches(&SampleRun { unnamed: true }));
    }
    assert!(!Query::parse("tags.other").unwrap().is_empty());
}

#[test]
fn and_binds_tighter_than_or_and_not_tightest() {
    check(&[
        ("tags.baseline or tags.nope and tags.other", true),
        ("tags.nope and tags.other or tags.baseline", true),
        ("(tags.baseline or tags.nope) and tags.other", false),
        ("((tags.baseline))", true),
        ("not tags.nope", true),
        ("not not tags.baseline", true),
        ("not tags.baseline and tags.nope", false),
        (
            "not (tags.nope or (status = finished and model ~ mlp))",
            false,
        ),
    ]);
}

#[test]
fn every_operator_compares_numbers() {
    check(&[
        ("metrics.val_acc = 0.93", true),
        ("metrics.val_acc == 0.5", false),
        ("metrics.val_acc != 0.93", false),
        ("metrics.val_acc != 0.5", true),
        ("metrics.val_acc < 10", true),
        ("metrics.val_acc < 0.93", false),
        ("metrics.val_acc <= 0.93", true),
        ("metrics.val_acc <= 0.9", false),
        ("metrics.val_acc>0.5", true),
        ("metrics.val_acc > 0.93", false),
        ("metrics.val_acc >= 0.93", true),
        ("metrics.val_acc >= 1", false),
        ("metrics.val_acc ~ 93", true),
        ("metrics.val_acc ~ 94", false),
        ("metrics.tiny < 1e-3", true),
        ("metrics.delta > -2", true),
        ("metrics.delta < -2", false),
        ("metrics.loss = NaN", true),
        ("metrics.loss < 1", false),
        ("metrics.val_acc > 0,5", false),
        ("metrics.val_acc < 0,99", false),
    ]);
}

#[test]
fn equality_tolerates_rounding() {
    assert_ne!(0.1 * 0.1, 0.01);
    check(&[
        ("params.lr = 0.01", true),
        ("params.lr != 0.01", false),
        ("params.lr < 0.01", false),
        ("params.lr >= 0.01", true),
        ("params.lr = 0.0100001", false),
    ]);
}

#[test]
fn text_and_booleans_compare_ignoring_case() {
    check(&[
        ("status = FINISHED", true),
        ("status != 'finished'", false),
        ("status != failed", true),
        ("dataset < t", true),
        ("dataset > t", false),
        ("dataset <= SPIRAL", true),
        ("dataset >= spirals", false),
        ("model ~ mlp", true),
        ("params.activation = relu", true),
        ("params.activation ~ gelu", false),
        ("metrics.val_acc = high", false),
        ("params.standardise = TRUE", true),
        ("params.standardise = false", false),
        ("params.standardise != false", true),
    ]);
}

#[test]
fn a_bare_field_tests_presence_and_a_missing_one_fails_comparisons() {
    check(&[
        ("tags.baseline", true),
        ("tag.baseline", true),
        ("tags.other", false),
        ("metrics.val_acc", true),
        ("metrics.test_auc", false),
        ("params.lr", true),
        ("param.dropout", false),
        ("status", true),
        ("id", false),
        ("metric.val_acc > 0.9 and param.lr = 0.01", true),
        ("metrics.test_auc > 0", false),
        ("metrics.test_auc != 1", false),
        ("params.dropout != 0.5", false),
        ("not metrics.test_auc > 0", true),
    ]);
}

#[test]
fn other_words_search_the_name_ignoring_case() {
    check(&[
        ("baseline", true),
        ("relu", true),
        ("cnn", false),
        ("\"spiral baseline\"", true),
        ("'spiral relu'", false),
        ("'and' or \"a > b\" or foo.bar", false),
    ]);
    assert!(
        !Query::parse("baseline")
            .unwrap()
            .matches(&SampleRun { unnamed: true })
    );
}

#[test]
fn keywords_and_field_prefixes_ignore_case() {
    check(&[
        ("tags.baseline AND tags.nope", false),
        ("tags.nope Or tags.baseline", true),
        ("NOT tags.baseline", false),
        ("METRICS.val_acc > 0.9 and Status = finished", true),
    ]);
}

#[test]
fn errors_say_what_to_do_and_where() {
    let unknown = format!("unknown field \"foo.bar\": {FIELD_HELP}");
    let cases = [
        ("metrics.val_acc >", r#"expected a value after ">""#, 17),
        (
            "metrics.val_acc == and x",
            r#"expected a value after "==""#,
            17,
        ),
        ("name = = x", r#"expected a value after "=""#, 6),
        ("(tags.a or status = finished", "unclosed parenthesis", 1),
        ("tags.a and (", "unclosed parenthesis", 12),
        ("tags.a and ()", "nothing between the parentheses", 12),
        ("foo.bar > 1", &unknown, 1),
        ("tags.baseline)", r#"unexpected ")""#, 14),
        (")", r#"unexpected ")""#, 1),
        ("name = 'abc", "unclosed quote", 8),
        ("and tags.x", r#""and" needs something on both sides"#, 1),
        ("tags.x AND", r#""and" needs something on both sides"#, 8),
        ("tags.x or )", r#""or" needs something on both sides"#, 8),
        ("(OR tags.x)", r#""or" needs something on both sides"#, 2),
        ("not", r#""not" needs something after it"#, 1),
        ("x and not or y", r#""not" needs something after it"#, 7),
        ("> 1", r#"expected a field before ">""#, 1),
        ("'name' = x", r#"expected a field before "=""#, 1),
        ("x tags.b", r#"expected "and" or "or" before "tags.b""#, 3),
        ("(x 'b')", r#"expected "and" or "or" before "b""#, 4),
        (
            "tags.a = yes",
            r#"tags have no value: write "tags.a" alone"#,
            1,
        ),
        (
            "metrics. > 1",
            r#""metrics." needs a name after the dot"#,
            1,
        ),
        ("status ! ok", r#"unexpected "!": use "!=" or "not""#, 8),
        ("'é' )", r#"unexpected ")""#, 5),
    ];
    for (text, message, position) in cases {
        let message = message.to_string();
        assert_eq!(
            Query::parse(text),
            Err(QueryError { message, position }),
            "{text}"
        );
    }
    let shown = Query::parse("name = 'abc").unwrap_err().to_string();
    assert_eq!(shown, "unclosed quote (at character 8)");
}

/// The review's inputs that overflowed the page's stack: each is refused in words or read,
/// and reading, matching and dropping a long chain stay shallow.
#[test]
fn deep_nesting_is_refused_in_words_and_long_chains_stay_flat() {
    let parens = format!("{}x{}", "(".repeat(1000), ")".repeat(1000));
    let nots = format!("{}x", "not ".repeat(2000));
    for text in [&parens, &nots] {
        let error = Query::parse(text).unwrap_err();
        assert!(
            error.message.contains("nests more than 40 levels"),
            "{}",
            error.message
        );
    }
    let fine = format!(
        "{}baseline{}",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    check(&[(fine.as_str(), true)]);

    let chain = vec!["metrics.val_accuracy > 2"; 15_000].join(" or ") + " or baseline";
    let query = Query::parse(&chain).unwrap();
    let Some(Expr::Or(terms)) = &query.root else {
        panic!("a chain is one list")
    };
    assert_eq!(terms.len(), 15_001);
    assert!(query.matches(&SampleRun { unnamed: false }));
    let all = vec!["tags.baseline"; 15_000].join(" and ");
    assert!(
        Query::parse(&all)
            .unwrap()
            .matches(&SampleRun { unnamed: false })
    );
}
