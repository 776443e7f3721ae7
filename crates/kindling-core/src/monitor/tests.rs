//! The monitor's rules natively. That its statistics are SciPy's and NumPy's to the digit is
//! checked against Python itself (`crates/kindling-ml/tests/drift_against_scipy.rs`).

use super::*;
use crate::data::synthetic::{SyntheticKind, SyntheticSpec};
use crate::data::{Dataset, FeatureKind, Target};

fn spiral(count: usize, seed: u32) -> Dataset {
    SyntheticSpec {
        kind: SyntheticKind::Spiral,
        sample_count: count,
        noise: 0.1,
        seed,
    }
    .generate()
    .unwrap()
}

fn column(data: &Dataset, column: usize) -> Vec<f64> {
    (0..data.row_count())
        .map(|row| f64::from(data.row(row)[column]))
        .collect()
}

#[test]
fn the_kolmogorov_tail_falls_from_one_to_zero_and_matches_its_closed_forms() {
    // n = 1: D is max(U, 1 − U), so P(D ≥ d) = 2(1 − d) for d ≥ 1/2.
    assert!((kolmogorov::two_sided_sf(1, 0.8) - 0.4).abs() < 1e-12);
    for n in [5, 60, 139, 141, 400, 5_000, 200_000] {
        let mut last = 1.0;
        for step in 1..200 {
            let d = step as f64 / 200.0;
            let p = kolmogorov::two_sided_sf(n, d);
            assert!((0.0..=1.0).contains(&p), "n {n}, d {d}: {p}");
            assert!(
                p <= last + 1e-9,
                "n {n}: the tail rises at d {d}: {last} then {p}"
            );
            last = p;
        }
        assert_eq!(kolmogorov::two_sided_sf(n, 1.0), 0.0);
    }
    // Large n: Kolmogorov's limit, P(√n·D ≥ 1.36) ≈ 0.049.
    let p = kolmogorov::two_sided_sf(100_000, 1.358 / 100_000f64.sqrt());
    assert!((p - 0.05).abs() < 2e-3, "{p}");
}

#[test]
fn ks_of_two_samples_is_the_largest_gap_between_their_step_functions() {
    let same = stats::ks_two_sample(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap();
    assert_eq!(same.statistic, 0.0);
    assert_eq!(same.p_value, 1.0);
    let shifted = stats::ks_two_sample(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0]).unwrap();
    assert!((shifted.statistic - 1.0 / 3.0).abs() < 1e-15);
    let apart = stats::ks_two_sample(&[1.0, 2.0, 3.0, 4.0], &[10.0, 11.0, 12.0, 13.0]).unwrap();
    assert_eq!(apart.statistic, 1.0);
    assert!(apart.p_value < 0.05);
    assert_eq!(stats::ks_two_sample(&[], &[1.0]), None);
}

