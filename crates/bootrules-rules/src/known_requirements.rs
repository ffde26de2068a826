//! The requirements of the embedded default pack's patterns, derived when the binary was built.
//!
//! Parsing every pattern's regex to find its literals took most of a check of a short log (some
//! 30 ms for the default pack's 1,370 patterns); the build script derives them once, with the
//! same code ([`crate::requirement`]), and a run looks each pattern up by its text. A pattern
//! the build did not see (from `--rules`) is parsed as before.

use crate::requirement::{requirement, Requirement};

/// The patterns and their requirements as the build laid them out (`requirements_blob` in
/// `build.rs`): numbers and bytes only, so nothing in it is relocated when the program starts.
static DEFAULT_REQUIREMENTS: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/default_requirements.bin"));

/// What a line must hold for `pattern` to match (see [`requirement`]).
pub(crate) fn requirement_of(pattern: &str) -> Option<Requirement> {
    match known(pattern.as_bytes()) {
        Some(known) => known,
        None => requirement(pattern),
    }
}

/// The build's requirement of `pattern` (itself `None` for a pattern without one), or `None`
/// when the build did not see the pattern.
fn known(pattern: &[u8]) -> Option<Option<Requirement>> {
    let count = Reader::at(0)?.u32()?;
    let (mut low, mut high) = (0, count);
    while low < high {
        let middle = low + (high - low) / 2;
        let mut record = record(middle)?;
        match record.bytes()?.cmp(pattern) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return Some(record.requirement()),
        }
    }
    None
}

/// The number of patterns the build saw.
#[cfg(test)]
fn count() -> usize {
    Reader::at(0).and_then(|mut r| r.u32()).unwrap_or(0)
}

/// A reader at the record of the `index`th pattern.
fn record(index: usize) -> Option<Reader> {
    let count = Reader::at(0)?.u32()?;
    let offset = Reader::at(4 + 4 * index)?.u32()?;
    Reader::at(4 + 4 * (count + 1) + offset)
}

/// Reads the blob from a position on.
struct Reader {
    at: usize,
}

impl Reader {
    fn at(at: usize) -> Option<Self> {
        (at <= DEFAULT_REQUIREMENTS.len()).then_some(Self { at })
    }

    fn u32(&mut self) -> Option<usize> {
        let bytes = DEFAULT_REQUIREMENTS.get(self.at..self.at + 4)?;
        self.at += 4;
        usize::try_from(u32::from_le_bytes(bytes.try_into().ok()?)).ok()
    }

    fn byte(&mut self) -> Option<u8> {
        let byte = *DEFAULT_REQUIREMENTS.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn bytes(&mut self) -> Option<&'static [u8]> {
        let len = self.u32()?;
        let bytes = DEFAULT_REQUIREMENTS.get(self.at..self.at + len)?;
        self.at += len;
        Some(bytes)
    }

    fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        (0..self.u32()?)
            .map(|_| self.bytes().map(<[u8]>::to_vec))
            .collect()
    }

    /// The requirement after a record's pattern; `None` for a pattern without one (or a blob
    /// that does not read, which the tests rule out).
    fn requirement(&mut self) -> Option<Requirement> {
        if self.byte()? == 0 {
            return None;
        }
        let literals = self.list()?;
        let also = (0..self.u32()?)
            .map(|_| self.list())
            .collect::<Option<_>>()?;
        Some(Requirement {
            literals,
            also,
            starts: self.list()?,
            ends: self.list()?,
            exact: self.byte()? == 1,
        })
    }
}

/// Every pattern the build saw, in order.
#[cfg(test)]
fn patterns() -> Vec<&'static str> {
    (0..count())
        .map(|i| {
            let bytes = record(i).and_then(|mut r| r.bytes()).unwrap_or_default();
            std::str::from_utf8(bytes).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_derived_what_a_run_would() {
        let patterns = patterns();
        assert!(patterns.len() > 1000, "the default pack's patterns");
        assert!(patterns.windows(2).all(|w| w[0] < w[1]));
        for pattern in patterns {
            assert_eq!(
                known(pattern.as_bytes()),
                Some(requirement(pattern)),
                "{pattern}"
            );
        }
        assert_eq!(known(b"not a pattern of the pack"), None);
    }

    /// A pattern without literals runs its regex on every line of every log: one such pattern
    /// took two thirds of the regex runs on the lab logs.
    #[test]
    fn no_pattern_of_the_default_pack_runs_on_every_line() {
        let unfiltered: Vec<&str> = patterns()
            .into_iter()
            .filter(|pattern| known(pattern.as_bytes()) == Some(None))
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
            assert!(known(text.as_bytes()).is_some(), "{text}");
        }
    }
}
