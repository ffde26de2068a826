//! What one log gives `suggest`: the lines that may explain each session that stopped with no
//! known cause, and the shapes of the lines healthy sessions print (which explain nothing).
//!
//! The log is checked once, as `check` does, while its text is copied to a temporary file
//! (see [`crate::context::Tee`]); once the sessions are judged, the copy is read again for the
//! lines of the sessions that matter.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::sync::OnceLock;

use bootrules_core::{
    check_reader_with, FileReport, FileStatus, LineReader, Normaliser, Outcome, Session, Severity,
};
use bootrules_rules::Pack;
use regex::Regex;

use super::template::tokens;
use crate::context::Tee;
use crate::scan::{Notes, Reports};

/// Lines just before a session stopped, taken whatever they say.
const LAST_LINES: usize = 5;
/// Warning-level lines kept per session (the last ones: nearest the stop).
const WARNINGS_PER_SESSION: usize = 100;
/// Sessions with no known cause kept per log.
const SESSIONS_PER_LOG: usize = 1000;
/// Healthy sessions whose lines are looked at, per log.
const HEALTHY_SESSIONS_PER_LOG: usize = 100;
/// Lines of healthy sessions looked at, per log.
const HEALTHY_LINES_PER_LOG: usize = 20_000;
/// Warning-level lines of healthy sessions kept per log, as lines a new rule must not match.
const HEALTHY_SAMPLES_PER_LOG: usize = 300;
/// Longest text kept of a line.
const TEXT_CAP: usize = 400;

/// Words of a line a component prints when something went wrong.
fn warning_words() -> &'static Regex {
    static WORDS: OnceLock<Regex> = OnceLock::new();
    WORDS.get_or_init(|| {
        Regex::new(
            r"(?i)\b(?:errors?|fail(?:ed|ure|s|ing)?|fatal|panic|timed? ?out|timeout|giving up|gave up|unable|cannot|can't|could not|couldn't|not found|no such|denied|refused|abort(?:ed|ing)?|corrupt\w*|invalid|oops|bug|warn(?:ing)?|segfault|killed|unreachable|exception|traceback|unexpected|not responding|hung|stall(?:ed)?|lockup|missing)\b",
        )
        .unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
    })
}

/// Lines of a kernel report's body (stack frames, registers, its closing line): they follow
/// the report's first line, which says what happened, and never explain a stop themselves.
fn report_body() -> &'static Regex {
    static BODY: OnceLock<Regex> = OnceLock::new();
    BODY.get_or_init(|| {
        Regex::new(
            r"\+0x[0-9a-fA-F]+/0x[0-9a-fA-F]+|^-+\[ (?:end|cut here)|^</?TASK>$|^(?:Exception stack|Call [Tt]race|Code:|RIP:|pc :|lr :|Hardware name:|CPU: \d+ PID: \d+|Kernel Offset:|Stack:)|^\s*(?:[A-Z][A-Z0-9]{1,3}: +[0-9a-fA-F]{4,}\b|[0-9a-f]{2,4}: (?:[0-9a-f]{8} ){3})",
        )
        .unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
    })
}

/// Why a line was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// It says something went wrong and no rule took it.
    Warning,
    /// It is among the last lines before the session stopped.
    Last,
}

/// A line that may explain a stop.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// 1-based line in the log.
    pub line: u64,
    /// The line as a person reads it.
    pub text: String,
    /// The line as the log holds it (terminal escapes and all), which some lines need for the
    /// engine to read them as it did.
    pub raw: String,
    /// Its tokens, masked.
    pub tokens: Vec<String>,
    /// Why it was taken.
    pub why: Why,
    /// For a warning: how many warnings of its session came after it (0 for the last).
    pub from_the_stop: Option<usize>,
    /// The line before it, a line the new rule should not match.
    pub before: Option<String>,
}

/// A session that stopped with no known cause.
#[derive(Debug, Clone)]
pub struct Unexplained {
    /// Its outcome.
    pub outcome: Outcome,
    /// Where it stopped.
    pub stage: Option<String>,
    /// Its candidate lines, in line order.
    pub candidates: Vec<Candidate>,
}

/// What one log (or archive member) gave.
#[derive(Debug, Clone)]
pub struct LogHarvest {
    /// The log as reports name it.
    pub path: String,
    /// Checked, or why not.
    pub problem: Option<String>,
    /// The problem is that it could not be read (not that it was skipped).
    pub unreadable: bool,
    /// Sessions judged.
    pub sessions: u64,
    /// Sessions with no known cause (the first [`SESSIONS_PER_LOG`] of them).
    pub unexplained: Vec<Unexplained>,
    /// Per healthy session, the template hashes of its lines.
    pub healthy: Vec<HashSet<u64>>,
    /// Warning-level lines of healthy sessions.
    pub healthy_samples: Vec<String>,
}

/// The hash by which a line's template is recognised in healthy sessions.
pub fn template_key(tokens: &[String]) -> u64 {
    let mut hasher = DefaultHasher::new();
    tokens.hash(&mut hasher);
    hasher.finish()
}

