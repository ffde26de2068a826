//! A toy rule pack for the engine's own tests: a handful of stages and three signals, written
//! as plain words in a log, so a test reads as the log it checks.
//!
//! A line `@kernel` is the marker of the stage `kernel`; `!fatal`, `!error` and `!warning` are
//! findings of that severity (`!fatal` stops the boot); `~shutdown` takes back the stage
//! `shutdown` and the ones after it; `?restart` shows the stage `restart` without being its
//! marker (a `shown-by` line); `%kernel` is a separator of the stage `kernel` (a journal's
//! `-- Boot … --`); `^shutdown` is a marker of `shutdown` that counts only once another line
//! follows it (a typed `reboot`). Only a line's first word counts, so the rest may imitate what
//! a real line holds. A line may begin with a kernel timestamp
//! (`[   12.5] @kernel`).

use crate::checker::Checker;
use crate::classify::{Judge, LineHits, RuleSet};
use crate::finding::{Finding, Judgement, Severity};
use crate::line::Line;
use crate::progress::Progress;
use crate::session::{Outcome, Session};
use crate::stage::{Mark, Phase, StageDef, StageMatch, StageModel};

/// The toy pack.
pub(crate) struct Toy {
    model: StageModel,
}

/// The findings of one toy session.
pub(crate) struct ToyJudge {
    findings: Vec<Finding>,
}

impl Toy {
    pub(crate) fn new() -> Self {
        let stage = |id: &str, phase, order, starts_session, marks| StageDef {
            id: id.to_owned(),
            phase,
            order,
            starts_session,
            once_per_boot: matches!(id, "kernel" | "booted"),
            handoff: id == "kernel",
            marks,
            shown_by_kernel_lines: false,
            shown_outside: Vec::new(),
        };
        let model = StageModel::new(vec![
            stage("firmware", Phase::Boot, 0, true, None),
            stage("bootloader", Phase::Boot, 1, true, None),
            stage("kernel", Phase::Boot, 2, true, None),
            stage("initrd", Phase::Boot, 3, false, None),
            stage("booted", Phase::Boot, 4, false, Some(Mark::Booted)),
            stage("shutdown", Phase::Shutdown, 0, false, None),
            stage(
                "power-off",
                Phase::Shutdown,
                1,
                false,
                Some(Mark::PoweredOff),
            ),
            stage("restart", Phase::Shutdown, 1, false, Some(Mark::Rebooted)),
        ]);
        Self { model }
    }
}

/// The signals, by their number.
const SIGNALS: [&str; 3] = ["!fatal", "!error", "!warning"];

impl RuleSet for Toy {
    type Judge<'a> = ToyJudge;
    type FileState = ();

    fn stages(&self) -> &StageModel {
        &self.model
    }

    fn classify(&self, line: &Line<'_>, hits: &mut LineHits) {
        let word = line.message.split_whitespace().next().unwrap_or("");
        let marker = word.strip_prefix('@').map(|id| (id, false));
        let shown = word.strip_prefix('?').map(|id| (id, true));
        let separator = word.starts_with('%');
        let marker = marker.or_else(|| word.strip_prefix('%').map(|id| (id, false)));
        let needs_next_line = word.starts_with('^');
        let marker = marker.or_else(|| word.strip_prefix('^').map(|id| (id, false)));
        if let Some((stage, shown)) = marker
            .or(shown)
            .and_then(|(id, shown)| Some((self.model.index_of(id)?, shown)))
        {
            hits.stages.push(StageMatch {
                stage,
                at: 0,
                marker: stage as u32 + if separator { 1000 } else { 0 },
                handoff: false,
                separator,
                shown,
                lower_bound: false,
                conditional: false,
                undone: false,
                needs_next_line,
            });
        }
        if let Some(stage) = word
            .strip_prefix('~')
            .and_then(|id| self.model.index_of(id))
        {
            hits.stages.push(StageMatch::undone(stage));
        }
        if let Some(signal) = SIGNALS.iter().position(|s| *s == word) {
            hits.signals.push(signal as u32);
        }
    }

    fn judge<'a>(&'a self, _file: &'a ()) -> ToyJudge {
        ToyJudge {
            findings: Vec::new(),
        }
    }
}

impl Judge for ToyJudge {
    fn observe(&mut self, line: &Line<'_>, signals: &[u32], _progress: &Progress) {
        for &signal in signals {
            let rule = &SIGNALS[signal as usize][1..];
            let severity =
                [Severity::Critical, Severity::Error, Severity::Warning][signal as usize];
            self.findings.push(Finding {
                text: line.text.to_owned(),
                time: line.time,
                ..finding(rule, severity, line.number)
            });
        }
    }

    fn finish(self, _progress: &Progress, _last: &Line<'_>) -> Judgement {
        Judgement {
            findings: self.findings,
            failures: Vec::new(),
        }
    }

    fn provisional(&self, _progress: &Progress, _last: &Line<'_>) -> Judgement {
        Judgement {
            findings: self.findings.clone(),
            failures: Vec::new(),
        }
    }
}

/// A finding of `rule` on `line`; a critical one is fatal.
pub(crate) fn finding(rule: &str, severity: Severity, line: u64) -> Finding {
    Finding {
        rule: rule.to_owned(),
        title: String::new(),
        category: "other".to_owned(),
        severity,
        fatal: severity == Severity::Critical,
        line,
        text: String::new(),
        text_cut: 0,
        message: String::new(),
        remedy: String::new(),
        count: 1,
        suppressed: 0,
        time: None,
        captures: Default::default(),
        references: Vec::new(),
    }
}

/// The sessions the toy pack finds in `log` (lines separated by `\n`).
pub(crate) fn sessions(log: &str) -> Vec<Session> {
    let toy = Toy::new();
    let mut out = Vec::new();
    let mut emit = |session| out.push(session);
    let mut checker = Checker::new(&toy, &(), &mut emit);
    for (n, line) in log.lines().enumerate() {
        checker.line(n as u64 + 1, line.as_bytes());
    }
    checker.finish();
    out
}

/// A table row: what it shows, the log, and [`outline`] of the log.
pub(crate) type LogCase = (&'static str, &'static str, &'static [(u64, u64, Outcome)]);

/// Each session of `log` as its first line, last line and outcome.
pub(crate) fn outline(log: &str) -> Vec<(u64, u64, Outcome)> {
    sessions(log)
        .iter()
        .map(|s| (s.start_line, s.end_line, s.outcome))
        .collect()
}
