//! The cause of a session: which finding explains its outcome, the chain that led there, and
//! the finding every report puts first.
//!
//! The finding that stopped a boot is often a symptom (an emergency shell, a rescue prompt, a
//! panic that only says init died); the line that names the cause came earlier. The pack says
//! which findings explain which (a rule set's [`RuleSet::explains`]); this module follows that
//! relation back from the finding that decided the outcome.

use crate::classify::RuleSet;
use crate::finding::{Finding, Severity};

/// Orders findings by how well they explain a session: most severe, fatal first, earliest.
pub fn rank(f: &Finding) -> (Severity, bool, std::cmp::Reverse<u64>) {
    (f.severity, f.fatal, std::cmp::Reverse(f.line))
}

/// The finding that best explains a session, as an index in `findings`: its cause (the first of
/// the chain), else its most severe finding by [`rank`]. Every report names this one first.
pub fn top(findings: &[Finding], cause: Option<usize>) -> Option<usize> {
    cause.filter(|&i| i < findings.len()).or_else(|| {
        let ranked = findings.iter().enumerate().max_by_key(|(_, f)| rank(f));
        ranked.map(|(index, _)| index)
    })
}

/// The causal chain of a session's findings, as indices in line order: it ends with the
/// finding that decided the outcome (the most severe fatal one, else the most severe of error
/// or worse) and holds every error-or-worse finding before it that explains a member of the
/// chain. Empty when no finding is an error or worse. Its first member is the cause.
pub fn chain<R: RuleSet>(rules: &R, findings: &[Finding]) -> Vec<usize> {
    let Some(anchor) = anchor(findings) else {
        return Vec::new();
    };
    // Each member's distance from the anchor: among findings on one line, the one explaining
    // the others is the cause.
    let mut depth = vec![None; findings.len()];
    depth[anchor] = Some(0usize);
    let mut queue = vec![anchor];
    while let Some(effect) = queue.pop() {
        let below = depth[effect].unwrap_or(0) + 1;
        for (index, candidate) in findings.iter().enumerate() {
            if depth[index].is_none() && may_explain(rules, candidate, &findings[effect]) {
                depth[index] = Some(below);
                queue.push(index);
            }
        }
    }
    let mut members: Vec<(usize, usize)> = depth
        .iter()
        .enumerate()
        .filter_map(|(index, d)| d.map(|d| (index, d)))
        .collect();
    members.sort_by_key(|&(index, d)| (findings[index].line, std::cmp::Reverse(d), index));
    members.into_iter().map(|(index, _)| index).collect()
}

/// Can `cause` explain `effect`: an error or worse, printed no later, that the pack says
/// explains it (its `explained-by`)?
pub fn may_explain<R: RuleSet + ?Sized>(rules: &R, cause: &Finding, effect: &Finding) -> bool {
    cause.severity >= Severity::Error && cause.line <= effect.line && rules.explains(cause, effect)
}

/// The finding that decided the outcome: most severe, fatal first, earliest.
fn anchor(findings: &[Finding]) -> Option<usize> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.severity >= Severity::Error)
        .min_by_key(|(index, f)| {
            (
                std::cmp::Reverse(f.severity),
                !f.fatal,
                f.line,
                std::cmp::Reverse(*index),
            )
        })
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::top;
    use crate::finding::Severity;
    use crate::testutil::finding;

    #[test]
    fn the_top_finding_is_the_cause_else_the_most_severe_fatal_first_earliest() {
        let findings = [
            finding("note", Severity::Info, 1),
            finding("disk", Severity::Error, 2),
            finding("panic", Severity::Critical, 5),
            finding("later-panic", Severity::Critical, 9),
        ];
        assert_eq!(top(&findings, Some(1)), Some(1), "the cause");
        assert_eq!(
            top(&findings, None),
            Some(2),
            "critical and fatal, earliest"
        );
        assert_eq!(top(&findings[..2], None), Some(1));
        assert_eq!(top(&[], None), None);
    }
}
