//! `bootrules rules …`: list, validate, test and explain rules.

use std::io::{self, Write};

use anyhow::Result;
use bootrules_rules::{run_examples, Pack};

use super::{load_packs, Status};
use crate::args::{ListFormat, PackArgs, RulesCommand};
use crate::report::shown::{self, Escaping};

pub fn run(command: RulesCommand) -> Result<Status> {
    match command {
        RulesCommand::List {
            patterns,
            format,
            packs,
        } => with_pack(&packs, format != ListFormat::Json, |pack, out| {
            match (patterns, format) {
                (true, _) => list_patterns(pack, out),
                (false, ListFormat::Table) => list(pack, out),
                (false, ListFormat::Json) => list_json(pack, out),
                (false, ListFormat::Markdown) => {
                    out.write_all(bootrules_rules::catalogue::markdown(pack).as_bytes())?;
                    Ok(Status::Ok)
                }
            }
        }),
        RulesCommand::Validate { dir } => Ok(validate(dir.as_deref())),
        RulesCommand::Test { dir } => {
            let packs = PackArgs {
                rules: dir.into_iter().collect(),
                no_default_rules: false,
                disable: Vec::new(),
            };
            with_pack(&packs, true, test)
        }
        RulesCommand::Explain { id, packs } => {
            with_pack(&packs, true, |pack, out| explain(pack, &id, out))
        }
        RulesCommand::Schema => {
            // written as text, so a reader that stops early is an I/O error like elsewhere
            let text = serde_json::to_string_pretty(&bootrules_rules::schema::schema())?;
            writeln!(io::stdout().lock(), "{text}")?;
            Ok(Status::Ok)
        }
    }
}

/// Loads the packs and runs `f` with them and a buffered standard output, which shows rule
/// text's control characters as escapes unless the output is for programs (`escape` false).
fn with_pack(
    packs: &PackArgs,
    escape: bool,
    f: impl FnOnce(&Pack, &mut dyn Write) -> io::Result<Status>,
) -> Result<Status> {
    let Some(pack) = load_packs(packs) else {
        return Ok(Status::Usage);
    };
    let stdout = io::BufWriter::new(io::stdout().lock());
    let mut out: Box<dyn Write> = if escape {
        Box::new(Escaping(stdout))
    } else {
        Box::new(stdout)
    };
    let status = f(pack, &mut out)?;
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
    for units in pack.unit_categories() {
        writeln!(
            out,
            "{:<40} {:<9} {:<15} {}",
            units.id,
            "units",
            units.category.as_str(),
            units.description
        )?;
    }
    writeln!(
        out,
        "{} stages, {} signatures, {} ignores, {} unit categories",
        pack.stages().len(),
        pack.signatures().len(),
        pack.ignores().len(),
        pack.unit_categories().len()
    )?;
    Ok(Status::Ok)
}

