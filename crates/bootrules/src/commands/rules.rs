//! `bootrules rules …`: list, validate, test and explain rules.

use std::io::{self, Write};

use anyhow::Result;
use bootrules_rules::{default_sources, load, run_examples, sources_from_dir, Pack};

use super::{load_packs, Status};
use crate::args::{ListFormat, PackArgs, RulesCommand};

pub fn run(command: RulesCommand) -> Result<Status> {
    match command {
        RulesCommand::List {
            patterns,
            format,
            packs,
        } => with_pack(&packs, |pack, out| match (patterns, format) {
            (true, _) => list_patterns(pack, out),
            (false, ListFormat::Table) => list(pack, out),
            (false, ListFormat::Json) => list_json(pack, out),
            (false, ListFormat::Markdown) => {
                out.write_all(bootrules_rules::catalogue::markdown(pack).as_bytes())?;
                Ok(Status::Ok)
            }
        }),
        RulesCommand::Validate { dir } => Ok(validate(dir.as_deref())),
        RulesCommand::Test { dir } => {
            let packs = PackArgs {
                rules: dir.into_iter().collect(),
                no_default_rules: false,
                disable: Vec::new(),
            };
            with_pack(&packs, test)
        }
        RulesCommand::Explain { id, packs } => {
            with_pack(&packs, |pack, out| explain(pack, &id, out))
        }
    }
}

