//! The parts of a sync that need no server: URLs, payloads and their limits. The sync itself
//! runs against a real `mlflow server` in kindling-cli's tests and the e2e layer.

use super::payload::{BATCH_LIMIT, BATCH_PARAMS_LIMIT, batches, tag_key};
use super::*;

#[test]
fn tracking_urls_are_checked_and_give_their_origin() {
    let url = TrackingUrl::parse(" http://127.0.0.1:5000/ ").unwrap();
    assert_eq!(url.as_str(), "http://127.0.0.1:5000");
    assert_eq!(url.origin(), "http://127.0.0.1:5000");
    assert_eq!(
        url.join("/api/2.0/mlflow/runs/create"),
        "http://127.0.0.1:5000/api/2.0/mlflow/runs/create"
    );
    let behind = TrackingUrl::parse("https://mlflow.example.org/team/a").unwrap();
    assert_eq!(behind.origin(), "https://mlflow.example.org");
    assert_eq!(
        TrackingUrl::parse("http://[::1]:5000").unwrap().origin(),
        "http://[::1]:5000"
    );
    assert_eq!(TrackingUrl::parse("127.0.0.1:5000"), Err(UrlError::Scheme));
    assert_eq!(TrackingUrl::parse("ftp://host"), Err(UrlError::Scheme));
    assert_eq!(TrackingUrl::parse("http:///runs"), Err(UrlError::NoHost));
    assert_eq!(TrackingUrl::parse("http://:5000"), Err(UrlError::NoHost));
    assert_eq!(TrackingUrl::parse("http://host:0"), Err(UrlError::Port));
    assert_eq!(TrackingUrl::parse("http://host:99999"), Err(UrlError::Port));
    assert_eq!(TrackingUrl::parse("http://[::1]x"), Err(UrlError::Port));
    // Anything that could end the page's policy directive or smuggle a second source.
    assert_eq!(
        TrackingUrl::parse("http://a.example; script-src *"),
        Err(UrlError::Character(';'))
    );
    assert_eq!(
        TrackingUrl::parse("http://user@a.example"),
        Err(UrlError::Character('@'))
    );
}

#[test]
fn log_batches_stay_within_mlflows_limits_and_lose_nothing() {
    let point = |i: usize| serde_json::json!({ "key": "m", "value": i, "step": i });
    let params: Vec<_> = (0..150)
        .map(|i| serde_json::json!({ "key": format!("p{i}") }))
        .collect();
    let tags: Vec<_> = (0..3)
        .map(|i| serde_json::json!({ "key": format!("t{i}") }))
        .collect();
    // 500 epochs of five metrics: no batch may cut an epoch in two.
    let groups: Vec<Vec<_>> = (0..500)
        .map(|epoch| (0..5).map(|_| point(epoch)).collect())
        .collect();
    let bodies = batches("r", params, tags, groups);
    let count = |key: &str| -> usize {
        bodies
            .iter()
            .map(|body| body[key].as_array().unwrap().len())
            .sum()
    };
    assert_eq!(
        (count("params"), count("tags"), count("metrics")),
        (150, 3, 2_500)
    );
    for body in &bodies {
        let params = body["params"].as_array().unwrap().len();
        let tags = body["tags"].as_array().unwrap().len();
        let metrics = body["metrics"].as_array().unwrap().len();
        assert!(params <= BATCH_PARAMS_LIMIT && tags <= BATCH_PARAMS_LIMIT);
        assert!(params + tags + metrics <= BATCH_LIMIT);
        assert_eq!(body["run_id"], "r");
        let steps: Vec<_> = body["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["step"].clone())
            .collect();
        assert!(
            steps
                .chunks(5)
                .all(|epoch| epoch.iter().all(|step| *step == epoch[0]))
        );
    }
    assert!(batches("r", Vec::new(), Vec::new(), Vec::new()).is_empty());
}

#[test]
fn tags_become_keys_mlflow_accepts() {
    assert_eq!(tag_key("baseline v2/try-1"), "baseline v2/try-1");
    assert_eq!(tag_key("a:b#c"), "a_b_c");
    assert_eq!(tag_key(&"x".repeat(400)).len(), 250);
}

#[test]
fn a_report_says_when_nothing_was_sent() {
    let nothing = SyncReport {
        requests: 3,
        ..SyncReport::default()
    };
    assert!(nothing.sent_nothing());
    assert_eq!(
        nothing.summary(),
        "MLflow already had everything; nothing was sent"
    );
    let some = SyncReport {
        runs_created: 2,
        ..SyncReport::default()
    };
    assert!(!some.sent_nothing());
}
