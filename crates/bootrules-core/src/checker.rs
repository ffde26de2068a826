//! The splitting loop: lines in, one at a time; judged sessions out as each one closes.
//!
//! [`check_log_with`] drives a [`Checker`] over a whole log. A follower of a live console
//! drives one itself, a line as it arrives, and asks between lines what the open session has
//! shown so far ([`Checker::open_progress`], [`Checker::settled_findings`],
//! [`Checker::provisional`]).

use std::io;

use crate::cause;
use crate::classify::{Judge, LineHits, RuleSet};
use crate::finding::{Finding, Judgement};
use crate::line::{Line, Normaliser};
use crate::outcome::{folds_into, judge_outcome};
use crate::progress::Progress;
use crate::session::{Outcome, Session, StageHit};
use crate::source::LineReader;
use crate::stage::{Mark, Phase, StageMatch, StageModel};
use crate::timeline::{self, History};
use crate::trace::Trace;

/// Reads a whole log, handing each judged session to `emit` as soon as the next one has begun,
/// so a log of any number of boots is checked in memory bounded by one session. (One session
/// is held back because the end of the log may fold a trailing restart into it.) On a read
/// error the sessions already handed over stay handed over.
pub fn check_log_with<R: RuleSet>(
    rules: &R,
    reader: &mut LineReader,
    emit: &mut dyn FnMut(Session),
) -> io::Result<()> {
    let file = R::FileState::default();
    let mut checker = Checker::new(rules, &file, emit);
    while let Some(raw) = reader.next_line()? {
        checker.line(raw.number, raw.bytes);
    }
    checker.finish();
    Ok(())
}

/// Checks a log fed one line at a time.
pub struct Checker<'r, 'e, R: RuleSet + 'r> {
    rules: &'r R,
    file: &'r R::FileState,
    normaliser: Normaliser,
    hits: LineHits,
    open: Option<Open<R::Judge<'r>>>,
    sessions: Judged<'e>,
    /// Once the file shows the console's own kernel lines or systemd's status lines, a line
    /// relayed by a logging daemon (`host kernel: Linux version …` from syslog or the journal)
    /// is a later copy, not a boot.
    console_seen: bool,
    /// The last line that was not blank typed a command that prints the kernel's own lines
    /// (`# cat /proc/version`, `$ dmesg | head`): a banner right after it is that output.
    after_kernel_log_command: bool,
}

