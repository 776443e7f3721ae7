//! `cargo xtask <command>`: the project's own build, serve and test commands, so a fresh machine
//! needs nothing but cargo to get from a clone to a running, tested app.

mod dist;
mod layers;
mod process;
mod split;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

  serve   install what is missing, build, and serve the app on http://127.0.0.1:8080
  test    install what is missing (Chromium too), then run every test layer:
          native (cargo test), browser (wasm-bindgen-test in Chromium), end-to-end (Playwright)
  check   what CI does, cheapest first: fmt, clippy (native and wasm32), then `test`
  dist    install what is missing and build the release app into dist/
  finish-dist  Trunk's post-build hook: splits the UI's wasm, then the page's
          Content-Security-Policy and the service worker's file list (run by every
          `trunk build`, not by hand)
  bench   training throughput on the benchmark workloads: Kindling's worker and TensorFlow.js
          in the same headless Chromium, and the same Burn code natively (bench/run.mjs)";

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = match command.as_str() {
        "serve" => serve(),
        "test" => test(),
        "check" => check(),
        "dist" => dist(),
        "bench" => bench(),
        "finish-dist" => dist::finish(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// An error already explained to the person; `main` prints it once.
pub type Result<T = ()> = std::result::Result<T, String>;

fn serve() -> Result {
    tools::ensure(tools::Purpose::Serve)?;
    println!("Kindling: building, then serving at http://127.0.0.1:8080/ (Ctrl-C stops)");
    // Trunk's live-reload script is rewritten as it is served, so the page's policy (which
    // allows only the scripts of the build) would refuse it; the app itself needs no reload.
    process::run("trunk", &["serve", "--release", "--no-autoreload"])
}

fn dist() -> Result {
    tools::ensure(tools::Purpose::Serve)?;
    layers::build_release()
}

fn test() -> Result {
    tools::ensure(tools::Purpose::Test)?;
    layers::run_all()
}

fn bench() -> Result {
    tools::ensure(tools::Purpose::Test)?;
    tools::ensure_bench_packages()?;
    layers::build_release()?;
    let mut run = process::command("node", &["bench/run.mjs"]);
    run.args(std::env::args().skip(2));
    process::run_command(&mut run)
}

fn check() -> Result {
    process::run("cargo", &["fmt", "--all", "--check"])
        .map_err(|_| "cargo fmt found unformatted code: run `cargo fmt --all`".to_string())?;
    process::run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    tools::ensure(tools::Purpose::Test)?;
    process::run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--exclude",
            "xtask",
            "--all-targets",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    layers::run_all()
}
