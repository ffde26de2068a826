//! Evaluating a pack's signatures over one session.
//!
//! Each signature keeps a small state per session: its evidence line once it fired, a count,
//! and what its evidence kind needs (the pending first line of a sequence, the recent lines of
//! a windowed count, the events a script will read, capped). Memory does not grow with the log
//! however often a pattern matches.
//!
//! What a finding shows stays in proportion too: a signature reports at most
//! [`MAX_FINDINGS_PER_RULE`] findings per session (the first counts the rest), and each carries
//! at most [`MAX_EVIDENCE_CHARS`](bootrules_core::finding::MAX_EVIDENCE_CHARS) characters of
//! its evidence line and of each capture.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use bootrules_core::cause::may_explain;
use bootrules_core::finding::{clip_evidence, MAX_FINDINGS_PER_RULE};
use bootrules_core::{Finding, Judge, Judgement, Line, Progress, Severity};

use crate::codes::Code;
use crate::owner::{Owner, Role};
use crate::pack::{Count, Pack, Signature};
use crate::script::{
    self, ScriptClock, ScriptEvent, ScriptSession, ScriptVerdict, SessionView, SoFar, StageView,
};
use crate::terms::Category;

/// One matched line kept as evidence.
#[derive(Debug, Clone)]
struct Evidence {
    line: u64,
    time: Option<f64>,
    text: String,
    captures: BTreeMap<String, String>,
    /// Captures not taken yet: the pattern that matched, and where the message lies in `text`
    /// (see [`Evidence::of_latest`]).
    later: Option<(u32, std::ops::Range<usize>)>,
}

impl Evidence {
    fn of(line: &Line<'_>, regex: &regex::Regex) -> Self {
        Self {
            line: line.number,
            time: line.time,
            text: line.text.to_owned(),
            captures: captures(regex, line.message),
            later: None,
        }
    }

    /// The latest line of a signature whose last line is its evidence (a progress line the
    /// console repeats every second): its captures are taken only if it stays the evidence
    /// (at once when its message cannot be found again in its text).
    fn of_latest(line: &Line<'_>, (pattern, regex): (u32, &regex::Regex)) -> Self {
        match line.message_span() {
            Some(span) => Self {
                line: line.number,
                time: line.time,
                text: line.text.to_owned(),
                captures: BTreeMap::new(),
                later: Some((pattern, span)),
            },
            None => Self::of(line, regex),
        }
    }

    /// The line as a script reads it (taken with [`Evidence::of`], so its captures are there).
    fn event(&self) -> ScriptEvent {
        ScriptEvent {
            line: self.line,
            time: self.time,
            text: self.text.clone(),
            captures: self.captures.clone().into_iter().collect(),
            context: false,
        }
    }

    /// The evidence with all of its captures (those it has already win).
    fn captured(mut self, pack: &Pack) -> Self {
        if let Some((pattern, span)) = self.later.take() {
            let mut captures = captures(pack.regex(pattern), &self.text[span]);
            captures.append(&mut self.captures);
            self.captures = captures;
        }
        self
    }
}

