//! The architecture as rules the build checks (`cargo xtask rules`, part of `check` and
//! `test`), so ARCHITECTURE.md's map cannot drift from the tree:
//!
//! - **no import circles**: in every crate, the files' references to each other form no loop;
//! - **layers**: who may name what ([`LAYERS`]), checked on every path a file writes, `use`
//!   or inline, with comments and strings left out;
//! - **dependencies**: what each package may not link, read from `cargo tree` ([`LINKS`]), so
//!   "the UI never links Burn" is a fact of the build;
//! - **files**: no Rust file over [`MAX_LINES`] lines (a longer one holds several roles), and
//!   every one opens with a `//!` doc that says what it is for.
//!
//! Each failure names the file and line and says what to do instead.

mod graph;
mod source;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::process::Result;
use crate::process::{output_or_error, root};
use graph::{File, ModulePath};

/// A file longer than this holds several roles: split it by role.
pub const MAX_LINES: usize = 600;

/// A crate's source folder and the files in it that are roots of other crates.
struct CrateSource {
    name: &'static str,
    folder: &'static str,
    /// Files under `folder` that are not modules of this crate (a binary's `main.rs` beside
    /// the library's `lib.rs`).
    other_roots: &'static [&'static str],
}

const CRATES: &[CrateSource] = &[
    CrateSource {
        name: "kindling-core",
        folder: "crates/kindling-core/src",
        other_roots: &[],
    },
    CrateSource {
        name: "kindling-ml",
        folder: "crates/kindling-ml/src",
        other_roots: &[],
    },
    CrateSource {
        name: "kindling-worker",
        folder: "crates/kindling-worker/src",
        other_roots: &[],
    },
    CrateSource {
        name: "kindling-cli",
        folder: "crates/kindling-cli/src",
        other_roots: &[],
    },
    CrateSource {
        name: "kindling",
        folder: "src",
        other_roots: &["main.rs"],
    },
    CrateSource {
        name: "xtask",
        folder: "xtask/src",
        other_roots: &[],
    },
];

/// What a group of files may not name.
enum Forbidden {
    /// Another crate, by the name code writes it with (`web_sys`).
    Crate(&'static str),
    /// A module of the same crate and everything in it.
    Module(&'static str),
    /// For `src/pages/<page>`: the module of any other page.
    OtherPages,
}

struct Layer {
    /// Files whose path starts with this.
    files: &'static str,
    /// Except those starting with one of these.
    except: &'static [&'static str],
    forbidden: &'static [Forbidden],
    instead: &'static str,
}

const WEB: &[Forbidden] = &[
    Forbidden::Crate("web_sys"),
    Forbidden::Crate("js_sys"),
    Forbidden::Crate("wasm_bindgen"),
    Forbidden::Crate("wasm_bindgen_futures"),
    Forbidden::Crate("gloo"),
];

const LAYERS: &[Layer] = &[
    Layer {
        files: "src/",
        except: &["src/platform/"],
        forbidden: &[Forbidden::Crate("web_sys"), Forbidden::Crate("js_sys")],
        instead: "only src/platform/ touches the browser's APIs: add a function there",
    },
    Layer {
        files: "src/state/",
        except: &[],
        forbidden: &[
            Forbidden::Module("platform"),
            Forbidden::Module("pages"),
            Forbidden::Module("components"),
            Forbidden::Module("app"),
            Forbidden::Module("routes"),
        ],
        instead: "state reaches the world through traits it defines (platform implements them, \
                  tests pass fakes)",
    },
    Layer {
        files: "src/components/",
        except: &[],
        forbidden: &[
            Forbidden::Module("pages"),
            Forbidden::Module("app"),
            Forbidden::Module("routes"),
        ],
        instead: "components are views any page can use: pass what they need as props",
    },
    Layer {
        files: "src/platform/",
        except: &[],
        forbidden: &[
            Forbidden::Module("pages"),
            Forbidden::Module("components"),
            Forbidden::Module("app"),
            Forbidden::Module("routes"),
        ],
        instead: "platform implements state's traits and knows nothing of views",
    },
    Layer {
        files: "src/pages/",
        except: &[],
        forbidden: &[
            Forbidden::OtherPages,
            Forbidden::Module("app"),
            Forbidden::Module("routes"),
        ],
        instead: "pages never import pages: move what both need to components/ or state/",
    },
    Layer {
        files: "crates/kindling-core/",
        except: &[],
        forbidden: &[
            Forbidden::Crate("burn"),
            Forbidden::Crate("kindling_ml"),
            Forbidden::Crate("leptos"),
            Forbidden::Crate("web_sys"),
            Forbidden::Crate("js_sys"),
            Forbidden::Crate("wasm_bindgen"),
        ],
        instead: "kindling-core is the rules alone (no Burn, no web): it must build and test \
                  natively in seconds",
    },
    Layer {
        files: "crates/kindling-ml/",
        except: &[],
        forbidden: WEB,
        instead: "kindling-ml trains the same way natively and in the worker: the web belongs \
                  to the worker crate",
    },
    Layer {
        files: "crates/kindling-ml/",
        except: &[],
        forbidden: &[Forbidden::Crate("leptos")],
        instead: "kindling-ml knows nothing of the UI",
    },
    Layer {
        files: "crates/kindling-worker/",
        except: &[],
        forbidden: &[Forbidden::Crate("leptos")],
        instead: "the worker is a message pump over kindling-ml: it never links the UI",
    },
    Layer {
        files: "crates/kindling-cli/",
        except: &[],
        forbidden: WEB,
        instead: "the command line is native: it shares core and ml, not the browser code",
    },
];

/// A package and the packages it must never link on any target: exact names, or name prefixes
/// ending in `*` (`burn*` is every Burn crate).
struct Links {
    package: &'static str,
    never: &'static [&'static str],
    why: &'static str,
    /// Only ever built for the machine it runs on (the command line): checked for the host
    /// target alone, since what its dependencies link only on wasm32 (Burn's `js-sys`, say)
    /// never reaches it. Every other package is checked on every target.
    native_only: bool,
}

