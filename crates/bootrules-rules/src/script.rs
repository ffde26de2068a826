//! Rhai scripts: the one place a `rhai::Engine` is built, with its limits and host API.
//!
//! A script judges one session for its signature. It runs at the end of the session, only
//! when the signature's other evidence fired (or, for a rule with no patterns, once per
//! session), with two variables in scope:
//!
//! - `session`: `#{ start_line, last_line, last_time, last_text, last_stage, phase, booted,
//!   next_boot_followed, next_boot_separated, stages, findings, error_categories, fatal }` where `stages` maps each
//!   reached stage id to `#{ line, time }` (`time` is `()` without a timestamp), `findings`
//!   lists the ids other rules found and `error_categories` the categories of their error and
//!   critical findings (scripts of signatures without patterns run after all other rules);
//! - `events`: an array of the lines the signature's patterns matched, each
//!   `#{ line, time, text, captures }` (`captures` maps group names to text).
//!
//! The script's value decides: `()` or `false` means no finding; `true` means a finding at
//! the first event; a string is the finding's message; a map may set `line` (one of the event
//! lines), `message`, `remedy` and `category` (one of the closed list).
//!
//! Scripts cannot reach files, the network, the environment or processes (Rhai has no such
//! functions; `import` and `eval` are disabled), and the limits below stop a script that loops,
//! recurses or allocates without end. A stopped script is reported with its rule's id.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, EvalAltResult, Map, Scope, AST};

use crate::terms::Category;

/// Operations one script run may take (a loop step, a call, an expression).
pub const MAX_OPERATIONS: u64 = 500_000;
/// Nesting of function calls.
pub const MAX_CALL_LEVELS: usize = 32;
/// Bytes of one string.
pub const MAX_STRING_SIZE: usize = 64 * 1024;
/// Items of one array or map.
pub const MAX_COLLECTION_SIZE: usize = 10_000;
/// Events handed to a script per session; more are counted but not kept.
pub const MAX_EVENTS: usize = 1_000;
/// Variables alive in one scope.
pub const MAX_VARIABLES: usize = 256;
/// Bytes the values of a script's scopes may hold together (its own and those of the functions
/// it is inside), map keys included (the per-string and per-collection limits leave map keys
/// out: 10,000 keys of 64 KiB are 640 MiB).
pub const MAX_SCOPE_BYTES: usize = 64 << 20;
/// Wall-clock time one rule's script may take in a session (the operation limit alone does
/// not bound time: sorting a big array is one operation).
pub const MAX_SESSION_TIME: Duration = Duration::from_secs(1);
/// Wall-clock time one rule's script may take over all sessions of a file; after it, the
/// rule's script no longer runs in that file, and the other rules' scripts still do.
pub const MAX_FILE_TIME: Duration = Duration::from_secs(10);
/// Wall-clock time all scripts may take over all sessions of a file (a pack of many slow
/// scripts).
pub const MAX_FILE_TIME_ALL_RULES: Duration = Duration::from_secs(60);

/// Operations between two looks at the clock (reading it on every one would slow scripts).
const CLOCK_EVERY: u64 = 64;
/// Variable reads between two measures of the scope's size.
const MEASURE_EVERY: u32 = 256;

thread_local! {
    /// When the script running on this thread must stop (the engine is shared by all threads,
    /// so its progress callback reads the running script's deadline from here).
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    /// Variable reads since the scope was last measured.
    static READS: Cell<u32> = const { Cell::new(0) };
    /// Bytes last measured in the scope of each call level (a function called in a function
    /// has a scope of its own: the budget is for all of them together).
    static HELD: RefCell<[usize; MAX_CALL_LEVELS + 2]> =
        const { RefCell::new([0; MAX_CALL_LEVELS + 2]) };
}

/// Script time the sessions of one file have used, per rule and in all.
#[derive(Debug, Default)]
pub struct ScriptClock {
    by_rule: RefCell<HashMap<usize, Duration>>,
    all: Cell<Duration>,
}

