//! `bootrules rules …`: list, validate, test and explain rules.

use anyhow::Result;
use bootrules_rules::{default_sources, load, run_examples, sources_from_dir, Pack};

use super::{load_packs, Status};
use crate::args::{PackArgs, RulesCommand};

pub fn run(command: RulesCommand) -> Result<Status> {
    match command {
        RulesCommand::List { packs } => with_pack(&packs, list),
        RulesCommand::Validate { dir } => Ok(validate(dir.as_deref())),
        RulesCommand::Test { dir } => {
            let packs = PackArgs {
                rules: dir.into_iter().collect(),
                no_default_rules: false,
            };
            with_pack(&packs, test)
        }
        RulesCommand::Explain { id, packs } => with_pack(&packs, |pack| explain(pack, &id)),
    }
}

fn with_pack(packs: &PackArgs, f: impl FnOnce(&Pack) -> Status) -> Result<Status> {
    Ok(match load_packs(packs) {
        Some(pack) => f(&pack),
        None => Status::Usage,
    })
}

fn list(pack: &Pack) -> Status {
    println!("{:<40} {:<9} {:<15} title", "id", "kind", "category");
    for stage in pack.stages() {
        println!(
            "{:<40} {:<9} {:<15} {}",
            stage.id, "stage", "-", stage.description
        );
    }
    for sig in pack.signatures() {
        println!(
            "{:<40} {:<9} {:<15} {}",
            sig.id,
            sig.severity.as_str(),
            sig.category.as_str(),
            sig.title
        );
    }
    println!(
        "{} stages, {} signatures",
        pack.stages().len(),
        pack.signatures().len()
    );
    Status::Ok
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

fn test(pack: &Pack) -> Status {
    let (run, failures) = run_examples(pack);
    for failure in &failures {
        print!("{failure}");
    }
    println!("{} passed, {} failed", run.passed, run.failed);
    if failures.is_empty() {
        Status::Ok
    } else {
        Status::Findings
    }
}

fn explain(pack: &Pack, id: &str) -> Status {
    if let Some(sig) = pack.signature(id) {
        println!("{} — {}", sig.id, sig.title);
        println!(
            "category: {}   severity: {}{}",
            sig.category.as_str(),
            sig.severity,
            if sig.fatal { "   fatal" } else { "" }
        );
        println!("defined in: {}:{}", sig.origin.file, sig.origin.line);
        println!("\nmeans: {}\n\ndo: {}", sig.message, sig.remedy);
        for p in &sig.patterns {
            println!("pattern: {p}");
        }
        for r in &sig.references {
            println!("see: {r}");
        }
        if let Some(example) = sig.examples_match.first() {
            println!("\nexample:\n{}", example.trim_end());
        }
        return Status::Ok;
    }
    if let Some(stage) = pack.stages().iter().find(|s| s.id == id) {
        println!("{} — stage: {}", stage.id, stage.description);
        println!("defined in: {}:{}", stage.origin.file, stage.origin.line);
        for p in &stage.patterns {
            println!("pattern: {p}");
        }
        return Status::Ok;
    }
    eprintln!("bootrules: no rule with id `{id}` (see `bootrules rules list`)");
    Status::Usage
}
