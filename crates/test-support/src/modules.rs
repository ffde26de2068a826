//! The module import graph of a crate's sources, to test that no module imports a module
//! that imports it back.
//!
//! A module stands for itself and everything inside it: `report::html::svg` using
//! `crate::timeline` is an import of `timeline` by `report` (and by `report::html`). At each
//! level, the children of one module must import each other one way only. A child using its
//! parent's items, and a parent using its children, are how a module is built from parts and
//! are not counted. Paths in comments and string literals are not imports, nor is code built
//! only for tests (`#[cfg(test)]`): a test may drive the whole crate.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// A module path inside its crate: `["report", "html"]`; the root is empty.
pub type ModPath = Vec<String>;

/// Which modules each module's code names (inline modules included), by path.
#[derive(Debug, Default)]
pub struct Graph {
    /// Every module of the crate.
    pub modules: BTreeSet<ModPath>,
    /// For each module: the modules its own code (not its children's) names.
    pub imports: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

/// Reads the library crate whose sources are in `src` (from `lib.rs`; `main.rs` is a crate of
/// its own and left out).
pub fn read_crate(src: &Path) -> std::io::Result<Graph> {
    let mut files = Vec::new();
    collect(src, src, &mut files)?;
    let mut parsed = Vec::new();
    let mut test_only: Vec<ModPath> = Vec::new();
    for (path, module) in files {
        let (code, tests) = without_tests(&strip(&fs::read_to_string(path)?));
        test_only.extend(
            tests
                .into_iter()
                .map(|name| [module.clone(), vec![name]].concat()),
        );
        parsed.push((module, code));
    }
    parsed.retain(|(module, _)| !test_only.iter().any(|t| module.starts_with(t)));
    let mut graph = Graph::default();
    for (module, code) in &parsed {
        graph.modules.insert(module.clone());
        for inline in inline_modules(module, code) {
            graph.modules.insert(inline);
        }
    }
    for (module, code) in &parsed {
        for (from, to) in references(module, code, &graph.modules) {
            graph.imports.entry(from).or_default().insert(to);
        }
    }
    Ok(graph)
}

/// Every group of sibling modules that import each other, directly or around a loop (a
/// strongly connected component of more than one module), by full path: `["checker",
/// "session"]`.
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for parent in &graph.modules {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, targets) in &graph.imports {
            let Some(a) = child_of(parent, from) else {
                continue;
            };
            for to in targets {
                if let Some(b) = child_of(parent, to).filter(|b| *b != a) {
                    edges.entry(a.clone()).or_default().insert(b);
                }
            }
        }
        let reach: BTreeMap<&String, BTreeSet<String>> =
            edges.keys().map(|n| (n, reachable(n, &edges))).collect();
        let mut seen = BTreeSet::new();
        for (node, from_node) in &reach {
            if seen.contains(*node) || !from_node.contains(*node) {
                continue;
            }
            let group: Vec<String> = from_node
                .iter()
                .filter(|other| reach.get(other).is_some_and(|r| r.contains(*node)))
                .cloned()
                .collect();
            seen.extend(group.iter().cloned());
            let path = |name: &String| {
                [parent.as_slice(), std::slice::from_ref(name)]
                    .concat()
                    .join("::")
            };
            found.push(group.iter().map(path).collect());
        }
    }
    found
}

/// The child of `parent` that `module` is or lies inside.
fn child_of(parent: &[String], module: &[String]) -> Option<String> {
    (module.len() > parent.len() && module.starts_with(parent))
        .then(|| module[parent.len()].clone())
}

/// Every node reachable from `start` by one edge or more.
fn reachable(start: &String, edges: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&String> = vec![start];
    while let Some(node) = todo.pop() {
        for next in edges.get(node).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next);
            }
        }
    }
    seen
}

/// The `.rs` files under `dir` with their module paths.
fn collect(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(std::path::PathBuf, ModPath)>,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out)?;
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path).with_extension("");
        let mut module: ModPath = relative
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        match module.last().map(String::as_str) {
            Some("main") if module.len() == 1 => continue,
            Some("lib") if module.len() == 1 => module.clear(),
            Some("mod") => {
                module.pop();
            }
            _ => {}
        }
        out.push((path, module));
    }
    Ok(())
}

