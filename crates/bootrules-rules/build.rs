//! Embeds the default rule pack (`rules/` at the workspace root) into the binary, so the tool
//! works with no flags. Every file and folder is watched, so editing a rule rebuilds.

// A build script may stop the build with a message: it reads the repository, not user input.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../../rules");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out =
        String::from("/// The default pack: (path relative to the repository, contents).\n");
    out.push_str("pub static DEFAULT_PACK: &[(&str, &str)] = &[\n");
    for file in &files {
        let rel = file.strip_prefix(&root).expect("under rules/");
        let name = format!("rules/{}", rel.to_string_lossy().replace('\\', "/"));
        let abs = fs::canonicalize(file).expect("rule file exists");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", abs));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("default_pack.rs");
    fs::write(dest, out).expect("write default_pack.rs");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("toml" | "rhai")
        ) {
            println!("cargo:rerun-if-changed={}", path.display());
            files.push(path);
        }
    }
}
