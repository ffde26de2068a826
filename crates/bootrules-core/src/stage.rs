//! The stage model: which stages exist, in which order, and what reaching them means; and a
//! stage marker that matched a line.
//!
//! The engine knows no stage by name. A rule pack declares the stages; the declarations
//! (`starts_session`, `marks`) are all the engine needs to split sessions and judge outcomes.

use serde::{Deserialize, Serialize};

/// Boot stages come before shutdown stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// From firmware to a ready VM.
    Boot,
    /// From the first unit stopping to power-off or restart.
    Shutdown,
}

/// What reaching a stage says about the session (`marks = "booted"` in a rule file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// The VM booted (this stage or any later boot stage reached).
    Booted,
    /// The VM powered off; the session ends on this line.
    PoweredOff,
    /// The VM restarted; the session ends on this line.
    Rebooted,
}

/// One declared stage.
#[derive(Debug, Clone)]
pub struct StageDef {
    /// Stable id, e.g. `initramfs`.
    pub id: String,
    /// Boot or shutdown.
    pub phase: Phase,
    /// Position within the phase; equal orders are alternatives (power-off, restart).
    pub order: u32,
    /// Reaching this stage after a later stage was reached begins a new session.
    pub starts_session: bool,
    /// The stage's markers print once per boot, so seeing one again begins a new session.
    pub once_per_boot: bool,
    /// Reaching this stage (or a later one) means the bootloader handed over to the OS: the
    /// boot attempt is committed, and firmware output after it is a new boot, not a retry.
    pub handoff: bool,
    /// What reaching it means, if anything.
    pub marks: Option<Mark>,
    /// Every line the kernel printed (a printk timestamp, a `kernel:` tag) shows this stage.
    pub shown_by_kernel_lines: bool,
    /// The stages (indices) in which this stage's conditional lines show nothing, because the
    /// component that prints them there runs in both (systemd in the initramfs).
    pub shown_outside: Vec<usize>,
}

/// The stages of a rule pack.
#[derive(Debug, Clone, Default)]
pub struct StageModel {
    stages: Vec<StageDef>,
    /// Looked up on every kernel line, so found once.
    kernel_line_stage: Option<usize>,
}

/// A total order over stages: shutdown stages come after every boot stage.
pub type Rank = (Phase, u32);

impl StageModel {
    /// Builds the model; stages are referred to by their index in `stages`.
    pub fn new(stages: Vec<StageDef>) -> Self {
        let kernel_line_stage = stages.iter().position(|s| s.shown_by_kernel_lines);
        Self {
            stages,
            kernel_line_stage,
        }
    }

    /// All stages, in declaration order.
    pub fn stages(&self) -> &[StageDef] {
        &self.stages
    }

    /// The stage at `index`.
    pub fn get(&self, index: usize) -> &StageDef {
        &self.stages[index]
    }

    /// The index of the stage with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }

    /// How far along a stage is.
    pub fn rank(&self, index: usize) -> Rank {
        let s = &self.stages[index];
        (s.phase, s.order)
    }

    /// The lowest rank that means the bootloader handed over, if the pack declares one.
    pub fn handoff_rank(&self) -> Option<Rank> {
        (0..self.stages.len())
            .filter(|&i| self.stages[i].handoff)
            .map(|i| self.rank(i))
            .min()
    }

    /// The stage that any line the kernel printed shows, if the pack declares one.
    pub fn kernel_line_stage(&self) -> Option<usize> {
        self.kernel_line_stage
    }

    /// The lowest rank that means "booted", if the pack declares one.
    pub fn booted_rank(&self) -> Option<Rank> {
        (0..self.stages.len())
            .filter(|&i| self.stages[i].marks == Some(Mark::Booted))
            .map(|i| self.rank(i))
            .min()
    }
}

/// A stage marker that matched a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageMatch {
    /// Index of the stage in the pack's [`StageModel`].
    pub stage: usize,
    /// Byte offset of the match in the line's message (a prompt may precede a new boot).
    pub at: usize,
    /// Which of the pack's markers matched, for stages whose markers print once per boot.
    pub marker: u32,
    /// The marker says the bootloader handed over to the OS (`Starting kernel ...`).
    pub handoff: bool,
    /// The marker is a log's own line between two boots (a journal's `-- Boot … --`): the next
    /// boot began, but what came before need not show how the last one ended (a journal
    /// filtered to one unit shows no shutdown), so that session was not cut short by it.
    pub separator: bool,
    /// The line shows the stage was reached without being its marker (a dracut message shows
    /// the initramfs runs): it never begins a session, so an excerpt is judged by what it shows.
    pub shown: bool,
    /// The line shows only that the stage or a later one was reached (a systemd status line:
    /// userspace runs), not that the session is in it.
    pub lower_bound: bool,
    /// The line shows the stage unless the session is in one of the stages its definition
    /// names (`StageDef::shown_outside`): the initramfs' systemd prints it too.
    pub conditional: bool,
    /// The line shows the stage, if it is the furthest reached, was not reached after all
    /// (systemd isolating emergency.target stops the targets a shutdown stops).
    pub undone: bool,
    /// The marker counts only once another line follows it (a shutdown command typed at a
    /// shell: a log that ends on the command shows it was typed, not that anything went down).
    /// It never begins a session.
    pub needs_next_line: bool,
}

impl StageMatch {
    /// A line that shows `stage` was reached (see [`StageMatch::shown`]).
    pub fn shown(stage: usize) -> Self {
        Self {
            stage,
            at: 0,
            marker: u32::MAX,
            handoff: false,
            separator: false,
            shown: true,
            lower_bound: false,
            conditional: false,
            undone: false,
            needs_next_line: false,
        }
    }

    /// A line that shows `stage` or a later one was reached (see [`StageMatch::lower_bound`]).
    pub fn at_least(stage: usize) -> Self {
        Self {
            lower_bound: true,
            ..Self::shown(stage)
        }
    }

    /// A line that shows `stage` outside the stages its definition names (see
    /// [`StageMatch::conditional`]).
    pub fn shown_outside(stage: usize) -> Self {
        Self {
            conditional: true,
            ..Self::shown(stage)
        }
    }

    /// A line that takes `stage` back if it is the furthest (see [`StageMatch::undone`]).
    pub fn undone(stage: usize) -> Self {
        Self {
            undone: true,
            ..Self::shown(stage)
        }
    }
}
