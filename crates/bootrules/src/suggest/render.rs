//! `suggest`'s report: readable, JSON or Markdown, and the skeletons as a pack file.

use std::io::{self, Write};

use super::{Suggestion, Suggestions};
use crate::report::{shown, table};

/// The readable report.
pub fn human(out: &mut dyn Write, found: &Suggestions) -> io::Result<()> {
    writeln!(out, "{}", summary(found))?;
    for unchecked in &found.unchecked {
        writeln!(
            out,
            "  not checked: {}: {}",
            shown::text(&unchecked.path),
            shown::text(&unchecked.reason)
        )?;
    }
    for s in &found.suggestions {
        writeln!(out)?;
        writeln!(
            out,
            "#{} {}  ({} session{} in {} log{}; stopped at {}; {})",
            s.rank,
            shown::text(&s.template),
            s.sessions,
            plural(s.sessions),
            s.logs,
            plural(s.logs),
            counts(&s.stages),
            counts(&s.outcomes),
        )?;
        for e in &s.examples {
            writeln!(
                out,
                "    {}:{}  {}",
                shown::text(&e.path),
                e.line,
                shown::text(&e.text)
            )?;
        }
        if s.healthy_sessions > 0 {
            writeln!(
                out,
                "    also in {} healthy session{}",
                s.healthy_sessions,
                plural(s.healthy_sessions)
            )?;
        }
        writeln!(
            out,
            "    rule {} (category {}): {}",
            s.skeleton.id,
            s.skeleton.category,
            shown::text(&s.skeleton.pattern)
        )?;
    }
    Ok(())
}

/// The JSON document.
pub fn json(out: &mut dyn Write, found: &Suggestions) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, found)?;
    writeln!(out)
}

/// A Markdown table and the skeletons, to paste into a ticket or a review.
pub fn markdown(out: &mut dyn Write, found: &Suggestions) -> io::Result<()> {
    writeln!(out, "{}\n", summary(found))?;
    if found.suggestions.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "| # | template | sessions | logs | stopped at | example |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for s in &found.suggestions {
        let example = s
            .examples
            .first()
            .map(|e| format!("{}:{}", e.path, e.line))
            .unwrap_or_default();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            s.rank,
            table::code(&shown::text(&s.template)),
            s.sessions,
            s.logs,
            table::cell(&counts(&s.stages)),
            table::cell(&shown::text(&example)),
        )?;
    }
    for s in &found.suggestions {
        writeln!(out, "\n### {}. `{}`\n", s.rank, s.skeleton.id)?;
        let toml = s.skeleton.to_toml();
        let fence = "`".repeat(longest_backtick_run(&toml).max(2) + 1);
        writeln!(out, "{fence}toml\n{toml}{fence}")?;
    }
    Ok(())
}

/// The skeletons as one pack file that `rules validate` and `rules test` accept.
pub fn pack_file(found: &Suggestions) -> String {
    let mut text = String::from(
        "# Rule skeletons from `bootrules suggest`: lines that sessions with no known cause share.\n\
         # Before this joins a pack: read the examples, narrow each pattern to what is always in\n\
         # the line, check the category, write `message` and `remedy` (marked TODO), raise the\n\
         # severity where the line stops a boot, and name the component that prints the line in\n\
         # `references`.\n",
    );
    for s in &found.suggestions {
        text.push('\n');
        text.push_str(&provenance(s));
        text.push_str(&s.skeleton.to_toml());
    }
    text
}

fn provenance(s: &Suggestion) -> String {
    let mut text = format!(
        "# #{}: {} session{} in {} log{}, stopped at {}\n",
        s.rank,
        s.sessions,
        plural(s.sessions),
        s.logs,
        plural(s.logs),
        counts(&s.stages)
    );
    for e in &s.examples {
        text.push_str(&format!("#   {}:{}\n", shown::text(&e.path), e.line));
    }
    text
}

fn summary(found: &Suggestions) -> String {
    let head = format!(
        "{} log{}, {} session{}, {} ended badly with no known cause",
        found.logs,
        plural(found.logs),
        found.sessions,
        plural(found.sessions),
        found.unexplained_sessions
    );
    if found.suggestions.is_empty() {
        return if found.unexplained_sessions == 0 {
            format!("{head}: nothing to suggest")
        } else {
            format!("{head}: none of their lines is worth a rule")
        };
    }
    let mut text = format!(
        "{head}; {} suggestion{}",
        found.suggestions.len(),
        plural(found.suggestions.len() as u64)
    );
    if found.not_shown > 0 {
        text.push_str(&format!(" ({} more shapes not shown)", found.not_shown));
    }
    if found.dropped_lines > 0 {
        text.push_str(&format!(
            "; {} lines of new shapes not kept (too many shapes)",
            found.dropped_lines
        ));
    }
    text
}

fn counts(map: &std::collections::BTreeMap<String, u64>) -> String {
    let mut items: Vec<(&String, &u64)> = map.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
