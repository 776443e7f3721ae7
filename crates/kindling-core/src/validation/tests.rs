//! The anomaly rules against hand-made data versions.

use super::*;
use crate::data::{Dataset, FeatureKind, Target};

/// Four columns (two numbers, a category, a label) over `rows`, each a tuple.
fn version(rows: &[(f32, f32, &str, &str)]) -> Dataset {
    let mut sites: Vec<String> = Vec::new();
    let mut classes: Vec<String> = Vec::new();
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for &(height, width, site, class) in rows {
        let code = if site.is_empty() {
            f32::NAN
        } else {
            if !sites.iter().any(|s| s == site) {
                sites.push(site.to_owned());
            }
            sites.iter().position(|s| s == site).unwrap() as f32
        };
        features.extend([height, width, code]);
        if !classes.iter().any(|c| c == class) {
            classes.push(class.to_owned());
        }
        labels.push(classes.iter().position(|c| c == class).unwrap() as u32);
    }
    Dataset {
        name: "trial".into(),
        feature_names: vec!["height".into(), "width".into(), "site".into()],
        features,
        target: Target::Classes {
            name: "species".into(),
            labels,
            class_names: classes,
        },
        image_shape: None,
        feature_kinds: vec![
            FeatureKind::Numeric,
            FeatureKind::Numeric,
            FeatureKind::Categorical { categories: sites },
        ],
    }
}

fn first() -> Dataset {
    version(&[
        (1.0, 5.0, "north", "oak"),
        (2.0, 6.0, "south", "pine"),
        (3.0, 7.0, "north", "oak"),
        (4.0, 8.0, "south", "pine"),
    ])
}

fn anomalies(data: &Dataset, expect: &Expectations) -> Vec<Anomaly> {
    let schema = DataSchema::infer(&DataProfile::of(&first()));
    check(data, &DataProfile::of(data), Some(&schema), expect)
}

#[test]
fn the_first_version_against_its_own_schema_has_no_anomaly() {
    assert_eq!(anomalies(&first(), &Expectations::default()), []);
}

#[test]
fn values_out_of_range_new_categories_and_classes_are_warnings_with_counts() {
    let data = version(&[
        (0.5, 5.0, "north", "oak"),
        (9.0, 6.0, "east", "pine"),
        (3.0, 7.0, "east", "birch"),
        (4.0, 8.0, "south", "pine"),
    ]);
    let found = anomalies(&data, &Expectations::default());
    let said: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "height: 2 values outside the first version's range 1 – 4 (from 0.5 to 9)",
            "site: 2 rows with categories the first version did not have: 'east' (a model reads them as unseen)",
            "species: 1 row of classes the first version did not have: 'birch'",
        ]
    );
    assert!(found.iter().all(|anomaly| !anomaly.blocking));
    assert_eq!(found[0].count, 2);
}

#[test]
fn a_vanished_class_too_few_rows_and_too_many_gaps_block() {
    let data = version(&[
        (1.0, 5.0, "", "oak"),
        (2.0, 6.0, "", "oak"),
        (3.0, 7.0, "north", "oak"),
    ]);
    let expect = Expectations {
        min_rows: Some(4),
        max_missing_fraction: Some(0.5),
        ..Expectations::default()
    };
    let found = anomalies(&data, &expect);
    let kinds: Vec<(AnomalyKind, bool)> = found.iter().map(|a| (a.kind, a.blocking)).collect();
    assert_eq!(
        kinds,
        [
            (AnomalyKind::TooFewRows, true),
            (AnomalyKind::TooManyGaps, true),
            (AnomalyKind::ClassVanished, true),
        ]
    );
    assert_eq!(
        found[1].to_string(),
        "site: 2 of 3 rows have a gap (66.7%), over the 50.0% expected"
    );
    assert_eq!(
        found[2].to_string(),
        "species: no row has the class 'pine', which the first version had"
    );

    // Without an expectation, gaps where there were none are a warning.
    let found = anomalies(&data, &Expectations::default());
    let gaps = found
        .iter()
        .find(|a| a.kind == AnomalyKind::TooManyGaps)
        .unwrap();
    assert!(!gaps.blocking);
    assert_eq!(gaps.count, 2);
}

#[test]
fn a_missing_column_a_type_change_and_a_new_column_are_found_and_can_be_ignored() {
    let mut data = first();
    data.feature_names = vec!["height".into(), "depth".into(), "site".into()];
    data.feature_kinds[0] = FeatureKind::Categorical {
        categories: vec!["1".into(), "2".into(), "3".into(), "4".into()],
    };
    for row in 0..4 {
        data.features[row * 3] = row as f32;
    }
    let found = anomalies(&data, &Expectations::default());
    let kinds: Vec<AnomalyKind> = found.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            AnomalyKind::TypeChanged,
            AnomalyKind::MissingColumn,
            AnomalyKind::NewColumn
        ]
    );
    assert_eq!(
        found[0].to_string(),
        "height: the column holds categories now; the first version had numbers"
    );
    assert!(found[0].blocking && found[1].blocking && !found[2].blocking);
    let lenient = Expectations {
        ignore: vec![AnomalyKind::NewColumn, AnomalyKind::MissingColumn],
        ..Expectations::default()
    };
    assert_eq!(anomalies(&data, &lenient).len(), 1);
    let no_schema = Expectations {
        schema: SchemaPolicy::None,
        ..Expectations::default()
    };
    assert_eq!(anomalies(&data, &no_schema), []);
}

#[test]
fn a_target_of_another_kind_blocks() {
    let mut data = first();
    data.target = Target::Values {
        name: "species".into(),
        values: vec![1.0, 2.0, 3.0, 4.0],
    };
    let found = anomalies(&data, &Expectations::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, AnomalyKind::TargetChanged);
    assert!(found[0].blocking);
}

#[test]
fn two_versions_are_compared_column_by_column() {
    let before = DataProfile::of(&first());
    assert_eq!(before.changes_since(&before), Vec::<String>::new());
    let after = DataProfile::of(&version(&[
        (1.0, 5.0, "north", "oak"),
        (2.0, 6.0, "east", "pine"),
        (3.0, 7.0, "north", "oak"),
        (4.0, 8.0, "south", "pine"),
        (6.0, 8.0, "", "pine"),
    ]));
    assert_eq!(
        after.changes_since(&before),
        [
            "rows: 4 → 5 (+1)",
            "height: range 1 – 4 → 1 – 6, mean 2.5 → 3.2",
            "width: range 5 – 8 → 5 – 8, mean 6.5 → 6.8",
            "site: gaps 0.0% → 20.0%",
            "site: new categories 'east'",
        ]
    );
}
