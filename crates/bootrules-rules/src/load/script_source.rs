//! A signature's Rhai script, written inline or in a file next to its rule file: found,
//! compiled, and its errors placed in the file that holds the script.

use std::ops::Range;
use std::path::Path;

use crate::codes::Code;
use crate::script::{self, Script};
use crate::source_map::SourceMap;
use crate::spec::SignatureSpec;

use super::files::{Files, Problem};

/// The compiled script of a signature (`None` without one, or with both `script` and
/// `script-file`, which its checks report); the embedded pack's is compiled when first run.
pub(super) fn compile(
    spec: &SignatureSpec,
    file: usize,
    files: &Files<'_>,
) -> Result<Option<Script>, Problem> {
    let build = |text: &str, file: usize| {
        if files.is_embedded(file) {
            return Ok(Script::deferred(text));
        }
        script::compile(text).map(|ast| Script::built(text, ast))
    };
    match (&spec.script, &spec.script_file) {
        (None, None) | (Some(_), Some(_)) => Ok(None),
        (Some(inline), None) => build(inline.get_ref(), file).map(Some).map_err(|e| {
            let text = &files.source(file).text;
            let at = inline_script_offset(text, inline.span(), e.line, e.column);
            Problem::new(
                Code::BadScript,
                file,
                at..at + 1,
                format!("bad script: {}", e.message),
            )
        }),
        (None, Some(named)) => {
            let wanted = sibling_path(&files.source(file).path, named.get_ref());
            let Some(script_file) = files.find(&wanted) else {
                let message = format!("script file `{wanted}` not found next to the rule file");
                return Err(Problem::new(
                    Code::ScriptNotFound,
                    file,
                    named.span(),
                    message,
                ));
            };
            let text = &files.source(script_file).text;
            build(text, script_file).map(Some).map_err(|e| {
                let at = files.map(script_file).offset(e.line, e.column);
                Problem::new(
                    Code::BadScript,
                    script_file,
                    at..at + 1,
                    format!("bad script: {}", e.message),
                )
            })
        }
    }
}

/// The path of `name` in the folder of the rule file `rule_file`.
fn sibling_path(rule_file: &str, name: &str) -> String {
    match Path::new(rule_file).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name).display().to_string(),
        _ => name.to_owned(),
    }
}

/// Byte offset in the rule file of a script position, for a script written inline in a TOML
/// string (literal strings are taken as written; a newline after `'''` is not content).
fn inline_script_offset(file_text: &str, span: Range<usize>, line: usize, column: usize) -> usize {
    let literal = &file_text[span.clone()];
    let mut start = span.start;
    for delimiter in ["'''", "\"\"\"", "'", "\""] {
        if literal.starts_with(delimiter) {
            start += delimiter.len();
            if delimiter.len() == 3 && file_text[start..].starts_with('\n') {
                start += 1;
            } else if delimiter.len() == 3 && file_text[start..].starts_with("\r\n") {
                start += 2;
            }
            break;
        }
    }
    start + SourceMap::new(&file_text[start..span.end]).offset(line, column)
}