impl ScriptClock {
    /// When the script of rule `rule` (its index in the pack) starting now must end, or `None`
    /// when its time in this file, or all scripts' time, is used up.
    pub fn deadline(&self, rule: usize) -> Option<Instant> {
        let spent = self
            .by_rule
            .borrow()
            .get(&rule)
            .copied()
            .unwrap_or_default();
        let left = MAX_FILE_TIME
            .checked_sub(spent)?
            .min(MAX_FILE_TIME_ALL_RULES.checked_sub(self.all.get())?);
        (!left.is_zero()).then(|| Instant::now() + left.min(MAX_SESSION_TIME))
    }

    fn add(&self, rule: usize, took: Duration) {
        *self.by_rule.borrow_mut().entry(rule).or_default() += took;
        self.all.set(self.all.get() + took);
    }
}

/// The engine every script is compiled and run with.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut engine = Engine::new();
        engine
            .set_max_operations(MAX_OPERATIONS)
            .set_max_call_levels(MAX_CALL_LEVELS)
            .set_max_expr_depths(64, 32)
            .set_max_string_size(MAX_STRING_SIZE)
            .set_max_array_size(MAX_COLLECTION_SIZE)
            .set_max_map_size(MAX_COLLECTION_SIZE)
            .set_max_variables(MAX_VARIABLES)
            .set_max_modules(0)
            .set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new())
            .set_strict_variables(true)
            // No shared string interner: the engine serves every worker thread, and Rhai's lock
            // on it makes a thread that finds it taken sleep 10 ms (a third of a two-thread
            // batch's time went to those sleeps)
            .set_max_strings_interned(0);
        engine.disable_symbol("eval");
        engine.on_print(|_| {});
        engine.on_debug(|_, _, _| {});
        engine.on_progress(|operations| {
            let late = operations % CLOCK_EVERY == 0
                && DEADLINE
                    .get()
                    .is_some_and(|deadline| Instant::now() > deadline);
            late.then_some(Dynamic::UNIT)
        });
        // (volatile in Rhai's API, but the only hook that sees the scope while a script runs)
        #[allow(deprecated)]
        engine.on_var(|_, _, context| {
            let reads = READS.get() + 1;
            READS.set(reads % MEASURE_EVERY);
            if reads < MEASURE_EVERY {
                return Ok(None);
            }
            let here: usize = context.scope().iter_raw().map(|(_, _, v)| bytes(v)).sum();
            let level = context.call_level().min(MAX_CALL_LEVELS + 1);
            let held: usize = HELD.with_borrow_mut(|held| {
                held[level] = here;
                // the calls deeper than this one have returned
                held[level + 1..].fill(0);
                held[..=level].iter().sum()
            });
            if held > MAX_SCOPE_BYTES {
                let what = format!("values of the scopes ({} MiB)", held >> 20);
                return Err(EvalAltResult::ErrorDataTooLarge(what, rhai::Position::NONE).into());
            }
            Ok(None)
        });
        engine
    })
}

/// Bytes a value holds, counting map keys (which Rhai's own size limits leave out).
fn bytes(value: &Dynamic) -> usize {
    if let Some(map) = value.read_lock::<Map>() {
        return map.iter().map(|(k, v)| k.len() + bytes(v)).sum();
    }
    if let Some(array) = value.read_lock::<rhai::Array>() {
        return array.iter().map(bytes).sum();
    }
    if let Some(text) = value.read_lock::<rhai::ImmutableString>() {
        return text.len();
    }
    if let Some(blob) = value.read_lock::<rhai::Blob>() {
        return blob.len();
    }
    std::mem::size_of::<Dynamic>()
}

/// The variables a script sees, with empty values (for compiling in strict mode).
fn scope_template() -> Scope<'static> {
    let mut scope = Scope::new();
    scope.push("session", Map::new());
    scope.push("events", rhai::Array::new());
    scope
}

/// A compile error: 1-based line and column within the script, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptSyntaxError {
    /// Line in the script.
    pub line: usize,
    /// Column in the script.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A signature's script, compiled at load, or, for the embedded pack (whose tests compile every
/// one of its scripts, `default_pack_builds_every_pattern`), when it first runs: a run that
/// runs no script (`rules list`, a log that matches none) need not build the engine.
#[derive(Debug, Clone)]
pub struct Script {
    source: String,
    ast: OnceLock<AST>,
}

impl Script {
    /// A script compiled already (and checked).
    pub(crate) fn built(source: &str, ast: AST) -> Self {
        Self {
            source: source.to_owned(),
            ast: OnceLock::from(ast),
        }
    }

