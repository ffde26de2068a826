//! Evaluating a pack's signatures over one session.
//!
//! State is one slot per signature (first evidence line and a count), so memory does not
//! grow with the log however often a pattern matches.

use bootrules_core::{Finding, Judge, Line, Progress};

use crate::pack::{Owner, Pack, Signature};

/// The first evidence of one signature in the session.
struct Seen {
    line: u64,
    text: String,
    message: String,
    remedy: String,
    count: u64,
    last_counted_line: u64,
}

/// Watches one session for every signature of a [`Pack`].
pub struct PackJudge<'a> {
    pack: &'a Pack,
    seen: Vec<Option<Seen>>,
}

impl<'a> PackJudge<'a> {
    pub(crate) fn new(pack: &'a Pack) -> Self {
        Self {
            pack,
            seen: (0..pack.signatures.len()).map(|_| None).collect(),
        }
    }
}

impl Judge for PackJudge<'_> {
    fn observe(&mut self, line: &Line<'_>, signals: &[u32], progress: &Progress) {
        for &pattern in signals {
            let Owner::Signature(index) = self.pack.owner(pattern) else {
                continue;
            };
            let signature = &self.pack.signatures[index];
            if !in_scope(self.pack, signature, progress)
                || signature.exclude.iter().any(|re| re.is_match(line.message))
            {
                continue;
            }
            match &mut self.seen[index] {
                Some(seen) => {
                    if seen.last_counted_line != line.number {
                        seen.count += 1;
                        seen.last_counted_line = line.number;
                    }
                }
                slot @ None => {
                    let captures = self.pack.regex(pattern).captures(line.message);
                    let fill = |template: &str| fill_template(template, captures.as_ref());
                    *slot = Some(Seen {
                        line: line.number,
                        text: line.text.to_owned(),
                        message: fill(&signature.message),
                        remedy: fill(&signature.remedy),
                        count: 1,
                        last_counted_line: line.number,
                    });
                }
            }
        }
    }

    fn finish(self, progress: &Progress, last: &Line<'_>) -> Vec<Finding> {
        let mut findings: Vec<Finding> = Vec::new();
        let mut absent = Vec::new();
        for (signature, seen) in self.pack.signatures.iter().zip(self.seen) {
            match (seen, &signature.missing) {
                (Some(seen), _) => findings.push(finding(signature, seen)),
                (None, Some(missing)) => absent.push((signature, missing)),
                (None, None) => {}
            }
        }
        // A fatal finding already explains why the session went no further, so what is
        // missing after it is not news.
        if findings.iter().any(|f| f.fatal) {
            return findings;
        }
        let model = &self.pack.model;
        let furthest = progress.furthest_rank();
        for (signature, missing) in absent {
            let waiting = furthest.is_some_and(|r| r >= model.rank(missing.after));
            // Reaching one of the stages, or any stage beyond them all, ends the wait.
            let arrived = missing
                .stages
                .iter()
                .any(|&s| progress.reached(s).is_some())
                || missing
                    .stages
                    .iter()
                    .map(|&s| model.rank(s))
                    .max()
                    .is_some_and(|target| furthest.is_some_and(|r| r > target));
            if waiting && !arrived && last.number > 0 {
                findings.push(finding(
                    signature,
                    Seen {
                        line: last.number,
                        text: last.text.to_owned(),
                        message: signature.message.clone(),
                        remedy: signature.remedy.clone(),
                        count: 1,
                        last_counted_line: last.number,
                    },
                ));
            }
        }
        findings
    }
}

/// Is the session where the signature's phase and stage range say its evidence counts?
fn in_scope(pack: &Pack, signature: &Signature, progress: &Progress) -> bool {
    let model = &pack.model;
    let furthest = progress.furthest_rank();
    let reached = |stage: usize| furthest.is_some_and(|r| r >= model.rank(stage));
    signature.phase.is_none_or(|p| p == progress.phase())
        && signature.from_stage.is_none_or(reached)
        && signature.until_stage.is_none_or(|s| !reached(s))
}

fn finding(signature: &Signature, seen: Seen) -> Finding {
    Finding {
        rule: signature.id.clone(),
        title: signature.title.clone(),
        category: signature.category.as_str().to_owned(),
        severity: signature.severity,
        fatal: signature.fatal,
        line: seen.line,
        text: seen.text,
        message: seen.message,
        remedy: seen.remedy,
        count: seen.count,
        references: signature.references.clone(),
    }
}

/// Replaces `{name}` with the named capture's text; unknown names stay as written.
fn fill_template(template: &str, captures: Option<&regex::Captures<'_>>) -> String {
    let Some(captures) = captures else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match captures.name(name) {
                    Some(m) => out.push_str(m.as_str().trim()),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::fill_template;
    use regex::Regex;

    #[test]
    fn templates_take_named_captures() {
        let re = Regex::new(r"Failed to mount (?P<mount>\S+)\.").unwrap();
        let caps = re.captures("Failed to mount /data.");
        assert_eq!(
            fill_template("{mount} did not mount ({other})", caps.as_ref()),
            "/data did not mount ({other})"
        );
        assert_eq!(fill_template("a {b", None), "a {b");
    }
}
