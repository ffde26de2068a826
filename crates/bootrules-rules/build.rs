//! Embeds the default rule pack (`rules/` at the workspace root) into the binary, so the tool
//! works with no flags, with what the prefilter needs of each of its patterns (see
//! `src/requirement.rs`) derived here rather than on every run. Every file and folder is
//! watched, so editing a rule rebuilds.

// A build script may stop the build with a message: it reads the repository, not user input.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::{env, fs};

// The crate's own derivation, so the build and a run agree on every pattern.
#[allow(dead_code)]
#[path = "src/requirement.rs"]
mod requirement;

#[path = "build/pre_parsed.rs"]
mod pre_parsed;

/// The keys whose strings are numbered patterns, which the prefilter searches for.
const PATTERN_KEYS: [&str; 9] = [
    "patterns",
    "patterns-if-followed",
    "script-events",
    "handoff-patterns",
    "separators",
    "shown-by",
    "shown-at-least-by",
    "undone-by",
    "then",
];

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
        let name = pack_name(&root, file);
        let abs = fs::canonicalize(file).expect("rule file exists");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", abs));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    fs::write(out_dir.join("default_pack.rs"), out).expect("write default_pack.rs");

    // Each TOML file read once: its JSON for the loader, its patterns for the prefilter.
    let mut parsed = String::from(
        "/// The default pack's rule files that parse, as JSON (see `build/pre_parsed.rs`).\n",
    );
    parsed.push_str("static DEFAULT_PACK_PARSED: &[(&str, &str)] = &[\n");
    let mut patterns = BTreeMap::new();
    for (number, file) in files.iter().enumerate() {
        if file.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = fs::read_to_string(file).expect("rule file is UTF-8");
        // A broken file is the loader's to report, with its position; here it is only skipped.
        if let Some(json) = pre_parsed::rule_file_json(&text) {
            let path = out_dir.join(format!("parsed-{number}.json"));
            fs::write(&path, json).expect("write the parsed rule file");
            let name = pack_name(&root, file);
            parsed.push_str(&format!("    ({name:?}, include_str!({path:?})),\n"));
        }
        if let Ok(table) = text.parse::<toml::Table>() {
            collect_patterns(&table, &mut patterns);
        }
    }
    parsed.push_str("];\n");
    fs::write(out_dir.join("default_pack_parsed.rs"), parsed)
        .expect("write default_pack_parsed.rs");

    fs::write(
        out_dir.join("default_requirements.bin"),
        requirements_blob(&patterns),
    )
    .expect("write default_requirements.bin");
}

/// The patterns (sorted) and their requirements in the layout `src/known_requirements.rs`
/// reads: all little-endian `u32`s and bytes, with no pointer for the loader to relocate at
/// every start (a table of `&str`s and byte slices took tens of thousands).
///
/// `count`, then `count + 1` offsets of the records, then each record: the pattern as a byte
/// string, `0` (no requirement) or `1` followed by the literals, the number of `also` sets and
/// each set, the starts, the ends, and `exact` as one byte. A byte string is its length and its
/// bytes; a list is its length and its byte strings.
fn requirements_blob(patterns: &BTreeMap<String, Option<requirement::Requirement>>) -> Vec<u8> {
    let mut records = Vec::new();
    let mut offsets = Vec::new();
    for (pattern, needs) in patterns {
        offsets.push(records.len());
        push_bytes(&mut records, pattern.as_bytes());
        match needs {
            None => records.push(0),
            Some(r) => {
                records.push(1);
                push_list(&mut records, &r.literals);
                push_u32(&mut records, r.also.len());
                for set in &r.also {
                    push_list(&mut records, set);
                }
                push_list(&mut records, &r.starts);
                push_list(&mut records, &r.ends);
                records.push(u8::from(r.exact));
            }
        }
    }
    offsets.push(records.len());
    let mut blob = Vec::new();
    push_u32(&mut blob, patterns.len());
    for offset in offsets {
        push_u32(&mut blob, offset);
    }
    blob.extend(records);
    blob
}

fn push_u32(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("the pack's requirements fit in 4 GiB");
    out.extend(n.to_le_bytes());
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    push_u32(out, bytes.len());
    out.extend(bytes);
}

fn push_list(out: &mut Vec<u8>, list: &[Vec<u8>]) {
    push_u32(out, list.len());
    for item in list {
        push_bytes(out, item);
    }
}

/// A rule file's name as the loader shows it: `rules/…` with forward slashes.
fn pack_name(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).expect("under rules/");
    format!("rules/{}", rel.to_string_lossy().replace('\\', "/"))
}

/// Every pattern under a [`PATTERN_KEYS`] key, anywhere in the table, with its requirement.
fn collect_patterns(
    table: &toml::Table,
    out: &mut BTreeMap<String, Option<requirement::Requirement>>,
) {
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) => collect_patterns(inner, out),
            toml::Value::Array(items) => {
                for item in items {
                    match item {
                        toml::Value::Table(inner) => collect_patterns(inner, out),
                        toml::Value::String(pattern) if PATTERN_KEYS.contains(&key.as_str()) => {
                            out.entry(pattern.clone())
                                .or_insert_with(|| requirement::requirement(pattern));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
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
