//! Loading rule packs: parse every file, layer the packs, build their patterns (in parallel,
//! see [`crate::precompile`]), then validate and assemble the pack.
//!
//! Errors are collected, not returned at the first one, so a rule writer sees every broken
//! rule of a run at once, each with file, line and column.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use bootrules_core::{Mark, Phase, Severity, StageDef, StageModel};
use toml::Spanned;

use crate::error::{LineStarts, RuleError};
use crate::every_problem::parse_every_problem;
use crate::owner::{Owner, Role, Shown};
use crate::pack::{
    Count, Example, Ignore, Missing, Origin, Pack, Sequence, Signature, Stage, UnitCategory,
};
use crate::pattern::Pattern;
use crate::precompile::{self, Compiled, Unbuilt};
use crate::script;
use crate::spec::{
    EvidenceSpec, Examples, IgnoreSpec, MarkSpec, PhaseSpec, RuleFile, SeveritySpec, SignatureSpec,
    StageSpec, UnitCategorySpec,
};
use crate::suggest;
use crate::terms::Category;

include!(concat!(env!("OUT_DIR"), "/default_pack.rs"));

/// Rules (stages, signatures, ignores, unit categories) one run may load, all packs together.
pub const MAX_RULES: usize = 50_000;

/// One rule file (TOML, or a Rhai script a rule names) and the name to show in messages.
#[derive(Debug, Clone)]
pub struct RuleSource {
    /// Path as shown to the user.
    pub path: String,
    /// The file's contents.
    pub text: String,
}

impl RuleSource {
    fn is_toml(&self) -> bool {
        self.path.ends_with(".toml")
    }

    /// Is this file, byte for byte, one of the embedded default pack? Its patterns are built
    /// and checked by its tests, so a run builds them only when first needed.
    fn is_embedded(&self) -> bool {
        DEFAULT_PACK
            .iter()
            .any(|(path, text)| *path == self.path && *text == self.text)
    }
}

/// The default pack embedded at build time.
pub fn default_sources() -> Vec<RuleSource> {
    DEFAULT_PACK
        .iter()
        .map(|(path, text)| RuleSource {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Every `*.toml` and `*.rhai` under `dir`, in sorted order.
pub fn sources_from_dir(dir: &Path) -> Result<Vec<RuleSource>, RuleError> {
    let shown = dir.display().to_string();
    if !dir.exists() {
        return Err(RuleError::whole_file(&shown, "no such directory"));
    }
    if !dir.is_dir() {
        let message = "not a directory (--rules takes a folder of rule files)";
        return Err(RuleError::whole_file(&shown, message));
    }
    let mut sources = Vec::new();
    // Linked folders are walked too (a team pack linked into a shared one); a loop of links
    // is an error, as is a broken link, each naming the link.
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| match e.path() {
            Some(path) if path.is_symlink() && !path.exists() => RuleError::whole_file(
                &path.display().to_string(),
                format!(
                    "broken link: {}",
                    e.io_error().map_or(e.to_string(), ToString::to_string)
                ),
            ),
            Some(path) => RuleError::whole_file(&path.display().to_string(), e.to_string()),
            None => RuleError::whole_file(&shown, e.to_string()),
        })?;
        let path = entry.path();
        let wanted = path.extension().is_some_and(|e| e == "toml" || e == "rhai");
        // A linked rule file is read through its link, never skipped without a word.
        let is_file = if entry.path_is_symlink() {
            let shown = path.display().to_string();
            let target = std::fs::metadata(path)
                .map_err(|e| RuleError::whole_file(&shown, format!("broken link: {e}")))?;
            if wanted && !target.is_file() {
                return Err(RuleError::whole_file(
                    &shown,
                    "a link to something not a file",
                ));
            }
            target.is_file()
        } else {
            entry.file_type().is_file()
        };
        if is_file && wanted {
            let text = std::fs::read_to_string(path).map_err(|e| {
                RuleError::whole_file(&path.display().to_string(), format!("cannot read: {e}"))
            })?;
            sources.push(RuleSource {
                path: path.display().to_string(),
                text,
            });
        }
    }
    if !sources.iter().any(RuleSource::is_toml) {
        let message = "no rule files (*.toml) in this directory";
        return Err(RuleError::whole_file(&shown, message));
    }
    Ok(sources)
}

/// A rule after parsing, with the file it came from.
struct Parsed<T> {
    spec: T,
    file: usize,
}

/// Rules of one kind in load order. A rule replaces the earlier rule of the same id and takes
/// its place at the end, as if written last; the id index keeps that linear in the pack size.
struct Layer<T> {
    slots: Vec<Option<Parsed<T>>>,
    by_id: HashMap<String, usize>,
}

impl<T> Default for Layer<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            by_id: HashMap::new(),
        }
    }
}

