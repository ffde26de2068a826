//! No module of the workspace imports a module that imports it back.

use test_support::modules;

#[test]
fn every_crate_imports_its_modules_one_way() {
    let crates = test_support::workspace_root().join("crates");
    let mut found = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&crates)
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|src| src.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "the crates are found: {dirs:?}");
    for src in dirs {
        let graph = modules::read_crate(&src).unwrap();
        for cycle in modules::cycles(&graph) {
            found.push(format!("{}: {}", src.display(), cycle.join(", ")));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other:\n{}",
        found.join("\n")
    );
}