    /// A script of the embedded pack, compiled when first run.
    pub(crate) fn deferred(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            ast: OnceLock::new(),
        }
    }

    /// The script as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The compiled script, compiled on first use.
    pub fn ast(&self) -> &AST {
        self.ast.get_or_init(|| {
            #[allow(clippy::expect_used)]
            compile(&self.source).expect("the embedded pack's scripts are compiled by its tests")
        })
    }
}

/// Compiles a script once, at load time.
pub fn compile(source: &str) -> Result<AST, ScriptSyntaxError> {
    engine()
        .compile_with_scope(&scope_template(), source)
        .map_err(|e| ScriptSyntaxError {
            line: e.position().line().unwrap_or(1),
            column: e.position().position().unwrap_or(1),
            message: e.err_type().to_string(),
        })
}

/// One matched line handed to a script.
#[derive(Debug, Clone)]
pub struct ScriptEvent {
    /// Line number.
    pub line: u64,
    /// Kernel time.
    pub time: Option<f64>,
    /// The visible line.
    pub text: String,
    /// Named captures.
    pub captures: Vec<(String, String)>,
    /// A `script-events` line (context), not evidence: the first to give way when the events
    /// are full. Not shown to the script.
    pub context: bool,
}

/// What the script decided.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptVerdict {
    /// No finding.
    Clear,
    /// A finding, with optional overrides.
    Finding {
        /// Evidence line chosen by the script.
        line: Option<u64>,
        /// Message chosen by the script.
        message: Option<String>,
        /// Remedy chosen by the script.
        remedy: Option<String>,
        /// Category chosen by the script (one of the closed list).
        category: Option<Category>,
    },
}

/// A reached stage as scripts see it.
pub struct StageView {
    /// The stage's id.
    pub id: String,
    /// The first line that showed it.
    pub line: u64,
    /// That line's kernel time.
    pub time: Option<f64>,
    /// Whether a line placed the session in the stage, rather than only showing that it or a
    /// later one was reached (`shown-at-least-by`).
    pub placed: bool,
}

/// The session as scripts see it.
pub struct SessionView {
    /// First line.
    pub start_line: u64,
    /// Last non-blank line.
    pub last_line: u64,
    /// Its kernel time.
    pub last_time: Option<f64>,
    /// Its text.
    pub last_text: String,
    /// Furthest stage id.
    pub last_stage: Option<String>,
    /// `boot` or `shutdown`.
    pub phase: &'static str,
    /// True once the booted stage (or later) was reached.
    pub booted: bool,
    /// True when a new boot began right after this session (no power-off or restart line).
    pub next_boot_followed: bool,
    /// True when that boot began at the log's own separator (a journal's `-- Boot … --`).
    pub next_boot_separated: bool,
    /// True once the bootloader handed over to the OS.
    pub handed_off: bool,
    /// Reached stages, in the order first reached.
    pub stages: Vec<StageView>,
}

fn time(value: Option<f64>) -> Dynamic {
    value.map_or(Dynamic::UNIT, Dynamic::from_float)
}

fn int(value: u64) -> Dynamic {
    Dynamic::from_int(i64::try_from(value).unwrap_or(i64::MAX))
}

/// Runs the script of rule `rule` within the time `clock` leaves it, and counts the time it
/// took; an error says why it was stopped or not run.
pub fn run(
    ast: &AST,
    session: &ScriptSession,
    so_far: &SoFar,
    events: &[ScriptEvent],
    rule: usize,
    clock: &ScriptClock,
) -> Result<ScriptVerdict, String> {
    let Some(deadline) = clock.deadline(rule) else {
        return Err(format!(
            "script not run: scripts took their time in this file ({} s for one rule, {} s for all)",
            MAX_FILE_TIME.as_secs(),
            MAX_FILE_TIME_ALL_RULES.as_secs()
        ));
    };
    let started = Instant::now();
    DEADLINE.set(Some(deadline));
    READS.set(0);
    HELD.with_borrow_mut(|held| held.fill(0));
    let ran = run_until(ast, session, so_far, events);
    DEADLINE.set(None);
    clock.add(rule, started.elapsed());
    ran
}