/// The code with comments and the contents of string and character literals blanked out.
fn strip(code: &str) -> String {
    let bytes = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &code[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            let mut j = 0;
            while j < rest.len() {
                if rest[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += rest[j..].chars().next().map_or(1, char::len_utf8);
                }
            }
            i += j;
            out.push(' ');
        } else if let Some(len) = raw_string(rest).filter(|_| !out.ends_with(ident_char)) {
            i += len;
            out.push_str("\"\"");
        } else if rest.starts_with('"') {
            let mut chars = rest.char_indices().skip(1);
            let mut end = rest.len();
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => {
                        end = j + 1;
                        break;
                    }
                    _ => {}
                }
            }
            i += end;
            out.push_str("\"\"");
        } else if let Some(len) = char_literal(rest) {
            i += len;
            out.push_str("' '");
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code without its `#[cfg(test)]` items, and the names of the modules declared
/// test-only in another file (`#[cfg(test)] mod testutil;`).
fn without_tests(code: &str) -> (String, Vec<String>) {
    const ATTRIBUTE: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut modules = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(ATTRIBUTE) {
        out.push_str(&rest[..at]);
        let item = &rest[at + ATTRIBUTE.len()..];
        let Some(end) = item.find(['{', ';']) else {
            rest = "";
            break;
        };
        if item[end..].starts_with(';') {
            let words: Vec<&str> = item[..end].split_whitespace().collect();
            if let [.., "mod", name] = words.as_slice() {
                modules.push((*name).to_owned());
            }
            rest = &item[end + 1..];
            continue;
        }
        let mut depth = 0;
        let mut close = item.len();
        for (i, c) in item[end..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = end + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &item[close..];
    }
    out.push_str(rest);
    (out, modules)
}

/// The length of a raw string literal (`r"…"`, `br#"…"#`) at the start of `s`.
fn raw_string(s: &str) -> Option<usize> {
    let body = s.strip_prefix("br").or_else(|| s.strip_prefix('r'))?;
    let hashes = body.len() - body.trim_start_matches('#').len();
    let quoted = body[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = quoted.find(&close)?;
    Some(s.len() - quoted.len() + end + close.len())
}

/// The length of a character literal at the start of `s` (not a lifetime).
fn char_literal(s: &str) -> Option<usize> {
    let body = s.strip_prefix('\'')?;
    if let Some(escaped) = body.strip_prefix('\\') {
        return Some(2 + escaped.find('\'')? + 1);
    }
    let c = body.chars().next()?;
    body[c.len_utf8()..]
        .starts_with('\'')
        .then(|| 1 + c.len_utf8() + 1)
}

/// The code as identifiers and punctuation (`::` as one token).
fn tokens(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_alphanumeric() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push(&rest[..len]);
            i += len;
        } else if rest.starts_with("::") {
            out.push("::");
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(&rest[..c.len_utf8()]);
            }
            i += c.len_utf8();
        }
    }
    out
}

/// The inline modules (`mod tests { … }`) of the file whose module is `file`.
fn inline_modules(file: &ModPath, code: &str) -> Vec<ModPath> {
    let mut found = Vec::new();
    walk(file, code, |module, _, _| found.push(module.to_vec()));
    found.retain(|m| m != file);
    found.sort();
    found.dedup();
    found
}

/// Calls `each` with the module every token is in, the tokens and the token's index.
fn walk(file: &ModPath, code: &str, mut each: impl FnMut(&[String], &[&str], usize)) {
    let tokens = tokens(code);
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut pending: Option<String> = None;
    for (n, &token) in tokens.iter().enumerate() {
        match token {
            "{" => {
                depth += 1;
                if let Some(name) = pending.take() {
                    stack.push((name, depth));
                }
            }
            "}" => {
                if stack.last().is_some_and(|(_, d)| *d == depth) {
                    stack.pop();
                }
                depth -= 1;
            }
            ";" => pending = None,
            "mod" => pending = tokens.get(n + 1).map(|s| s.to_string()),
            _ => {}
        }
        let module: ModPath = file
            .iter()
            .cloned()
            .chain(stack.iter().map(|(name, _)| name.clone()))
            .collect();
        each(&module, &tokens, n);
    }
}

/// The (module, module it names) pairs of one file.
fn references(file: &ModPath, code: &str, modules: &BTreeSet<ModPath>) -> Vec<(ModPath, ModPath)> {
    let mut found = Vec::new();
    walk(file, code, |module, tokens, n| {
        let rest = &tokens[n..];
        let token = rest[0];
        let is_use = token == "use";
        let starts_path = matches!(token, "crate" | "super" | "self")
            && rest.get(1) == Some(&"::")
            && (n == 0 || tokens[n - 1] != "::");
        if is_use || starts_path {
            let tree = if is_use { &rest[1..] } else { rest };
            for path in use_paths(tree) {
                if let Some(target) = resolve(module, &path, modules, is_use) {
                    found.push((module.to_vec(), target));
                }
            }
        }
    });
    found
}

