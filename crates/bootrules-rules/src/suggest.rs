//! "Did you mean": the closest known name to a misspelt key, id, category or stage.

/// The candidate closest to `name`, when it is close enough to be a misspelling of it.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let allowed = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|&(distance, c)| distance <= allowed && c != name)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` when a candidate is close to `name`, else nothing.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}

/// Adds a suggestion to a TOML error about an unknown key or value (`unknown field `categry`,
/// expected one of `id`, `title`, …`), from the names the message lists.
pub fn toml_message(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message.to_owned();
    };
    let Some((name, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let names = expected.split('`').skip(1).step_by(2);
    format!("{message}{}", did_you_mean(name, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelling_gets_its_closest_name() {
        assert_eq!(
            closest("emergency-mod", ["emergency-mode", "rescue-mode"]),
            Some("emergency-mode")
        );
        assert_eq!(closest("zzz", ["emergency-mode"]), None);
        assert_eq!(
            toml_message("unknown field `categry`, expected one of `id`, `title`, `category`"),
            "unknown field `categry`, expected one of `id`, `title`, `category`; did you mean `category`?"
        );
        assert_eq!(
            toml_message("unknown variant `eror`, expected one of `info`, `warning`, `error`, `critical`"),
            "unknown variant `eror`, expected one of `info`, `warning`, `error`, `critical`; did you mean `error`?"
        );
    }
}
