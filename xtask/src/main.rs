//! `cargo xtask <command>`: the project's own build, serve and test commands, so a fresh machine
//! needs nothing but cargo to get from a clone to a running, tested app.

mod dist;
mod files;
mod layers;
mod process;
mod rules;
mod split;
mod tools;

use std::process::ExitCode;

use process::Result;

const USAGE: &str = "\
usage: cargo xtask <command>

  serve   install what is missing, build, and serve the app on http://127.0.0.1:8080
  test    what CI runs, cheapest first: `lint`, then install what is missing (Chromium too)
          and run every test layer: native (cargo test), browser (wasm-bindgen-test in
          Chromium), end-to-end (Playwright). `test native browser e2e` runs only those layers
  check   the same as `test`
  lint    cargo fmt --check, the architecture rules, clippy (native and wasm32, -D warnings)
  rules   the architecture rules alone: import circles, layers, links, file sizes
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
        "test" | "check" => test(),
        "lint" => lint(),
        "rules" => rules::check(),
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

/// Everything CI checks, cheapest first; with layer names, only those test layers.
fn test() -> Result {
    let chosen: Vec<String> = std::env::args().skip(2).collect();
    if chosen.is_empty() {
        lint()?;
        tools::ensure(tools::Purpose::Test)?;
        return layers::run_all();
    }
    tools::ensure(tools::Purpose::Test)?;
    layers::run(&chosen)
}

fn bench() -> Result {
    tools::ensure(tools::Purpose::Test)?;
    tools::ensure_bench_packages()?;
    layers::build_release()?;
    let mut run = process::command("node", &["bench/run.mjs"]);
    run.args(std::env::args().skip(2));
    process::run_command(&mut run)
}

/// What a reviewer checks before reading: format, the architecture rules, then clippy for
/// both targets (the wasm32 one needs the target installed).
fn lint() -> Result {
    // The toolchain's own cargo-fmt: a machine whose ~/.cargo/bin lacks the `cargo fmt` proxy
    // still has it (rust-toolchain.toml asks for rustfmt).
    let cargo_fmt = process::output("rustup", &["which", "cargo-fmt"])
        .map(|path| path.trim().to_owned())
        .filter(|path| !path.is_empty())
        .ok_or("rustfmt is not installed: run `rustup component add rustfmt`")?;
    let formatted = process::command(&cargo_fmt, &["--all", "--check"])
        .status()
        .map_err(|error| format!("could not run {cargo_fmt}: {error}"))?;
    if !formatted.success() {
        return Err("cargo fmt found unformatted code: run `cargo fmt --all`".into());
    }
    rules::check()?;
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
    tools::ensure(tools::Purpose::Serve)?;
    process::run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--exclude",
            "xtask",
            "--exclude",
            "kindling-cli",
            "--all-targets",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )
}
