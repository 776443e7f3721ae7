//! A crate's files as a graph: which file each path a file names resolves to, and the import
//! circles (strongly connected groups of files) in it.

use std::collections::{BTreeMap, BTreeSet};

use super::source::{Reference, Source};

/// A module path inside its crate (`["tracking", "store"]`; empty for the crate root).
pub type ModulePath = Vec<String>;

/// One file of a crate, read.
pub struct File {
    /// Relative to the repository root, for messages.
    pub path: String,
    pub module: ModulePath,
    pub source: Source,
}

/// A reference resolved to a module of the same crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub line: usize,
    /// The path as written.
    pub written: String,
}

/// The module path a file at `relative` (inside the crate's source folder) defines.
pub fn module_of(relative: &str) -> ModulePath {
    let trimmed = relative.trim_end_matches(".rs");
    let mut segments: Vec<String> = trimmed.split('/').map(str::to_owned).collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

/// Where a reference written in `file` points, as an absolute module path inside the crate;
/// `None` for another crate, a prelude name, or a local item.
pub fn absolute(file: &File, reference: &Reference) -> Option<ModulePath> {
    let mut current = file.module.clone();
    current.extend(reference.inline_modules.iter().cloned());
    let segments = &reference.segments;
    let first = segments.first()?.as_str();
    let resolved = match first {
        "crate" => segments[1..].to_vec(),
        "self" => [current.clone(), segments[1..].to_vec()].concat(),
        "super" => {
            let mut base = current.clone();
            let mut rest = &segments[..];
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
            [base, rest.to_vec()].concat()
        }
        name => {
            let declared_here = reference.inline_modules.is_empty()
                && file.source.file_modules.iter().any(|m| m == name);
            let inline_child = file.source.inline_modules.iter().any(|path| {
                path.len() == reference.inline_modules.len() + 1
                    && path.starts_with(&reference.inline_modules)
                    && path.last().map(String::as_str) == Some(name)
            });
            if declared_here || inline_child {
                [current.clone(), segments.to_vec()].concat()
            } else if reference.binds.is_none()
                && let Some(bound) = bound_module(file, name)
            {
                [bound, segments[1..].to_vec()].concat()
            } else {
                return None;
            }
        }
    };
    Some(resolved)
}

/// The module a `use` in `file` binds `name` to, when it binds a module of this crate.
fn bound_module(file: &File, name: &str) -> Option<ModulePath> {
    file.source
        .references
        .iter()
        .filter(|r| r.binds.as_deref() == Some(name))
        .find_map(|r| {
            let resolved = absolute(file, r)?;
            Some(resolved)
        })
}

/// The file that holds `path`: the longest prefix of it that is a module with a file.
pub fn file_of(modules: &BTreeMap<ModulePath, usize>, path: &[String]) -> Option<usize> {
    (0..=path.len())
        .rev()
        .find_map(|length| modules.get(&path[..length]).copied())
}

/// Every reference from one file of the crate to another, test modules left out.
pub fn edges(files: &[File]) -> Vec<Edge> {
    let modules: BTreeMap<ModulePath, usize> = files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.module.clone(), index))
        .collect();
    let mut edges = Vec::new();
    for (from, file) in files.iter().enumerate() {
        for reference in file.source.references.iter().filter(|r| !r.in_test) {
            let Some(path) = absolute(file, reference) else {
                continue;
            };
            let Some(to) = file_of(&modules, &path) else {
                continue;
            };
            if to != from {
                edges.push(Edge {
                    from,
                    to,
                    line: reference.line,
                    written: reference.segments.join("::"),
                });
            }
        }
    }
    edges
}

/// Each group of files that depend on each other, with its shortest loop as the edges that
/// close it, in order (the first edge's file is where the last one points back to).
pub fn circles(file_count: usize, edges: &[Edge]) -> Vec<(Vec<usize>, Vec<Edge>)> {
    let mut next: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); file_count];
    for edge in edges {
        next[edge.from].insert(edge.to);
    }
    strongly_connected(&next)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| {
            let route = shortest_loop(&group, &next, edges);
            (group, route)
        })
        .collect()
}

