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
/// playwright-core 1.65 and `node --test --test-concurrency` need Node 20; Debian 12 ships 18.
const MIN_NODE_MAJOR: u32 = 20;
/// The Node.js installed from the npm registry when the system's is too old.
const NODE_FROM_NPM: &str = "node@22";

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
    ensure_node()?;
    ensure_node_packages()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    if purpose == Purpose::Test {
        ensure_chromium()?;
        ensure_python_venv()?;
    }
    Ok(())
}

/// Where a Node.js newer than the system's is installed, when it is needed.
fn node_from_npm_bin() -> std::path::PathBuf {
    root()
        .join("target")
        .join("tools")
        .join("node")
        .join("node_modules")
        .join(".bin")
}

/// Cargo-installed binaries, a Node.js installed here, and the npm tools (binaryen's wasm-opt,
/// which Trunk looks up on PATH) come first for every command xtask starts.
fn put_tools_on_path() {
    let mut paths = vec![
        node_from_npm_bin(),
        root().join("node_modules").join(".bin"),
    ];
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

/// Node.js and npm, at least [`MIN_NODE_MAJOR`]: from Debian when missing, and from the npm
/// registry (into `target/tools/node`, first on PATH) when Debian's is too old.
fn ensure_node() -> Result {
    if output("node", &["--version"]).is_none() || output("npm", &["--version"]).is_none() {
        say("installing Node.js and npm from Debian");
        apt_install(&["nodejs", "npm"])?;
    }
    let version = output("node", &["--version"]).unwrap_or_default();
    if node_major(&version).is_some_and(|major| major >= MIN_NODE_MAJOR) {
        return Ok(());
    }
    say(&format!(
        "Node.js {} is older than {MIN_NODE_MAJOR}: installing {NODE_FROM_NPM} from the npm registry into target/tools/node",
        version.trim()
    ));
    let prefix = root().join("target").join("tools").join("node");
    let installed = process::run_command(&mut process::command(
        "npm",
        &[
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &prefix.to_string_lossy(),
            NODE_FROM_NPM,
        ],
    ));
    let now = output("node", &["--version"]).unwrap_or_default();
    match (installed, node_major(&now)) {
        (Ok(()), Some(major)) if major >= MIN_NODE_MAJOR => Ok(()),
        _ => Err(format!(
            "Node.js {MIN_NODE_MAJOR} or newer is needed (playwright-core and `node --test \
             --test-concurrency`), this machine has {} and installing {NODE_FROM_NPM} from the npm \
             registry did not work: install Node.js {MIN_NODE_MAJOR}+ (for example \
             `npm install -g {NODE_FROM_NPM}`), then run this command again",
            version.trim()
        )),
    }
}

/// The major version in `node --version`'s answer (`v20.11.1` → 20).
fn node_major(version: &str) -> Option<u32> {
    version
        .trim()
        .strip_prefix('v')?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Python's venv module, which the tests' Python environment (`target/python-venv`) needs;
/// Debian keeps it in a package of its own.
fn ensure_python_venv() -> Result {
    let has_venv = output("python3", &["-c", "import venv, ensurepip"]).is_some();
    if has_venv {
        return Ok(());
    }
    say("installing Python 3 and its venv module from Debian");
    apt_install(&["python3", "python3-venv"])
}

fn ensure_node_packages() -> Result {
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

#[cfg(test)]
mod tests {
    use super::node_major;

    #[test]
    fn node_versions_are_read_by_their_major() {
        assert_eq!(node_major("v18.19.0\n"), Some(18));
        assert_eq!(node_major("v22.23.3"), Some(22));
        assert_eq!(node_major("not node"), None);
    }
}
