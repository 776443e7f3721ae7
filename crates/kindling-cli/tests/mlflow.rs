//! `kindling mlflow push` against a real `mlflow server` (pinned, from the Python test
//! environment), checked with MLflow's own Python client.

mod common;
#[path = "../../kindling-ml/tests/common/python.rs"]
#[allow(dead_code)]
mod python;

use common::{Scratch, kindling};

#[path = "common/mlflow_server.rs"]
mod mlflow_server;

use mlflow_server::MlflowServer;

const PIPELINE: &str = r#"
format = "kindling-pipeline/1"
name = "iris-mlflow"

[data]
bundled = "iris"

[train]
model = "mlp"
hidden_layers = [8]
epochs = 12

[sweep]
strategy = "grid"
learning_rate = [0.01, 0.03]

[gate]
test_accuracy = ">= 0.3"

[promote]
model = "iris-mlflow"
alias = "champion"
"#;

#[test]
fn a_workspace_is_pushed_whole_once_and_a_second_push_or_a_lost_id_file_adds_nothing() {
    let scratch = Scratch::new("mlflow");
    let dir = &scratch.0;
    scratch.write("iris.toml", PIPELINE);
    let trained = kindling(dir, &["pipeline", "run", "iris.toml"]);
    assert_eq!(trained.code, 0, "{trained:?}");
    let workspace = dir.join(".kindling/workspace.json");
    let workspace_arg = workspace.to_str().unwrap();

    let server = MlflowServer::start("push");
    let first = kindling(
        dir,
        &[
            "mlflow",
            "push",
            workspace_arg,
            "--tracking-uri",
            &server.url,
            "--json",
        ],
    );
    assert_eq!(first.code, 0, "{first:?}\n{}", server.log());
    let sent = first.json();
    assert_eq!(sent["runs_created"], 2, "{first:?}");
    assert_eq!(sent["models_created"], 1, "{first:?}");
    assert_eq!(sent["versions_created"], 1, "{first:?}");
    assert_eq!(sent["aliases_changed"], 1, "{first:?}");
    let held = server.check(&workspace);
    assert_eq!(held["runs"], 2, "{held}");
    assert_eq!(held["model_versions"], 1, "{held}");
    assert_eq!(held["aliases"], 1, "{held}");

    let again = kindling(
        dir,
        &[
            "mlflow",
            "push",
            workspace_arg,
            "--tracking-uri",
            &server.url,
        ],
    );
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .stdout
            .contains("MLflow already had everything; nothing was sent"),
        "{again:?}"
    );
    assert_eq!(server.check(&workspace), held, "a second push adds nothing");

    // Without the ids file, the server's own tags find every run and version again.
    let ids = dir.join(".kindling/workspace.json.mlflow.json");
    assert!(ids.is_file());
    std::fs::remove_file(&ids).unwrap();
    let found = kindling(
        dir,
        &[
            "mlflow",
            "push",
            workspace_arg,
            "--tracking-uri",
            &server.url,
            "--json",
        ],
    );
    assert_eq!(found.code, 0, "{found:?}");
    assert_eq!(found.json()["runs_created"], 0, "{found:?}");
    assert_eq!(found.json()["versions_created"], 0, "{found:?}");
    assert_eq!(
        server.check(&workspace),
        held,
        "a push with no ids file adds nothing"
    );
}

#[test]
fn a_server_that_is_not_there_or_a_bad_url_is_said_in_words() {
    let scratch = Scratch::new("mlflow-down");
    let dir = &scratch.0;
    let workspace = scratch.write(
        "workspace.json",
        r#"{"format":"kindling-workspace/2","app_version":"0","exported_ms":0,"runs":[],"datasets":[]}"#,
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = kindling(
        dir,
        &[
            "mlflow",
            "push",
            workspace.to_str().unwrap(),
            "--tracking-uri",
            &format!("http://127.0.0.1:{closed}"),
        ],
    );
    assert_eq!(down.code, 1, "{down:?}");
    assert!(
        down.stderr
            .contains("nothing answered at http://127.0.0.1:"),
        "{down:?}"
    );
    assert!(
        down.stderr.contains("mlflow server --host 127.0.0.1"),
        "{down:?}"
    );

    let bad = kindling(
        dir,
        &[
            "mlflow",
            "push",
            workspace.to_str().unwrap(),
            "--tracking-uri",
            "127.0.0.1:5000",
        ],
    );
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.stderr.contains("must start with http:// or https://"),
        "{bad:?}"
    );
}
