//! Gives the crate a build id from its own source, so the page and its worker can tell
//! whether they were built together: both link this crate, and every message between them is
//! one of its types. Hashed with FNV-1a over each file's path and bytes, in path order, so
//! the same source gives the same id on every machine.

use std::fs;
use std::path::{Path, PathBuf};

fn files(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, found);
        } else {
            found.push(path);
        }
    }
}

fn main() {
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=Cargo.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = vec![root.join("Cargo.toml")];
    files(&root.join("src"), &mut found);
    found.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in found {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let bytes = fs::read(&path).unwrap_or_default();
        for byte in relative.to_string_lossy().bytes().chain(bytes) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    println!("cargo::rustc-env=KINDLING_CORE_SOURCE_ID={hash:016x}");
}
