//! A value of a rule file and the bytes where it is written, for error messages.
//!
//! Read from TOML, it is what `toml::Spanned` reads: the parser hands the span over as a map
//! under names private to `serde_spanned`. Read from the embedded pack's JSON (written by
//! `build/pre_parsed.rs`), it is the array `[start, end, value]`, which reads several times
//! faster than that map: the default pack holds thousands of spanned values, and reading
//! them was a fifth of its load.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The struct name by which the TOML parser recognises a spanned value, and its fields
/// (`serde_spanned`'s; a test checks the parser still gives spans).
const NAME: &str = "$__serde_spanned_private_Spanned";
const START: &str = "$__serde_spanned_private_start";
const END: &str = "$__serde_spanned_private_end";
const VALUE: &str = "$__serde_spanned_private_value";

/// A value and the byte range of the file it was read from. Compared by value alone, as
/// `toml::Spanned` is.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    span: Range<usize>,
    value: T,
}

impl<T> Spanned<T> {
    /// `value`, written at `span`.
    pub fn new(span: Range<usize>, value: T) -> Self {
        Self { span, value }
    }

    /// Where the value is written.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The value.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The value, taken.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(NAME, &[START, END, VALUE], SpannedVisitor(PhantomData))
    }
}

struct SpannedVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
    type Value = Spanned<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a spanned value")
    }

    /// The embedded pack's `[start, end, value]`.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let start = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let end = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let value = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(2, &self))?;
        Ok(Spanned::new(start..end, value))
    }

    /// TOML's map of the span's ends and the value.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut start, mut end, mut value) = (None, None, None);
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                START => start = Some(map.next_value()?),
                END => end = Some(map.next_value()?),
                VALUE => value = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, &[START, END, VALUE])),
            }
        }
        match (start, end, value) {
            (Some(start), Some(end), Some(value)) => Ok(Spanned::new(start..end, value)),
            (None, _, _) => Err(de::Error::missing_field(START)),
            (_, None, _) => Err(de::Error::missing_field(END)),
            (_, _, None) => Err(de::Error::missing_field(VALUE)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Rule {
        id: Spanned<String>,
        patterns: Vec<Spanned<String>>,
    }

    #[test]
    fn toml_gives_the_span_of_each_value() {
        let rule: Rule = toml::from_str("id = 'a-b'\npatterns = ['x', 'yz']\n").unwrap();
        assert_eq!((rule.id.get_ref().as_str(), rule.id.span()), ("a-b", 5..10));
        assert_eq!(rule.patterns[1].span(), 28..32);
    }

    #[test]
    fn json_arrays_give_the_span_and_value() {
        let rule: Rule =
            serde_json::from_str(r#"{"id": [5, 10, "a-b"], "patterns": [[17, 20, "x"]]}"#).unwrap();
        assert_eq!((rule.id.get_ref().as_str(), rule.id.span()), ("a-b", 5..10));
        assert_eq!(rule.patterns[0].span(), 17..20);
        let short = serde_json::from_str::<Rule>(r#"{"id": [5, 10], "patterns": []}"#);
        assert!(short.unwrap_err().to_string().contains("invalid length 2"));
    }
}
