//! The Python tools the compatibility tests run, in a virtual environment at
//! `target/python-venv`, created on first use and reinstalled whenever
//! `tests/python/requirements.txt` changes. Without python3 or the packages a test fails: it is
//! never skipped. `KINDLING_PYTHON` names another interpreter to create the environment with.

// Set-up is timed with the system clock, which the browser build may not touch.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use kindling_core::package::sha256_hex;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The environment's python, set up once per test process.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(set_up_python) {
        Ok(python) => python,
        Err(message) => panic!("{message}"),
    }
}

fn set_up_python() -> Result<PathBuf, String> {
    let started = Instant::now();
    let venv = workspace().join("target/python-venv");
    let python = venv.join("bin/python");
    let requirements = workspace().join("tests/python/requirements.txt");
    let marker = venv.join(".kindling-requirements-sha256");
    let wanted = std::fs::read(&requirements)
        .map(|bytes| sha256_hex(&bytes))
        .map_err(|error| format!("cannot read {}: {error}", requirements.display()))?;

    let works = |python: &Path| {
        Command::new(python)
            .args(["-c", "import sys"])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if !works(&python) {
        let interpreter = std::env::var("KINDLING_PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            Command::new(&interpreter)
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            &format!(
                "creating a Python virtual environment with `{interpreter} -m venv` (this test \
                 needs python3 with the venv module; set KINDLING_PYTHON to use another)"
            ),
        )?;
        let _ = std::fs::remove_file(&marker);
    }
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        run(
            Command::new(&python)
                .args(["-m", "pip", "install", "--disable-pip-version-check", "-r"])
                .arg(&requirements),
            "installing tests/python/requirements.txt into target/python-venv with pip",
        )?;
        std::fs::write(&marker, &wanted)
            .map_err(|error| format!("cannot write {}: {error}", marker.display()))?;
        eprintln!(
            "python environment ready in {:.1}s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(python)
}

/// Runs a set-up command, or says in words what failed and why.
pub fn run(command: &mut Command, what: &str) -> Result<(), String> {
    match command.output() {
        Err(error) => Err(format!("{what} failed: {error}")),
        Ok(output) if !output.status.success() => Err(format!(
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )),
        Ok(_) => Ok(()),
    }
}
