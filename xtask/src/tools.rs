//! Installs what the build and the tests need, each only when missing or at the wrong
//! version, and only from the package registries (crates.io, npm, Debian): nothing is
//! downloaded from GitHub or a browser vendor.

use std::path::Path;

use crate::process::Result;
use crate::process::{self, output, root, run};

/// Trunk 0.22 needs rustc 1.96; this is the newest that builds with the pinned toolchain.
const TRUNK_VERSION: &str = "0.21.14";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Building and serving the app.
    Serve,
    /// Everything for `Serve`, plus a browser and its driver.
    Test,
}

pub fn ensure(purpose: Purpose) -> Result {
    put_tools_on_path();
    ensure_wasm_target()?;
    ensure_node_packages()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    if purpose == Purpose::Test {
        ensure_chromium()?;
    }
    Ok(())
}

/// Cargo-installed binaries and the npm tools (binaryen's wasm-opt, which Trunk looks up on
/// PATH) come first for every command xtask starts.
fn put_tools_on_path() {
    let mut paths = vec![root().join("node_modules").join(".bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        paths.push(Path::new(&home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        paths.push(Path::new(&home).join(".cargo").join("bin"));
    }
    let current = std::env::var_os("PATH").unwrap_or_default();
    paths.extend(std::env::split_paths(&current));
    let joined = std::env::join_paths(paths).expect("PATH entries contain no separator");
    // SAFETY: called before xtask starts any thread; children inherit the new PATH.
    unsafe { std::env::set_var("PATH", joined) };
}

fn ensure_wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    say("adding the wasm32-unknown-unknown target");
    run("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

fn ensure_node_packages() -> Result {
    if output("node", &["--version"]).is_none() || output("npm", &["--version"]).is_none() {
        say("installing Node.js and npm from Debian");
        apt_install(&["nodejs", "npm"])?;
    }
    let lock = root().join("package-lock.json");
    let installed = root().join("node_modules").join(".package-lock.json");
    if is_newer_or_same(&installed, &lock) {
        return Ok(());
    }
    say("installing Node packages (binaryen's wasm-opt, playwright-core) with npm ci");
    run("npm", &["ci", "--no-audit", "--no-fund"])
}

/// TensorFlow.js 4.22 and its wasm backend for the benchmark's other side (`bench/tfjs`).
pub fn ensure_bench_packages() -> Result {
    let dir = root().join("bench").join("tfjs");
    let installed = dir.join("node_modules").join(".package-lock.json");
    if is_newer_or_same(&installed, &dir.join("package-lock.json")) {
        return Ok(());
    }
    say("installing TensorFlow.js for the benchmark with npm ci");
    process::run_command(
        process::command("npm", &["ci", "--no-audit", "--no-fund"]).current_dir(&dir),
    )
}

fn ensure_trunk() -> Result {
    let wanted = format!("trunk {TRUNK_VERSION}");
    if output("trunk", &["--version"]).is_some_and(|v| v.trim() == wanted) {
        return Ok(());
    }
    say(&format!(
        "installing Trunk {TRUNK_VERSION} from crates.io (about 6 minutes on 2 cores)"
    ));
    run(
        "cargo",
        &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
    )
}

/// The CLI must equal the `wasm-bindgen` crate in Cargo.lock, or its output does not load.
fn ensure_wasm_bindgen() -> Result {
    let version = locked_version("wasm-bindgen")?;
    let wanted = format!("wasm-bindgen {version}");
    let has_runner = output("wasm-bindgen-test-runner", &["--version"]).is_some();
    if has_runner && output("wasm-bindgen", &["--version"]).is_some_and(|v| v.trim() == wanted) {
        return Ok(());
    }
    say(&format!(
        "installing wasm-bindgen-cli {version} from crates.io"
    ));
    // Not `--locked`: its lockfile pins a webpki-roots release the registry no longer has.
    run(
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ],
    )
}

fn ensure_chromium() -> Result {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    say("installing Chromium and ChromeDriver from Debian");
    apt_install(&["chromium", "chromium-driver"])
}

fn apt_install(packages: &[&str]) -> Result {
    let is_root = output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    let (program, prefix): (&str, &[&str]) = if is_root {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    run(program, &[prefix, &["update", "-qq"]].concat())?;
    let mut install = process::command(
        program,
        &[prefix, &["install", "-y", "-qq"], packages].concat(),
    );
    install.env("DEBIAN_FRONTEND", "noninteractive");
    process::run_command(&mut install)
}

/// The version of `crate_name` resolved in Cargo.lock.
pub fn locked_version(crate_name: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|error| format!("cannot read Cargo.lock: {error}"))?;
    let name_line = format!("name = \"{crate_name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err(format!("Cargo.lock has no {crate_name}"))
}

fn is_newer_or_same(path: &Path, than: &Path) -> bool {
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    matches!((modified(path), modified(than)), (Some(a), Some(b)) if a >= b)
}

fn say(message: &str) {
    println!("xtask: {message}");
}