/// What the other rules found before a script runs: the ids of their findings in this session
/// and whether one of them is fatal.
pub struct SoFar {
    /// Ids of the findings, in the order they were made.
    pub findings: Vec<String>,
    /// The categories of the error and critical findings, each once.
    pub error_categories: Vec<String>,
    /// True when one of them is fatal.
    pub fatal: bool,
}

/// A session's `session` map, built once and copied for each script the session runs (a
/// session runs several, and building the map was most of a short script's cost).
pub struct ScriptSession {
    view: Map,
}

impl ScriptSession {
    /// The map of `session`, without what changes from one script to the next.
    pub fn new(session: &SessionView) -> Self {
        let mut stages = Map::new();
        for reached in &session.stages {
            let mut stage = Map::new();
            stage.insert("line".into(), int(reached.line));
            stage.insert("time".into(), time(reached.time));
            stage.insert("placed".into(), reached.placed.into());
            stages.insert(reached.id.as_str().into(), stage.into());
        }
        let mut view = Map::new();
        view.insert("start_line".into(), int(session.start_line));
        view.insert("last_line".into(), int(session.last_line));
        view.insert("last_time".into(), time(session.last_time));
        view.insert("last_text".into(), session.last_text.clone().into());
        view.insert(
            "last_stage".into(),
            session
                .last_stage
                .clone()
                .map_or(Dynamic::UNIT, Dynamic::from),
        );
        view.insert("phase".into(), session.phase.into());
        view.insert("booted".into(), session.booted.into());
        view.insert(
            "next_boot_followed".into(),
            session.next_boot_followed.into(),
        );
        view.insert(
            "next_boot_separated".into(),
            session.next_boot_separated.into(),
        );
        view.insert("handed_off".into(), session.handed_off.into());
        view.insert("stages".into(), stages.into());
        Self { view }
    }

    /// The whole map one script sees.
    fn with(&self, so_far: &SoFar) -> Map {
        let mut view = self.view.clone();
        let findings: rhai::Array = so_far.findings.iter().map(|f| f.clone().into()).collect();
        view.insert("findings".into(), findings.into());
        let categories: rhai::Array = so_far
            .error_categories
            .iter()
            .map(|c| c.clone().into())
            .collect();
        view.insert("error_categories".into(), categories.into());
        view.insert("fatal".into(), so_far.fatal.into());
        view
    }
}

fn run_until(
    ast: &AST,
    session: &ScriptSession,
    so_far: &SoFar,
    events: &[ScriptEvent],
) -> Result<ScriptVerdict, String> {
    let view = session.with(so_far);
    let events: rhai::Array = events
        .iter()
        .map(|e| {
            let mut event = Map::new();
            event.insert("line".into(), int(e.line));
            event.insert("time".into(), time(e.time));
            event.insert("text".into(), e.text.clone().into());
            let captures: Map = e
                .captures
                .iter()
                .map(|(k, v)| (k.as_str().into(), v.clone().into()))
                .collect();
            event.insert("captures".into(), captures.into());
            event.into()
        })
        .collect();
    let mut scope = Scope::new();
    scope.push("session", view);
    scope.push("events", events);
    let value = engine()
        .eval_ast_with_scope::<Dynamic>(&mut scope, ast)
        .map_err(|e| describe(&e))?;
    verdict(value)
}

fn verdict(value: Dynamic) -> Result<ScriptVerdict, String> {
    if value.is_unit() {
        return Ok(ScriptVerdict::Clear);
    }
    if let Ok(flag) = value.as_bool() {
        return Ok(if flag {
            ScriptVerdict::Finding {
                line: None,
                message: None,
                remedy: None,
                category: None,
            }
        } else {
            ScriptVerdict::Clear
        });
    }
    if value.is_string() {
        return Ok(ScriptVerdict::Finding {
            line: None,
            message: Some(value.to_string()),
            remedy: None,
            category: None,
        });
    }
    if let Some(map) = value.clone().try_cast::<Map>() {
        let text = |key: &str| {
            map.get(key)
                .filter(|v| v.is_string())
                .map(|v| v.to_string())
        };
        let line = map
            .get("line")
            .and_then(|v| v.as_int().ok())
            .and_then(|n| u64::try_from(n).ok());
        let category = match text("category") {
            Some(name) => Some(
                Category::ALL
                    .into_iter()
                    .find(|c| c.as_str() == name)
                    .ok_or_else(|| format!("script returned the unknown category {name:?}"))?,
            ),
            None => None,
        };
        return Ok(ScriptVerdict::Finding {
            line,
            message: text("message"),
            remedy: text("remedy"),
            category,
        });
    }
    Err(format!(
        "script returned {} (expected (), a bool, a string or a map)",
        value.type_name()
    ))
}