/// The rules as JSON objects, for tools.
fn list_json(pack: &Pack, out: &mut dyn Write) -> io::Result<Status> {
    let mut rules = Vec::new();
    for stage in pack.stages() {
        rules.push(serde_json::json!({
            "id": stage.id, "kind": "stage", "description": stage.description,
            "patterns": stage.patterns, "patterns_if_followed": stage.patterns_if_followed,
            "shown_by": stage.shown_by,
            "shown_at_least_by": stage.shown_at_least_by,
            "shown_by_outside": {
                "stages": stage.shown_outside_of, "patterns": stage.shown_by_outside,
                "except": stage.shown_outside_except.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            },
            "shown_by_kernel_lines": stage.shown_by_kernel_lines,
            "undone_by": stage.undone_by,
            "file": stage.origin.file, "line": stage.origin.line,
        }));
    }
    for sig in pack.signatures() {
        rules.push(serde_json::json!({
            "id": sig.id, "kind": "signature", "title": sig.title,
            "category": sig.category.as_str(), "severity": sig.severity.as_str(),
            "fatal": sig.fatal, "status": sig.status.as_str(), "tags": sig.tags,
            "disabled": sig.disabled, "references": sig.references,
            "shows_stage": sig.shows_stage.map(|s| pack.stages()[s].id.as_str()),
            "category_by_unit": sig.category_by_unit, "generic": sig.generic,
            "category_from_cause": sig.category_from_cause,
            "ended_before": sig.ended_before.map(|s| pack.stages()[s].id.as_str()),
            "explained_by": sig.explained_by,
            "one_per": sig.one_per,
            "file": sig.origin.file, "line": sig.origin.line,
        }));
    }
    for units in pack.unit_categories() {
        let patterns: Vec<&str> = units.units.iter().map(|re| re.as_str()).collect();
        rules.push(serde_json::json!({
            "id": units.id, "kind": "unit-category", "category": units.category.as_str(),
            "description": units.description, "units": patterns,
            "file": units.origin.file, "line": units.origin.line,
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
    let stages = pack.stages().iter().flat_map(|s| {
        s.patterns
            .iter()
            .chain(&s.patterns_if_followed)
            .chain(&s.shown_by)
            .chain(&s.shown_at_least_by)
            .chain(&s.shown_by_outside)
            .chain(&s.undone_by)
    });
    let signatures = pack
        .signatures()
        .iter()
        .flat_map(|s| s.patterns.iter().chain(&s.script_events));
    for pattern in stages.chain(signatures) {
        writeln!(out, "{}", named_group.replace_all(pattern, "(?:"))?;
    }
    Ok(Status::Ok)
}

/// Loads a pack as `check --rules` does (a pack of signatures refers to the default stages, so
/// it is validated on top of them), then warns about what probably does not work.
fn validate(dir: Option<&std::path::Path>) -> Status {
    let packs = PackArgs {
        rules: dir.into_iter().map(ToOwned::to_owned).collect(),
        no_default_rules: false,
        disable: Vec::new(),
    };
    let Some(pack) = load_packs(&packs) else {
        return Status::Usage;
    };
    for lint in bootrules_rules::lints(pack) {
        eprintln!("{}", shown::lines(&lint.to_string()));
    }
    println!(
        "ok: {} stages, {} signatures",
        pack.stages().len(),
        pack.signatures().len()
    );
    Status::Ok
}

fn test(pack: &Pack, out: &mut dyn Write) -> io::Result<Status> {
    let (run, failures) = run_examples(pack);
    for failure in &failures {
        writeln!(out, "{failure}")?;
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
        if let Some(stage) = sig.shows_stage {
            writeln!(
                out,
                "its evidence shows the stage: {}",
                pack.stages()[stage].id
            )?;
        }
        if let Some(unit) = &sig.category_by_unit {
            writeln!(
                out,
                "category: by the unit in `{{{unit}}}` (rules list: kind units), else {}",
                sig.category.as_str()
            )?;
        }
        if let Some(stage) = sig.ended_before {
            writeln!(
                out,
                "holds only in a session that ended before the stage: {}",
                pack.stages()[stage].id
            )?;
        }
        if !sig.explained_by.is_empty() {
            writeln!(out, "explained by: {}", sig.explained_by.join(", "))?;
        }
        if sig.category_from_cause {
            writeln!(
                out,
                "category: the earliest earlier error that explains it, else {}",
                sig.category.as_str()
            )?;
        }
        if sig.generic {
            writeln!(out, "generic: a line a specific signature also takes is reported there; this one notes it at info")?;
        }
        if let Some(name) = &sig.one_per {
            writeln!(out, "one finding per distinct `{{{name}}}`")?;
        }
        writeln!(out, "defined in: {}:{}", sig.origin.file, sig.origin.line)?;
        writeln!(out, "\nmeans: {}\n\ndo: {}\n", sig.message, sig.remedy)?;
        for fp in &sig.falsepositives {
            writeln!(out, "false positive: {fp}")?;
        }
        for p in &sig.patterns {
            writeln!(out, "pattern: {p}")?;
        }
        for p in &sig.script_events {
            writeln!(out, "script reads: {p}")?;
        }
        for r in &sig.references {
            writeln!(out, "see: {r}")?;
        }
        if let Some(example) = sig.examples_match.first() {
            writeln!(out, "\nexample:\n{}", example.log.trim_end())?;
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
        for p in &stage.patterns_if_followed {
            writeln!(out, "pattern (once another line follows): {p}")?;
        }
        for p in &stage.shown_by {
            writeln!(out, "shown by: {p}")?;
        }
        for p in &stage.shown_at_least_by {
            writeln!(out, "shown (or a later stage) by: {p}")?;
        }
        for p in &stage.shown_by_outside {
            let outside = stage.shown_outside_of.join(", ");
            writeln!(out, "shown outside {outside} by: {p}")?;
        }
        for p in &stage.shown_outside_except {
            writeln!(out, "not shown by: {}", p.as_str())?;
        }
        if stage.shown_by_kernel_lines {
            writeln!(
                out,
                "shown by: any line the kernel printed (timestamp or `kernel:` tag)"
            )?;
        }
        for p in &stage.undone_by {
            writeln!(out, "taken back (with later stages) by: {p}")?;
        }
        let shown_by_signatures: Vec<&str> = pack
            .signatures()
            .iter()
            .filter(|s| {
                s.shows_stage
                    .is_some_and(|i| pack.stages()[i].id == stage.id)
            })
            .map(|s| s.id.as_str())
            .collect();
        if !shown_by_signatures.is_empty() {
            writeln!(
                out,
                "shown by the evidence of: {}",
                shown_by_signatures.join(", ")
            )?;
        }
        return Ok(Status::Ok);
    }
    if let Some(units) = pack.unit_categories().iter().find(|u| u.id == id) {
        writeln!(
            out,
            "{} - units of category {}: {}",
            units.id,
            units.category.as_str(),
            units.description
        )?;
        writeln!(
            out,
            "defined in: {}:{}",
            units.origin.file, units.origin.line
        )?;
        for re in &units.units {
            writeln!(out, "unit: {}", re.as_str())?;
        }
        return Ok(Status::Ok);
    }
    let known = pack
        .stages()
        .iter()
        .map(|s| s.id.as_str())
        .chain(pack.signatures().iter().map(|s| s.id.as_str()))
        .chain(pack.ignores().iter().map(|i| i.id.as_str()));
    let hint = bootrules_rules::suggest::did_you_mean(id, known);
    eprintln!("bootrules: no rule with id `{id}`{hint} (see `bootrules rules list`)");
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
