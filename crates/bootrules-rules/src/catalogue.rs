//! The catalogue of a pack in Markdown (`docs/rules.md`), generated from the rule files so it
//! is never written twice.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::pack::{Pack, Signature};

/// The whole catalogue.
pub fn markdown(pack: &Pack) -> String {
    let mut out = String::new();
    let sigs = pack.signatures();
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    for sig in sigs {
        *by_category.entry(sig.category.as_str()).or_default() += 1;
    }
    let _ = writeln!(out, "# The default rule pack\n");
    let _ = writeln!(
        out,
        "Generated from `rules/` by `bootrules rules list --format markdown`; do not edit by hand \
         (`cargo test` fails when this file is out of date).\n"
    );
    let _ = writeln!(
        out,
        "{} signatures in {} categories, {} stages, {} ignores, {} unit categories.\n",
        sigs.len(),
        by_category.len(),
        pack.stages().len(),
        pack.ignores().len(),
        pack.unit_categories().len()
    );
    let counts: Vec<String> = by_category
        .iter()
        .map(|(c, n)| format!("`{c}` {n}"))
        .collect();
    let _ = writeln!(out, "By category: {}.\n", counts.join(", "));

    let _ = writeln!(out, "## Signatures\n");
    let _ = writeln!(
        out,
        "| id | category | severity | title |\n| --- | --- | --- | --- |"
    );
    let mut sorted: Vec<&Signature> = sigs.iter().collect();
    sorted.sort_by_key(|s| (s.category.as_str(), s.id.as_str()));
    for sig in &sorted {
        let fatal = if sig.fatal { ", fatal" } else { "" };
        let _ = writeln!(
            out,
            "| [`{id}`](#{id}) | {} | {}{fatal} | {} |",
            sig.category.as_str(),
            sig.severity,
            cell(&sig.title),
            id = sig.id
        );
    }
    for sig in &sorted {
        signature(&mut out, pack, sig);
    }

    let _ = writeln!(out, "\n## Stages\n");
    let _ = writeln!(
        out,
        "| id | what it is | markers | other lines that show it |\n| --- | --- | --- | --- |"
    );
    for stage in pack.stages() {
        let shown_by_signatures = sigs
            .iter()
            .filter(|s| {
                s.shows_stage
                    .is_some_and(|i| pack.stages()[i].id == stage.id)
            })
            .count();
        let mut shown = format!(
            "{} patterns, {} lower bounds, {} outside {}",
            stage.shown_by.len(),
            stage.shown_at_least_by.len(),
            stage.shown_by_outside.len(),
            if stage.shown_outside_of.is_empty() {
                "-".to_owned()
            } else {
                stage.shown_outside_of.join("/")
            }
        );
        if stage.shown_by_kernel_lines {
            shown.push_str(", any line the kernel printed");
        }
        if shown_by_signatures > 0 {
            shown.push_str(&format!(
                ", the evidence of {shown_by_signatures} signatures"
            ));
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {shown} |",
            stage.id,
            cell(&stage.description),
            stage.patterns.len() + stage.patterns_if_followed.len()
        );
    }

    let _ = writeln!(out, "\n## Unit categories\n");
    let _ = writeln!(
        out,
        "A failed unit's finding is filed under the first of these whose patterns match the unit.\n"
    );
    for units in pack.unit_categories() {
        let _ = writeln!(
            out,
            "- `{}` → `{}`: {}",
            units.id,
            units.category.as_str(),
            units.description
        );
    }

    let _ = writeln!(out, "\n## Ignores\n");
    for ignore in pack.ignores() {
        let _ = writeln!(out, "- `{}`: {}", ignore.id, ignore.reason);
    }
    out
}

fn signature(out: &mut String, pack: &Pack, sig: &Signature) {
    let _ = writeln!(out, "\n### {}\n", sig.id);
    let _ = writeln!(out, "**{}**\n", sig.title);
    let mut facts = vec![
        format!("category `{}`", sig.category.as_str()),
        format!("severity `{}`", sig.severity),
    ];
    if sig.fatal {
        facts.push("fatal".to_owned());
    }
    if sig.status.as_str() != "stable" {
        facts.push(format!("status `{}`", sig.status.as_str()));
    }
    if !sig.tags.is_empty() {
        facts.push(format!("tags {}", sig.tags.join(", ")));
    }
    if let Some(stage) = sig.shows_stage {
        facts.push(format!("shows stage `{}`", pack.stages()[stage].id));
    }
    if let Some(stage) = sig.ended_before {
        facts.push(format!(
            "only in a session that ended before `{}`",
            pack.stages()[stage].id
        ));
    }
    if sig.category_by_unit.is_some() {
        facts.push("category by unit".to_owned());
    }
    if sig.category_from_cause {
        facts.push("category from its cause".to_owned());
    }
    if sig.generic {
        facts.push("generic".to_owned());
    }
    let _ = writeln!(
        out,
        "{}; defined in `{}`.\n",
        facts.join(", "),
        sig.origin.file
    );
    let _ = writeln!(out, "- **Means:** {}", sig.message);
    let _ = writeln!(out, "- **Do:** {}", sig.remedy);
    for fp in &sig.falsepositives {
        let _ = writeln!(out, "- **False positive:** {fp}");
    }
    for reference in &sig.references {
        let _ = writeln!(out, "- <{reference}>");
    }
    if let Some(example) = sig.examples_match.first() {
        let _ = writeln!(out, "\n```text\n{}\n```", example.log.trim_matches('\n'));
    }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
