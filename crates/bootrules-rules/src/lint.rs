//! Warnings about rules that load but probably do not do what their writer meant.

use bootrules_core::Diagnostic;

use crate::codes::Code;
use crate::owner::Owner;
use crate::pack::Pack;

/// Everything in the pack worth a warning, each at the rule it is about.
pub fn lints(pack: &Pack) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for &pattern in pack.prefilter().unfiltered() {
        let text = pack.pattern_text(pattern);
        let message = format!("pattern `{text}` has no plain text of 3 or more characters that every match contains, so it runs on every line");
        let (rule, origin) = match pack.owner(pattern) {
            Owner::Stage(i, _) | Owner::ShownStage(i, _) => {
                (&pack.stages[i].id, &pack.stages[i].origin)
            }
            Owner::Signature(i, _) => (&pack.signatures[i].id, &pack.signatures[i].origin),
            Owner::Ignore => continue,
        };
        out.push(origin.diagnostic(Code::UnfilteredPattern, rule, message));
    }
    for sig in pack.signatures() {
        if sig.examples_match.is_empty() || sig.examples_no_match.is_empty() {
            let message = "no `examples.match` or no `examples.no-match`: nothing tests this rule";
            out.push(sig.origin.diagnostic(Code::UntestedRule, &sig.id, message));
        }
        if sig.script.is_some() {
            continue;
        }
        let groups: Vec<&str> = pack
            .owners
            .iter()
            .zip(&pack.regexes)
            .filter(|(owner, _)| matches!(owner, Owner::Signature(i, _) if pack.signatures[*i].id == sig.id))
            .flat_map(|(_, re)| re.regex().capture_names().flatten())
            .collect();
        for form in unknown_forms(&sig.message).chain(unknown_forms(&sig.remedy)) {
            let message = format!("`{form}…}}` in the message or remedy is no placeholder form (`{{name}}`, `{{name|fallback}}`, `{{?name:text}}`), so it prints as written");
            out.push(
                sig.origin
                    .diagnostic(Code::UnknownPlaceholder, &sig.id, message),
            );
        }
        for name in placeholders(&sig.message).chain(placeholders(&sig.remedy)) {
            if !groups.contains(&name) {
                let message = format!("`{{{name}}}` in the message or remedy names no capture group of its patterns, so it prints as written");
                out.push(
                    sig.origin
                        .diagnostic(Code::UnknownPlaceholder, &sig.id, message),
                );
            }
        }
    }
    out
}

/// The names of a text's placeholders: `{name}`, `{name|fallback}` and `{?name:text}` (not a
/// shell variable a remedy quotes, `${fdt_addr}`).
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('{').filter_map(move |(at, _)| {
        if text[..at].ends_with('$') {
            return None;
        }
        let part = &text[at + 1..];
        let (part, ends) = match part.strip_prefix('?') {
            Some(conditional) => (conditional, &['}', '|', ':'][..]),
            None => (part, &['}', '|'][..]),
        };
        let end = part.find(ends)?;
        let name = &part[..end];
        (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(name)
    })
}

/// The starts of braces that look like a placeholder in a form templates do not know: a sign
/// other than `?` before a name (`{!name:text}`).
fn unknown_forms(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('{').filter_map(move |(at, _)| {
        let rest = &text[at + 1..];
        let sign = rest.chars().next()?;
        let name = &rest[sign.len_utf8()..];
        let end = name.find([':', '|', '}'])?;
        let known = sign == '?' || sign.is_alphanumeric() || sign == '_' || sign.is_whitespace();
        let is_name = end > 0 && name[..end].chars().all(|c| c.is_alphanumeric() || c == '_');
        (!known && sign.is_ascii_punctuation() && sign != '{' && is_name)
            .then(|| &text[at..at + 1 + sign.len_utf8() + end])
    })
}

#[cfg(test)]
mod tests {
    use super::{placeholders, unknown_forms};

    #[test]
    fn a_sign_other_than_a_question_mark_before_a_name_is_an_unknown_form() {
        let found: Vec<_> =
            unknown_forms("a {!code: x} {?code:y} {code} {#n} ({not a name}) {{x}}").collect();
        assert_eq!(found, ["{!code", "{#n"]);
    }

    #[test]
    fn placeholders_are_names_in_braces() {
        let found: Vec<_> = placeholders("{unit} failed on {device} ({not a name}) {").collect();
        assert_eq!(found, ["unit", "device"]);
        let found: Vec<_> = placeholders("{?code:, ({code}: {reason|why})} {a|{b}}").collect();
        assert_eq!(found, ["code", "code", "reason", "a", "b"]);
        let found: Vec<_> = placeholders("`fdt addr ${fdt_addr}` for {reason}").collect();
        assert_eq!(found, ["reason"]);
    }
}