#[test]
fn deciles_interpolate_as_numpy_does_and_psi_is_zero_for_the_same_sample() {
    assert_eq!(stats::quantile_linear(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    assert_eq!(stats::quantile_linear(&[1.0, 2.0, 3.0, 4.0], 1.0), 4.0);
    assert_eq!(stats::quantile_linear(&[1.0, 2.0, 3.0, 4.0], 0.0), 1.0);
    let sorted: Vec<f64> = (0..100).map(f64::from).collect();
    assert_eq!(stats::psi_edges(&sorted).len(), 9);
    assert_eq!(stats::psi_numeric(&sorted, &sorted), Some(0.0));
    // Everything in the top bin: nine bins go from 0.1 to the floor, one from 0.1 to 1.
    let psi = stats::psi_numeric(&sorted, &[500.0; 20]).unwrap();
    let expected = 9.0 * (1e-4 - 0.1) * (1e-4f64 / 0.1).ln() + (1.0 - 0.1) * (1.0f64 / 0.1).ln();
    assert!((psi - expected).abs() < 1e-12, "{psi} vs {expected}");
    // A value on an edge falls in the bin above it.
    assert_eq!(
        stats::bin_counts(&[1.0, 2.0], &[0.5, 1.0, 2.0, 3.0]),
        vec![1, 1, 2]
    );
}

#[test]
fn categorical_psi_has_a_bin_for_categories_the_reference_never_had() {
    assert_eq!(stats::psi_categorical(&[50, 50], &[0, 1, 0, 1]), Some(0.0));
    let unseen = stats::psi_categorical(&[50, 50], &[0, 1, 2, 2]).unwrap();
    let expected = 2.0 * (0.25 - 0.5) * (0.25f64 / 0.5).ln() + (0.5 - 1e-4) * (0.5f64 / 1e-4).ln();
    assert!((unseen - expected).abs() < 1e-12);
}

#[test]
fn a_drift_report_matches_columns_by_name_and_categories_by_their_text() {
    let reference = Dataset {
        name: "reference".into(),
        feature_names: vec!["size".into(), "colour".into()],
        features: vec![1.0, 0.0, 2.0, 1.0, 3.0, 0.0, 4.0, 1.0],
        target: Target::Values {
            name: "price".into(),
            values: vec![1.0; 4],
        },
        image_shape: None,
        feature_kinds: vec![
            FeatureKind::Numeric,
            FeatureKind::Categorical {
                categories: vec!["red".into(), "blue".into()],
            },
        ],
    };
    // The same rows with the columns swapped and the categories listed the other way round,
    // plus one row of a colour the reference never had.
    let current = Dataset {
        name: "current".into(),
        feature_names: vec!["colour".into(), "size".into()],
        features: vec![1.0, 1.0, 0.0, 2.0, 1.0, 3.0, 0.0, 4.0, 2.0, 2.0],
        target: Target::Values {
            name: "price".into(),
            values: vec![1.0; 5],
        },
        image_shape: None,
        feature_kinds: vec![
            FeatureKind::Categorical {
                categories: vec!["blue".into(), "red".into(), "green".into()],
            },
            FeatureKind::Numeric,
        ],
    };
    let report = DriftReference::new(&reference).compare(&current, true);
    assert_eq!(report.features[0].name, "size");
    let ks = report.features[0].ks.unwrap();
    // Only the extra row (size 2) differs: at 2 the steps are 2/4 and 3/5 apart.
    assert!((ks.statistic - 0.1).abs() < 1e-12, "{ks:?}");
    assert_eq!(report.features[1].unseen, 1, "green is unseen");
    let colour_psi = report.features[1].psi.unwrap();
    let expected = 2.0 * (0.4 - 0.5) * (0.4f64 / 0.5).ln() + (0.2 - 1e-4) * (0.2f64 / 1e-4).ln();
    assert!(
        (colour_psi - expected).abs() < 1e-12,
        "{colour_psi} vs {expected}"
    );
    assert!(
        report
            .anomalies
            .iter()
            .any(|anomaly| anomaly.kind == crate::validation::AnomalyKind::NewCategory),
        "{:?}",
        report.anomalies
    );
}

#[test]
fn alert_rules_read_as_written_and_refuse_what_they_cannot_mean() {
    for text in [
        "psi > 0.2 over 500 requests",
        "accuracy < 0.85 over 200 labels",
        "ks_p_value < 0.001 over 1000 requests",
        "latency_p99_ms > 20 over 300 requests",
    ] {
        let rule = AlertRule::parse(text).unwrap();
        assert_eq!(rule.to_string(), text);
    }
    assert_eq!(
        AlertRule::parse("psi > 0.2 over 500").unwrap().window,
        500,
        "the unit may be left out"
    );
    let wrong = [
        ("psi >= 0.2 over 500 requests", "METRIC > NUMBER"),
        (
            "drift > 0.2 over 500 requests",
            "\"drift\" is not a known alert metric",
        ),
        ("psi > high over 500 requests", "\"high\" is not a number"),
        ("psi > 0.2 over 5 requests", "at least 10"),
        ("accuracy < 0.9 over 200 requests", "accuracy counts labels"),
    ];
    for (text, message) in wrong {
        let error = AlertRule::parse(text).unwrap_err().to_string();
        assert!(error.contains(message), "{text}: {error}");
    }
}

#[test]
fn a_rule_fires_when_it_is_first_breached_and_again_only_after_a_quiet_spell() {
    let rules = vec![AlertRule::parse("psi > 0.2 over 100 requests").unwrap()];
    let mut state = AlertState::default();
    let seen = |value: f64| {
        move |_: &AlertRule| {
            Some(Observation {
                value,
                feature: Some("x".into()),
            })
        }
    };
    assert!(state.judge(&rules, 0.0, 100, seen(0.1)).is_empty());
    let fired = state.judge(&rules, 1.0, 200, seen(0.3));
    assert_eq!(fired.len(), 1);
    assert_eq!(
        fired[0].message(),
        "PSI of any feature is 0.300 (x) over the last 100 requests, above 0.2"
    );
    assert!(
        state.judge(&rules, 2.0, 300, seen(0.4)).is_empty(),
        "still the same breach"
    );
    assert!(state.judge(&rules, 3.0, 400, |_| None).is_empty());
    assert_eq!(state.judge(&rules, 4.0, 500, seen(0.5)).len(), 1);
}

fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    let variance = present.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / present.len() as f64;
    (mean, variance.sqrt())
}

fn draw(traffic: &mut Traffic, drift: &DriftControls, count: usize) -> Vec<LiveRow> {
    (0..count).map(|_| traffic.next_row(drift)).collect()
}

#[test]
fn the_generator_drifts_each_way_it_says() {
    let source = spiral(2_000, 1);
    let (x_mean, x_sd) = mean_and_sd(&column(&source, 0));
    let mut traffic = Traffic::new(source.clone(), 7);

    let plain = draw(&mut traffic, &DriftControls::default(), 4_000);
    let xs: Vec<f64> = plain.iter().map(|row| f64::from(row.values[0])).collect();
    assert!((mean_and_sd(&xs).0 - x_mean).abs() < 0.1 * x_sd);

    let shifted = DriftControls {
        shift_sd: 2.0,
        features: vec![source.feature_names[0].clone()],
        ..DriftControls::default()
    };
    let rows = draw(&mut traffic, &shifted, 4_000);
    let xs: Vec<f64> = rows.iter().map(|row| f64::from(row.values[0])).collect();
    let ys: Vec<f64> = rows.iter().map(|row| f64::from(row.values[1])).collect();
    assert!((mean_and_sd(&xs).0 - (x_mean + 2.0 * x_sd)).abs() < 0.15 * x_sd);
    let (y_mean, _) = mean_and_sd(&column(&source, 1));
    assert!(
        (mean_and_sd(&ys).0 - y_mean).abs() < 0.15,
        "only the chosen feature moves"
    );

    let label_shift = DriftControls {
        class_shares: vec![0.9, 0.1],
        ..DriftControls::default()
    };
    let rows = draw(&mut traffic, &label_shift, 4_000);
    let first = rows.iter().filter(|row| row.label == 0.0).count() as f64 / 4_000.0;
    assert!((first - 0.9).abs() < 0.03, "{first}");

    // Rotation keeps each point's distance from the centre (in standard units) and its label.
    let mut twin = Traffic::new(source.clone(), 99);
    let mut turned = Traffic::new(source.clone(), 99);
    let rotate = DriftControls {
        rotate_degrees: 90.0,
        ..DriftControls::default()
    };
    let (_, y_sd) = mean_and_sd(&column(&source, 1));
    for _ in 0..50 {
        let (a, b) = (
            twin.next_row(&DriftControls::default()),
            turned.next_row(&rotate),
        );
        assert_eq!(a.label, b.label);
        let radius = |row: &LiveRow| {
            ((f64::from(row.values[0]) - x_mean) / x_sd)
                .hypot((f64::from(row.values[1]) - y_mean) / y_sd)
        };
        assert!((radius(&a) - radius(&b)).abs() < 1e-4);
    }

    let gaps = DriftControls {
        missing_fraction: 0.3,
        ..DriftControls::default()
    };
    let rows = draw(&mut traffic, &gaps, 2_000);
    let blank = rows
        .iter()
        .flat_map(|row| &row.values)
        .filter(|v| v.is_nan())
        .count();
    assert!((blank as f64 / 4_000.0 - 0.3).abs() < 0.03, "{blank}");
}

#[test]
fn new_categories_drift_into_a_category_the_model_never_saw() {
    let source = Dataset {
        name: "pets".into(),
        feature_names: vec!["kind".into()],
        features: vec![0.0, 1.0, 0.0, 1.0],
        target: Target::Values {
            name: "age".into(),
            values: vec![1.0, 2.0, 3.0, 4.0],
        },
        image_shape: None,
        feature_kinds: vec![FeatureKind::Categorical {
            categories: vec!["cat".into(), "dog".into()],
        }],
    };
    let mut traffic = Traffic::new(source, 3);
    let FeatureKind::Categorical { categories } = &traffic.kinds()[0] else {
        panic!("a category column stays one");
    };
    assert_eq!(categories.last().map(String::as_str), Some(NEW_CATEGORY));
    let all_new = DriftControls {
        new_category_fraction: 1.0,
        ..DriftControls::default()
    };
    assert_eq!(traffic.next_row(&all_new).values, vec![2.0]);
}

fn shape_of(data: &Dataset, traffic: &Traffic) -> WindowShape {
    let Target::Classes {
        class_names, name, ..
    } = &data.target
    else {
        panic!("a classifier's data");
    };
    WindowShape {
        feature_names: data.feature_names.clone(),
        feature_kinds: traffic.kinds().to_vec(),
        target_name: name.clone(),
        class_names: class_names.clone(),
    }
}

/// Serves `count` requests a millisecond apart from `start_ms`, the model answering the truth
/// (or always class 0 when `wrong`), labels arriving `lag_ms` later.
fn serve(
    monitor: &mut MonitorState,
    traffic: &mut Traffic,
    drift: &DriftControls,
    count: usize,
    start_ms: f64,
    lag_ms: f64,
    wrong: bool,
) {
    for i in 0..count {
        let row = traffic.next_row(drift);
        let at_ms = start_ms + i as f64;
        monitor.push(Served {
            number: monitor.answered + 1,
            at_ms,
            prediction: if wrong { 0.0 } else { row.label },
            challenger: None,
            latency_ms: 0.2,
            truth: row.label,
            label_at_ms: at_ms + lag_ms,
            values: row.values,
        });
    }
}

#[test]
fn the_window_fires_a_psi_alert_under_covariate_drift_and_counts_only_arrived_labels() {
    let training = spiral(1_000, 1);
    let reference = DriftReference::new(&training);
    let mut traffic = Traffic::new(spiral(1_000, 2), 5);
    let rules = vec![
        AlertRule::parse("psi > 0.2 over 500 requests").unwrap(),
        AlertRule::parse("accuracy < 0.85 over 200 labels").unwrap(),
    ];
    let mut monitor = MonitorState::new(shape_of(&training, &traffic), rules);
    assert_eq!(monitor.capacity(), 500);

    serve(
        &mut monitor,
        &mut traffic,
        &DriftControls::default(),
        600,
        0.0,
        1_000.0,
        false,
    );
    let calm = monitor.snapshot(&reference, 600.0);
    assert!(calm.fired.is_empty(), "{:?}", calm.fired);
    assert_eq!(calm.labelled, 0, "no label has arrived yet");
    assert_eq!(monitor.requests.len(), 500);
    let (_, psi) = calm.drift.as_ref().unwrap().max_psi().unwrap();
    assert!(psi < 0.1, "{psi}");

    let drift = DriftControls {
        shift_sd: 1.5,
        ..DriftControls::default()
    };
    serve(
        &mut monitor,
        &mut traffic,
        &drift,
        500,
        600.0,
        1_000.0,
        false,
    );
    let drifted = monitor.snapshot(&reference, 1_100.0);
    assert_eq!(drifted.fired.len(), 1, "{:?}", drifted.fired);
    assert_eq!(drifted.fired[0].rule.metric, AlertMetric::Psi);
    assert_eq!(monitor.alerts.len(), 1);

    // A model that answers class 0 to everything, whose labels arrive: accuracy falls.
    serve(
        &mut monitor,
        &mut traffic,
        &DriftControls::default(),
        500,
        1_100.0,
        0.0,
        true,
    );
    let wrong = monitor.snapshot(&reference, 2_000.0);
    assert!(wrong.accuracy.unwrap() < 0.7);
    assert!(
        wrong
            .fired
            .iter()
            .any(|alert| alert.rule.metric == AlertMetric::Accuracy),
        "{:?}",
        wrong.fired
    );
    // The window and its alerts survive a round trip through storage.
    let stored = serde_json::to_string(&monitor).unwrap();
    let restored: MonitorState = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, monitor);
}