/// Loads the packs and runs `f` with them and a buffered standard output.
fn with_pack(
    packs: &PackArgs,
    f: impl FnOnce(&Pack, &mut dyn Write) -> io::Result<Status>,
) -> Result<Status> {
    let Some(pack) = load_packs(packs) else {
        return Ok(Status::Usage);
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let status = f(&pack, &mut out)?;
    out.flush()?;
    Ok(status)
}

fn list(pack: &Pack, out: &mut dyn Write) -> io::Result<Status> {
    writeln!(out, "{:<40} {:<9} {:<15} title", "id", "kind", "category")?;
    for stage in pack.stages() {
        writeln!(
            out,
            "{:<40} {:<9} {:<15} {}",
            stage.id, "stage", "-", stage.description
        )?;
    }
    for sig in pack.signatures() {
        let note = match (sig.disabled, sig.status.as_str()) {
            (true, _) => " (disabled)",
            (false, "experimental") => " (experimental)",
            (false, "deprecated") => " (deprecated)",
            _ => "",
        };
        writeln!(
            out,
            "{:<40} {:<9} {:<15} {}{note}",
            sig.id,
            sig.severity.as_str(),
            sig.category.as_str(),
            sig.title
        )?;
    }
    for ignore in pack.ignores() {
        writeln!(
            out,
            "{:<40} {:<9} {:<15} {}",
            ignore.id, "ignore", "-", ignore.reason
        )?;
    }
    writeln!(
        out,
        "{} stages, {} signatures, {} ignores",
        pack.stages().len(),
        pack.signatures().len(),
        pack.ignores().len()
    )?;
    Ok(Status::Ok)
}

/// The rules as JSON objects, for tools.
fn list_json(pack: &Pack, out: &mut dyn Write) -> io::Result<Status> {
    let mut rules = Vec::new();
    for stage in pack.stages() {
        rules.push(serde_json::json!({
            "id": stage.id, "kind": "stage", "description": stage.description,
            "patterns": stage.patterns, "file": stage.origin.file, "line": stage.origin.line,
        }));
    }
    for sig in pack.signatures() {
        rules.push(serde_json::json!({
            "id": sig.id, "kind": "signature", "title": sig.title,
            "category": sig.category.as_str(), "severity": sig.severity.as_str(),
            "fatal": sig.fatal, "status": sig.status.as_str(), "tags": sig.tags,
            "disabled": sig.disabled, "references": sig.references,
            "file": sig.origin.file, "line": sig.origin.line,
        }));
    }
    for ignore in pack.ignores() {
        rules.push(serde_json::json!({
            "id": ignore.id, "kind": "ignore", "reason": ignore.reason,
            "patterns": ignore.patterns, "file": ignore.origin.file, "line": ignore.origin.line,
        }));
    }
    serde_json::to_writer_pretty(&mut *out, &rules)?;
    writeln!(out)?;
    Ok(Status::Ok)
}

/// Every pattern, with named groups made plain so that `rg -f` / `grep -E -f` can combine
/// them (two rules may both name a group `unit`).
fn list_patterns(pack: &Pack, out: &mut dyn Write) -> io::Result<Status> {
    // A constant pattern of this function: it cannot fail to compile.
    #[allow(clippy::expect_used)]
    let named_group = regex::Regex::new(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>").expect("static regex");
    let stages = pack.stages().iter().flat_map(|s| &s.patterns);
    let signatures = pack.signatures().iter().flat_map(|s| &s.patterns);
    for pattern in stages.chain(signatures) {
        writeln!(out, "{}", named_group.replace_all(pattern, "(?:"))?;
    }
    Ok(Status::Ok)
}

fn validate(dir: Option<&std::path::Path>) -> Status {
    let sources = match dir {
        None => Ok(default_sources()),
        Some(dir) => sources_from_dir(dir),
    };
    // A pack of signatures refers to the default stages, so it is validated on top of them.
    let layers = match (dir, sources) {
        (_, Err(e)) => {
            eprintln!("error: {e}");
            return Status::Usage;
        }
        (None, Ok(s)) => vec![s],
        (Some(_), Ok(s)) => vec![default_sources(), s],
    };
    match load(&layers) {
        Ok(pack) => {
            for lint in bootrules_rules::lints(&pack) {
                eprintln!("warning: {lint}");
            }
            println!(
                "ok: {} stages, {} signatures",
                pack.stages().len(),
                pack.signatures().len()
            );
            Status::Ok
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!(
                "{} error{}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            Status::Usage
        }
    }
}

fn test(pack: &Pack, out: &mut dyn Write) -> io::Result<Status> {
    let (run, failures) = run_examples(pack);
    for failure in &failures {
        write!(out, "{failure}")?;
    }
    writeln!(out, "{} passed, {} failed", run.passed, run.failed)?;
    Ok(if failures.is_empty() {
        Status::Ok
    } else {
        Status::Findings
    })
}

fn explain(pack: &Pack, id: &str, out: &mut dyn Write) -> io::Result<Status> {
    if let Some(sig) = pack.signature(id) {
        writeln!(out, "{} - {}", sig.id, sig.title)?;
        writeln!(
            out,
            "category: {}   severity: {}{}",
            sig.category.as_str(),
            sig.severity,
            if sig.fatal { "   fatal" } else { "" }
        )?;
        writeln!(
            out,
            "status: {}{}",
            sig.status.as_str(),
            if sig.disabled { "   disabled" } else { "" }
        )?;
        if !sig.tags.is_empty() {
            writeln!(out, "tags: {}", sig.tags.join(", "))?;
        }
        writeln!(out, "evidence: {}", evidence_kind(pack, sig))?;
        writeln!(out, "defined in: {}:{}", sig.origin.file, sig.origin.line)?;
        writeln!(out, "\nmeans: {}\n\ndo: {}\n", sig.message, sig.remedy)?;
        for fp in &sig.falsepositives {
            writeln!(out, "false positive: {fp}")?;
        }
        for p in &sig.patterns {
            writeln!(out, "pattern: {p}")?;
        }
        for r in &sig.references {
            writeln!(out, "see: {r}")?;
        }
        if let Some(example) = sig.examples_match.first() {
            writeln!(out, "\nexample:\n{}", example.log().trim_end())?;
        }
        return Ok(Status::Ok);
    }
    if let Some(stage) = pack.stages().iter().find(|s| s.id == id) {
        writeln!(out, "{} - stage: {}", stage.id, stage.description)?;
        writeln!(
            out,
            "defined in: {}:{}",
            stage.origin.file, stage.origin.line
        )?;
        for p in &stage.patterns {
            writeln!(out, "pattern: {p}")?;
        }
        return Ok(Status::Ok);
    }
    eprintln!("bootrules: no rule with id `{id}` (see `bootrules rules list`)");
    Ok(Status::Usage)
}

/// One line saying what evidence a signature looks for.
fn evidence_kind(pack: &Pack, sig: &bootrules_rules::Signature) -> String {
    let mut kind = if let Some(m) = &sig.missing {
        let stage = |i: usize| pack.stages()[i].id.as_str();
        let mut expected: Vec<String> = m.stages.iter().map(|&s| stage(s).to_owned()).collect();
        expected.extend(m.patterns.iter().map(|p| format!("/{p}/")));
        format!(
            "absence: once `{}` (or later) is reached, one of {} must follow",
            stage(m.after),
            expected.join(", ")
        )
    } else if let Some(s) = &sig.sequence {
        format!("sequence: a pattern line, then one of {:?}", s.then)
    } else if let Some(c) = &sig.count {
        format!("count: at least {} matching lines", c.at_least)
    } else {
        "pattern".to_owned()
    };
    if sig.script.is_some() {
        kind.push_str(", judged by a Rhai script");
    }
    kind
}
