//! Checks every kind of rule shares: a kebab-case id, stage references that name a stage, and
//! examples that expect only what the rule's kind can show.

use crate::codes::Code;
use crate::spanned::Spanned;
use crate::spec::Examples;
use crate::suggest;

use super::files::Problem;

/// A rule's kind as messages name it, and an id to show as an example of a good one.
pub(super) struct Kind {
    pub name: &'static str,
    pub example_id: &'static str,
}

/// A problem when `id` is not kebab-case.
pub(super) fn id(id: &Spanned<String>, file: usize, kind: &Kind) -> Option<Problem> {
    (!is_kebab_id(id.get_ref())).then(|| {
        let message = format!("a {} id is kebab-case (`{}`)", kind.name, kind.example_id);
        Problem::new(Code::BadId, file, id.span(), message)
    })
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Only a signature's finding carries captures and a category, so on any other rule's `match`
/// examples they would check nothing: they are refused.
pub(super) fn plain_examples(
    examples: &Examples,
    id: &Spanned<String>,
    file: usize,
    kind: &Kind,
) -> Vec<Problem> {
    examples
        .matching
        .iter()
        .filter(|e| !e.captures().is_empty() || e.category().is_some())
        .map(|_| {
            let message = format!(
                "{} `{}` has an example with `captures` or `category`, which only a signature's examples check",
                kind.name,
                id.get_ref()
            );
            Problem::new(Code::ExampleCaptures, file, id.span(), message)
        })
        .collect()
}

/// The excerpts of a rule's `match` examples.
pub(super) fn excerpts(examples: &Examples) -> Vec<String> {
    examples
        .matching
        .iter()
        .map(|e| e.log().to_owned())
        .collect()
}

/// The stages of the pack, in declaration order, by id.
pub(super) struct Stages<'a> {
    pub ids: Vec<&'a str>,
    /// Stages whose rule did not parse (and was reported): naming one is not a second error.
    pub unparsed: &'a [String],
}

impl Stages<'_> {
    /// The index of the stage `id` names.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|s| *s == id)
    }

    /// A problem when `id` names no stage.
    pub fn check(&self, id: &Spanned<String>, file: usize) -> Option<Problem> {
        let unparsed = self.unparsed.iter().any(|s| s == id.get_ref());
        (self.index(id.get_ref()).is_none() && !unparsed).then(|| {
            let message = format!(
                "unknown stage `{}`, expected one of {}{}",
                id.get_ref(),
                self.ids.join(", "),
                suggest::did_you_mean(id.get_ref(), self.ids.iter().copied())
            );
            Problem::new(Code::UnknownStage, file, id.span(), message)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_kebab_id;

    #[test]
    fn kebab_case_ids() {
        for good in ["root-mounted", "a", "ext4-error-2"] {
            assert!(is_kebab_id(good), "{good}");
        }
        for bad in [
            "",
            "Root",
            "root--mounted",
            "-root",
            "root_mounted",
            "root-",
        ] {
            assert!(!is_kebab_id(bad), "{bad}");
        }
    }
}