/// The paths a use tree (or a plain path) at the start of `tokens` names, each as far as
/// its segments go.
fn use_paths(tokens: &[&str]) -> Vec<Vec<String>> {
    fn tree(tokens: &[&str], at: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        let mut path = prefix;
        loop {
            match tokens.get(*at).copied() {
                Some("{") => {
                    *at += 1;
                    while tokens.get(*at).is_some_and(|t| *t != "}") {
                        tree(tokens, at, path.clone(), out);
                        if tokens.get(*at) == Some(&",") {
                            *at += 1;
                        }
                    }
                    *at += 1;
                    return;
                }
                Some(t) if t.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                    if t != "self" || path.is_empty() {
                        path.push(t.to_owned());
                    }
                    *at += 1;
                    if tokens.get(*at) == Some(&"::") {
                        *at += 1;
                        continue;
                    }
                    if tokens.get(*at) == Some(&"as") {
                        *at += 2;
                    }
                    out.push(path);
                    return;
                }
                _ => {
                    out.push(path);
                    return;
                }
            }
        }
    }
    let mut out = Vec::new();
    tree(tokens, &mut 0, Vec::new(), &mut out);
    out
}

/// The module of the crate a path from `module` names (the longest prefix that is a module).
fn resolve(
    module: &[String],
    path: &[String],
    modules: &BTreeSet<ModPath>,
    is_use: bool,
) -> Option<ModPath> {
    let mut absolute: ModPath = module.to_vec();
    let mut segments = path.iter().peekable();
    match segments.peek().map(|s| s.as_str()) {
        Some("crate") => {
            absolute.clear();
            segments.next();
        }
        Some("super") => {
            while segments.peek().is_some_and(|s| *s == "super") {
                absolute.pop();
                segments.next();
            }
        }
        Some("self") => {
            segments.next();
        }
        // `use child::Item` from a module that declares `child`
        Some(first) if is_use => {
            let mut child = module.to_vec();
            child.push(first.to_owned());
            if !modules.contains(&child) {
                return None;
            }
        }
        _ => return None,
    }
    let mut best = absolute.clone();
    for segment in segments {
        absolute.push(segment.clone());
        if modules.contains(&absolute) {
            best = absolute.clone();
        } else {
            break;
        }
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> Graph {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("modules-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for (path, code) in files {
            let path = dir.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, code).unwrap();
        }
        let graph = read_crate(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        graph
    }

    #[test]
    fn two_modules_that_use_each_other_are_a_cycle() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::B;\npub struct A;"),
            ("b.rs", "pub struct B;\nfn f() { crate::a::A; }"),
        ]);
        assert_eq!(cycles(&g), vec![vec!["a", "b"]]);
    }

    #[test]
    fn code_built_only_for_tests_is_not_an_import() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b;\n#[cfg(test)]\nmod testutil;"),
            ("a.rs", "use crate::b::B;\npub struct A;"),
            (
                "b.rs",
                "pub struct B;\n#[cfg(test)]\n#[allow(x)]\nmod tests {\n    use super::*;\n    fn f() { crate::a::A; }\n}",
            ),
            ("testutil.rs", "use crate::a::A; use crate::b::B;"),
        ]);
        assert!(cycles(&g).is_empty(), "{:?}", g.imports);
        assert!(!g.modules.contains(&vec!["testutil".to_owned()]));
    }

    #[test]
    fn comments_strings_and_parents_are_not_cycles() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b;\nuse a::A;"),
            ("a/mod.rs", "mod c; mod d;\npub struct A;\nuse c::C;"),
            ("a/c.rs", "use super::{d::D, A};\npub struct C;"),
            ("a/d.rs", "use super::super::b::{self};\npub struct D;"),
            (
                "b.rs",
                "//! see [`crate::a`]\nconst S: &str = \"crate::a::A\";\nconst R: &str = r#\"crate::a\"#;\nconst C: char = '{';\nfn f<'a>(x: &'a str) {}",
            ),
        ]);
        assert!(cycles(&g).is_empty(), "{:?}", g.imports);
        assert!(g.imports[&vec!["a".to_owned(), "d".to_owned()]].contains(&vec!["b".to_owned()]));
    }

    #[test]
    fn a_cycle_through_children_counts_for_their_parents() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b; mod c;"),
            ("a/mod.rs", "mod inner;"),
            ("a/inner.rs", "use crate::b::{x, y::Y};"),
            ("b.rs", "fn f() { crate::c::g(); }"),
            ("c.rs", "use crate::a;"),
        ]);
        assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    }
}
