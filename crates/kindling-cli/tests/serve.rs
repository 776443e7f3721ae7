//! `kindling serve` as a client of an MLflow model server sees it: the built binary serves a
//! package made by a pipeline run, and plain HTTP requests in MLflow's scoring protocol get
//! the same answers `kindling predict` gives for the same rows; bad requests get a 400 in
//! words, an oversized body a 413, and SIGTERM stops it cleanly.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{Scratch, kindling};
use serde_json::{Value, json};

const PIPELINE: &str = r#"
format = "kindling-pipeline/1"
name = "iris-served"

[data]
bundled = "iris"

[train]
model = "mlp"
hidden_layers = [16]
epochs = 20

[promote]
model = "iris-served"
alias = "champion"
"#;

const PACKAGE: &str = ".kindling/packages/iris-served-v1.kindling.zip";

/// The server, stopped when the test ends however it ends.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kindling"))
            .args(["serve", PACKAGE, "--port", "0"])
            .current_dir(dir)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first_line = String::new();
        BufReader::new(child.stderr.as_mut().unwrap())
            .read_line(&mut first_line)
            .unwrap();
        let url = first_line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first_line:?}"))
            .to_owned();
        Self { child, url }
    }

    fn post(&self, body: &str) -> (u16, Value) {
        let response = ureq::post(&format!("{}/invocations", self.url))
            .config()
            .http_status_as_error(false)
            .build()
            .header("content-type", "application/json")
            .send(body)
            .unwrap();
        let status = response.status().as_u16();
        let text = response.into_body().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> (u16, String) {
        let response = ureq::get(&format!("{}{path}", self.url)).call().unwrap();
        let status = response.status().as_u16();
        (status, response.into_body().read_to_string().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_package_is_served_with_mlflow_s_scoring_protocol_and_answers_as_predict_does() {
    let scratch = Scratch::new("serve");
    let dir = &scratch.0;
    scratch.write("iris.toml", PIPELINE);
    let ran = kindling(dir, &["pipeline", "run", "iris.toml"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    scratch.write(
        "rows.csv",
        "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n\
         5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n",
    );
    let predicted = kindling(dir, &["predict", PACKAGE, "rows.csv", "--json"]).json();
    let header: Vec<&str> = predicted["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();

    let server = Server::start(dir);
    assert_eq!(server.get("/ping").0, 200);
    assert_eq!(server.get("/health").0, 200);
    let version: Value = serde_json::from_str(&server.get("/version").1).unwrap();
    assert_eq!(
        (version["model"].clone(), version["model_version"].clone()),
        (json!("iris-served"), json!(1))
    );

    let columns = json!([
        "sepal_length_cm",
        "sepal_width_cm",
        "petal_length_cm",
        "petal_width_cm"
    ]);
    let rows = json!([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]);
    let bodies = [
        json!({ "dataframe_split": { "columns": columns, "data": rows } }),
        json!({ "instances": rows }),
        json!({ "dataframe_records": [
            { "sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2 },
            { "petal_width_cm": 2.3, "petal_length_cm": 5.2, "sepal_width_cm": 3.0, "sepal_length_cm": 6.7 },
        ] }),
    ];
    for body in bodies {
        let (status, answered) = server.post(&body.to_string());
        assert_eq!(status, 200, "{answered}");
        let predictions = answered["predictions"].as_array().unwrap();
        assert_eq!(predictions.len(), 2);
        for (row, prediction) in predictions.iter().enumerate() {
            let expected = &predicted["rows"][row];
            for (column, name) in header.iter().enumerate().skip(4) {
                let given = &prediction[*name];
                let wanted = &expected[column];
                let same = match given {
                    // The same f32, widened for JSON on one side, printed shortest on the other.
                    Value::Number(number) => {
                        wanted.as_str().unwrap().parse::<f32>().unwrap()
                            == number.as_f64().unwrap() as f32
                    }
                    other => other == wanted,
                };
                assert!(same, "row {row} {name}: {given} against predict's {wanted}");
            }
        }
    }

    for (body, words) in [
        (
            "{\"instances\": [[1, 2]]}",
            "row 1 has 2 values, and there are 4 columns",
        ),
        ("{\"instances\": [[1, 2, \"x\", 4]]}", "'x' is not a number"),
        (
            "{\"dataframe_records\": [{\"sepal_length_cm\": 1}]}",
            "the request has no columns",
        ),
        ("plain words", "the request body is not JSON"),
    ] {
        let (status, refused) = server.post(body);
        assert_eq!(status, 400, "{body}: {refused}");
        assert_eq!(refused["error_code"], "BAD_REQUEST");
        let message = refused["message"].as_str().unwrap();
        assert!(message.contains(words), "{body}: {message}");
    }
    let oversized = format!("{{\"instances\": [{}]}}", "[1,2,3,4],".repeat(2_000_000));
    assert_eq!(server.post(&oversized).0, 413);
    assert_eq!(
        server.get("/ping").0,
        200,
        "still serving after every refusal"
    );

    let mut server = server;
    let stopped = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_broken_package_is_not_served() {
    let scratch = Scratch::new("serve-broken");
    let dir = &scratch.0;
    scratch.write("junk.kindling.zip", "not a zip");
    let ran = kindling(dir, &["serve", "junk.kindling.zip", "--port", "0"]);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.contains("junk.kindling.zip"), "{ran:?}");
}
