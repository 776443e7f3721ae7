//! A real `mlflow server` for a test: the pinned MLflow from the Python test environment
//! (`tests/python/requirements.txt`), on 127.0.0.1 with a SQLite store and artifacts in a
//! scratch folder, stopped and removed when the value drops, also when the test fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::python::{python, workspace};

pub struct MlflowServer {
    child: Child,
    pub url: String,
    dir: PathBuf,
}

impl MlflowServer {
    /// Starts a server and waits (up to two minutes) until `/health` answers.
    pub fn start(name: &str) -> Self {
        let python = python();
        let dir =
            std::env::temp_dir().join(format!("kindling-mlflow-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let child = Command::new(python.with_file_name("mlflow"))
            .args(["server", "--host", "127.0.0.1", "--workers", "1", "--port"])
            .arg(port.to_string())
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", dir.join("mlflow.db").display()))
            .arg("--artifacts-destination")
            .arg(dir.join("artifacts"))
            .current_dir(&dir)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|error| panic!("mlflow server did not start: {error}"));
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        server.wait_until_healthy();
        server
    }

    fn wait_until_healthy(&self) {
        for _ in 0..480 {
            if ureq::get(format!("{}/health", self.url))
                .call()
                .is_ok_and(|response| response.status() == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "mlflow server did not answer /health within two minutes:\n{}",
            self.log()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Runs `tests/python/mlflow_check.py` against this server and `workspace_file`; answers
    /// its summary line.
    pub fn check(&self, workspace_file: &Path) -> serde_json::Value {
        let output = Command::new(python())
            .arg(workspace().join("tests/python/mlflow_check.py"))
            .arg(&self.url)
            .arg(workspace_file)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "mlflow_check.py failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|error| {
            panic!("mlflow_check.py printed no summary ({error}):\n{stdout}")
        })
    }
}

impl Drop for MlflowServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