impl<T> Layer<T> {
    /// Puts `spec` last, replacing an earlier rule of the same id (an override).
    fn put(&mut self, id: &str, spec: T, file: usize) {
        if let Some(old) = self.by_id.insert(id.to_owned(), self.slots.len()) {
            self.slots[old] = None;
        }
        self.slots.push(Some(Parsed { spec, file }));
    }

    fn iter(&self) -> impl Iterator<Item = &Parsed<T>> {
        self.slots.iter().flatten()
    }

    fn len(&self) -> usize {
        self.by_id.len()
    }

    fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }
}

/// Everything parsed from all packs, later packs already layered over earlier ones.
#[derive(Default)]
struct Layered {
    stages: Layer<StageSpec>,
    signatures: Layer<SignatureSpec>,
    ignores: Layer<IgnoreSpec>,
    unit_categories: Layer<UnitCategorySpec>,
    disabled: Vec<Parsed<Spanned<String>>>,
}

/// Every pattern of the layered rules, each once, in rule order.
fn pattern_texts<'a>(layered: &'a Layered, embedded: &[bool]) -> Vec<&'a str> {
    let stages = layered
        .stages
        .iter()
        .filter(|p| !embedded[p.file])
        .flat_map(|p| {
            let spec = &p.spec;
            let outside = spec.shown_by_outside.iter().flat_map(|o| &o.patterns);
            spec.patterns
                .iter()
                .chain(&spec.handoff_patterns)
                .chain(&spec.shown_by)
                .chain(&spec.shown_at_least_by)
                .chain(outside)
        });
    let signatures = layered
        .signatures
        .iter()
        .filter(|p| !embedded[p.file])
        .flat_map(|p| {
            let spec = &p.spec;
            let missing = spec.missing.iter().flat_map(|m| &m.patterns);
            let then = spec.sequence.iter().flat_map(|s| &s.then);
            spec.patterns
                .iter()
                .chain(&spec.exclude)
                .chain(missing)
                .chain(then)
        });
    let ignores = layered
        .ignores
        .iter()
        .filter(|p| !embedded[p.file])
        .flat_map(|p| &p.spec.patterns);
    let mut seen = HashSet::new();
    stages
        .chain(signatures)
        .chain(ignores)
        .map(|pattern| pattern.get_ref().as_str())
        .filter(|text| seen.insert(*text))
        .collect()
}

/// Loads packs in order; a rule in a later pack replaces the rule of the same id before it.
pub fn load(packs: &[Vec<RuleSource>]) -> Result<Pack, Vec<RuleError>> {
    let files: Vec<&RuleSource> = packs.iter().flatten().collect();
    let mut errors = Vec::new();
    let mut layered = Layered::default();
    let mut file_index = 0;
    for pack in packs {
        let mut ids_in_pack: HashMap<String, (usize, usize)> = HashMap::new();
        for source in pack {
            let file = file_index;
            file_index += 1;
            if !source.is_toml() {
                continue;
            }
            let parsed = parse_file(source, &mut errors);
            let ids = parsed
                .stage
                .iter()
                .map(|s| &s.id)
                .chain(parsed.signature.iter().map(|s| &s.id))
                .chain(parsed.ignore.iter().map(|s| &s.id))
                .chain(parsed.unit_category.iter().map(|s| &s.id));
            // a second rule of the same id in one pack is reported and left out, so the first
            // one is still checked
            let mut duplicates = HashSet::new();
            for id in ids {
                if let Some(&(first, at)) = ids_in_pack.get(id.get_ref()) {
                    let first_line = files[first].text[..at].matches('\n').count() + 1;
                    let message = format!(
                        "duplicate id `{}` (first defined in {}:{first_line})",
                        id.get_ref(),
                        files[first].path
                    );
                    errors.push(err(&files, file, id.span(), message));
                    duplicates.insert(id.span().start);
                } else {
                    ids_in_pack.insert(id.get_ref().clone(), (file, id.span().start));
                }
            }
            let kept = |id: &Spanned<String>| !duplicates.contains(&id.span().start);
            for spec in parsed.stage.into_iter().filter(|s| kept(&s.id)) {
                let id = spec.id.get_ref().clone();
                layered.stages.put(&id, spec, file);
            }
            for spec in parsed.signature.into_iter().filter(|s| kept(&s.id)) {
                let id = spec.id.get_ref().clone();
                layered.signatures.put(&id, spec, file);
            }
            for spec in parsed.ignore.into_iter().filter(|s| kept(&s.id)) {
                let id = spec.id.get_ref().clone();
                layered.ignores.put(&id, spec, file);
            }
            for spec in parsed.unit_category.into_iter().filter(|s| kept(&s.id)) {
                let id = spec.id.get_ref().clone();
                layered.unit_categories.put(&id, spec, file);
            }
            for id in parsed.disable {
                layered.disabled.push(Parsed { spec: id, file });
            }
        }
    }
    let rules = layered.stages.len()
        + layered.signatures.len()
        + layered.ignores.len()
        + layered.unit_categories.len();
    if rules > MAX_RULES {
        let message = format!(
            "{rules} rules in this run: at most {MAX_RULES} are loaded (every rule's patterns \
             run on every line); split the pack"
        );
        let last = files.last().map_or("rules", |f| f.path.as_str());
        errors.push(RuleError::whole_file(last, message));
        return Err(errors);
    }
    let embedded: Vec<bool> = files.iter().map(|f| f.is_embedded()).collect();
    let compiled = precompile::compile_all(&pattern_texts(&layered, &embedded));
    let pack = compile(&files, &embedded, &layered, &compiled, &mut errors);
    if errors.is_empty() {
        Ok(pack)
    } else {
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Err(errors)
    }
}

