//! The requirements of the embedded default pack's patterns, derived when the binary was built.
//!
//! Parsing every pattern's regex to find its literals took most of a check of a short log (some
//! 30 ms for the default pack's 1,370 patterns); the build script derives them once, with the
//! same code ([`crate::requirement`]), and a run looks each pattern up by its text. A pattern
//! the build did not see (from `--rules`) is parsed as before.

use crate::requirement::{requirement, Requirement};

/// A [`Requirement`] as static data.
struct Known {
    literals: &'static [&'static [u8]],
    also: &'static [&'static [&'static [u8]]],
    starts: &'static [&'static [u8]],
    ends: &'static [&'static [u8]],
    exact: bool,
}

include!(concat!(env!("OUT_DIR"), "/default_requirements.rs"));

/// What a line must hold for `pattern` to match (see [`requirement`]).
pub(crate) fn requirement_of(pattern: &str) -> Option<Requirement> {
    let Ok(at) = DEFAULT_REQUIREMENTS.binary_search_by(|(text, _)| (*text).cmp(pattern)) else {
        return requirement(pattern);
    };
    let owned = |set: &[&[u8]]| set.iter().map(|l| l.to_vec()).collect::<Vec<_>>();
    DEFAULT_REQUIREMENTS[at]
        .1
        .as_ref()
        .map(|known| Requirement {
            literals: owned(known.literals),
            also: known.also.iter().map(|set| owned(set)).collect(),
            starts: owned(known.starts),
            ends: owned(known.ends),
            exact: known.exact,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_derived_what_a_run_would() {
        assert!(
            DEFAULT_REQUIREMENTS.len() > 1000,
            "the default pack's patterns"
        );
        assert!(DEFAULT_REQUIREMENTS.windows(2).all(|w| w[0].0 < w[1].0));
        for (pattern, _) in DEFAULT_REQUIREMENTS {
            assert_eq!(requirement_of(pattern), requirement(pattern), "{pattern}");
        }
    }

    /// A pattern without literals runs its regex on every line of every log: one such pattern
    /// took two thirds of the regex runs on the lab logs.
    #[test]
    fn no_pattern_of_the_default_pack_runs_on_every_line() {
        let unfiltered: Vec<&str> = DEFAULT_REQUIREMENTS
            .iter()
            .filter(|(_, known)| known.is_none())
            .map(|(pattern, _)| *pattern)
            .collect();
        assert!(
            unfiltered.is_empty(),
            "patterns with no literal of {} bytes or more: {unfiltered:#?}",
            crate::requirement::MIN_LITERAL_BYTES
        );
    }

    #[test]
    fn the_build_saw_every_pattern_of_the_default_pack() {
        let pack = crate::default_pack().unwrap();
        for pattern in &pack.regexes {
            let text = pattern.as_str();
            let found = DEFAULT_REQUIREMENTS.binary_search_by(|(t, _)| (*t).cmp(text));
            assert!(found.is_ok(), "{text}");
        }
    }
}