/// True when a session ended badly (or booted with an error) and no finding says why: none is
/// an error or worse, or those are symptoms (signatures with `explained-by`) whose cause was
/// not seen, or catch-alls (`generic`: a unit failed, but not why).
pub fn is_unexplained(pack: &Pack, session: &Session) -> bool {
    let erred = session
        .findings
        .iter()
        .any(|f| f.severity >= Severity::Error);
    if is_healthy(session.outcome) && !erred {
        return false;
    }
    !session.findings.iter().any(|f| {
        f.severity >= Severity::Error
            && pack
                .signature(&f.rule)
                .is_none_or(|s| s.explained_by.is_empty() && !s.generic)
    })
}

fn is_healthy(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Booted | Outcome::PoweredOff | Outcome::Rebooted
    )
}

/// A session whose lines show what healthy boots print.
fn is_clean(session: &Session) -> bool {
    is_healthy(session.outcome)
        && session
            .findings
            .iter()
            .all(|f| f.severity < Severity::Error)
}

/// The lines a pattern of the pack took as evidence (not those a script pointed at, such as
/// the last line of a boot that stopped without an error).
fn known_lines(pack: &Pack, session: &Session) -> BTreeSet<u64> {
    session
        .findings
        .iter()
        .filter(|f| {
            pack.signature(&f.rule)
                .is_none_or(|s| !s.patterns.is_empty())
        })
        .map(|f| f.line)
        .collect()
}

/// The sessions of one log that matter, as judged.
struct Picked {
    start: u64,
    end: u64,
    unexplained: Option<(Outcome, Option<String>)>,
    evidence: BTreeSet<u64>,
}

/// Takes the reports of one input: every log checked and harvested, the others noted.
#[derive(Default)]
pub struct Harvester {
    /// One harvest per log or member, in order.
    pub logs: Vec<LogHarvest>,
}

impl Harvester {
    fn harvest(pack: &Pack, shown: &str, log: &mut dyn Read) -> LogHarvest {
        let mut tee = Tee::spool(log);
        let mut picked = Vec::new();
        let mut sessions = 0u64;
        let (mut unexplained, mut healthy) = (0, 0);
        let report = check_reader_with(pack, shown, &mut tee, &mut |session| {
            sessions += 1;
            let why = if is_unexplained(pack, &session) && unexplained < SESSIONS_PER_LOG {
                unexplained += 1;
                Some((session.outcome, session.last_stage.clone()))
            } else if is_clean(&session) && healthy < HEALTHY_SESSIONS_PER_LOG {
                healthy += 1;
                None
            } else {
                return;
            };
            picked.push(Picked {
                start: session.start_line,
                end: session.end_line,
                unexplained: why,
                evidence: known_lines(pack, &session),
            });
        });
        let mut harvest = LogHarvest {
            path: shown.to_owned(),
            problem: report.error.clone(),
            unreadable: report.status != FileStatus::Ok,
            sessions,
            unexplained: Vec::new(),
            healthy: Vec::new(),
            healthy_samples: Vec::new(),
        };
        if report.status != FileStatus::Ok || picked.is_empty() {
            return harvest;
        }
        let Some(copy) = tee.reread() else {
            harvest.problem = Some("no room for a temporary copy of the log".into());
            harvest.unreadable = true;
            return harvest;
        };
        if let Err(e) = read_again(pack, copy, &picked, &mut harvest) {
            harvest.problem = Some(format!("cannot read again: {e}"));
            harvest.unreadable = true;
        }
        harvest
    }
}

/// Reads the copy of the log for the lines of the picked sessions.
fn read_again(
    pack: &Pack,
    copy: std::fs::File,
    picked: &[Picked],
    harvest: &mut LogHarvest,
) -> std::io::Result<()> {
    let mut reader = LineReader::new(copy)?;
    let mut normaliser = Normaliser::default();
    let mut sessions = picked.iter().peekable();
    let mut current: Option<Gathering> = None;
    let mut healthy_lines = 0;
    while let Some(raw) = reader.next_line()? {
        let number = raw.number;
        if current.as_ref().is_some_and(|g| number > g.picked.end) {
            if let Some(done) = current.take() {
                done.finish(harvest);
            }
        }
        if current.is_none() {
            while sessions.peek().is_some_and(|p| p.end < number) {
                sessions.next();
            }
            if sessions.peek().is_some_and(|p| p.start <= number) {
                current = sessions.next().map(Gathering::new);
            }
        }
        let Some(gathering) = current.as_mut() else {
            if sessions.peek().is_none() {
                break;
            }
            continue;
        };
        let line = normaliser.normalise(number, raw.bytes);
        if line.is_blank() {
            continue;
        }
        let text = cut(line.text);
        if gathering.picked.unexplained.is_some() {
            let raw = cut(&String::from_utf8_lossy(raw.bytes));
            gathering.unexplained_line(pack, number, text, raw, line.message);
        } else if healthy_lines < HEALTHY_LINES_PER_LOG {
            healthy_lines += 1;
            gathering.healthy_line(text, line.message, harvest);
        }
    }
    if let Some(done) = current.take() {
        done.finish(harvest);
    }
    Ok(())
}

