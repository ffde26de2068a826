//! Rule files: the default pack embedded at build time, and the `*.toml` and `*.rhai` files of
//! a folder.

use std::borrow::Cow;
use std::path::Path;

use bootrules_core::Diagnostic;

use crate::codes::Code;

include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));
include!(concat!(env!("OUT_DIR"), "/default_pack_parsed.rs"));

/// One rule file (TOML, or a Rhai script a rule names) and the name to show in messages.
#[derive(Debug, Clone)]
pub struct RuleSource {
    /// Path as shown to the user.
    pub path: String,
    /// The file's contents (borrowed for the embedded pack: a run does not copy its 850 KB).
    pub text: Cow<'static, str>,
}

impl RuleSource {
    pub(super) fn is_toml(&self) -> bool {
        self.path.ends_with(".toml")
    }

    /// Is this file, byte for byte, one of the embedded default pack? Its patterns are built
    /// and checked by its tests, so a run builds them only when first needed.
    pub(super) fn is_embedded(&self) -> bool {
        DEFAULT_PACK.iter().any(|(path, text)| {
            *path == self.path
                && (std::ptr::eq(text.as_ptr(), self.text.as_ptr()) || *text == self.text)
        })
    }

    /// The build's JSON of this file (`build/pre_parsed.rs`), read in a fraction of the time
    /// its TOML takes to parse; only for a file that [`Self::is_embedded`].
    pub(super) fn embedded_json(&self) -> Option<&'static str> {
        DEFAULT_PACK_PARSED
            .iter()
            .find(|(path, _)| *path == self.path)
            .map(|(_, json)| *json)
    }
}

/// The default pack embedded at build time.
pub fn default_sources() -> Vec<RuleSource> {
    DEFAULT_PACK
        .iter()
        .map(|(path, text)| RuleSource {
            path: (*path).to_owned(),
            text: Cow::Borrowed(text),
        })
        .collect()
}

/// Every `*.toml` and `*.rhai` under `dir`, in sorted order.
pub fn sources_from_dir(dir: &Path) -> Result<Vec<RuleSource>, Box<Diagnostic>> {
    let shown = dir.display().to_string();
    if !dir.exists() {
        return Err(Code::NoSuchDirectory
            .diagnostic(&shown, "no such directory")
            .into());
    }
    if !dir.is_dir() {
        let message = "not a directory (--rules takes a folder of rule files)";
        return Err(Code::NotADirectory.diagnostic(&shown, message).into());
    }
    let mut sources = Vec::new();
    // Linked folders are walked too (a team pack linked into a shared one); a loop of links
    // is an error, as is a broken link, each naming the link.
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| match e.path() {
            Some(path) if path.is_symlink() && !path.exists() => Code::Unreadable.diagnostic(
                path.display().to_string(),
                format!(
                    "broken link: {}",
                    e.io_error().map_or(e.to_string(), ToString::to_string)
                ),
            ),
            Some(path) => Code::Unreadable.diagnostic(path.display().to_string(), e.to_string()),
            None => Code::Unreadable.diagnostic(&shown, e.to_string()),
        })?;
        let path = entry.path();
        let wanted = path.extension().is_some_and(|e| e == "toml" || e == "rhai");
        // A linked rule file is read through its link, never skipped without a word.
        let is_file = if entry.path_is_symlink() {
            let shown = path.display().to_string();
            let target = std::fs::metadata(path)
                .map_err(|e| Code::Unreadable.diagnostic(&shown, format!("broken link: {e}")))?;
            if wanted && !target.is_file() {
                return Err(Code::Unreadable
                    .diagnostic(&shown, "a link to something not a file")
                    .into());
            }
            target.is_file()
        } else {
            entry.file_type().is_file()
        };
        if is_file && wanted {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Code::Unreadable.diagnostic(path.display().to_string(), format!("cannot read: {e}"))
            })?;
            sources.push(RuleSource {
                path: path.display().to_string(),
                text: text.into(),
            });
        }
    }
    if !sources.iter().any(RuleSource::is_toml) {
        let message = "no rule files (*.toml) in this directory";
        return Err(Code::NoRuleFiles.diagnostic(&shown, message).into());
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::RuleFile;

    /// The build's JSON reads into exactly what the TOML parses into, spans included, so the
    /// default pack loads the same either way (a field made `Spanned` in `spec.rs` must be
    /// named in `build/pre_parsed.rs`).
    #[test]
    fn the_embedded_json_reads_as_the_toml_parses() {
        let sources = default_sources();
        let tomls: Vec<&RuleSource> = sources.iter().filter(|s| s.is_toml()).collect();
        assert!(tomls.len() > 10, "the default pack has its rule files");
        for source in tomls {
            assert!(source.is_embedded());
            let json = source.embedded_json().unwrap_or_else(|| {
                panic!("{}: the build wrote no JSON for it", source.path);
            });
            let from_toml: RuleFile = toml::from_str(&source.text).expect("the pack parses");
            let from_json: RuleFile = serde_json::from_str(json).expect("the JSON reads");
            assert_eq!(
                format!("{from_toml:?}"),
                format!("{from_json:?}"),
                "{}",
                source.path
            );
        }
    }
}