const LINKS: &[Links] = &[
    Links {
        package: "kindling",
        never: &["kindling-ml", "burn*"],
        why: "the UI's first load must not carry Burn; the worker crate trains",
        native_only: false,
    },
    Links {
        package: "kindling-core",
        never: &["burn*", "kindling-ml", "leptos*", "web-sys", "js-sys"],
        why: "kindling-core is the rules alone",
        native_only: false,
    },
    Links {
        package: "kindling-ml",
        never: &["leptos*", "kindling-worker"],
        why: "kindling-ml knows nothing of the UI or the worker",
        native_only: false,
    },
    Links {
        package: "kindling-worker",
        never: &["leptos*", "kindling"],
        why: "the worker never links the UI",
        native_only: false,
    },
    Links {
        package: "kindling-cli",
        never: &["leptos*", "web-sys", "js-sys"],
        why: "the command line is native",
        native_only: true,
    },
];

/// Runs every rule and reports every failure, or says all hold.
pub fn check() -> Result {
    let mut failures = Vec::new();
    let mut files_checked = 0;
    for krate in CRATES {
        let folder = root().join(krate.folder);
        if !folder.is_dir() {
            continue;
        }
        let files = read_crate(krate, &folder)?;
        files_checked += files.len();
        failures.extend(circle_failures(krate.name, &files));
        failures.extend(layer_failures(&files));
    }
    failures.extend(file_failures()?);
    failures.extend(link_failures()?);
    if failures.is_empty() {
        println!("xtask: architecture rules hold ({files_checked} source files)");
        return Ok(());
    }
    for failure in &failures {
        eprintln!("{failure}\n");
    }
    Err(format!(
        "{} architecture rule(s) broken (ARCHITECTURE.md says why each exists)",
        failures.len()
    ))
}

fn read_crate(krate: &CrateSource, folder: &Path) -> Result<Vec<File>> {
    let mut files = Vec::new();
    for path in rust_files(folder)? {
        let relative = path
            .strip_prefix(folder)
            .expect("listed under the folder")
            .to_string_lossy()
            .replace('\\', "/");
        if krate.other_roots.contains(&relative.as_str()) {
            continue;
        }
        let text = fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        files.push(File {
            path: format!("{}/{relative}", krate.folder),
            module: graph::module_of(&relative),
            source: source::read(&text),
        });
    }
    Ok(files)
}