impl<'r, 'e, R: RuleSet + 'r> Checker<'r, 'e, R> {
    /// A checker for one file whose judges share `file`; each judged session goes to `emit`.
    pub fn new(rules: &'r R, file: &'r R::FileState, emit: &'e mut dyn FnMut(Session)) -> Self {
        Self {
            rules,
            file,
            normaliser: Normaliser::default(),
            hits: LineHits::default(),
            open: None,
            sessions: Judged::new(emit),
            console_seen: false,
            after_kernel_log_command: false,
        }
    }

    /// Takes the line numbered `number` (its bytes without the newline).
    pub fn line(&mut self, number: u64, bytes: &[u8]) {
        let rules = self.rules;
        let file = self.file;
        let model = rules.stages();
        let line = self.normaliser.normalise(number, bytes);
        let hits = &mut self.hits;
        hits.clear();
        if line.is_blank() {
            if let Some(o) = self.open.as_mut().filter(|o| o.progress.end_mark.is_none()) {
                o.end_line = line.number;
            }
            return;
        }
        // the markers the last line held back count now that the log goes on after it, unless
        // the line is only the console's echo of the command typed on it
        let mut echo = false;
        if let Some(open) = self.open.as_mut().filter(|o| !o.waiting.is_empty()) {
            let previous = open.last.as_line();
            echo = echoes_command(previous.message, line.message);
            if !echo {
                for hit in std::mem::take(&mut open.waiting) {
                    open.progress.record(model, hit, &previous);
                }
            }
        }
        rules.classify(&line, hits);
        if let (true, Some(stage)) = (line.from_kernel, model.kernel_line_stage()) {
            hits.stages.push(StageMatch::shown(stage));
        }
        // (settled once: no more per-line work after the first console line)
        self.console_seen = self.console_seen
            || (line.time.is_some() && !line.relayed)
            || is_status_line(line.message);
        let replayed = line.relayed && self.console_seen;
        // A typed command's output: its kernel banner (and, from `dmesg` on arm, the lines at the
        // kernel's time zero before it) begins no boot.
        let command_output = self.after_kernel_log_command;
        let output_banner =
            |stage| command_output && model.handoff_rank() == Some(model.rank(stage));
        self.after_kernel_log_command = prints_kernel_log(line.message)
            || (command_output && line.from_kernel && line.time.is_none_or(|t| t == 0.0));
        hits.stages
            .sort_by_key(|hit| (hit.at, model.rank(hit.stage)));

        // After power-off or restart only the dying kernel's own last lines (its clock still
        // running, or no clock printed at all, and no new stage) belong to the ended session;
        // anything else is the next boot, as is a line only what runs before the kernel
        // prints (a firmware's exception dump as the VM restarts).
        let before_kernel = || {
            let kernel = model.kernel_line_stage().map(|k| model.rank(k));
            hits.stages
                .iter()
                .any(|hit| kernel.is_some_and(|k| model.rank(hit.stage) < k))
        };
        if let Some(ended) = self.open.take_if(|o| {
            o.progress.end_mark.is_some()
                && (before_kernel()
                    || !(hits
                        .stages
                        .iter()
                        .all(|hit| hit.shown || hit.needs_next_line)
                        && line.time.is_none_or(|t| t >= o.progress.max_kernel_time)))
        }) {
            let end = ended.end_line;
            let index = self.sessions.len();
            self.sessions
                .push(close(rules, ended, end, false, false, index));
        }

        // Borrowed in place: a session is too large to move in and out on every line.
        let session = self
            .open
            .get_or_insert_with(|| start(rules, file, line.number));
        // A prompt without a newline can put the end of one boot and the start of the next on
        // one line (`login: SeaBIOS (version …)`); that line then belongs to both sessions.
        let mut shares_line = false;
        let kernel = model.kernel_line_stage();
        let shows_kernel = hits.stages.iter().any(|h| Some(h.stage) == kernel);
        for &hit in &hits.stages {
            // a journal's separator on a console is `journalctl`'s output, run at its shell
            if hit.separator && self.console_seen {
                continue;
            }
            if hit.needs_next_line {
                session.waiting.push(hit);
                continue;
            }
            if !replayed
                && !output_banner(hit.stage)
                && session
                    .progress
                    .is_new_boot(model, hit, &line, shows_kernel)
            {
                if session.separator_only {
                    // Separators with nothing between them (`journalctl -g` prints one for each
                    // boot without a match): the session they began is the next boot's already.
                } else if session.progress.start_line < line.number {
                    let previous = std::mem::replace(session, start(rules, file, line.number));
                    let end = line.number - u64::from(!shares_line);
                    let index = self.sessions.len();
                    let closed = close(rules, previous, end, true, hit.separator, index);
                    self.sessions.push(closed);
                } else {
                    // A log that begins with the end of a boot unseen before it (`login:
                    // SeaBIOS …`): what precedes the new boot on its first line is that boot's.
                    *session = start(rules, file, line.number);
                }
            }
            session.progress.record(model, hit, &line);
            shares_line = true;
        }
        if let Some(time) = line.time {
            session.progress.max_kernel_time = session.progress.max_kernel_time.max(time);
        }
        // (once a command was seen, no further line needs the look)
        if !session.progress.shell_commands {
            session.progress.shell_commands = is_shell_command(line.message);
        }
        let separator = !self.console_seen && hits.stages.iter().any(|hit| hit.separator);
        session.separator_only =
            separator && (session.separator_only || session.progress.start_line == line.number);
        session.end_line = line.number;
        // (an echo keeps the command as the last line, where the held-back markers are)
        if !echo {
            session.last.keep(&line);
        }
        let reached = session.progress.stages_reached().len();
        session.trace.observe(&line, reached);
        if !hits.signals.is_empty() {
            session
                .judge
                .observe(&line, &hits.signals, &session.progress);
        }
    }

    /// Ends the log: closes the open session and hands over the sessions held back.
    pub fn finish(mut self) {
        if let Some(o) = self.open.take() {
            let end = o.end_line;
            let handed_off = o.progress.handed_off;
            let index = self.sessions.len();
            let last = close(self.rules, o, end, false, false, index);
            self.sessions.finish(last, handed_off);
        }
    }

    /// The pack the lines are checked with.
    pub fn rules(&self) -> &'r R {
        self.rules
    }

    /// The open session's last non-blank line, as it was printed.
    pub fn last_text(&self) -> &str {
        self.open.as_ref().map_or("", |o| o.last.text.as_str())
    }

    /// How many sessions have closed so far; the open session, if any, has this index.
    pub fn closed(&self) -> usize {
        self.sessions.len()
    }

    /// The session closed last, held back until the next one closes or the log ends (the end
    /// of the log may still fold a trailing restart into it).
    pub fn held(&self) -> Option<&Session> {
        self.sessions.held.as_ref()
    }

    /// What the open session has shown so far.
    pub fn open_progress(&self) -> Option<&Progress> {
        self.open.as_ref().map(|o| &o.progress)
    }

    /// The findings the last line settled in the open session (see [`Judge::settled`]).
    pub fn settled_findings(&mut self) -> Vec<Finding> {
        match self.open.as_mut() {
            Some(open) if !self.hits.signals.is_empty() => {
                open.judge.settled(&self.hits.signals, &open.progress)
            }
            _ => Vec::new(),
        }
    }

    /// The open session judged as if the log ended after its last line, leaving it open.
    pub fn provisional(&self) -> Option<Session> {
        let open = self.open.as_ref()?;
        let judgement = open.judge.provisional(&open.progress, &open.last.as_line());
        Some(conclude(
            self.rules,
            &open.progress,
            judgement,
            &open.trace,
            open.end_line,
            self.sessions.len(),
        ))
    }
}