/// Values that stand in for a required field whose value was rejected (and reported), so the
/// rest of the rule is still checked.
const STAND_INS: &[(&str, &str)] = &[
    ("title", "'…'"),
    ("description", "'…'"),
    ("message", "'…'"),
    ("remedy", "'…'"),
    ("category", "'other'"),
    ("severity", "'warning'"),
    ("phase", "'boot'"),
];

/// Parses one rule file. When the whole file does not parse, its `[[…]]` rules are parsed in
/// runs that halve around the broken ones (the other rules blanked out, so positions stay
/// those of the file; see [`parse_halves`]), so every broken rule is reported and the good ones
/// still load; within a broken rule, every rejected field is reported, not only the first (see
/// [`parse_every_problem`]).
fn parse_file(source: &RuleSource, errors: &mut Vec<RuleError>) -> RuleFile {
    let report = |e: toml::de::Error, errors: &mut Vec<RuleError>| {
        let span = e.span().unwrap_or(0..0);
        let mut message = suggest::toml_message(e.message().trim_end());
        // toml 0.8 said "invalid escape sequence", 0.9 says "missing escaped value"
        if message.starts_with("invalid escape sequence")
            || message.starts_with("missing escaped value")
        {
            message.push_str(
                "; write regular expressions in single quotes ('foo\\d+'), where a backslash \
                 is kept as written",
            );
        }
        errors.push(RuleError::at(&source.path, &source.text, span, message));
    };
    if let Ok(parsed) = toml::from_str::<RuleFile>(&source.text) {
        return parsed;
    }
    let mut merged = RuleFile::default();
    let chunks = rule_chunks(&source.text);
    let before = errors.len();
    let mut leaf = |chunk: Range<usize>, merged: &mut RuleFile, errors: &mut Vec<RuleError>| {
        if errors.len() - before >= MOST_PROBLEMS_PER_FILE {
            return false;
        }
        let alone = blank_outside(&source.text, chunk);
        let mut report = |e| report(e, errors);
        if let Some(part) = parse_every_problem::<RuleFile>(&alone, STAND_INS, &mut report) {
            merged.absorb(part);
        }
        true
    };
    if !parse_halves(&source.text, &chunks, &mut merged, errors, &mut leaf) {
        let message = format!(
            "more than {MOST_PROBLEMS_PER_FILE} problems: the rest of the file was not checked"
        );
        errors.push(RuleError::whole_file(&source.path, message));
    }
    merged
}

/// Parses one rule on its own, reporting its problems; `false` once there are too many.
type ParseOne<'a> = dyn FnMut(Range<usize>, &mut RuleFile, &mut Vec<RuleError>) -> bool + 'a;