fn rust_files(folder: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir)
            .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|error| error.to_string())?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                if !matches!(name.as_ref(), "target" | "node_modules" | "corpus" | ".git") {
                    pending.push(path);
                }
            } else if name.ends_with(".rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn circle_failures(crate_name: &str, files: &[File]) -> Vec<String> {
    let edges = graph::edges(files);
    graph::circles(files.len(), &edges)
        .into_iter()
        .map(|(group, circle)| {
            let steps: Vec<String> = circle
                .iter()
                .map(|edge| {
                    format!(
                        "  {}:{} uses {} ({})",
                        files[edge.from].path, edge.line, edge.written, files[edge.to].path
                    )
                })
                .collect();
            format!(
                "import circle in {crate_name}: move the shared item to the module that owns it, \
                 so the arrows point one way\n{}\n  (the files that depend on each other: {})",
                steps.join("\n"),
                group
                    .iter()
                    .map(|&file| files[file].path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect()
}

fn layer_failures(files: &[File]) -> Vec<String> {
    let modules: BTreeMap<ModulePath, usize> = files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.module.clone(), index))
        .collect();
    let mut failures: Vec<(String, Vec<String>, &str)> = Vec::new();
    for file in files {
        for layer in LAYERS {
            let applies = file.path.starts_with(layer.files)
                && !layer
                    .except
                    .iter()
                    .any(|except| file.path.starts_with(except));
            if !applies {
                continue;
            }
            for reference in &file.source.references {
                let resolved = graph::absolute(file, reference);
                let broken = layer.forbidden.iter().any(|forbidden| match forbidden {
                    Forbidden::Crate(name) => reference.segments[0] == *name,
                    Forbidden::Module(module) => resolved
                        .as_ref()
                        .is_some_and(|path| path.first().map(String::as_str) == Some(module)),
                    Forbidden::OtherPages => resolved.as_ref().is_some_and(|path| {
                        path.first().map(String::as_str) == Some("pages")
                            && path.len() > 1
                            && file.module.get(1) != Some(&path[1])
                            && graph::file_of(&modules, path)
                                .is_some_and(|target| files[target].module.len() > 1)
                    }),
                });
                if broken {
                    let written = reference.segments.join("::");
                    let at = format!("{}:{}", file.path, reference.line);
                    match failures.last_mut() {
                        Some((last_at, names, _)) if *last_at == at => {
                            if !names.contains(&written) {
                                names.push(written);
                            }
                        }
                        _ => failures.push((at, vec![written], layer.instead)),
                    }
                }
            }
        }
    }
    failures
        .into_iter()
        .map(|(at, names, instead)| {
            format!(
                "{at}: {} not allowed here: {instead}",
                names.join(", ") + if names.len() == 1 { " is" } else { " are" }
            )
        })
        .collect()
}

fn file_failures() -> Result<Vec<String>> {
    let mut failures = Vec::new();
    for folder in ["crates", "src", "xtask", "tests", "fuzz"] {
        let folder = root().join(folder);
        if !folder.is_dir() {
            continue;
        }
        for path in rust_files(&folder)? {
            let text = fs::read_to_string(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            let lines = text.lines().count();
            let relative = path.strip_prefix(root()).unwrap_or(&path);
            if !opens_with_module_doc(&text) {
                failures.push(format!(
                    "{}: no `//!` doc at the top: say what the module is for (design notes \
                     belong there, not in ARCHITECTURE.md)",
                    relative.display()
                ));
            }
            if lines > MAX_LINES {
                failures.push(format!(
                    "{}: {lines} lines (at most {MAX_LINES}): it holds several roles; split it \
                     into files by role",
                    relative.display()
                ));
            }
        }
    }
    Ok(failures)
}

/// Whether the first line that is neither blank nor an inner attribute is a `//!` doc.
fn opens_with_module_doc(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("#!["))
        .is_some_and(|line| line.starts_with("//!"))
}

fn link_failures() -> Result<Vec<String>> {
    let mut failures = Vec::new();
    for links in LINKS {
        let manifest = match links.package {
            "kindling" => root().join("Cargo.toml"),
            package => root().join("crates").join(package).join("Cargo.toml"),
        };
        if !manifest.exists() {
            continue;
        }
        let mut args = vec!["tree", "--quiet", "-p", links.package];
        if !links.native_only {
            args.extend(["--target", "all"]);
        }
        args.extend(["-e", "normal,build", "--prefix", "none", "-f", "{p}"]);
        let tree = output_or_error("cargo", &args)?;
        // The first line is the package itself.
        for line in tree.lines().skip(1) {
            let name = line.split_whitespace().next().unwrap_or_default();
            let matches = |never: &&&str| match never.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == **never,
            };
            if let Some(never) = links.never.iter().find(matches) {
                failures.push(format!(
                    "{} links {name} (through `cargo tree -p {} -i {name}`), which it must \
                     never do ({never}): {}",
                    links.package, links.package, links.why
                ));
                break;
            }
        }
    }
    Ok(failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<File> {
        list.iter()
            .map(|(path, text)| File {
                path: format!("src/{path}"),
                module: graph::module_of(path),
                source: source::read(text),
            })
            .collect()
    }

    #[test]
    fn a_file_opens_with_its_module_doc_after_any_inner_attribute() {
        assert!(opens_with_module_doc("//! What it is.\nfn f() {}"));
        assert!(opens_with_module_doc("#![no_main]\n\n//! A fuzz target.\n"));
        assert!(!opens_with_module_doc("use std::fs;\n//! too late"));
        assert!(!opens_with_module_doc("/// an item's doc\nfn f() {}"));
    }

    #[test]
    fn layers_name_the_file_line_and_what_to_do() {
        let crate_files = files(&[
            (
                "lib.rs",
                "pub mod pages; pub mod platform; pub mod state; pub mod components;",
            ),
            ("pages/mod.rs", "pub mod runs; pub mod train;"),
            (
                "pages/runs.rs",
                "use crate::state::x;\nuse crate::pages::train::Form;\n",
            ),
            (
                "pages/train.rs",
                "use super::runs;\nfn f(e: web_sys::Event) {}\n",
            ),
            ("platform/mod.rs", "use web_sys::Window;"),
            ("state/mod.rs", "fn f() { crate::platform::fetch(); }"),
            ("components/mod.rs", "use crate::state::Shared;"),
        ]);
        let failures = layer_failures(&crate_files);
        let located: Vec<&str> = failures
            .iter()
            .map(|failure| failure.split(" is not").next().unwrap())
            .collect();
        assert_eq!(
            located,
            [
                "src/pages/runs.rs:2: crate::pages::train::Form",
                "src/pages/train.rs:2: web_sys::Event",
                "src/pages/train.rs:1: super::runs",
                "src/state/mod.rs:1: crate::platform::fetch",
            ]
        );
        assert!(failures[0].ends_with("move what both need to components/ or state/"));
    }
}