/// The last non-blank line of a session, kept for absence findings.
#[derive(Default)]
struct LastLine {
    number: u64,
    text: String,
    /// Where the message lies in `text`; `None` when it is kept in `message` instead.
    message_span: Option<std::ops::Range<usize>>,
    message: String,
    time: Option<f64>,
}

impl LastLine {
    fn keep(&mut self, line: &Line<'_>) {
        self.number = line.number;
        self.text.clear();
        self.text.push_str(line.text);
        self.message_span = line.message_span();
        if self.message_span.is_none() {
            self.message.clear();
            self.message.push_str(line.message);
        }
        self.time = line.time;
    }

    fn as_line(&self) -> Line<'_> {
        Line {
            number: self.number,
            text: &self.text,
            message: match &self.message_span {
                Some(span) => &self.text[span.clone()],
                None => &self.message,
            },
            time: self.time,
            relayed: false,
            from_kernel: false,
        }
    }
}

/// The session being read.
struct Open<J> {
    progress: Progress,
    judge: J,
    end_line: u64,
    last: LastLine,
    trace: Trace,
    /// The session holds only the separator it began at so far.
    separator_only: bool,
    /// Markers of the last line that count only once another line follows it; dropped when
    /// the log ends first.
    waiting: Vec<StageMatch>,
}

/// Judged sessions on their way to the caller, the latest held back until the next one closes.
struct Judged<'e> {
    emit: &'e mut dyn FnMut(Session),
    held: Option<Session>,
    count: usize,
    /// Each session is compared with the file's earlier boots as it is handed over.
    history: History,
}

impl<'e> Judged<'e> {
    fn new(emit: &'e mut dyn FnMut(Session)) -> Self {
        Self {
            emit,
            held: None,
            count: 0,
            history: History::default(),
        }
    }

    /// How many sessions have closed so far: the index of the next one.
    fn len(&self) -> usize {
        self.count
    }

    /// Takes a session just closed; it is compared with the file's earlier boots now, so the
    /// session held back is as it will be handed over.
    fn push(&mut self, mut session: Session) {
        self.history.judge(&mut session);
        self.count += 1;
        if let Some(previous) = self.held.replace(session) {
            (self.emit)(previous);
        }
    }

    /// Hands over the last session of the log, after folding a trailing restart, or trailing
    /// lines that show no stage and no failure (a host's message after the VM powered off),
    /// into the one before it.
    fn finish(mut self, mut last: Session, last_handed_off: bool) {
        self.history.judge(&mut last);
        match self.held.take() {
            Some(mut crashed) if folds_into(&crashed, &last, last_handed_off) => {
                crashed.end_line = last.end_line;
                (self.emit)(crashed);
            }
            Some(mut previous) if last.stages.is_empty() && last.findings.is_empty() => {
                previous.end_line = last.end_line;
                (self.emit)(previous);
            }
            Some(previous) => {
                (self.emit)(previous);
                (self.emit)(last);
            }
            None => (self.emit)(last),
        }
    }
}