/// The named groups `regex` captures in `message`, trimmed.
fn captures(regex: &regex::Regex, message: &str) -> BTreeMap<String, String> {
    regex
        .captures(message)
        .map(|caps| {
            regex
                .capture_names()
                .flatten()
                .filter_map(|name| {
                    caps.name(name)
                        .map(|m| (name.to_owned(), m.as_str().trim().to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What one signature has seen in the session.
#[derive(Debug, Default, Clone)]
struct State {
    /// The evidence once the signature's condition held.
    fired: Option<Evidence>,
    /// Lines matched by its patterns (in scope).
    count: u64,
    last_counted_line: u64,
    /// Sequence: the latest first line waiting for its `then` line.
    pending: Option<Evidence>,
    /// Count with a window: the recent matching lines.
    recent: VecDeque<(u64, Option<f64>)>,
    /// Missing: an expected line was seen once the wait began.
    expected_seen: bool,
    /// Script: the matched lines it will read.
    events: Vec<ScriptEvent>,
    /// `one-per`: the first line of each further distinct value of the capture (the first
    /// value's line is `fired`), capped at [`MAX_DISTINCT`].
    distinct: Vec<Evidence>,
    /// `one-per`: the values seen once `distinct` was full (hashed, at most [`MAX_BEYOND`]),
    /// each a finding not listed.
    beyond: HashSet<u64>,
    /// Generic signatures: evidence lines that a specific signature took too (reported at
    /// `info`, the specific finding explains them).
    explained: Vec<u64>,
    /// Findings already handed out by [`Judge::settled`]: the first, then the `distinct` ones.
    told: usize,
    /// Lines seen before the session was placed past the kernel, which count if the stage it is
    /// placed in next is in the signature's range (see [`waits_for_placement`]).
    deferred: Vec<Evidence>,
    /// `script-events` lines held the same way, for the script (the latest ones).
    deferred_events: Vec<Evidence>,
    /// How many of `events` are `script-events` lines.
    context_events: usize,
}

/// Lines of one signature held until the session is placed.
const MAX_DEFERRED: usize = 4;

/// `script-events` lines of one signature held until the session is placed.
const MAX_DEFERRED_EVENTS: usize = 32;

/// Further values of a `one-per` signature's capture reported in a session, after the first:
/// the signature reports [`MAX_FINDINGS_PER_RULE`] findings at most.
const MAX_DISTINCT: usize = MAX_FINDINGS_PER_RULE - 1;

/// Values past [`MAX_DISTINCT`] told apart to count them; past this many the count is a lower
/// bound. (Hashes: some 64 KiB at most, for a signature past its cap in a session.)
const MAX_BEYOND: usize = 4096;

/// Lines a generic signature remembers as taken by a specific one.
const MAX_EXPLAINED: usize = 32;

/// Watches one session for every signature of a [`Pack`].
pub struct PackJudge<'a> {
    pack: &'a Pack,
    /// The file's script time, shared by the judges of its sessions.
    clock: &'a ScriptClock,
    /// Per signature, made when one of its lines is first seen: most signatures see none in a
    /// session, and a session of a log of many boots should not pay for all of them.
    states: Vec<Option<Box<State>>>,
    /// The findings told as settled so far: the causes a symptom settled later is judged by,
    /// as `finish` judges it by all of them.
    told: Vec<Finding>,
}

impl<'a> PackJudge<'a> {
    pub(crate) fn new(pack: &'a Pack, clock: &'a ScriptClock) -> Self {
        Self {
            pack,
            clock,
            states: (0..pack.signatures.len()).map(|_| None).collect(),
            told: Vec::new(),
        }
    }
}

impl PackJudge<'_> {
    /// True when a specific (not generic) signature takes this line as its evidence, so the
    /// generic ones leave it alone.
    fn claimed_by_specific(&self, line: &Line<'_>, signals: &[u32], progress: &Progress) -> bool {
        signals.iter().any(|&pattern| {
            let Owner::Signature(index, Role::Evidence) = self.pack.owner(pattern) else {
                return false;
            };
            let signature = &self.pack.signatures[index];
            !signature.generic
                && !signature.disabled
                && in_scope(self.pack, signature, progress)
                && !signature.exclude.iter().any(|re| re.is_match(line.message))
        })
    }
}

impl Judge for PackJudge<'_> {
    fn observe(&mut self, line: &Line<'_>, signals: &[u32], progress: &Progress) {
        let mut claimed = None;
        for &pattern in signals {
            let Owner::Signature(index, role) = self.pack.owner(pattern) else {
                continue;
            };
            let signature = &self.pack.signatures[index];
            let state = self.states[index].get_or_insert_with(Box::default);
            let after_firing = matches!(role, Role::Then | Role::Expected);
            if signature.disabled || (state.fired.is_some() && after_firing) {
                continue;
            }
            let then = match role {
                Role::Evidence => false,
                Role::Then => true,
                // A line only the script reads: handed to it in order, never evidence.
                Role::Event => {
                    let regex = self.pack.regex(pattern);
                    let wanted = signature.script.is_some()
                        && !signature.exclude.iter().any(|re| re.is_match(line.message));
                    if wanted && in_scope(self.pack, signature, progress) {
                        script_event(state, line, regex);
                    } else if wanted
                        && waits_for_placement(self.pack, signature, progress, line.number)
                    {
                        defer_event(state, line, regex);
                    }
                    continue;
                }
                // A `missing` pattern is never evidence: it says the awaited line came.
                Role::Expected => {
                    let waiting = signature
                        .missing
                        .as_ref()
                        .is_some_and(|m| reached(self.pack, progress, m.after));
                    state.expected_seen |= waiting;
                    continue;
                }
            };
            if signature.exclude.iter().any(|re| re.is_match(line.message)) {
                continue;
            }
            if !in_scope(self.pack, signature, progress) {
                if !then
                    && state.fired.is_none()
                    && state.deferred.len() < MAX_DEFERRED
                    && waits_for_placement(self.pack, signature, progress, line.number)
                {
                    state
                        .deferred
                        .push(Evidence::of(line, self.pack.regex(pattern)));
                }
                continue;
            }
            let explained = signature.generic
                && *claimed
                    .get_or_insert_with(|| self.claimed_by_specific(line, signals, progress));
            let state = self.states[index].get_or_insert_with(Box::default);
            if explained && state.explained.len() <= MAX_EXPLAINED {
                state.explained.push(line.number);
            }
            let regex = self.pack.regex(pattern);
            if !then {
                evidence(signature, state, line, (pattern, regex));
                continue;
            }
            let Some(sequence) = signature.sequence.as_ref() else {
                continue;
            };
            if let Some(first) = state.pending.take() {
                if within(sequence.within_lines, sequence.within_seconds, &first, line) {
                    let mut fired = first;
                    fired.captures.extend(Evidence::of(line, regex).captures);
                    state.fired = Some(fired);
                } else {
                    state.pending = Some(first);
                }
            }
        }
    }

    fn settled(&mut self, signals: &[u32], progress: &Progress) -> Vec<Finding> {
        let pack = self.pack;
        let mut found = Vec::new();
        for &pattern in signals {
            let Owner::Signature(index, _) = pack.owner(pattern) else {
                continue;
            };
            let signature = &pack.signatures[index];
            // Absences, scripts and how far the session gets decide when it ends.
            if signature.disabled
                || signature.script.is_some()
                || signature.missing.is_some()
                || signature.ended_before.is_some()
            {
                continue;
            }
            let Some(state) = self.states[index].as_deref_mut() else {
                continue;
            };
            let Some(fired) = &state.fired else {
                continue;
            };
            if state.told == 0 && !placed_in_scope(pack, signature, progress, fired.line) {
                continue;
            }
            let mut tell = |evidence: &Evidence, count: u64| {
                let mut finding = finding(pack, signature, evidence.clone(), count);
                explain(
                    &mut finding,
                    signature,
                    state.explained.contains(&evidence.line),
                );
                found.push(finding);
            };
            if state.told == 0 {
                tell(fired, state.count);
            }
            for evidence in state.distinct.iter().skip(state.told.saturating_sub(1)) {
                tell(evidence, 1);
            }
            state.told = 1 + state.distinct.len();
        }
        if found.is_empty() {
            return found;
        }
        // A symptom is told as `finish` will report it: its causes came on earlier lines (or
        // this one), so they were told already.
        let new = self.told.len();
        self.told.extend(found);
        file_symptoms_under_causes(pack, &mut self.told);
        demote_explained_symptoms(pack, &mut self.told);
        self.told[new..].to_vec()
    }

    fn provisional(&self, progress: &Progress, last: &Line<'_>) -> Judgement {
        let snapshot = PackJudge {
            pack: self.pack,
            clock: self.clock,
            states: self.states.clone(),
            told: Vec::new(),
        };
        snapshot.finish(progress, last)
    }

    fn finish(self, progress: &Progress, last: &Line<'_>) -> Judgement {
        let pack = self.pack;
        let mut judgement = Judgement::default();
        let mut absent = Vec::new();
        let mut session_scripts = Vec::new();
        let mut script_session = None;
        for (index, (signature, state)) in pack.signatures.iter().zip(self.states).enumerate() {
            let session_script = signature.script.is_some() && signature.patterns.is_empty();
            if signature.disabled
                || (state.is_none() && signature.missing.is_none() && !session_script)
                || signature
                    .ended_before
                    .is_some_and(|s| reached(pack, progress, s))
            {
                continue;
            }
            let mut state = state.map_or_else(State::default, |s| *s);
            if !state.deferred.is_empty() || !state.deferred_events.is_empty() {
                place_deferred(pack, signature, progress, &mut state);
            }
            if !signature.unless_in.is_empty() {
                read_again(pack, signature, progress, &mut state);
            }
            if signature.missing.is_some() {
                absent.push((index, signature, state.expected_seen));
                continue;
            }
            let fired = match (&signature.script, state.fired.clone()) {
                (None, fired) => fired,
                (Some(_), _) if signature.patterns.is_empty() => {
                    session_scripts.push((index, signature));
                    None
                }
                (Some(_), None) => None,
                (Some(script), fired) => {
                    let rule = (self.clock, index);
                    let ast = script.ast();
                    let ran = run_script(
                        pack,
                        ast,
                        rule,
                        &mut script_session,
                        progress,
                        last,
                        &state.events,
                        &judgement,
                    );
                    let events = &state.events;
                    judge_script(
                        signature,
                        ran,
                        fired,
                        events,
                        progress,
                        last,
                        &mut judgement,
                    )
                }
            };
            if let Some(evidence) = fired {
                let explained = |line: u64| state.explained.contains(&line);
                let mut found = finding(pack, signature, evidence, state.count);
                let line = found.line;
                explain(&mut found, signature, explained(line));
                found.suppressed = state.beyond.len() as u64;
                judgement.findings.push(found);
                for evidence in state.distinct {
                    let mut found = finding(pack, signature, evidence, 1);
                    let line = found.line;
                    explain(&mut found, signature, explained(line));
                    judgement.findings.push(found);
                }
            }
        }
        // A fatal finding already explains why the session went no further, so what is
        // missing after it is not news.
        if !judgement.findings.iter().any(|f| f.fatal) {
            for (index, signature, expected_seen) in absent {
                let Some(evidence) = missing(pack, signature, expected_seen, progress, last) else {
                    continue;
                };
                // A script judges the absence, as it judges the lines of other evidence.
                let evidence = match &signature.script {
                    None => Some(evidence),
                    Some(script) => {
                        let rule = (self.clock, index);
                        let ran = run_script(
                            pack,
                            script.ast(),
                            rule,
                            &mut script_session,
                            progress,
                            last,
                            &[],
                            &judgement,
                        );
                        let fired = Some(evidence);
                        judge_script(signature, ran, fired, &[], progress, last, &mut judgement)
                    }
                };
                if let Some(evidence) = evidence {
                    judgement
                        .findings
                        .push(finding(pack, signature, evidence, 1));
                }
            }
        }
        // Session scripts run last, so they can read what the other rules found.
        for (index, signature) in session_scripts {
            let Some(script) = &signature.script else {
                continue;
            };
            let ran = run_script(
                pack,
                script.ast(),
                (self.clock, index),
                &mut script_session,
                progress,
                last,
                &[],
                &judgement,
            );
            if let Some(evidence) =
                judge_script(signature, ran, None, &[], progress, last, &mut judgement)
            {
                judgement
                    .findings
                    .push(finding(pack, signature, evidence, 1));
            }
        }
        file_symptoms_under_causes(pack, &mut judgement.findings);
        demote_explained_symptoms(pack, &mut judgement.findings);
        judgement
    }
}

/// A `category-from-cause` finding takes the category of the earliest earlier error-or-worse
/// finding that explains it: local-fs.target failing after a file system's corruption is filed
/// under the file system, after a missing disk under /etc/fstab.
fn file_symptoms_under_causes(pack: &Pack, findings: &mut [Finding]) {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| findings[i].line);
    for &i in &order {
        if !pack
            .signature(&findings[i].rule)
            .is_some_and(|s| s.category_from_cause)
        {
            continue;
        }
        let symptom = &findings[i];
        let cause = order
            .iter()
            .map(|&c| &findings[c])
            .find(|cause| cause.rule != symptom.rule && may_explain(pack, cause, symptom))
            .map(|cause| cause.category.clone());
        if let Some(category) = cause {
            findings[i].category = category;
        }
    }
}

/// A non-fatal error that an earlier error explains (its `explained-by`: a unit that failed once
/// the disk returned I/O errors) is a symptom: a warning, so the report's errors are the causes.
/// (A fatal one stays: it decided the outcome, and the cause chain leads to it.)
fn demote_explained_symptoms(pack: &Pack, findings: &mut [Finding]) {
    let explained: Vec<usize> = (0..findings.len())
        .filter(|&i| {
            let symptom = &findings[i];
            symptom.severity == Severity::Error
                && !symptom.fatal
                && pack
                    .signature(&symptom.rule)
                    .is_some_and(|s| !s.explained_by.is_empty())
                && findings
                    .iter()
                    .any(|cause| cause.rule != symptom.rule && may_explain(pack, cause, symptom))
        })
        .collect();
    for i in explained {
        findings[i].severity = Severity::Warning;
    }
}

/// The evidence of an absence rule, if what it waits for never came.
fn missing(
    pack: &Pack,
    signature: &Signature,
    expected_seen: bool,
    progress: &Progress,
    last: &Line<'_>,
) -> Option<Evidence> {
    let missing = signature.missing.as_ref()?;
    let model = &pack.model;
    let furthest = progress.furthest_rank();
    let waiting = reached(pack, progress, missing.after);
    // Reaching one of the stages, or any stage beyond them all, ends the wait.
    let arrived = expected_seen
        || missing
            .stages
            .iter()
            .any(|&s| progress.reached(s).is_some())
        || missing
            .stages
            .iter()
            .map(|&s| model.rank(s))
            .max()
            .is_some_and(|target| furthest.is_some_and(|r| r > target));
    (waiting && !arrived && last.number > 0).then(|| Evidence {
        line: last.number,
        time: last.time,
        text: last.text.to_owned(),
        captures: BTreeMap::new(),
        later: None,
    })
}

/// Turns a script run into evidence, or records why the script failed.
fn judge_script(
    signature: &Signature,
    ran: Result<ScriptVerdict, String>,
    fired: Option<Evidence>,
    events: &[ScriptEvent],
    progress: &Progress,
    last: &Line<'_>,
    judgement: &mut Judgement,
) -> Option<Evidence> {
    match ran {
        Ok(verdict) => apply(verdict, fired, events, progress, last),
        Err(message) => {
            let origin = &signature.origin;
            let failure = origin.diagnostic(Code::ScriptStopped, &signature.id, message);
            judgement.failures.push(failure);
            None
        }
    }
}

/// Hands a `script-events` line to the signature's script, once per line (evidence on the same
/// line is handed over instead). When the events are full the oldest context line gives way:
/// what follows the evidence (a step's result) matters more than what preceded it long before.
fn script_event(state: &mut State, line: &Line<'_>, regex: &regex::Regex) {
    if let Some(last) = state.events.last_mut().filter(|e| e.line == line.number) {
        // another pattern on the same line: its captures join the line's
        for (name, value) in Evidence::of(line, regex).captures {
            if !last.captures.iter().any(|(n, _)| *n == name) {
                last.captures.push((name, value));
            }
        }
        return;
    }
    if state.events.len() >= script::MAX_EVENTS && !drop_oldest_context(state) {
        return;
    }
    let mut event = Evidence::of(line, regex).event();
    event.context = true;
    state.events.push(event);
    state.context_events += 1;
}

/// Holds a `script-events` line printed before the session was placed (the latest ones).
fn defer_event(state: &mut State, line: &Line<'_>, regex: &regex::Regex) {
    if state.deferred_events.len() >= MAX_DEFERRED_EVENTS {
        state.deferred_events.remove(0);
    }
    state.deferred_events.push(Evidence::of(line, regex));
}

/// Removes the oldest `script-events` line from the events; false when there is none.
fn drop_oldest_context(state: &mut State) -> bool {
    if state.context_events == 0 {
        return false;
    }
    if let Some(oldest) = state.events.iter().position(|e| e.context) {
        state.events.remove(oldest);
        state.context_events -= 1;
    }
    true
}

/// True when an evidence line would reach the script: there is room, or a context line to give
/// way (checked before the line's event is built, which costs a capture pass).
fn evidence_fits(state: &State) -> bool {
    state.events.len() < script::MAX_EVENTS || state.context_events > 0
}

/// Hands an evidence line to the signature's script: it takes the place of a context line of
/// the same line, and of the oldest context line when the events are full.
fn script_evidence(state: &mut State, event: ScriptEvent) {
    if let Some(last) = state.events.last_mut().filter(|e| e.line == event.line) {
        if last.context {
            *last = event;
            state.context_events -= 1;
        }
        return;
    }
    if state.events.len() >= script::MAX_EVENTS && !drop_oldest_context(state) {
        return;
    }
    state.events.push(event);
}

/// A line of the signature's own patterns.
fn evidence(
    signature: &Signature,
    state: &mut State,
    line: &Line<'_>,
    (pattern, regex): (u32, &regex::Regex),
) {
    if state.last_counted_line == line.number && state.count > 0 {
        return;
    }
    state.count += 1;
    state.last_counted_line = line.number;
    if signature.script.is_some() && evidence_fits(state) {
        script_evidence(state, Evidence::of(line, regex).event());
    }
    if let (Some(first), Some(name)) = (&state.fired, &signature.one_per) {
        // Each further value of the capture is a finding of its own (another failed unit); past
        // the cap, the new values are only counted.
        if state.distinct.len() < MAX_DISTINCT {
            let e = Evidence::of(line, regex);
            let value = e.captures.get(name);
            let seen = |other: &Evidence| other.captures.get(name) == value;
            if value.is_some() && !seen(first) && !state.distinct.iter().any(seen) {
                state.distinct.push(e);
            }
        } else if state.beyond.len() < MAX_BEYOND {
            let caps = regex.captures(line.message);
            let value = caps
                .as_ref()
                .and_then(|c| c.name(name))
                .map(|m| m.as_str().trim());
            let seen = |other: &Evidence| other.captures.get(name).map(String::as_str) == value;
            if let Some(value) = value.filter(|_| !seen(first) && !state.distinct.iter().any(seen))
            {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                value.hash(&mut hasher);
                state.beyond.insert(hasher.finish());
            }
        }
        return;
    }
    if state.fired.is_some() {
        // Progress lines grow (`… (2min 45s / no limit)`): the last one says most.
        if signature.evidence_last && signature.sequence.is_none() {
            state.fired = Some(Evidence::of_latest(line, (pattern, regex)));
        }
        return;
    }
    if signature.sequence.is_some() {
        state.pending = Some(Evidence::of(line, regex));
    } else if let Some(count) = &signature.count {
        if counted_enough(count, &mut state.recent, line) {
            state.fired = Some(Evidence::of(line, regex));
        }
    } else {
        state.fired = Some(Evidence::of(line, regex));
    }
}

/// Adds the line to the window and says whether the window now holds enough lines.
fn counted_enough(
    count: &Count,
    recent: &mut VecDeque<(u64, Option<f64>)>,
    line: &Line<'_>,
) -> bool {
    recent.push_back((line.number, line.time));
    while let Some(&(first_line, first_time)) = recent.front() {
        let lines_ok = count
            .within_lines
            .is_none_or(|n| line.number - first_line <= n);
        let seconds_ok = count
            .within_seconds
            .is_none_or(|s| matches!((first_time, line.time), (Some(a), Some(b)) if b - a <= s));
        if lines_ok && seconds_ok {
            break;
        }
        recent.pop_front();
    }
    while recent.len() as u64 > count.at_least {
        recent.pop_front();
    }
    recent.len() as u64 >= count.at_least
}

/// Is `line` within the window after `first`? Seconds need both timestamps.
fn within(lines: Option<u64>, seconds: Option<f64>, first: &Evidence, line: &Line<'_>) -> bool {
    lines.is_none_or(|n| line.number - first.line <= n)
        && seconds
            .is_none_or(|s| matches!((first.time, line.time), (Some(a), Some(b)) if b - a <= s))
}

/// Has the session reached this stage or a later one?
fn reached(pack: &Pack, progress: &Progress, stage: usize) -> bool {
    progress
        .furthest_rank()
        .is_some_and(|r| r >= pack.model.rank(stage))
}

/// Is the session where the signature's phase and stage range say its evidence counts?
fn in_scope(pack: &Pack, signature: &Signature, progress: &Progress) -> bool {
    signature
        .from_stage
        .is_none_or(|s| reached(pack, progress, s))
        && (signature.only_in.is_empty()
            || progress
                .placed_stage()
                .is_some_and(|s| signature.only_in.contains(&s)))
        && in_range_unplaced(pack, signature, progress)
}

/// [`in_scope`] but for what waits on the session's placement (`from-stage`, `only-in`).
fn in_range_unplaced(pack: &Pack, signature: &Signature, progress: &Progress) -> bool {
    signature.phase.is_none_or(|p| p == progress.phase())
        && signature
            .until_stage
            .is_none_or(|s| !reached(pack, progress, s))
        && progress
            .placed_stage()
            .is_none_or(|s| !signature.unless_in.contains(&s))
}

/// Did the session place the line in a stage the signature counts, as far as it is known
/// yet? A line printed before the session was placed beyond the kernel (an excerpt's first
/// lines) counts as printed in the stage the session is placed in next; until one is, it is
/// not decided.
fn placed_in_scope(pack: &Pack, signature: &Signature, progress: &Progress, line: u64) -> bool {
    if signature.unless_in.is_empty() || placed_beyond_kernel(pack, progress, line) {
        return true;
    }
    placed_next(pack, progress, line).is_some_and(|next| !signature.unless_in.contains(&next))
}

/// The first stage past the kernel's that the session was placed in after `line`: where a
/// line printed before the session told more than that most likely was.
fn placed_next(pack: &Pack, progress: &Progress, line: u64) -> Option<usize> {
    let kernel = pack.model.kernel_line_stage();
    progress
        .placed_after(line)
        .map(|(_, stage)| stage)
        .find(|&stage| Some(stage) != kernel)
}

/// Was the session placed in a stage past the one every kernel line shows when it printed
/// `line`?
fn placed_beyond_kernel(pack: &Pack, progress: &Progress, line: u64) -> bool {
    progress
        .placed_at(line)
        .is_some_and(|stage| Some(stage) != pack.model.kernel_line_stage())
}

/// Is this line out of an `only-in` signature's range only because the session was not placed
/// past the kernel yet (an excerpt that starts before its first telling line)? Only a
/// signature whose single line is its evidence waits (a script then reads the held lines too).
fn waits_for_placement(pack: &Pack, signature: &Signature, progress: &Progress, line: u64) -> bool {
    let simple =
        signature.count.is_none() && signature.sequence.is_none() && signature.missing.is_none();
    simple
        && !signature.only_in.is_empty()
        && !placed_beyond_kernel(pack, progress, line)
        && in_range_unplaced(pack, signature, progress)
}

/// The first held line that the stage the session was placed in next puts in the signature's
/// range becomes its evidence (held lines come before any taken once the session was placed);
/// a script reads every such line, before the later ones.
fn place_deferred(pack: &Pack, signature: &Signature, progress: &Progress, state: &mut State) {
    let rank = |stage: usize| pack.model.rank(stage);
    let fits = |e: &Evidence| {
        placed_next(pack, progress, e.line).is_some_and(|next| {
            signature.from_stage.is_none_or(|s| rank(next) >= rank(s))
                && signature.until_stage.is_none_or(|s| rank(next) < rank(s))
                && !signature.unless_in.contains(&next)
                && (signature.only_in.is_empty() || signature.only_in.contains(&next))
        })
    };
    let held: Vec<Evidence> = std::mem::take(&mut state.deferred)
        .into_iter()
        .filter(fits)
        .collect();
    let context = std::mem::take(&mut state.deferred_events)
        .into_iter()
        .filter(fits);
    if signature.script.is_some() {
        // in line order, evidence kept over context on a line both gave
        let mut events: Vec<ScriptEvent> = held.iter().map(Evidence::event).collect();
        events.extend(context.map(|line| ScriptEvent {
            context: true,
            ..line.event()
        }));
        events.append(&mut state.events);
        events.sort_by_key(|e| (e.line, e.context));
        events.dedup_by_key(|e| e.line);
        while events.len() > script::MAX_EVENTS {
            let drop = events
                .iter()
                .position(|e| e.context)
                .unwrap_or(events.len() - 1);
            events.remove(drop);
        }
        state.context_events = events.iter().filter(|e| e.context).count();
        state.events = events;
    }
    let Some(first) = held.first() else {
        return;
    };
    state.count += held.len() as u64;
    let later = state.fired.replace(first.clone());
    // a `one-per` signature keeps the value it had found as one more of its findings
    if let (Some(later), Some(name)) = (later, &signature.one_per) {
        if later.captures.get(name) != first.captures.get(name)
            && state.distinct.len() < MAX_DISTINCT
        {
            state.distinct.insert(0, later);
        }
    }
}

/// Drops the evidence of an `unless-in` signature that the stage the session was placed in
/// next shows to be in one of those stages: a device timeout at the top of an excerpt whose
/// next lines are dracut's is the root's, not one of /etc/fstab.
fn read_again(pack: &Pack, signature: &Signature, progress: &Progress, state: &mut State) {
    let excluded = |e: &Evidence| {
        !placed_beyond_kernel(pack, progress, e.line)
            && placed_next(pack, progress, e.line)
                .is_some_and(|next| signature.unless_in.contains(&next))
    };
    state.distinct.retain(|e| !excluded(e));
    if state.fired.as_ref().is_some_and(excluded) {
        state.fired = (!state.distinct.is_empty()).then(|| state.distinct.remove(0));
    }
}

/// Runs the script of the signature at `rule.1`, timed on the file's clock `rule.0`. The
/// session's map is built on the first script's run and kept in `session` for the others.
#[allow(clippy::too_many_arguments)]
fn run_script(
    pack: &Pack,
    ast: &rhai::AST,
    (clock, rule): (&ScriptClock, usize),
    session: &mut Option<ScriptSession>,
    progress: &Progress,
    last: &Line<'_>,
    events: &[ScriptEvent],
    so_far: &Judgement,
) -> Result<ScriptVerdict, String> {
    let session = session.get_or_insert_with(|| ScriptSession::new(&view(pack, progress, last)));
    let mut error_categories: Vec<String> = Vec::new();
    for found in &so_far.findings {
        let serious = matches!(found.severity, Severity::Error | Severity::Critical);
        if serious && !error_categories.contains(&found.category) {
            error_categories.push(found.category.clone());
        }
    }
    let so_far = SoFar {
        findings: so_far.findings.iter().map(|f| f.rule.clone()).collect(),
        error_categories,
        fatal: so_far.findings.iter().any(|f| f.fatal),
    };
    script::run(ast, session, &so_far, events, rule, clock)
}

/// The session as its scripts see it.
fn view(pack: &Pack, progress: &Progress, last: &Line<'_>) -> SessionView {
    let model = &pack.model;
    SessionView {
        start_line: progress.start_line,
        last_line: last.number,
        last_time: last.time,
        last_text: last.text.to_owned(),
        last_stage: progress.furthest_stage().map(|s| model.get(s).id.clone()),
        phase: match progress.phase() {
            bootrules_core::Phase::Boot => "boot",
            bootrules_core::Phase::Shutdown => "shutdown",
        },
        booted: progress.booted_at.is_some(),
        next_boot_followed: progress.next_boot_followed,
        next_boot_separated: progress.next_boot_separated,
        handed_off: progress.handed_off,
        stages: progress
            .stages_reached()
            .iter()
            .filter_map(|&s| {
                progress.reached(s).map(|r| StageView {
                    id: model.get(s).id.clone(),
                    line: r.line,
                    time: r.time,
                    placed: progress.placed_in(s),
                })
            })
            .collect(),
    }
}

/// Turns a script's verdict into the evidence of a finding, or none.
/// The script may pick as evidence one of its events, the first line of a reached stage, or
/// the session's last line.
fn apply(
    verdict: ScriptVerdict,
    fired: Option<Evidence>,
    events: &[ScriptEvent],
    progress: &Progress,
    last: &Line<'_>,
) -> Option<Evidence> {
    let ScriptVerdict::Finding {
        line,
        message,
        remedy,
        category,
    } = verdict
    else {
        return None;
    };
    let chosen = line.and_then(|n| events.iter().find(|e| e.line == n));
    let stage_line = line.and_then(|n| {
        progress.stages_reached().iter().find_map(|&s| {
            let at = progress.reached(s)?;
            (at.line == n).then(|| Evidence {
                line: n,
                time: at.time,
                text: progress.reached_text(s).unwrap_or_default().to_owned(),
                captures: BTreeMap::new(),
                later: None,
            })
        })
    });
    let mut evidence = match (chosen, fired) {
        (Some(e), _) => Evidence {
            line: e.line,
            time: e.time,
            text: e.text.clone(),
            captures: e.captures.iter().cloned().collect(),
            later: None,
        },
        (None, _) if stage_line.is_some() => stage_line?,
        (None, Some(fired)) => fired,
        (None, None) => match events.first() {
            Some(e) => Evidence {
                line: e.line,
                time: e.time,
                text: e.text.clone(),
                captures: e.captures.iter().cloned().collect(),
                later: None,
            },
            None => Evidence {
                line: last.number,
                time: last.time,
                text: last.text.to_owned(),
                captures: BTreeMap::new(),
                later: None,
            },
        },
    };
    // The script's own texts travel as captures the templates can name.
    if let Some(message) = message {
        evidence.captures.insert("script_message".into(), message);
    }
    if let Some(remedy) = remedy {
        evidence.captures.insert("script_remedy".into(), remedy);
    }
    if let Some(category) = category {
        evidence
            .captures
            .insert("script_category".into(), category.as_str().to_owned());
    }
    Some(evidence)
}

/// A generic finding whose line a specific signature explains is kept as a note: `info`, in the
/// signature's own category (the specific finding carries the line's category).
fn explain(finding: &mut Finding, signature: &Signature, explained: bool) {
    if explained {
        finding.severity = bootrules_core::Severity::Info;
        finding.fatal = false;
        finding.category = signature.category.as_str().to_owned();
    }
}

fn finding(pack: &Pack, signature: &Signature, evidence: Evidence, count: u64) -> Finding {
    let mut evidence = evidence.captured(pack);
    // The names of the patterns' groups are only needed for a `{name}` the line did not fill,
    // and finding them builds the patterns' regexes.
    let groups = std::cell::OnceCell::new();
    let is_group = |name: &str| {
        groups
            .get_or_init(|| pack.capture_names(signature))
            .contains(&name)
    };
    let script_message = evidence.captures.remove("script_message");
    let script_remedy = evidence.captures.remove("script_remedy");
    let script_category = evidence
        .captures
        .remove("script_category")
        .and_then(|name| Category::ALL.into_iter().find(|c| c.as_str() == name));
    let category = script_category.unwrap_or_else(|| {
        signature
            .category_by_unit
            .as_ref()
            .and_then(|name| evidence.captures.get(name))
            .and_then(|unit| pack.category_of_unit(unit))
            .map_or(signature.category, |known| known.category)
    });
    // Log text is shown cut (the templates fill in the cut captures): a line of 16 KiB that is
    // evidence for dozens of signatures must not be copied whole into each of their findings.
    for value in evidence.captures.values_mut() {
        clip_evidence(value);
    }
    let text_cut = clip_evidence(&mut evidence.text);
    let message = script_message
        .unwrap_or_else(|| fill_template(&signature.message, &evidence.captures, is_group));
    let remedy = script_remedy
        .unwrap_or_else(|| fill_template(&signature.remedy, &evidence.captures, is_group));
    Finding {
        rule: signature.id.clone(),
        title: signature.title.clone(),
        category: category.as_str().to_owned(),
        severity: signature.severity,
        fatal: signature.fatal,
        line: evidence.line,
        text: evidence.text,
        text_cut,
        message,
        remedy,
        count: count.max(1),
        suppressed: 0,
        time: evidence.time,
        captures: evidence.captures,
        references: signature.references.clone(),
    }
}

/// Replaces `{name}` with the named capture's text. A capture of the rule's patterns that
/// this line did not fill, or filled with nothing, gives its fallback (`{name|fallback}`) or
/// nothing; `{?name:text}` gives `text` only when the capture holds something. A fallback or a
/// text may hold placeholders of its own (`{?code:, which failed ({code}: {reason})}`,
/// `{severity|{where|frozen}}`). Other names stay as written.
fn fill_template(
    template: &str,
    captures: &BTreeMap<String, String>,
    is_group: impl Fn(&str) -> bool + Copy,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = matching_brace(&rest[open..]) else {
            out.push_str(&rest[open..]);
            return out;
        };
        let whole = &rest[open..open + close + 1];
        let inside = &whole[1..whole.len() - 1];
        let filled = |name: &str| captures.get(name).is_some_and(|v| !v.is_empty());
        if let Some((name, text)) = inside.strip_prefix('?').and_then(|c| c.split_once(':')) {
            if filled(name) {
                out.push_str(&fill_template(text, captures, is_group));
            } else if !captures.contains_key(name) && !is_group(name) {
                out.push_str(whole);
            }
        } else {
            let (name, fallback) = inside.split_once('|').unwrap_or((inside, ""));
            match captures.get(name) {
                Some(value) if !value.is_empty() => out.push_str(value),
                Some(_) => out.push_str(&fill_template(fallback, captures, is_group)),
                None if is_group(name) => {
                    out.push_str(&fill_template(fallback, captures, is_group))
                }
                None => out.push_str(whole),
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Where the brace that closes the one `text` begins with lies, counting nested pairs.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::fill_template;
    use std::collections::BTreeMap;

    #[test]
    fn templates_take_named_captures() {
        let caps = BTreeMap::from([("mount".to_owned(), "/data".to_owned())]);
        assert_eq!(
            fill_template("{mount} did not mount ({other})", &caps, |n| n == "mount"),
            "/data did not mount ({other})"
        );
        assert_eq!(fill_template("a {b", &BTreeMap::new(), |_| false), "a {b");
    }

    #[test]
    fn an_empty_capture_gives_its_fallback() {
        let caps = BTreeMap::from([("detail".to_owned(), String::new())]);
        assert_eq!(
            fill_template("failed ({detail|it did not start})", &caps, |_| true),
            "failed (it did not start)"
        );
    }

    #[test]
    fn a_conditional_text_and_a_nested_fallback_fill_their_own_placeholders() {
        let groups = |n: &str| ["code", "reason", "severity", "where"].contains(&n);
        let caps = BTreeMap::from([
            ("code".to_owned(), "PXE-E53".to_owned()),
            ("reason".to_owned(), "No boot filename received".to_owned()),
        ]);
        let template = "boot{?code:, which failed ({code}: {reason})}: no disk";
        assert_eq!(
            fill_template(template, &caps, groups),
            "boot, which failed (PXE-E53: No boot filename received): no disk"
        );
        assert_eq!(
            fill_template(template, &BTreeMap::new(), groups),
            "boot: no disk"
        );
        let caps = BTreeMap::from([("where".to_owned(), "0000:00:1c.0".to_owned())]);
        assert_eq!(
            fill_template("error ({severity|{where|frozen}})", &caps, groups),
            "error (0000:00:1c.0)"
        );
        assert_eq!(
            fill_template(
                "error ({severity|{where|frozen}})",
                &BTreeMap::new(),
                groups
            ),
            "error (frozen)"
        );
        assert_eq!(
            fill_template("a {?b:c}", &BTreeMap::new(), |_| false),
            "a {?b:c}"
        );
    }

    #[test]
    fn a_capture_the_line_did_not_fill_gives_its_fallback_or_nothing() {
        let none = BTreeMap::new();
        let groups = |n: &str| ["unit", "iface"].contains(&n);
        assert_eq!(
            fill_template("{unit|a unit} failed on {iface}", &none, groups),
            "a unit failed on "
        );
        let caps = BTreeMap::from([("unit".to_owned(), "foo.service".to_owned())]);
        assert_eq!(
            fill_template("{unit|a unit} failed", &caps, groups),
            "foo.service failed"
        );
    }
}