/// Tarjan's algorithm, iteratively.
fn strongly_connected(next: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let count = next.len();
    let mut index = vec![usize::MAX; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut groups = Vec::new();
    let mut counter = 0;
    for root in 0..count {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, Vec<usize>)> = vec![(root, next[root].iter().copied().collect())];
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some((node, pending)) = work.last_mut() {
            let node = *node;
            if let Some(child) = pending.pop() {
                if index[child] == usize::MAX {
                    index[child] = counter;
                    low[child] = counter;
                    counter += 1;
                    stack.push(child);
                    on_stack[child] = true;
                    work.push((child, next[child].iter().copied().collect()));
                } else if on_stack[child] {
                    low[node] = low[node].min(index[child]);
                }
                continue;
            }
            work.pop();
            if let Some((parent, _)) = work.last() {
                low[*parent] = low[*parent].min(low[node]);
            }
            if low[node] == index[node] {
                let mut group = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    group.push(member);
                    if member == node {
                        break;
                    }
                }
                group.sort_unstable();
                groups.push(group);
            }
        }
    }
    groups
}

/// The shortest loop through the group's first file, found by breadth-first search.
fn shortest_loop(group: &[usize], next: &[BTreeSet<usize>], edges: &[Edge]) -> Vec<Edge> {
    let start = group[0];
    let inside: BTreeSet<usize> = group.iter().copied().collect();
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut closing = None;
    while let Some(node) = queue.pop_front() {
        for &child in &next[node] {
            if child == start {
                closing = Some(node);
                break;
            }
            if inside.contains(&child) && !came_from.contains_key(&child) {
                came_from.insert(child, node);
                queue.push_back(child);
            }
        }
        if closing.is_some() {
            break;
        }
    }
    let mut nodes = vec![start];
    let mut at = closing.expect("a strongly connected group of two or more has a loop");
    while at != start {
        nodes.push(at);
        at = came_from[&at];
    }
    nodes[1..].reverse();
    nodes.push(start);
    nodes
        .windows(2)
        .map(|pair| {
            edges
                .iter()
                .find(|edge| edge.from == pair[0] && edge.to == pair[1])
                .expect("every step of the loop is an edge")
                .clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::source::read;

    fn crate_of(files: &[(&str, &str)]) -> Vec<File> {
        files
            .iter()
            .map(|(path, text)| File {
                path: (*path).to_owned(),
                module: module_of(path),
                source: read(text),
            })
            .collect()
    }

    #[test]
    fn module_paths_follow_the_file_layout() {
        assert_eq!(module_of("lib.rs"), Vec::<String>::new());
        assert_eq!(module_of("tracking/mod.rs"), ["tracking"]);
        assert_eq!(module_of("tracking/store.rs"), ["tracking", "store"]);
    }

    #[test]
    fn references_resolve_through_crate_super_children_and_bindings() {
        let files = crate_of(&[
            ("lib.rs", "pub mod a; pub mod b;"),
            ("a/mod.rs", "pub mod c; use c::X; fn f() { crate::b::g(); }"),
            (
                "a/c.rs",
                "use super::Y; use crate::b; fn h() { b::inner::z(); }\n#[cfg(test)] mod tests { use super::*; }",
            ),
            ("b.rs", "pub fn g() {}"),
        ]);
        let found: Vec<(String, String, String)> = edges(&files)
            .into_iter()
            .map(|e| {
                (
                    files[e.from].path.clone(),
                    files[e.to].path.clone(),
                    e.written,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("a/mod.rs".into(), "a/c.rs".into(), "c::X".into()),
                ("a/mod.rs".into(), "b.rs".into(), "crate::b::g".into()),
                ("a/c.rs".into(), "a/mod.rs".into(), "super::Y".into()),
                ("a/c.rs".into(), "b.rs".into(), "crate::b".into()),
                ("a/c.rs".into(), "b.rs".into(), "b::inner::z".into()),
            ]
        );
    }

    #[test]
    fn a_circle_is_reported_as_the_edges_that_close_it() {
        let files = crate_of(&[
            ("lib.rs", "mod a; mod b; mod c;"),
            ("a.rs", "use crate::b::B;"),
            ("b.rs", "use crate::c::C;"),
            ("c.rs", "use crate::a::A;"),
        ]);
        let edges = edges(&files);
        let found = circles(files.len(), &edges);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, [1, 2, 3]);
        let route: Vec<&str> = found[0]
            .1
            .iter()
            .map(|e| files[e.from].path.as_str())
            .collect();
        assert_eq!(route, ["a.rs", "b.rs", "c.rs"]);
        assert_eq!(found[0].1.last().unwrap().to, found[0].1[0].from);

        let acyclic = crate_of(&[("lib.rs", "mod a; mod b;"), ("a.rs", "use crate::b::B;")]);
        assert!(circles(acyclic.len(), &super::edges(&acyclic)).is_empty());
    }
}