impl Drop for Judged<'_> {
    /// A read error ends the log early: the session held back is still handed over.
    fn drop(&mut self) {
        if let Some(held) = self.held.take() {
            (self.emit)(held);
        }
    }
}

fn start<'a, R: RuleSet>(rules: &'a R, file: &'a R::FileState, line: u64) -> Open<R::Judge<'a>> {
    Open {
        progress: Progress::new(line, rules.stages().stages().len()),
        judge: rules.judge(file),
        end_line: line,
        last: LastLine::default(),
        trace: Trace::default(),
        separator_only: false,
        waiting: Vec::new(),
    }
}

/// A serial console echoes what is sent to it: a line that repeats the command at the end of
/// the prompt line before it (`root@vm:~# poweroff`, then `poweroff`) is not the command's output.
fn echoes_command(previous: &str, message: &str) -> bool {
    let message = message.trim();
    !message.is_empty()
        && previous
            .trim_end()
            .strip_suffix(message)
            .is_some_and(|prompt| prompt.ends_with([' ', '#', '$']))
}

/// A command that prints the kernel's version banner or its ring buffer from the start, typed at
/// any prompt (a bare `# ` of BusyBox's root shell too) or pasted with its prompt cut: `cat
/// /proc/version`, `dmesg -T | less`, `journalctl -k`; not `dmesg -n 1`, `dmesg > file` or
/// `dmesg | grep …`, which print no banner, so that a real boot after them is still one.
fn prints_kernel_log(text: &str) -> bool {
    // (per line, the cheapest test first: a command begins the line or follows a prompt's `#` or
    // `$`; then it must be named, and only then the regex, which the threads that check files
    // side by side share at the cost of a lock for every thread but one)
    let bytes = text.as_bytes();
    let typed = matches!(bytes.first(), Some(b'c' | b'd' | b'j' | b's'))
        || memchr::memchr2(b'#', b'$', bytes).is_some();
    typed
        && ["dmesg", "/proc/version", "journalctl"]
            .iter()
            .any(|command| text.contains(command))
        && kernel_log_command().is_match(text)
}

static_regex! {
    fn kernel_log_command = r"^(?:.*?[#$] +)?(?:sudo +)?(?:cat +/proc/version|dmesg(?: +(?:-[THLxktw]+|--(?:ctime|human|color\S*|decode|kernel|nopager|time-format\S*)))*|journalctl(?: +(?:-k|--dmesg|-b|-o +\S+|--no-pager|-a))+)(?: *\| *(?:head|less|more)\b[^#$]*)?\s*$"
}

/// A command typed at a shell prompt: `root@vm:~# dmesg`, `[root@vm ~]# dmesg`, SUSE's
/// `vm:~ # dmesg`, BusyBox's `/ # dmesg`, `sh-4.2# dmesg`.
fn is_shell_command(text: &str) -> bool {
    // (most lines hold no `# ` or `$ ` near their start: no regex for them)
    let head = &text.as_bytes()[..text.len().min(120)];
    let marked = memchr::memchr2_iter(b'#', b'$', head).any(|at| head.get(at + 1) == Some(&b' '));
    marked && shell_prompt().is_match(text)
}

static_regex! {
    fn shell_prompt = r"^(?:[\w.-]+@[\w.-]+:\S*|\[[\w.-]+@[\w.-]+ [^\]]+\]|[\w.-]+:\S* |[/~] |(?:ba)?sh-\d+\.\d+)[#$] +\S"
}

/// systemd's status line (`[  OK  ] Started …`, `[FAILED] …`): PID 1 writes it to the console
/// only, never to syslog or the journal, so the file is a console capture.
fn is_status_line(text: &str) -> bool {
    const MARKS: [&str; 5] = [
        "[  OK  ] ",
        "[FAILED] ",
        "[DEPEND] ",
        "[ TIME ] ",
        "[ SKIP ] ",
    ];
    let text = text.trim_start();
    MARKS.iter().any(|mark| text.starts_with(mark))
}

/// Ends a session: its judge says what it found, and the session is judged.
fn close<R: RuleSet, J: Judge>(
    rules: &R,
    open: Open<J>,
    end_line: u64,
    followed_by_new_boot: bool,
    separated: bool,
    index: usize,
) -> Session {
    let Open {
        mut progress,
        judge,
        last,
        trace,
        ..
    } = open;
    progress.next_boot_followed = followed_by_new_boot;
    progress.next_boot_separated = separated;
    let judgement = judge.finish(&progress, &last.as_line());
    conclude(rules, &progress, judgement, &trace, end_line, index)
}