/// Parses the rules of `chunks` together where they parse, halving a run that does not until
/// each broken rule is parsed on its own by `leaf`: a file with a few broken rules among
/// thousands costs a few parses of the file per broken rule, not one per rule. `false` once
/// `leaf` says the file has too many problems to go on.
fn parse_halves(
    text: &str,
    chunks: &[Range<usize>],
    merged: &mut RuleFile,
    errors: &mut Vec<RuleError>,
    leaf: &mut ParseOne<'_>,
) -> bool {
    let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
        return true;
    };
    if chunks.len() == 1 {
        return leaf(first.clone(), merged, errors);
    }
    // the whole file is known not to parse; a part of it is tried whole first
    if first.start > 0 || last.end < text.len() {
        if let Ok(part) = toml::from_str::<RuleFile>(&blank_outside(text, first.start..last.end)) {
            merged.absorb(part);
            return true;
        }
    }
    let (left, right) = chunks.split_at(chunks.len() / 2);
    parse_halves(text, left, merged, errors, leaf)
        && parse_halves(text, right, merged, errors, leaf)
}

/// How many problems of one rule file are reported before the rest of it is left unchecked.
const MOST_PROBLEMS_PER_FILE: usize = 100;

/// Byte ranges of the file's top part and of each `[[stage]]`, `[[signature]]`, `[[ignore]]`.
fn rule_chunks(text: &str) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 && line.trim_start().starts_with("[[") {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| w[0]..w[1]).collect()
}