#[test]
fn retraining_data_is_the_training_data_plus_the_rows_whose_labels_arrived() {
    let training = spiral(100, 1);
    let mut traffic = Traffic::new(spiral(100, 2), 5);
    let mut monitor = MonitorState::new(shape_of(&training, &traffic), Vec::new());
    serve(
        &mut monitor,
        &mut traffic,
        &DriftControls::default(),
        10,
        0.0,
        100.0,
        true,
    );
    // Requests at 0..10 ms with labels 100 ms later: by 105 ms, six have arrived.
    let fresh = fresh::training_plus_window(&training, &monitor, 105.0).unwrap();
    assert_eq!(fresh.row_count(), 106);
    assert_eq!(fresh.row(100), monitor.requests[0].values.as_slice());
    let Target::Classes { labels, .. } = &fresh.target else {
        panic!("still classes");
    };
    let truths: Vec<u32> = monitor
        .requests
        .iter()
        .take(6)
        .map(|s| s.truth as u32)
        .collect();
    assert_eq!(
        labels[100..],
        truths[..],
        "the labels are the world's, not the model's"
    );
    assert_eq!(fresh::training_plus_window(&training, &monitor, 50.0), None);
}

#[test]
fn the_window_exports_as_csv_with_names_and_only_arrived_labels() {
    let training = spiral(100, 1);
    let mut traffic = Traffic::new(spiral(100, 2), 5);
    let mut monitor = MonitorState::new(shape_of(&training, &traffic), Vec::new());
    serve(
        &mut monitor,
        &mut traffic,
        &DriftControls::default(),
        4,
        0.0,
        100.0,
        false,
    );
    let csv = monitor.window_csv(101.5);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "request,at_ms,x,y,prediction,challenger,latency_ms,label"
    );
    assert_eq!(lines.len(), 5);
    let Target::Classes { class_names, .. } = &training.target else {
        panic!("classes");
    };
    let first: Vec<&str> = lines[1].split(',').collect();
    assert!(
        class_names.iter().any(|name| name == first[4]),
        "{}",
        lines[1]
    );
    assert_eq!(
        first[7], first[4],
        "arrived, and the model answered the truth"
    );
    assert_eq!(lines[4].split(',').nth(7), Some(""), "not arrived yet");
}