/// The lines of one picked session, as they are read.
struct Gathering<'p> {
    picked: &'p Picked,
    warnings: VecDeque<Candidate>,
    last: VecDeque<Candidate>,
    keys: HashSet<u64>,
    previous: Option<String>,
}

impl<'p> Gathering<'p> {
    fn new(picked: &'p Picked) -> Self {
        Self {
            picked,
            warnings: VecDeque::new(),
            last: VecDeque::new(),
            keys: HashSet::new(),
            previous: None,
        }
    }

    fn unexplained_line(
        &mut self,
        pack: &Pack,
        number: u64,
        text: String,
        raw: String,
        message: &str,
    ) {
        let before = self.previous.replace(text.clone());
        let candidate = Candidate {
            line: number,
            tokens: tokens(message),
            text,
            raw,
            why: Why::Last,
            from_the_stop: None,
            before,
        };
        if report_body().is_match(message) {
            return;
        }
        if self.last.len() == LAST_LINES {
            self.last.pop_front();
        }
        self.last.push_back(candidate.clone());
        if self.picked.evidence.contains(&number)
            || report_body().is_match(message)
            || !warning_words().is_match(message)
            || pack.is_ignored(&candidate.text)
        {
            return;
        }
        if self.warnings.len() == WARNINGS_PER_SESSION {
            self.warnings.pop_front();
        }
        self.warnings.push_back(Candidate {
            why: Why::Warning,
            ..candidate
        });
    }

    fn healthy_line(&mut self, text: String, message: &str, harvest: &mut LogHarvest) {
        let masked = tokens(message);
        self.keys.insert(template_key(&masked));
        if harvest.healthy_samples.len() < HEALTHY_SAMPLES_PER_LOG
            && warning_words().is_match(message)
        {
            harvest.healthy_samples.push(text);
        }
    }

    fn finish(self, harvest: &mut LogHarvest) {
        let Some((outcome, stage)) = self.picked.unexplained.clone() else {
            harvest.healthy.push(self.keys);
            return;
        };
        let mut candidates: Vec<Candidate> = self.warnings.into_iter().collect();
        let warnings = candidates.len();
        for (i, candidate) in candidates.iter_mut().enumerate() {
            candidate.from_the_stop = Some(warnings - 1 - i);
        }
        for last in self.last {
            if candidates.iter().any(|c| c.line == last.line)
                || self.picked.evidence.contains(&last.line)
            {
                continue;
            }
            candidates.push(last);
        }
        candidates.sort_by_key(|c| c.line);
        harvest.unexplained.push(Unexplained {
            outcome,
            stage,
            candidates,
        });
    }
}

fn cut(text: &str) -> String {
    let mut end = text.len().min(TEXT_CAP);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

impl Reports for Harvester {
    fn add(&mut self, report: FileReport) {
        let problem = match report.status {
            FileStatus::Ok => None,
            _ => Some(
                report
                    .error
                    .or(report.reason)
                    .unwrap_or_else(|| "not checked".into()),
            ),
        };
        self.logs.push(LogHarvest {
            unreadable: report.status == FileStatus::Error,
            path: report.path,
            problem,
            sessions: report.sessions.len() as u64,
            unexplained: Vec::new(),
            healthy: Vec::new(),
            healthy_samples: Vec::new(),
        });
    }

    fn check(&mut self, pack: &Pack, shown: &str, log: &mut dyn Read, _notes: &Notes) {
        let harvest = Self::harvest(pack, shown, log);
        self.logs.push(harvest);
    }

    fn count(&self) -> usize {
        self.logs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack() -> Pack {
        bootrules_rules::default_pack().unwrap()
    }

    #[test]
    fn a_stalled_boot_gives_its_warnings_and_its_last_lines() {
        let log = "[    0.000000] Linux version 6.1.0 (x@y)\n\
                   [    6.2] Run /init as init process\n\
                   [    7.1] acme-probe[200]: cannot reach the acme controller, giving up\n\
                   [    8.0] random: crng init done\n";
        let harvest = Harvester::harvest(&pack(), "t.log", &mut log.as_bytes());
        assert_eq!(harvest.unexplained.len(), 1, "{harvest:?}");
        let lines: Vec<(u64, Why)> = harvest.unexplained[0]
            .candidates
            .iter()
            .map(|c| (c.line, c.why))
            .collect();
        assert!(lines.contains(&(3, Why::Warning)), "{lines:?}");
        assert!(lines.contains(&(4, Why::Last)), "{lines:?}");
    }

    #[test]
    fn a_boot_with_a_known_cause_gives_nothing() {
        let log = "[    0.000000] Linux version 6.1.0 (x@y)\n\
                   [    6.2] Run /init as init process\n\
                   ALERT!  UUID=0d2f6e33 does not exist.  Dropping to a shell!\n";
        let harvest = Harvester::harvest(&pack(), "t.log", &mut log.as_bytes());
        assert!(harvest.unexplained.is_empty(), "{harvest:?}");
        assert_eq!(harvest.sessions, 1);
    }
}
