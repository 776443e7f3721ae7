//! Deployments in the state layer natively: the champion a pipeline promoted is deployed to a
//! fake endpoint worker with its training rows; an alert from the worker is logged and retrains
//! the model through its pipeline on the training rows plus the labelled window; the new
//! champion is served in its place; and a reload starts the endpoint again with the window the
//! page kept.

use std::rc::Rc;

use kindling_core::data::synthetic::{SyntheticKind, SyntheticSpec};
use kindling_core::monitor::deployment::{EventKind, RetrainPolicy, SharedDeployments};
use kindling_core::monitor::{Alert, AlertRule, MonitorState, Observation, Served, Snapshot};
use kindling_core::protocol::endpoint::{EndpointCommand, EndpointEvent, EndpointSetup};
use kindling_core::protocol::{FromWorker, ToWorker};
use kindling_core::registry::CHAMPION;
use leptos::prelude::*;

use super::deployments::{DeploymentDeps, Deployments};
use super::fakes::{
    AssetFiles, FakeWorker, advance_ms, now_ms, random_u32, run, settle, with_runtime,
};
use super::pipeline_tests::{App, SWEEP};

fn attached_deployments(app: &App, endpoint: &Rc<FakeWorker>) -> Deployments {
    let deployments = Deployments::new(DeploymentDeps {
        workbench: app.workbench,
        registry: app.registry,
        pipelines: app.pipelines,
        files: Rc::new(AssetFiles),
        spawn: endpoint.spawner(),
        now_ms,
        random_u32,
    });
    let store = Rc::clone(&app.store);
    run(async move { deployments.attach(store as Rc<dyn SharedDeployments>).await });
    deployments
}

/// Every endpoint the page started, in order.
fn starts(endpoint: &FakeWorker) -> Vec<EndpointSetup> {
    endpoint
        .sent
        .borrow()
        .iter()
        .filter_map(|message| match message {
            ToWorker::Endpoint(EndpointCommand::Start(setup)) => Some((**setup).clone()),
            _ => None,
        })
        .collect()
}

fn snapshot(fired: Vec<Alert>) -> Snapshot {
    Snapshot {
        at_ms: now_ms(),
        answered: 20,
        rate_per_s: 10.0,
        latency_p50_ms: Some(0.1),
        latency_p99_ms: Some(0.2),
        predictions: Vec::new(),
        drift: None,
        labelled: 20,
        accuracy: Some(0.5),
        rmse: None,
        challenger_score: None,
        agreement: None,
        fired,
    }
}

#[test]
fn an_alert_retrains_the_deployed_champion_and_the_new_one_is_served_and_kept() {
    with_runtime(|| {
        let app = App::new();
        app.attach();
        let pipelines = app.pipelines;
        run(async move { pipelines.save_text(SWEEP.to_owned()).await }).unwrap();
        app.run_pipeline("spiral");
        let endpoint = Rc::new(FakeWorker::default());
        let deployments = attached_deployments(&app, &endpoint);

        let policy = RetrainPolicy {
            pipeline: Some("spiral".into()),
            on_alert: true,
            promote_automatically: true,
        };
        run(async move { deployments.deploy("spiral", CHAMPION, None, policy).await }).unwrap();
        let started = starts(&endpoint);
        assert_eq!(started.len(), 1);
        assert_eq!(started[0].champion.label, "spiral v1");
        assert_eq!(
            started[0].reference.row_count(),
            60,
            "drift is measured against the training rows"
        );
        endpoint.say(FromWorker::Endpoint(EndpointEvent::Started {
            deployment_id: started[0].deployment_id.clone(),
        }));
        assert!(deployments.serving.get_untracked());

        // The worker sends its window (20 labelled rows) ahead of the alert fired on it.
        let training = SyntheticSpec {
            kind: SyntheticKind::Spiral,
            sample_count: 60,
            noise: 0.2,
            seed: 7,
        }
        .generate()
        .unwrap();
        let rule = AlertRule::parse("psi > 0.2 over 20 requests").unwrap();
        let alert = Alert {
            rule: rule.clone(),
            observation: Observation {
                value: 0.4,
                feature: Some("x".into()),
            },
            at_ms: now_ms(),
            request_number: 20,
        };
        let mut window: MonitorState = started[0].monitor.clone();
        for row in 0..20 {
            window.push(Served {
                number: row as u64 + 1,
                at_ms: now_ms() - 1_000.0,
                values: training.row(row).to_vec(),
                prediction: 0.0,
                challenger: None,
                latency_ms: 0.1,
                truth: 1.0,
                label_at_ms: now_ms() - 500.0,
            });
        }
        window.alerts.push(alert.clone());
        // Time passes, as it does between the deployment and its first alert: the trials the
        // retraining starts are named by when they start.
        advance_ms(60_000.0);
        endpoint.say(FromWorker::Endpoint(EndpointEvent::State(Box::new(window))));
        endpoint.say(FromWorker::Endpoint(EndpointEvent::Snapshot(Box::new(
            snapshot(vec![alert.clone()]),
        ))));
        // A second alert heard before the first one's retraining could start starts nothing.
        endpoint.say(FromWorker::Endpoint(EndpointEvent::Snapshot(Box::new(
            snapshot(vec![alert]),
        ))));
        settle();
        assert_eq!(deployments.error.get_untracked(), None);
        // The retraining run has ended; the next snapshot hears of it.
        endpoint.say(FromWorker::Endpoint(EndpointEvent::Snapshot(Box::new(
            snapshot(Vec::new()),
        ))));
        settle();

        let current = deployments.current.get_untracked().unwrap();
        let history: Vec<String> = current
            .history
            .iter()
            .map(|event| event.what.label())
            .collect();
        assert_eq!(
            history,
            [
                "deployed v1",
                "alert",
                "alert",
                "retraining (spiral)",
                "promoted v2"
            ],
            "{:#?}",
            current.history
        );
        assert_eq!(current.version, 2);
        assert_eq!(
            current.monitor.alerts.len(),
            1,
            "the alert log outlives the version"
        );
        assert!(
            current.monitor.requests.is_empty(),
            "a new version starts a new window"
        );
        let retrained_on = app
            .workbench
            .datasets
            .with_untracked(|datasets| datasets.iter().map(|entry| entry.rows).max().unwrap_or(0));
        assert_eq!(
            retrained_on, 80,
            "the training rows plus the 20 labelled ones"
        );
        assert_eq!(
            starts(&endpoint).last().unwrap().champion.label,
            "spiral v2"
        );
        let registered = app.registry.model("spiral").unwrap();
        assert_eq!(registered.aliases.get(CHAMPION), Some(&2));

        // A reload: the same deployment is found and served again with what it kept.
        let stored = run({
            let store = Rc::clone(&app.store);
            async move { SharedDeployments::deployments(store.as_ref()).await }
        })
        .unwrap();
        assert_eq!(stored.last(), Some(&current));
        let reloaded_endpoint = Rc::new(FakeWorker::default());
        let reloaded = attached_deployments(&app, &reloaded_endpoint);
        assert_eq!(reloaded.current.get_untracked().unwrap().id, current.id);
        assert_eq!(starts(&reloaded_endpoint)[0].champion.label, "spiral v2");
        assert!(
            current
                .history
                .iter()
                .any(|e| matches!(e.what, EventKind::Promoted { version: 2 }))
        );
    });
}
