//! Splits the UI's wasm into the part the first page needs and chunks loaded on first use.
//!
//! `#[wasm_split]` in `src/pages/routes.rs` marks the split point; `wasm_split_cli_support`
//! cuts the linked module there, following the linker's relocations (`--emit-relocs`, from the
//! root `build.rs`).
//! Trunk has no splitting step and its wasm-bindgen run drops those relocations, so this hook
//! starts again from the wasm cargo linked and replaces what Trunk staged, under the same
//! names: wasm-bindgen on the split main module, then wasm-opt on it and on every chunk.

use std::fs;
use std::path::{Path, PathBuf};

use wasm_split_cli_support::{Options, transform};

use crate::process;
use crate::process::Result;

/// The binary and the cargo profile index.html builds the UI with (`data-bin`,
/// `data-cargo-profile`): the linked wasm is read from that profile's folder.
const UI_BIN: &str = "kindling-app";
const UI_PROFILE: &str = "release-ui";

/// The UI's wasm-opt, run here after the split instead of by Trunk (index.html sets
/// `data-wasm-opt="0"` for the UI).
const WASM_OPT_ARGS: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-simd",
];

/// Replaces the UI's staged `kindling-app-<hash>.js` and `kindling-app-<hash>_bg.wasm` with the
/// split build, writes the chunks and their loader beside them, and returns how many chunks.
pub fn split_ui(staging: &Path) -> Result<usize> {
    let glue = staged_glue(staging)?;
    let stem = glue.trim_end_matches(".js");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| process::root().join("target"));
    let linked_path = target_dir
        .join("wasm32-unknown-unknown")
        .join(UI_PROFILE)
        .join(format!("{UI_BIN}.wasm"));
    let linked = crate::files::read_bytes(&linked_path)?;
    let work = target_dir.join("wasm-split");
    fs::create_dir_all(&work)
        .map_err(|error| format!("cannot create {}: {error}", work.display()))?;
    let main_path = work.join(format!("{UI_BIN}_main.wasm"));
    let main_module = format!("./{glue}");
    let link_name = format!("./{stem}_split.js");

    let mut options = Options::new(&linked);
    options.output_dir = staging;
    options.main_out_path = &main_path;
    options.main_module = &main_module;
    options.link_name = &link_name;
    let split = transform(options).map_err(|error| {
        format!(
            "splitting {} into chunks failed: {error:#}",
            linked_path.display()
        )
    })?;

    let main = main_path.to_string_lossy();
    let out_dir = staging.to_string_lossy();
    process::run(
        "wasm-bindgen",
        &[
            &main,
            "--target",
            "web",
            "--keep-lld-exports",
            "--no-typescript",
            "--out-name",
            stem,
            "--out-dir",
            &out_dir,
        ],
    )?;
    let mut modules: Vec<PathBuf> = vec![staging.join(format!("{stem}_bg.wasm"))];
    modules.extend(split.split_modules.iter().cloned());
    for module in &modules {
        let path = module.to_string_lossy();
        let mut args = WASM_OPT_ARGS.to_vec();
        args.extend([path.as_ref(), "-o", path.as_ref()]);
        process::run("wasm-opt", &args)?;
    }
    Ok(split.split_modules.len())
}

/// The UI's wasm-bindgen glue as Trunk staged it: `kindling-app-<hash>.js`.
fn staged_glue(staging: &Path) -> Result<String> {
    let entries = fs::read_dir(staging)
        .map_err(|error| format!("cannot list {}: {error}", staging.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let name = entry
            .map_err(|error| error.to_string())?
            .file_name()
            .to_string_lossy()
            .into_owned();
        // Trunk's hash is hex, so an underscore is the split's own loader, `…_split.js`.
        if name.starts_with(&format!("{UI_BIN}-")) && name.ends_with(".js") && !name.contains('_') {
            found.push(name);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "expected one {UI_BIN}-<hash>.js in {}, found {found:?}",
            staging.display()
        )),
    }
}
