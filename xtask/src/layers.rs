//! The three test layers, their pass/fail counts, and the release build the end-to-end tests
//! run against.

use crate::process::Result;
use crate::process::{command, root, run_command, run_teed};

/// One layer's outcome.
struct LayerReport {
    name: &'static str,
    passed: usize,
    failed: usize,
    /// False when the runner itself failed (a build error, a crash) whatever it counted.
    succeeded: bool,
}

/// The layers' names, cheapest first, as `cargo xtask test <layer>` takes them.
const LAYERS: [&str; 3] = ["native", "browser", "e2e"];

pub fn run_all() -> Result {
    report(vec![native()?, browser()?, end_to_end()?])
}

/// Only the named layers, in the usual order.
pub fn run(chosen: &[String]) -> Result {
    if let Some(unknown) = chosen.iter().find(|name| !LAYERS.contains(&name.as_str())) {
        return Err(format!(
            "there is no test layer called {unknown:?}; the layers are {}",
            LAYERS.join(", ")
        ));
    }
    let mut reports = Vec::new();
    for layer in LAYERS {
        if chosen.iter().any(|name| name == layer) {
            reports.push(match layer {
                "native" => native()?,
                "browser" => browser()?,
                _ => end_to_end()?,
            });
        }
    }
    report(reports)
}

fn report(reports: Vec<LayerReport>) -> Result {
    println!();
    println!("{:<10} {:>7} {:>7}  result", "layer", "passed", "failed");
    for report in &reports {
        let verdict = if report.succeeded && report.failed == 0 {
            "ok"
        } else {
            "FAILED"
        };
        println!(
            "{:<10} {:>7} {:>7}  {verdict}",
            report.name, report.passed, report.failed
        );
    }
    let passed: usize = reports.iter().map(|r| r.passed).sum();
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    println!("{passed} passed, {failed} failed");
    let broken: Vec<_> = reports
        .iter()
        .filter(|r| !r.succeeded || r.failed > 0)
        .map(|r| r.name)
        .collect();
    if broken.is_empty() {
        Ok(())
    } else {
        Err(format!("failing layers: {}", broken.join(", ")))
    }
}

/// Every crate's own tests natively (core, ml, the UI's state and helpers, the worker's loop,
/// the command line, xtask): the fast layer, first. One cargo call, so every crate shares one
/// build of each dependency.
fn native() -> Result<LayerReport> {
    heading("native: cargo test --workspace");
    let (succeeded, output) = run_teed(&mut command("cargo", &["test", "--workspace"]))?;
    let (passed, failed) = cargo_counts(&output);
    Ok(LayerReport {
        name: "native",
        passed,
        failed,
        succeeded,
    })
}

/// `platform/` in headless Chromium through Debian's chromedriver.
fn browser() -> Result<LayerReport> {
    heading("browser: wasm-bindgen-test in headless Chromium");
    let mut test = command(
        "cargo",
        &[
            "test",
            "-p",
            "kindling",
            "--tests",
            "--target",
            "wasm32-unknown-unknown",
        ],
    );
    test.env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env(
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            root().join("tests/webdriver.json"),
        )
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    let (succeeded, output) = run_teed(&mut test)?;
    let (passed, failed) = cargo_counts(&output);
    Ok(LayerReport {
        name: "browser",
        passed,
        failed,
        succeeded,
    })
}

/// The user's paths, with Playwright driving Debian's Chromium against the release build.
fn end_to_end() -> Result<LayerReport> {
    heading("end-to-end: Playwright + node --test against the release build");
    build_release()?;
    let mut test = command(
        "node",
        &["--test", "--test-reporter=spec", "--test-concurrency=1"],
    );
    test.arg(root().join("tests/e2e"));
    let (succeeded, output) = run_teed(&mut test)?;
    let (passed, failed) = node_counts(&output);
    Ok(LayerReport {
        name: "e2e",
        passed,
        failed,
        succeeded,
    })
}

/// The release app in dist/, as it is served to people.
pub fn build_release() -> Result {
    run_command(&mut command("trunk", &["build", "--release"]))
}

/// Sums cargo's `test result: ok. N passed; M failed; ...` lines (one per test binary).
fn cargo_counts(output: &str) -> (usize, usize) {
    output
        .lines()
        .filter_map(|line| line.trim().strip_prefix("test result: "))
        .fold((0, 0), |(passed, failed), summary| {
            (
                passed + count_before(summary, " passed"),
                failed + count_before(summary, " failed"),
            )
        })
}

/// node's spec reporter ends with `ℹ pass N` and `ℹ fail M`.
fn node_counts(output: &str) -> (usize, usize) {
    let last = |label: &str| {
        output
            .lines()
            .rev()
            .find_map(|line| {
                let rest = line
                    .trim()
                    .trim_start_matches('ℹ')
                    .trim_start_matches('#')
                    .trim();
                rest.strip_prefix(label)?.trim().parse().ok()
            })
            .unwrap_or(0)
    };
    (last("pass "), last("fail "))
}

/// The number right before `label` in `text` ("3 passed" → 3).
fn count_before(text: &str, label: &str) -> usize {
    text.find(label)
        .and_then(|end| {
            text[..end]
                .rsplit(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn heading(title: &str) {
    println!("\n=== {title} ===");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_counts_add_up_every_test_binary() {
        let output = "\
running 2 tests
test result: ok. 13 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
test result: FAILED. 5 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.7s
    test result: ok. 0 passed; 0 failed; 0 ignored";
        assert_eq!(cargo_counts(output), (18, 1));
    }

    #[test]
    fn node_counts_read_the_spec_and_tap_summaries() {
        let spec = "ℹ tests 4\nℹ suites 0\nℹ pass 3\nℹ fail 1\nℹ cancelled 0";
        assert_eq!(node_counts(spec), (3, 1));
        let tap = "# tests 2\n# pass 2\n# fail 0";
        assert_eq!(node_counts(tap), (2, 0));
        assert_eq!(node_counts("no summary at all"), (0, 0));
    }
}
