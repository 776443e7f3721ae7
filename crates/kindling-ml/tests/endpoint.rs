//! The simulated endpoint, driven by a clock the test holds: it sends the traffic the rate
//! asks for, its model's answers are what the model says, labels count only once they have
//! arrived, covariate drift fires the PSI rule, a shadow challenger scores every request and a
//! canary serves its share.

mod common;

use std::cell::Cell;

use common::{train_to_end, version_of};
use kindling_core::data::Target;
use kindling_core::data::synthetic::{SyntheticKind, SyntheticSpec};
use kindling_core::monitor::{AlertMetric, AlertRule, DriftControls, MonitorState, WindowShape};
use kindling_core::protocol::endpoint::{
    ChallengerMode, DeployedModel, EndpointEvent, EndpointSetup, TrafficSettings,
};
use kindling_core::spec::{DatasetSpec, TrainSpec};
use kindling_ml::build_package;
use kindling_ml::endpoint::Endpoint;

fn spiral_model() -> (DeployedModel, kindling_core::data::Dataset) {
    let synthetic = SyntheticSpec {
        kind: SyntheticKind::Spiral,
        sample_count: 600,
        noise: 0.1,
        seed: 3,
    };
    let spec = TrainSpec {
        dataset: DatasetSpec::Synthetic(synthetic.clone()),
        epochs: 40,
        ..TrainSpec::default()
    };
    let data = synthetic.generate().unwrap();
    let (trainer, _) = train_to_end(&spec, &data, 1_000.0);
    let trained = trainer.trained_model();
    let (package, _) = build_package(&version_of(&trained, &spec, &data), &trained).unwrap();
    let model = DeployedModel {
        label: "spiral v1".into(),
        package,
    };
    (model, data)
}

fn setup(
    champion: DeployedModel,
    challenger: Option<(DeployedModel, ChallengerMode)>,
    data: &kindling_core::data::Dataset,
    rules: &[&str],
) -> EndpointSetup {
    let Target::Classes {
        name, class_names, ..
    } = &data.target
    else {
        panic!("the spiral has classes");
    };
    EndpointSetup {
        deployment_id: "d1".into(),
        champion,
        challenger,
        reference: data.clone(),
        replay: data.clone(),
        settings: TrafficSettings {
            running: true,
            rate_per_s: 200.0,
            label_lag_ms: 1_000.0,
            drift: DriftControls::default(),
        },
        monitor: MonitorState::new(
            WindowShape {
                feature_names: data.feature_names.clone(),
                feature_kinds: Vec::new(),
                target_name: name.clone(),
                class_names: class_names.clone(),
            },
            rules
                .iter()
                .map(|rule| AlertRule::parse(rule).unwrap())
                .collect(),
        ),
        seed: 11,
    }
}

/// Ticks every 50 ms of test time for `seconds`, returning every snapshot.
fn run_for(
    endpoint: &mut Endpoint,
    now_ms: &Cell<f64>,
    seconds: f64,
) -> Vec<kindling_core::monitor::Snapshot> {
    let mut snapshots = Vec::new();
    let clock = || now_ms.get();
    let end = now_ms.get() + seconds * 1000.0;
    while now_ms.get() < end {
        now_ms.set(now_ms.get() + 50.0);
        for event in endpoint.tick(now_ms.get(), &clock) {
            if let EndpointEvent::Snapshot(snapshot) = event {
                snapshots.push(*snapshot);
            }
        }
    }
    snapshots
}