#[test]
fn a_deployment_remembers_what_to_roll_back_to_and_retrains_each_version_once() {
    use deployment::{Deployment, EventKind, RetrainPolicy};
    let training = spiral(10, 1);
    let traffic = Traffic::new(training.clone(), 1);
    let mut deployed = Deployment {
        id: "d".into(),
        model: "spiral".into(),
        alias: "champion".into(),
        version: 1,
        challenger: None,
        settings: Default::default(),
        replay_dataset: None,
        retrain: RetrainPolicy::default(),
        monitor: MonitorState::new(shape_of(&training, &traffic), Vec::new()),
        history: Vec::new(),
        created_ms: 0.0,
        active: true,
    };
    deployed.record(0.0, EventKind::Deployed { version: 1 }, "by hand");
    assert_eq!(deployed.previous_version(), None);
    assert!(!deployed.retrained_since_deployed());
    deployed.record(1.0, EventKind::Alert, "PSI");
    let started = EventKind::RetrainStarted {
        pipeline: "p".into(),
        run_id: "r".into(),
    };
    deployed.record(2.0, started.clone(), "PSI");
    assert!(deployed.retrained_since_deployed());
    deployed.version = 2;
    deployed.record(3.0, EventKind::Promoted { version: 2 }, "gates passed");
    assert!(
        deployed.retrained_since_deployed(),
        "the version a retraining promoted does not retrain on its own: no loop"
    );
    assert_eq!(deployed.previous_version(), Some(1));
    deployed.version = 1;
    deployed.record(4.0, EventKind::RolledBack { from: 2, to: 1 }, "by hand");
    assert_eq!(deployed.previous_version(), Some(2));
    assert!(
        !deployed.retrained_since_deployed(),
        "a person's rollback gives the next alert its chance again"
    );
}