/// The session that `progress`, the judge's findings and the trace describe.
fn conclude<R: RuleSet>(
    rules: &R,
    progress: &Progress,
    judgement: Judgement,
    trace: &Trace,
    end_line: u64,
    index: usize,
) -> Session {
    let model = rules.stages();
    let mut findings = judgement.findings;
    findings.sort_by_key(|f| f.line);
    let cause_chain = cause::chain(rules, &findings);
    let outcome = judge_outcome(progress, &findings, progress.next_boot_followed);
    let end_line = end_line.max(progress.start_line);
    let unproven = unproven_after_failure(model, progress, &findings, outcome);
    let stages: Vec<StageHit> = progress
        .first_reached
        .iter()
        .enumerate()
        .filter(|(_, stage)| !unproven.contains(stage))
        .filter_map(|(n, &stage)| {
            let at = progress.reached[stage]?;
            Some(StageHit {
                id: model.get(stage).id.clone(),
                line: at.line,
                time: at.time,
                after: at.time.is_none().then(|| trace.time_before(n)).flatten(),
            })
        })
        .collect();
    let timeline = timeline::build(&stages, &findings, outcome, end_line, trace);
    let cause = cause_chain.first().copied();
    let top_finding = cause::top(&findings, cause).map(|i| findings[i].rule.clone());
    Session {
        index,
        start_line: progress.start_line,
        end_line,
        outcome,
        // the first reached of the furthest rank (power-off and restart share one), as in
        // `Progress::furthest`
        last_stage: progress
            .first_reached
            .iter()
            .filter(|stage| !unproven.contains(stage))
            .rev()
            .max_by_key(|&&stage| model.rank(stage))
            .map(|&stage| model.get(stage).id.clone()),
        stages,
        findings,
        cause,
        cause_chain,
        top_finding,
        rule_errors: judgement.failures,
        timeline,
    }
}

/// The stages a failed boot only seemed to reach: after its first fatal finding, a stage at or
/// beyond the booted mark counts only by its own marker, since what merely shows it is printed
/// in emergency mode too (the runlevel record, a root shell's prompt). A restart or power-off
/// that only the kernel's last steps precede (the furthest shutdown stage before the end, which
/// any restart prints) and that only a line showing it gives (an emergency reset: a panic's
/// reboot timer, a watchdog, the hypervisor) is the failure's own end, not a shutdown the boot
/// went on to; the stage's own marker (the kernel's orderly restart, which a program asked
/// for) stands.
fn unproven_after_failure(
    model: &StageModel,
    progress: &Progress,
    findings: &[Finding],
    outcome: Outcome,
) -> Vec<usize> {
    let (Outcome::BootFailed, Some(booted)) = (outcome, model.booted_rank()) else {
        return Vec::new();
    };
    let Some(failed_at) = findings.iter().filter(|f| f.fatal).map(|f| f.line).min() else {
        return Vec::new();
    };
    let after_failure = |stage: usize| progress.reached[stage].is_some_and(|r| r.line > failed_at);
    let shutdown = |stage: usize| model.get(stage).phase == Phase::Shutdown;
    let ends_session = |stage: usize| {
        matches!(
            model.get(stage).marks,
            Some(Mark::PoweredOff | Mark::Rebooted)
        )
    };
    let kernel_steps = (0..model.stages().len())
        .filter(|&s| shutdown(s) && !ends_session(s))
        .map(|s| model.rank(s))
        .max();
    let shut_down = progress
        .first_reached
        .iter()
        .any(|&s| shutdown(s) && kernel_steps.is_some_and(|k| model.rank(s) < k));
    let restarted = progress
        .first_reached
        .iter()
        .any(|&s| ends_session(s) && after_failure(s) && !progress.marked[s]);
    progress
        .first_reached
        .iter()
        .copied()
        .filter(|&stage| {
            let def = model.get(stage);
            let shown_after_boot =
                def.phase == Phase::Boot && model.rank(stage) >= booted && !progress.marked[stage];
            let failure_ended = shutdown(stage) && restarted && !shut_down;
            (shown_after_boot || failure_ended) && after_failure(stage)
        })
        .collect()
}