/// The text with everything outside `keep` turned into spaces (newlines kept).
fn blank_outside(text: &str, keep: Range<usize>) -> String {
    text.char_indices()
        .map(|(i, c)| {
            if keep.contains(&i) || c == '\n' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

fn err(files: &[&RuleSource], file: usize, span: Range<usize>, message: String) -> RuleError {
    RuleError::at(&files[file].path, &files[file].text, span, message)
}

fn origin(files: &[&RuleSource], lines: &[LineStarts], file: usize, span: Range<usize>) -> Origin {
    Origin {
        file: files[file].path.clone(),
        line: lines[file].line_of(span.start),
    }
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

/// The regex crate's explanation without its own copy of the pattern (the pointer under the
/// rule file's line shows where the pattern is).
fn regex_problem(e: &regex::Error) -> String {
    let text = e.to_string();
    match text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
    {
        Some(problem) => problem.to_owned(),
        None => text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Where in a pattern its syntax error lies (bytes of the pattern), as regex-syntax finds it.
fn regex_error_span(pattern: &str) -> Option<Range<usize>> {
    let span = match regex_syntax::Parser::new().parse(pattern) {
        Err(regex_syntax::Error::Parse(e)) => *e.span(),
        Err(regex_syntax::Error::Translate(e)) => *e.span(),
        _ => return None,
    };
    Some(span.start.offset..span.end.offset.max(span.start.offset + 1))
}

/// The file bytes of `inner` (bytes of the pattern) when the pattern is written as is between
/// its quotes (a literal string, or a basic one without escapes); else the whole string.
fn span_in_file(
    text: &str,
    string: Range<usize>,
    pattern: &str,
    inner: Range<usize>,
) -> Range<usize> {
    for quotes in [1, 3] {
        let body = string.start + quotes..string.end.saturating_sub(quotes);
        if text.get(body.clone()) == Some(pattern) {
            let end = (body.start + inner.end).min(body.end);
            return body.start + inner.start..end;
        }
    }
    string
}

fn phase(spec: PhaseSpec) -> Phase {
    match spec {
        PhaseSpec::Boot => Phase::Boot,
        PhaseSpec::Shutdown => Phase::Shutdown,
    }
}

fn strings(list: &[Spanned<String>]) -> Vec<String> {
    list.iter().map(|p| p.get_ref().clone()).collect()
}

/// Builds the pack from the layered specs, pushing every problem to `errors`.
struct Compiler<'a> {
    files: &'a [&'a RuleSource],
    /// Files of the embedded pack: their patterns are built when first needed.
    embedded: &'a [bool],
    /// The patterns, built beforehand by their text.
    compiled: &'a HashMap<&'a str, Compiled>,
    errors: &'a mut Vec<RuleError>,
    regexes: Vec<Pattern>,
    owners: Vec<Owner>,
    /// Pattern texts already counted against the pack's budget, and what they cost.
    charged: HashSet<String>,
    spent: usize,
    /// The budget error is reported once, at the first pattern over it.
    over_budget: bool,
}

impl Compiler<'_> {
    fn error(&mut self, file: usize, span: Range<usize>, message: String) {
        self.errors.push(err(self.files, file, span, message));
    }

    fn regex(&mut self, pattern: &Spanned<String>, file: usize) -> Option<Pattern> {
        let text = pattern.get_ref().as_str();
        if self.embedded[file] {
            return Some(Pattern::deferred(text));
        }
        let built = match self.compiled.get(text) {
            Some(compiled) => compiled.regex.clone().map(|re| (re, compiled.cost)),
            None => precompile::build(text).map_err(Unbuilt::Invalid),
        };
        let problem = match built {
            Ok((re, cost)) => {
                if self.charged.insert(text.to_owned()) {
                    self.spent += cost;
                }
                if self.spent <= precompile::PACK_SIZE_LIMIT {
                    return Some(Pattern::built(re));
                }
                None
            }
            Err(Unbuilt::Invalid(e)) => Some(e),
            Err(Unbuilt::OverBudget) => None,
        };
        let mut span = pattern.span();
        let message = match problem {
            Some(e) => {
                if let Some(inner) = regex_error_span(text) {
                    span = span_in_file(&self.files[file].text, pattern.span(), text, inner);
                }
                format!("bad regular expression: {}", regex_problem(&e))
            }
            None if self.over_budget => return None,
            None => {
                self.over_budget = true;
                format!(
                    "the pack's patterns need more than {} MiB compiled from here on \
                     (the limit for all patterns of a run together); remove rules or simplify \
                     patterns",
                    precompile::PACK_SIZE_LIMIT >> 20
                )
            }
        };
        self.error(file, span, message);
        None
    }

    fn patterns(&mut self, list: &[Spanned<String>], file: usize, owner: Owner) {
        for pattern in list {
            if let Some(re) = self.regex(pattern, file) {
                self.regexes.push(re);
                self.owners.push(owner);
            }
        }
    }

    /// The excerpts of a rule's `match` examples. Only a signature's finding carries captures
    /// and a category, so on any other rule they would check nothing: they are refused.
    fn plain_examples(
        &mut self,
        examples: &Examples,
        id: &Spanned<String>,
        file: usize,
        kind: &str,
    ) -> Vec<String> {
        for example in &examples.matching {
            if !example.captures().is_empty() || example.category().is_some() {
                let message = format!(
                    "{kind} `{}` has an example with `captures` or `category`, which only a signature's examples check",
                    id.get_ref()
                );
                self.error(file, id.span(), message);
            }
        }
        examples
            .matching
            .iter()
            .map(|e| e.log().to_owned())
            .collect()
    }

    fn check_id(&mut self, id: &Spanned<String>, file: usize, kind: &str, example: &str) {
        if !is_kebab_id(id.get_ref()) {
            let message = format!("a {kind} id is kebab-case (`{example}`)");
            self.error(file, id.span(), message);
        }
    }

    /// The compiled script of a signature, inline or from its file.
    fn script(&mut self, spec: &SignatureSpec, file: usize) -> Option<rhai::AST> {
        match (&spec.script, &spec.script_file) {
            (None, None) => None,
            (Some(_), Some(named)) => {
                let message = "a signature has `script` or `script-file`, not both".to_owned();
                self.error(file, named.span(), message);
                None
            }
            (Some(inline), None) => match script::compile(inline.get_ref()) {
                Ok(ast) => Some(ast),
                Err(e) => {
                    let at = inline_script_offset(
                        &self.files[file].text,
                        inline.span(),
                        e.line,
                        e.column,
                    );
                    let message = format!("bad script: {}", e.message);
                    self.error(file, at..at + 1, message);
                    None
                }
            },
            (None, Some(named)) => {
                let wanted = sibling_path(&self.files[file].path, named.get_ref());
                let Some(source) = self.files.iter().find(|f| same_path(&f.path, &wanted)) else {
                    let message = format!("script file `{wanted}` not found next to the rule file");
                    self.error(file, named.span(), message);
                    return None;
                };
                match script::compile(&source.text) {
                    Ok(ast) => Some(ast),
                    Err(e) => {
                        let at = line_column_offset(&source.text, e.line, e.column);
                        let message = format!("bad script: {}", e.message);
                        self.errors.push(RuleError::at(
                            &source.path,
                            &source.text,
                            at..at + 1,
                            message,
                        ));
                        None
                    }
                }
            }
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

fn same_path(a: &str, b: &str) -> bool {
    let clean = |p: &str| p.trim_start_matches("./").replace('\\', "/");
    clean(a) == clean(b)
}

/// Byte offset of a 1-based line and column in `text`.
fn line_column_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = text[start..].split('\n').next().unwrap_or("");
    start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
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
    start + line_column_offset(&file_text[start..span.end], line, column)
}

fn compile(
    files: &[&RuleSource],
    embedded: &[bool],
    layered: &Layered,
    compiled: &HashMap<&str, Compiled>,
    errors: &mut Vec<RuleError>,
) -> Pack {
    let lines: Vec<LineStarts> = files.iter().map(|f| LineStarts::of(&f.text)).collect();
    let mut c = Compiler {
        files,
        embedded,
        compiled,
        errors,
        regexes: Vec::new(),
        owners: Vec::new(),
        charged: HashSet::new(),
        spent: 0,
        over_budget: false,
    };

    let mut defs = Vec::new();
    let mut stages = Vec::new();
    let stage_ids: Vec<&str> = layered
        .stages
        .iter()
        .map(|p| p.spec.id.get_ref().as_str())
        .collect();
    for (index, Parsed { spec, file }) in layered.stages.iter().enumerate() {
        let file = *file;
        c.check_id(&spec.id, file, "stage", "root-mounted");
        if spec.patterns.is_empty() && spec.handoff_patterns.is_empty() {
            let message = format!("stage `{}` has no patterns", spec.id.get_ref());
            c.error(file, spec.id.span(), message);
        }
        c.patterns(&spec.patterns, file, Owner::Stage(index, false));
        c.patterns(&spec.handoff_patterns, file, Owner::Stage(index, true));
        c.patterns(&spec.shown_by, file, Owner::ShownStage(index, Shown::At));
        c.patterns(
            &spec.shown_at_least_by,
            file,
            Owner::ShownStage(index, Shown::AtLeast),
        );
        let mut shown_outside = Vec::new();
        if let Some(outside) = &spec.shown_by_outside {
            c.patterns(
                &outside.patterns,
                file,
                Owner::ShownStage(index, Shown::Outside),
            );
            for id in &outside.stages {
                match stage_ids.iter().position(|s| s == id.get_ref()) {
                    Some(at) => shown_outside.push(at),
                    None => {
                        let message = format!(
                            "unknown stage `{}`, expected one of {}{}",
                            id.get_ref(),
                            stage_ids.join(", "),
                            suggest::did_you_mean(id.get_ref(), stage_ids.iter().copied())
                        );
                        c.error(file, id.span(), message);
                    }
                }
            }
        }
        defs.push(StageDef {
            id: spec.id.get_ref().clone(),
            phase: phase(spec.phase),
            order: spec.order,
            starts_session: spec.starts_session,
            once_per_boot: spec.once_per_boot,
            handoff: spec.handoff,
            marks: spec.marks.map(|m| match m {
                MarkSpec::Booted => Mark::Booted,
                MarkSpec::PoweredOff => Mark::PoweredOff,
                MarkSpec::Rebooted => Mark::Rebooted,
            }),
            shown_by_kernel_lines: spec.shown_by_kernel_lines,
            shown_outside,
        });
        stages.push(Stage {
            id: spec.id.get_ref().clone(),
            description: spec.description.clone(),
            patterns: strings(&spec.patterns)
                .into_iter()
                .chain(strings(&spec.handoff_patterns))
                .collect(),
            shown_by: strings(&spec.shown_by),
            shown_at_least_by: strings(&spec.shown_at_least_by),
            shown_by_outside: spec
                .shown_by_outside
                .as_ref()
                .map(|o| strings(&o.patterns))
                .unwrap_or_default(),
            shown_outside_of: spec
                .shown_by_outside
                .as_ref()
                .map(|o| strings(&o.stages))
                .unwrap_or_default(),
            shown_by_kernel_lines: spec.shown_by_kernel_lines,
            examples_match: c.plain_examples(&spec.examples, &spec.id, file, "stage"),
            examples_no_match: spec.examples.no_match.clone(),
            origin: origin(files, &lines, file, spec.id.span()),
        });
    }
    let model = StageModel::new(defs);
    let stage_ref = |c: &mut Compiler<'_>, id: &Spanned<String>, file: usize| {
        let found = model.index_of(id.get_ref());
        if found.is_none() {
            let known: Vec<&str> = model.stages().iter().map(|s| s.id.as_str()).collect();
            let message = format!(
                "unknown stage `{}`, expected one of {}{}",
                id.get_ref(),
                known.join(", "),
                suggest::did_you_mean(id.get_ref(), known.iter().copied())
            );
            c.error(file, id.span(), message);
        }
        found
    };

    let mut signatures = Vec::new();
    for (index, Parsed { spec, file }) in layered.signatures.iter().enumerate() {
        let file = *file;
        let id = spec.id.get_ref();
        c.check_id(&spec.id, file, "signature", "fsck-manual-repair-required");
        let kinds: Vec<&str> = [
            ("`missing`", spec.missing.is_some()),
            ("`sequence`", spec.sequence.is_some()),
            ("`count`", spec.count.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        if kinds.len() > 1 {
            let message = format!(
                "signature `{id}` combines {}; use one kind of evidence (or a script)",
                kinds.join(" and ")
            );
            c.error(file, spec.id.span(), message);
        }
        let has_script = spec.script.is_some() || spec.script_file.is_some();
        if spec.patterns.is_empty() && spec.missing.is_none() && !has_script {
            let message =
                format!("signature `{id}` needs evidence: `patterns`, `missing` or a script");
            c.error(file, spec.id.span(), message);
        }
        if spec.missing.is_some() && !spec.patterns.is_empty() {
            let message = format!("signature `{id}`: with `missing`, the lines that must follow go in `missing.patterns`");
            c.error(file, spec.id.span(), message);
        }
        if (spec.sequence.is_some() || spec.count.is_some()) && spec.patterns.is_empty() {
            let message = format!("signature `{id}`: `sequence` and `count` apply to its `patterns`, which are missing");
            c.error(file, spec.id.span(), message);
        }
        c.patterns(
            &spec.patterns,
            file,
            Owner::Signature(index, Role::Evidence),
        );
        let exclude = spec
            .exclude
            .iter()
            .filter_map(|p| c.regex(p, file))
            .collect();
        let from_stage = spec
            .from_stage
            .as_ref()
            .and_then(|s| stage_ref(&mut c, s, file));
        let until_stage = spec
            .until_stage
            .as_ref()
            .and_then(|s| stage_ref(&mut c, s, file));
        let shows_stage = spec
            .shows_stage
            .as_ref()
            .and_then(|s| stage_ref(&mut c, s, file));
        let unless_in = spec
            .unless_in
            .iter()
            .filter_map(|s| stage_ref(&mut c, s, file))
            .collect();
        let only_in = spec
            .only_in
            .iter()
            .filter_map(|s| stage_ref(&mut c, s, file))
            .collect();
        for by in &spec.explained_by {
            let name = by.get_ref();
            let category = Category::ALL.iter().any(|c| c.as_str() == name);
            if !category && !layered.signatures.contains(name) {
                let known = Category::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .chain(layered.signatures.ids());
                let message = format!(
                    "`explained-by` names `{name}`, which is neither a category nor a signature id{}",
                    suggest::did_you_mean(name, known)
                );
                c.error(file, by.span(), message);
            }
        }
        if spec.shows_stage.is_some() && spec.patterns.is_empty() {
            let message = format!(
                "signature `{id}`: `shows-stage` applies to its `patterns`, which are missing"
            );
            c.error(file, spec.id.span(), message);
        }
        let missing = spec.missing.as_ref().and_then(|m| {
            if m.stages.is_empty() && m.patterns.is_empty() {
                let message = "`missing` needs `stages` or `patterns` that must follow".to_owned();
                c.error(file, m.after.span(), message);
            }
            c.patterns(&m.patterns, file, Owner::Signature(index, Role::Expected));
            let after = stage_ref(&mut c, &m.after, file);
            let targets: Vec<_> = m
                .stages
                .iter()
                .map(|s| stage_ref(&mut c, s, file))
                .collect();
            Some(Missing {
                after: after?,
                stages: targets.into_iter().collect::<Option<_>>()?,
                patterns: strings(&m.patterns),
            })
        });
        let sequence = spec.sequence.as_ref().map(|s| {
            c.patterns(&s.then, file, Owner::Signature(index, Role::Then));
            Sequence {
                then: strings(&s.then),
                within_lines: s.within_lines,
                within_seconds: s.within_seconds,
            }
        });
        let count = spec.count.as_ref().map(|n| {
            if *n.at_least.get_ref() == 0 {
                c.error(
                    file,
                    n.at_least.span(),
                    "`at-least` must be 1 or more".to_owned(),
                );
            }
            Count {
                at_least: *n.at_least.get_ref(),
                within_lines: n.within_lines,
                within_seconds: n.within_seconds,
            }
        });
        let script = c.script(spec, file);
        let capture_named = |c: &mut Compiler<'_>, key: &str, name: &Option<Spanned<String>>| {
            let name = name.as_ref()?;
            let known = c.embedded[file]
                || spec.patterns.iter().any(|p| {
                    c.compiled
                        .get(p.get_ref().as_str())
                        .and_then(|done| done.regex.as_ref().ok())
                        .is_some_and(|re| re.capture_names().flatten().any(|n| n == name.get_ref()))
                });
            if !known {
                let message = format!(
                    "`{key}` names the capture `{}`, which no pattern of `{id}` has (write `(?P<{}>…)`)",
                    name.get_ref(),
                    name.get_ref()
                );
                c.error(file, name.span(), message);
            }
            Some(name.get_ref().clone())
        };
        let category_by_unit = capture_named(&mut c, "category-by-unit", &spec.category_by_unit);
        let one_per = capture_named(&mut c, "one-per", &spec.one_per);
        if let Some(name) = &spec.one_per {
            if !kinds.is_empty() || has_script {
                let message = "`one-per` applies to plain `patterns` (no `count`, `sequence`, `missing` or script)".to_owned();
                c.error(file, name.span(), message);
            }
        }
        signatures.push(Signature {
            id: id.clone(),
            title: spec.title.clone(),
            category: spec.category,
            category_by_unit,
            generic: spec.generic,
            one_per,
            severity: match spec.severity {
                SeveritySpec::Info => Severity::Info,
                SeveritySpec::Warning => Severity::Warning,
                SeveritySpec::Error => Severity::Error,
                SeveritySpec::Critical => Severity::Critical,
            },
            fatal: spec.fatal,
            patterns: strings(&spec.patterns),
            exclude,
            phase: spec.phase.map(phase),
            from_stage,
            until_stage,
            shows_stage,
            unless_in,
            only_in,
            explained_by: strings(&spec.explained_by),
            missing,
            sequence,
            count,
            script,
            evidence_last: spec.evidence == EvidenceSpec::Last,
            status: spec.status,
            tags: spec.tags.clone(),
            falsepositives: spec.falsepositives.clone(),
            disabled: false,
            message: spec.message.trim().to_owned(),
            remedy: spec.remedy.trim().to_owned(),
            references: spec.references.clone(),
            examples_match: spec
                .examples
                .matching
                .iter()
                .map(|e| Example {
                    log: e.log().to_owned(),
                    captures: e.captures(),
                    category: e.category(),
                })
                .collect(),
            examples_no_match: spec.examples.no_match.clone(),
            origin: origin(files, &lines, file, spec.id.span()),
        });
    }

    let mut ignores = Vec::new();
    for Parsed { spec, file } in layered.ignores.iter() {
        let file = *file;
        c.check_id(&spec.id, file, "ignore", "qemu-floppy-io-error");
        c.patterns(&spec.patterns, file, Owner::Ignore);
        ignores.push(Ignore {
            id: spec.id.get_ref().clone(),
            reason: spec.reason.trim().to_owned(),
            patterns: strings(&spec.patterns),
            examples_match: c.plain_examples(&spec.examples, &spec.id, file, "ignore"),
            examples_no_match: spec.examples.no_match.clone(),
            origin: origin(files, &lines, file, spec.id.span()),
        });
    }

    let mut unit_categories = Vec::new();
    for Parsed { spec, file } in layered.unit_categories.iter() {
        let file = *file;
        c.check_id(&spec.id, file, "unit-category", "guest-agent-units");
        if spec.units.is_empty() {
            let message = format!("unit-category `{}` has no `units`", spec.id.get_ref());
            c.error(file, spec.id.span(), message);
        }
        let units = spec.units.iter().filter_map(|u| c.regex(u, file)).collect();
        unit_categories.push(UnitCategory {
            id: spec.id.get_ref().clone(),
            category: spec.category,
            description: spec.description.trim().to_owned(),
            units,
            examples_match: c.plain_examples(&spec.examples, &spec.id, file, "unit-category"),
            examples_no_match: spec.examples.no_match.clone(),
            origin: origin(files, &lines, file, spec.id.span()),
        });
    }

    let mut warnings = Vec::new();
    for Parsed { spec: id, file } in &layered.disabled {
        match signatures.iter_mut().find(|s| s.id == *id.get_ref()) {
            Some(signature) => signature.disabled = true,
            None => warnings.push(err(
                files,
                *file,
                id.span(),
                format!("`disable` names `{}`, which is no signature", id.get_ref()),
            )),
        }
    }

    let signature_index = signatures
        .iter()
        .enumerate()
        .map(|(index, s)| (s.id.clone(), index))
        .collect();
    Pack {
        model,
        stages,
        signatures,
        signature_index,
        ignores,
        unit_categories,
        warnings,
        prefilter: std::sync::OnceLock::new(),
        regexes: c.regexes,
        owners: c.owners,
        compiled_size: c.spent,
    }
}
