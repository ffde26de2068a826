//! `bootrules rules …`: list, validate, test and explain rules.

use std::io::{self, Write};

use anyhow::Result;
use bootrules_rules::{default_sources, load, run_examples, sources_from_dir, Pack};

use super::{load_packs, Status};
use crate::args::{PackArgs, RulesCommand};

pub fn run(command: RulesCommand) -> Result<Status> {
    match command {
        RulesCommand::List { patterns, packs } => with_pack(&packs, |pack, out| {
            if patterns {
                list_patterns(pack, out)
            } else {
                list(pack, out)
            }
        }),
        RulesCommand::Validate { dir } => Ok(validate(dir.as_deref())),
        RulesCommand::Test { dir } => {
            let packs = PackArgs {
                rules: dir.into_iter().collect(),
                no_default_rules: false,
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
        writeln!(
            out,
            "{:<40} {:<9} {:<15} {}",
            sig.id,
            sig.severity.as_str(),
            sig.category.as_str(),
            sig.title
        )?;
    }
    writeln!(
        out,
        "{} stages, {} signatures",
        pack.stages().len(),
        pack.signatures().len()
    )?;
    Ok(Status::Ok)
}

/// Every pattern, with named groups made plain so that `rg -f` / `grep -E -f` can combine
/// them (two rules may both name a group `unit`).
fn list_patterns(pack: &Pack, out: &mut dyn Write) -> io::Result<Status> {
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
            for pattern in pack.unfiltered_patterns() {
                eprintln!(
                    "warning: pattern `{pattern}` has no literal text of 3 bytes or more that every match contains, so it runs on every line"
                );
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
        writeln!(out, "defined in: {}:{}", sig.origin.file, sig.origin.line)?;
        writeln!(out, "\nmeans: {}\n\ndo: {}\n", sig.message, sig.remedy)?;
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