#[test]
fn the_endpoint_serves_its_rate_scores_arrived_labels_and_alerts_on_drift() {
    let (model, data) = spiral_model();
    let mut endpoint = Endpoint::start(setup(
        model,
        None,
        &data,
        &[
            "psi > 0.2 over 500 requests",
            "accuracy < 0.6 over 200 labels",
        ],
    ))
    .unwrap();
    let now_ms = Cell::new(0.0);
    let snapshots = run_for(&mut endpoint, &now_ms, 5.0);
    let last = snapshots.last().unwrap();
    let answered = endpoint.monitor().answered;
    assert!(
        (990..=1_000).contains(&answered),
        "200 requests a second for 5 s (the first tick starts the clock): {answered}"
    );
    assert!(snapshots.len() >= 9, "a snapshot every half second");
    assert!(
        (last.rate_per_s - 200.0).abs() < 10.0,
        "{}",
        last.rate_per_s
    );
    // Labels lag a second: four seconds' worth have arrived, and the model is good at them.
    assert_eq!(last.labelled, 200, "the accuracy window");
    assert!(last.accuracy.unwrap() > 0.8, "{:?}", last.accuracy);
    assert!(last.fired.is_empty() && endpoint.monitor().alerts.is_empty());

    endpoint.settings(TrafficSettings {
        running: true,
        rate_per_s: 200.0,
        label_lag_ms: 1_000.0,
        drift: DriftControls {
            shift_sd: 1.5,
            ..DriftControls::default()
        },
    });
    let mut state_before_alert = false;
    let clock = || now_ms.get();
    for _ in 0..100 {
        now_ms.set(now_ms.get() + 50.0);
        let events = endpoint.tick(now_ms.get(), &clock);
        if let Some(EndpointEvent::Snapshot(snapshot)) = events.last()
            && !snapshot.fired.is_empty()
        {
            state_before_alert =
                matches!(&events[0], EndpointEvent::State(state) if !state.alerts.is_empty());
        }
    }
    assert!(
        state_before_alert,
        "the window goes to the page ahead of the alert that may retrain on it"
    );
    let alerts = &endpoint.monitor().alerts;
    assert!(
        alerts
            .iter()
            .any(|alert| alert.rule.metric == AlertMetric::Psi),
        "{alerts:?}"
    );

    endpoint.settings(TrafficSettings {
        running: false,
        ..TrafficSettings::default()
    });
    let answered = endpoint.monitor().answered;
    run_for(&mut endpoint, &now_ms, 2.0);
    assert_eq!(
        endpoint.monitor().answered,
        answered,
        "paused traffic sends nothing"
    );
}

#[test]
fn a_shadow_challenger_scores_every_request_and_a_canary_serves_its_share() {
    let (model, data) = spiral_model();
    let shadow = setup(
        model.clone(),
        Some((model.clone(), ChallengerMode::Shadow)),
        &data,
        &[],
    );
    let mut endpoint = Endpoint::start(shadow).unwrap();
    let now_ms = Cell::new(0.0);
    let snapshots = run_for(&mut endpoint, &now_ms, 3.0);
    let last = snapshots.last().unwrap();
    assert_eq!(
        last.agreement,
        Some(1.0),
        "the same model agrees with itself"
    );
    assert!(
        endpoint
            .monitor()
            .requests
            .iter()
            .all(|served| served.challenger == Some(served.prediction))
    );

    let canary = setup(
        model.clone(),
        Some((model, ChallengerMode::Canary { share: 0.25 })),
        &data,
        &[],
    );
    let mut endpoint = Endpoint::start(canary).unwrap();
    run_for(&mut endpoint, &Cell::new(0.0), 5.0);
    let requests = &endpoint.monitor().requests;
    let share = requests
        .iter()
        .filter(|served| served.challenger.is_some())
        .count() as f64
        / requests.len() as f64;
    assert!((share - 0.25).abs() < 0.06, "{share}");
}

#[test]
fn a_deployment_whose_data_lacks_a_model_column_is_refused_in_words() {
    let (model, data) = spiral_model();
    let mut setup = setup(model, None, &data, &[]);
    setup.replay.feature_names[0] = "renamed".into();
    let error = Endpoint::start(setup).err().unwrap();
    assert!(error.contains("the replayed data has no column"), "{error}");
}