/// A runtime error in words a rule writer acts on.
fn describe(error: &EvalAltResult) -> String {
    match error {
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "script stopped: more than {MAX_OPERATIONS} operations (an endless loop?)"
        ),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "script stopped: calls nested deeper than {MAX_CALL_LEVELS} (endless recursion?)"
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => format!(
            "script stopped: {what} over the limit ({MAX_STRING_SIZE} bytes per string, {MAX_COLLECTION_SIZE} items per array or map, {} MiB for all scopes)",
            MAX_SCOPE_BYTES >> 20
        ),
        EvalAltResult::ErrorTerminated(..) => format!(
            "script stopped: ran out of time ({} ms in a session, {} s in a file)",
            MAX_SESSION_TIME.as_millis(),
            MAX_FILE_TIME.as_secs()
        ),
        EvalAltResult::ErrorTooManyVariables(_) => {
            format!("script stopped: more than {MAX_VARIABLES} variables in one scope")
        }
        other => format!("script failed: {}", other.to_string().replace('\n', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> SessionView {
        SessionView {
            start_line: 1,
            last_line: 10,
            last_time: None,
            last_text: String::new(),
            last_stage: Some("kernel".into()),
            phase: "boot",
            booted: false,
            next_boot_followed: false,
            next_boot_separated: false,
            handed_off: false,
            stages: vec![StageView {
                id: "kernel".into(),
                line: 3,
                time: Some(0.0),
                placed: true,
            }],
        }
    }

    fn eval(source: &str) -> Result<ScriptVerdict, String> {
        let ast = compile(source).map_err(|e| e.message)?;
        let so_far = SoFar {
            findings: Vec::new(),
            error_categories: Vec::new(),
            fatal: false,
        };
        let session = ScriptSession::new(&view());
        run(&ast, &session, &so_far, &[], 0, &ScriptClock::default())
    }

    #[test]
    fn values_become_verdicts() {
        assert_eq!(eval("()"), Ok(ScriptVerdict::Clear));
        assert_eq!(eval("false"), Ok(ScriptVerdict::Clear));
        assert_eq!(
            eval(r#"#{ line: 3, message: "m" }"#),
            Ok(ScriptVerdict::Finding {
                line: Some(3),
                message: Some("m".into()),
                remedy: None,
                category: None,
            })
        );
        assert_eq!(
            eval(r#"#{ category: "initramfs" }"#),
            Ok(ScriptVerdict::Finding {
                line: None,
                message: None,
                remedy: None,
                category: Some(Category::Initramfs),
            })
        );
        assert!(eval(r#"#{ category: "initrd" }"#)
            .unwrap_err()
            .contains("unknown category \"initrd\""));
        assert_eq!(eval("session.stages.kernel.line == 3"), eval("true"));
    }

    #[test]
    fn runaway_scripts_are_stopped_with_a_reason() {
        let endless = eval("loop { }").unwrap_err();
        assert!(endless.contains("more than 500000 operations"), "{endless}");
        let recursion = eval("fn f(x) { f(x + 1) } f(0)").unwrap_err();
        assert!(recursion.contains("nested deeper than 32"), "{recursion}");
        let huge = eval(r#"let s = "x"; loop { s += s; }"#).unwrap_err();
        assert!(huge.contains("over the limit"), "{huge}");
    }

    #[test]
    fn no_way_out_of_the_sandbox() {
        assert!(compile(r#"eval("1")"#).is_err() || eval(r#"eval("1")"#).is_err());
        assert!(eval(r#"import "std" as s; 1"#).is_err());
        assert!(eval(r#"open_file("/etc/passwd")"#).is_err());
        assert!(
            compile("undefined_variable + 1").is_err(),
            "strict variables"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = compile("let x = ;\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 9));
    }
}
