//! The crate is layered: lower modules never import higher ones, and the module graph has no
//! cycle.
//!
//! How it is checked: every `crate::…` path in the library's source (comments and
//! `#[cfg(test)]` modules and `tests.rs` files left out, since tests may reach anything) is an edge from the
//! top-level module of the file to the top-level module the path names. `lib.rs`, `main.rs`
//! and the command line (`cli/`) sit on top and are not checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The engine's layers, lowest first. A module may use the ones before it, never those after.
/// (`error`, `anomaly`, `rules` with its `real`, and `special` are the vocabulary below all.)
const ENGINE: &[&str] = &["tape", "scalar", "primitive", "tensor", "trace"];

/// The modules every layer may use: they use none of the engine's layers themselves
/// (`special` holds the numeric kernels the rules call).
const BASE: &[&str] = &["error", "anomaly", "real", "rules", "special"];

/// Top-level module → the top-level modules its code names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let is_module =
        |name: &str| src.join(format!("{name}.rs")).is_file() || src.join(name).is_dir();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Every .rs file under src/, walked with an explicit stack (no recursion).
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            // A `tests.rs` file is a `#[cfg(test)] mod tests;` by this crate's convention.
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests.rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src/");
            let top = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .expect("a UTF-8 path")
                .trim_end_matches(".rs")
                .to_string();
            if matches!(top.as_str(), "lib" | "main" | "cli") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            let deps = graph.entry(top.clone()).or_default();
            for used in crate_paths(&text) {
                if used != top && is_module(&used) {
                    deps.insert(used);
                }
            }
        }
    }
    graph
}

/// The first segment of every `crate::` path in `text`'s code, including each branch of a
/// `use crate::{a::…, b}` group.
fn crate_paths(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `my_crate::` is not this crate
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level branches of the group: split at commas outside inner braces.
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.push(ident(group[start..j].trim_start()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident(group[start..j].trim_start()));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The modules `from` reaches through the graph (itself included), without recursion.
fn reach(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([from.to_string()]);
    let mut stack = vec![from.to_string()];
    while let Some(m) = stack.pop() {
        for d in graph.get(&m).into_iter().flatten() {
            if seen.insert(d.clone()) {
                stack.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn the_scanner_reads_paths_and_groups_but_not_comments() {
    let text = "use crate::tape::{Graph, Var};\nuse crate::{error::Result, real};\n\
                // crate::nn in a comment\nlet x = crate::tensor::store(&t); // crate::io\n\
                other_crate::x();\n#[cfg(test)]\nmod tests { use crate::serve; }\n";
    assert_eq!(crate_paths(text), ["tape", "error", "real", "tensor"]);
}

#[test]
fn engine_layers_use_only_lower_layers() {
    let graph = module_graph();
    let mut wrong = Vec::new();
    for (i, layer) in ENGINE.iter().enumerate() {
        let deps = graph
            .get(*layer)
            .unwrap_or_else(|| panic!("module {layer} exists"));
        for d in deps {
            let lower = ENGINE[..i].contains(&d.as_str()) || BASE.contains(&d.as_str());
            if !lower {
                wrong.push(format!("{layer} uses {d}"));
            }
        }
    }
    for base in BASE {
        for d in graph.get(*base).into_iter().flatten() {
            if !BASE.contains(&d.as_str()) {
                wrong.push(format!("{base} uses {d}"));
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken: {wrong:?}");
}

#[test]
fn no_import_cycle() {
    let graph = module_graph();
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(&graph, m))).collect();
    for (m, r) in &reached {
        // The modules on a cycle through `m`: those it reaches that reach it back.
        let cycle: BTreeSet<&str> = r
            .iter()
            .filter(|o| reached.get(o).is_some_and(|back| back.contains(*m)))
            .map(String::as_str)
            .collect();
        assert!(cycle.len() < 2, "import cycle through {m}: {cycle:?}");
    }
}
