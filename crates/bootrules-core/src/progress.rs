//! What an open session has shown so far: the stages it reached and where, whether it booted or
//! began shutting down, and whether a stage marker begins a new boot. Judges read it to scope
//! their signatures.

use crate::line::Line;
use crate::stage::{Mark, Phase, Rank, StageMatch, StageModel};

/// Where a stage was first reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reached {
    /// The line.
    pub line: u64,
    /// Its kernel time.
    pub time: Option<f64>,
}

/// What a session has shown so far; judges read it to scope their signatures.
#[derive(Debug, Clone)]
pub struct Progress {
    /// First line of the session.
    pub start_line: u64,
    pub(crate) reached: Vec<Option<Reached>>,
    reached_text: Vec<String>,
    pub(crate) first_reached: Vec<usize>,
    /// Whether each stage was reached by its own marker (not only shown by other lines).
    pub(crate) marked: Vec<bool>,
    pub(crate) furthest: Option<(Rank, usize)>,
    /// The furthest stage reached by its own marker (not only shown by other lines).
    furthest_marker: Option<Rank>,
    /// The furthest stage the session is known to be in (by a marker or a line that places it,
    /// not one that only shows a lower bound).
    furthest_placed: Option<(Rank, usize)>,
    /// Each time the session was placed further: the line and the stage (a few entries, as
    /// placements only move forward). An excerpt's first lines are read again with it.
    placements: Vec<(u64, usize)>,
    /// For each stage, the first line that placed the session in it, also behind the furthest:
    /// when a later line takes the furthest back (a switch that failed), the best of the rest
    /// holds.
    placed: Vec<Option<u64>>,
    /// A stage claimed by a conditional line while it is the furthest: a later line that places
    /// the session in one of the stages the claim excludes takes it back.
    tentative: Option<usize>,
    /// The once-per-boot markers seen, each with its stage's rank and whether a marker of an
    /// earlier stage (past the hand-off) came after it: then it was the initramfs' copy (Arch's
    /// systemd initramfs greets with the plain `Welcome to Arch Linux!`, as its real root does
    /// again after the switch), and its one repeat is the same boot (once the boot went past it,
    /// an earlier stage's marker is the next boot's).
    once_markers_seen: Vec<OnceMarker>,
    /// True once the bootloader handed over to the OS (a hand-off line, or a stage at or beyond
    /// the hand-off stage).
    pub handed_off: bool,
    pub(crate) max_kernel_time: f64,
    /// Line where a stage at or beyond the booted mark was first reached.
    pub booted_at: Option<u64>,
    /// Line where the first shutdown stage was reached.
    pub shutdown_at: Option<u64>,
    /// Power-off or restart, and its line.
    pub end_mark: Option<(Mark, u64)>,
    /// True when the session ended because a new boot began (known when the judge finishes).
    pub next_boot_followed: bool,
    /// True once a command was typed at a shell in this session (`root@vm:~# dmesg`): kernel
    /// lines after it may be that command's replay of the ring buffer, not a new kernel.
    pub shell_commands: bool,
    /// True when that new boot began at the log's own separator (a journal's `-- Boot … --`):
    /// a journal never holds the kernel's last lines and, filtered to a unit, no shutdown, so
    /// the session is judged by what it shows rather than as cut short.
    pub next_boot_separated: bool,
}

/// A once-per-boot marker a session has shown (see [`Progress::once_markers_seen`]).
#[derive(Debug, Clone, Copy)]
struct OnceMarker {
    marker: u32,
    rank: Rank,
    /// A marker of an earlier stage came after it, before any of a later stage.
    stepped_back: bool,
    /// A marker of a later stage came after it: the boot went on past it, so an earlier stage's
    /// marker after that is the next boot's, not a step back.
    passed: bool,
}

impl Progress {
    pub(crate) fn new(start_line: u64, stage_count: usize) -> Self {
        Self {
            start_line,
            reached: vec![None; stage_count],
            reached_text: vec![String::new(); stage_count],
            first_reached: Vec::new(),
            marked: vec![false; stage_count],
            furthest: None,
            furthest_marker: None,
            furthest_placed: None,
            placements: Vec::new(),
            placed: vec![None; stage_count],
            tentative: None,
            once_markers_seen: Vec::new(),
            handed_off: false,
            max_kernel_time: 0.0,
            booted_at: None,
            shutdown_at: None,
            end_mark: None,
            next_boot_followed: false,
            next_boot_separated: false,
            shell_commands: false,
        }
    }

    /// Where the stage with this index was first reached in this session.
    pub fn reached(&self, stage: usize) -> Option<Reached> {
        self.reached.get(stage).copied().flatten()
    }

    /// The line (as a person reads it) where the stage was first reached.
    pub fn reached_text(&self, stage: usize) -> Option<&str> {
        self.reached(stage)
            .map(|_| self.reached_text[stage].as_str())
    }

    /// The furthest stage the session is known to be in (by a marker or a line that places
    /// it there, not one that shows only a lower bound).
    pub fn placed_stage(&self) -> Option<usize> {
        self.furthest_placed.map(|(_, stage)| stage)
    }

    /// The stage the session was known to be in when it printed `line` (the line's own
    /// placement included).
    pub fn placed_at(&self, line: u64) -> Option<usize> {
        self.placements
            .iter()
            .rev()
            .find(|&&(at, _)| at <= line)
            .map(|&(_, stage)| stage)
    }

    /// The stages the session was placed in after `line`, in order, with their lines: stages
    /// only move forward, so a line printed before a placement was in that stage or an earlier
    /// one.
    pub fn placed_after(&self, line: u64) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.placements
            .iter()
            .copied()
            .filter(move |&(at, _)| at > line)
    }

    /// Whether a line placed the session in `stage` (a marker, or a line only that stage
    /// prints), rather than only showing that it or a later one was reached.
    pub fn placed_in(&self, stage: usize) -> bool {
        self.placed.get(stage).is_some_and(Option::is_some)
    }

    /// The furthest stage reached so far (its index in the model).
    pub fn furthest_stage(&self) -> Option<usize> {
        self.furthest.map(|(_, stage)| stage)
    }

    /// Stages reached so far, in the order first reached (indices in the model).
    pub fn stages_reached(&self) -> &[usize] {
        &self.first_reached
    }

    /// The rank of the furthest stage reached so far.
    pub fn furthest_rank(&self) -> Option<Rank> {
        self.furthest.map(|(rank, _)| rank)
    }

    /// The phase the session is in now.
    pub fn phase(&self) -> Phase {
        if self.shutdown_at.is_some() {
            Phase::Shutdown
        } else {
            Phase::Boot
        }
    }

    pub(crate) fn record(&mut self, model: &StageModel, hit: StageMatch, line: &Line<'_>) {
        let stage = hit.stage;
        let def = model.get(stage);
        let rank = model.rank(stage);
        if hit.undone {
            self.undo(model, rank);
            return;
        }
        let inside =
            |at: Option<(Rank, usize)>| at.is_some_and(|(_, s)| def.shown_outside.contains(&s));
        if hit.conditional && inside(self.furthest_placed) {
            return;
        }
        if let Some(claimed) = self.tentative {
            if !hit.lower_bound
                && !hit.conditional
                && model.get(claimed).shown_outside.contains(&stage)
            {
                self.take_back(model, claimed);
            } else if !hit.conditional && stage == claimed {
                // a line that shows the claimed stage outright confirms it: systemd's welcome
                // after its `Detected architecture`, which the initramfs' systemd prints too
                self.tentative = None;
            }
        }
        if !hit.lower_bound {
            self.placed[stage].get_or_insert(line.number);
        }
        if !hit.lower_bound && self.furthest_placed.is_none_or(|(best, _)| rank > best) {
            self.furthest_placed = Some((rank, stage));
            self.placements.push((line.number, stage));
        }
        if !hit.shown {
            self.marked[stage] = true;
            if def.phase == Phase::Boot && model.handoff_rank().is_some_and(|h| rank > h) {
                for seen in &mut self.once_markers_seen {
                    seen.passed |= rank > seen.rank;
                    seen.stepped_back |= rank < seen.rank && !seen.passed;
                }
            }
            if def.once_per_boot {
                match self
                    .once_markers_seen
                    .iter_mut()
                    .find(|m| m.marker == hit.marker)
                {
                    // seen again in the same boot: the step back is used up
                    Some(seen) => seen.stepped_back = false,
                    None => self.once_markers_seen.push(OnceMarker {
                        marker: hit.marker,
                        rank,
                        stepped_back: false,
                        passed: false,
                    }),
                }
            }
            if self.furthest_marker.is_none_or(|best| rank > best) {
                self.furthest_marker = Some(rank);
            }
        }
        self.handed_off |= hit.handoff || model.handoff_rank().is_some_and(|h| rank >= h);
        if self.reached[stage].is_some() {
            return;
        }
        self.reached[stage] = Some(Reached {
            line: line.number,
            time: line.time,
        });
        self.reached_text[stage] = line.text.to_owned();
        self.first_reached.push(stage);
        if self.furthest.is_none_or(|(best, _)| rank > best) {
            self.furthest = Some((rank, stage));
            self.tentative = hit.conditional.then_some(stage);
        }
        if self.booted_at.is_none() && model.booted_rank().is_some_and(|b| rank >= b) {
            self.booted_at = Some(line.number);
        }
        if def.phase == Phase::Shutdown && self.shutdown_at.is_none() {
            self.shutdown_at = Some(line.number);
        }
        if let Some(mark @ (Mark::PoweredOff | Mark::Rebooted)) = def.marks {
            self.end_mark.get_or_insert((mark, line.number));
        }
    }

    /// Takes back the stages from `rank` on, when a line shows the session never got there
    /// (systemd stopping `Multi-User System` to isolate emergency.target, not to shut down).
    fn undo(&mut self, model: &StageModel, rank: Rank) {
        let undone: Vec<usize> = self
            .first_reached
            .iter()
            .copied()
            .filter(|&s| model.rank(s) >= rank)
            .collect();
        for stage in undone {
            self.take_back(model, stage);
        }
    }

    /// Withdraws a claim that a later line contradicts (the initramfs' systemd reached `Local
    /// File Systems` too; an `undone-by` line): the furthest stage is the one before it again,
    /// and the session is placed where its other lines placed it.
    fn take_back(&mut self, model: &StageModel, claimed: usize) {
        self.tentative = None;
        if self.reached[claimed].take().is_none() {
            return;
        }
        self.marked[claimed] = false;
        self.furthest_marker = (0..self.marked.len())
            .filter(|&s| self.marked[s])
            .map(|s| model.rank(s))
            .max();
        if model.get(claimed).marks.is_some_and(|m| m != Mark::Booted) {
            self.end_mark = None;
        }
        self.first_reached.retain(|&s| s != claimed);
        self.furthest = self
            .first_reached
            .iter()
            .map(|&s| (model.rank(s), s))
            .max_by_key(|&(rank, _)| rank);
        self.placed[claimed] = None;
        self.placements.retain(|&(_, s)| s != claimed);
        if self.furthest_placed.is_some_and(|(_, s)| s == claimed) {
            let fallback = (0..self.placed.len())
                .filter(|&s| self.reached[s].is_some())
                .filter_map(|s| self.placed[s].map(|line| (model.rank(s), s, line)))
                .max_by_key(|&(rank, _, _)| rank);
            self.furthest_placed = fallback.map(|(rank, s, _)| (rank, s));
            // kept in line order, and moving forward only: what placed the session lower
            // after the fallback's line no longer counts
            if let Some((rank, stage, line)) = fallback {
                self.placements
                    .retain(|&(l, s)| l <= line || model.rank(s) > rank);
                if !self.placements.iter().any(|&(_, s)| s == stage) {
                    let at = self.placements.partition_point(|&(l, _)| l <= line);
                    self.placements.insert(at, (line, stage));
                }
            }
        }
        // what the claim alone meant (booted, shutting down) is worked out again without it
        let first_line = |keep: &dyn Fn(usize) -> bool| {
            self.first_reached
                .iter()
                .filter(|&&s| keep(s))
                .filter_map(|&s| self.reached[s].map(|r| r.line))
                .min()
        };
        let booted = model.booted_rank();
        self.booted_at = first_line(&|s| booted.is_some_and(|b| model.rank(s) >= b));
        self.shutdown_at = first_line(&|s| model.get(s).phase == Phase::Shutdown);
    }

    /// The kernel's clock is back near zero after this session's kernel had run for a while: a
    /// new kernel booted whose banner the log does not show (a kdump capture kernel booted
    /// `quiet`, an excerpt of warnings only). A copy relayed by a logging daemon proves nothing.
    fn kernel_clock_restarted(&self, line: &Line<'_>) -> bool {
        /// Uptime a kernel must have shown before its clock starting over is believed.
        const RAN_FOR: f64 = 30.0;
        /// How soon after its start a new kernel's first line that the log shows may come.
        const STARTED_WITHIN: f64 = 5.0;
        !line.relayed
            && !self.shell_commands
            && self.max_kernel_time > RAN_FOR
            && line.time.is_some_and(|t| t < STARTED_WITHIN)
    }

    /// Does this stage marker begin a new boot, given what the session has shown?
    ///
    /// Firmware and bootloader output before the hand-off to the OS belongs to one attempt
    /// however often the firmware resets itself (Chromebook verified boot, a SeaBIOS retry);
    /// once the attempt handed over, seeing an earlier stage again means the machine restarted.
    ///
    /// `line_shows_kernel`: the same line shows the kernel stage too. A hand-off line that does
    /// (the kernel image's decompressor, `Decompressing Linux...`) continues the boot whose
    /// kernel setup code printed before it (`early console in setup code`, untimed), as long as
    /// the kernel stage was reached by such an untimed line and the session got no further.
    pub(crate) fn is_new_boot(
        &self,
        model: &StageModel,
        hit: StageMatch,
        line: &Line<'_>,
        line_shows_kernel: bool,
    ) -> bool {
        if hit.shown {
            return model.kernel_line_stage() == Some(hit.stage)
                && self.kernel_clock_restarted(line);
        }
        // A log's separator between boots (a journal's `-- Boot … --`) begins the next boot
        // whatever the lines before it were: the kernel banner's guards do not apply to it
        if hit.separator {
            return self.start_line < line.number;
        }
        let stage = hit.stage;
        let def = model.get(stage);
        // A marker printed once per boot, seen again, is the next boot's, also of a stage that
        // does not otherwise begin sessions (cloud-init's local stage in a cloud-init-output.log).
        let repeated = def.once_per_boot
            && self
                .once_markers_seen
                .iter()
                .any(|m| m.marker == hit.marker && !m.stepped_back);
        if !(def.starts_session || repeated) {
            return false;
        }
        if hit.handoff && line_shows_kernel {
            if let Some(kernel) = model.kernel_line_stage() {
                let setup_only = self.reached(kernel).is_some_and(|at| at.time.is_none());
                let past_kernel = self
                    .furthest
                    .is_some_and(|(furthest, _)| furthest > model.rank(kernel));
                if setup_only && !past_kernel {
                    return false;
                }
            }
        }
        let beyond = self
            .furthest
            .is_some_and(|(furthest, _)| furthest > model.rank(stage));
        // A kernel banner without the kernel's time stamp, in a session whose kernel prints one,
        // is a program printing /proc/version (a test script), not a boot.
        let untimed_banner = line.time.is_none()
            && self.max_kernel_time > 0.0
            && model.kernel_line_stage() == Some(stage);
        if untimed_banner {
            return false;
        }
        match self.furthest_marker {
            // Kernel output from a kernel that had been running for a while, before any
            // banner: the tail of an earlier boot (a kernel prints at time 0 before its banner).
            None => self.max_kernel_time > line.time.unwrap_or(0.0) || (self.handed_off && beyond),
            Some(_) => self.handed_off && ((def.starts_session && beyond) || repeated),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::session::Outcome::*;
    use crate::testutil::{outline, sessions, LogCase};

    #[test]
    fn where_one_session_ends_and_the_next_begins() {
        let cases: &[LogCase] = &[
            (
                "one boot",
                "@firmware\n@bootloader\n@kernel\n@booted",
                &[(1, 4, Booted)],
            ),
            (
                "a kernel banner after the hand-off begins a new boot",
                "@kernel\n@booted\n@kernel\n@booted",
                &[(1, 2, Reset), (3, 4, Booted)],
            ),
            (
                "a log's separator begins the next boot without cutting the last one short",
                "%kernel\n@booted\n%kernel\n@initrd",
                &[(1, 2, Booted), (3, 4, BootStalled)],
            ),
            (
                "a kernel banner after a separator is the same boot",
                "@kernel\n@booted\n%kernel\n@kernel\n@booted",
                &[(1, 2, Booted), (3, 5, Booted)],
            ),
            (
                "a separator begins a boot also when no marker came before it",
                "!error\n%kernel\n@booted",
                &[(1, 1, BootStalled), (2, 3, Booted)],
            ),
            (
                "a separator after a journal's kernel times still begins a boot",
                "[   1.0] vm1 kernel: @kernel\n[ 500.0] vm1 kernel: @booted\n%kernel\n[   0.0] vm1 kernel: @kernel",
                &[(1, 2, Booted), (3, 4, BootStalled)],
            ),
            (
                "separators with nothing between them are one boot's start",
                "@kernel\n@booted\n%kernel\n%kernel\n%kernel\n@booted",
                &[(1, 2, Booted), (3, 6, Booted)],
            ),
            (
                "a separator on a console is a command's output, no boot",
                "[   1.0] @kernel\n[ 500.0] @booted\n%kernel\n!warning",
                &[(1, 4, Booted)],
            ),
            (
                "kernel lines after a command at a shell are its output (`dmesg`), no new kernel",
                "[   1.0] @kernel\n[  99.0] @booted\nroot@vm1:~# dmesg | grep iommu\n[   0.04] iommu: Default domain type: Translated",
                &[(1, 4, Booted)],
            ),
            (
                "a banner right after a command that prints it is its output, no new kernel",
                "@kernel\n@booted\n# cat /proc/version\n@kernel\n$ dmesg\n@kernel\nuname -a",
                &[(1, 7, Booted)],
            ),
            (
                "a banner after any other command is a new boot",
                "@kernel\n@booted\n# reboot\n@kernel\n@booted",
                &[(1, 3, Reset), (4, 5, Booted)],
            ),
            (
                "a banner after a dmesg that prints none is a new boot",
                "@kernel\n@booted\nroot@vm:~# dmesg -n 1\n@kernel\n@booted",
                &[(1, 3, Reset), (4, 5, Booted)],
            ),
            (
                "dmesg on arm: the lines at time zero before its banner are its output too",
                "@kernel\n@booted\n# dmesg -T\n[    0.000000] @kernel\n[    0.000000] @kernel\n[    0.000000] x",
                &[(1, 6, Booted)],
            ),
            (
                "a shutdown that a separator follows came back: rebooted",
                "@kernel\n@booted\n@shutdown\n%kernel\n@booted",
                &[(1, 3, Rebooted), (4, 5, Booted)],
            ),
            (
                "firmware starting over before the hand-off is the same attempt",
                "@firmware\n@bootloader\n@firmware\n@bootloader\n@kernel\n@booted",
                &[(1, 6, Booted)],
            ),
            (
                "a marker that needs a next line counts once one follows",
                "@kernel\n@booted\n^shutdown\n@power-off",
                &[(1, 4, PoweredOff)],
            ),
            (
                "a marker that needs a next line counts nothing on the log's last line",
                "@kernel\n@booted\n^shutdown\n\n",
                &[(1, 4, Booted)],
            ),
            (
                "a marker that needs a next line begins no session, also after a power-off",
                "@kernel\n@booted\n@shutdown\n@power-off\n^shutdown\n@firmware\n@kernel",
                &[(1, 5, PoweredOff), (6, 7, BootStalled)],
            ),
            (
                "power-off ends the session on its line",
                "@kernel\n@booted\n@shutdown\n@power-off\n@firmware\n@kernel",
                &[(1, 4, PoweredOff), (5, 6, BootStalled)],
            ),
            (
                "the dying kernel's last line stays in its session",
                "@kernel\n@booted\n@shutdown\n@power-off\nreboot: Power down",
                &[(1, 5, PoweredOff)],
            ),
            (
                "kernel output from a kernel long up, before any banner, is an earlier boot",
                "[   50.000000] x\n[    0.000000] @kernel\n@booted",
                &[(1, 1, Reset), (2, 3, Booted)],
            ),
            (
                "a once-per-boot marker seen again is the next boot, though its stage starts none",
                "@kernel\n@booted\n@booted",
                &[(1, 2, Reset), (3, 3, Booted)],
            ),
            (
                "a once-per-boot marker seen again after an earlier stage's marker is the same boot",
                "@kernel\n@booted\n@initrd\n@booted\n@kernel\n@booted",
                &[(1, 4, Reset), (5, 6, Booted)],
            ),
            (
                "the step back allows one repeat: a third sighting is the next boot",
                "@kernel\n@booted\n@initrd\n@booted\n@booted",
                &[(1, 4, Reset), (5, 5, Booted)],
            ),
            (
                "blank lines at the end belong to the open session",
                "@kernel\n@booted\n\n\n",
                &[(1, 4, Booted)],
            ),
        ];
        for (what, log, want) in cases {
            assert_eq!(outline(log), *want, "{what}");
        }
    }

    #[test]
    fn a_line_that_undoes_a_stage_takes_it_back_with_the_later_ones() {
        // systemd stops Multi-User System to isolate emergency.target, then starts the shell
        let isolated = &sessions(
            "@kernel
@shutdown
~shutdown
!fatal",
        )[0];
        assert_eq!(isolated.outcome, BootFailed);
        assert_eq!(isolated.last_stage.as_deref(), Some("kernel"));
        // nothing to take back: the stage was never reached
        let booted = &sessions(
            "@kernel
~shutdown
@booted",
        )[0];
        assert_eq!(booted.outcome, Booted);
        assert_eq!(booted.last_stage.as_deref(), Some("booted"));
    }

    #[test]
    fn an_emergency_restart_that_ends_a_failed_boot_is_not_a_stage_it_reached() {
        // the kernel panicked and its reboot timer reset the machine: the boot got to the kernel
        let reset = &sessions("@kernel\n!fatal\n@shutdown\n?restart")[0];
        assert_eq!(reset.outcome, BootFailed);
        assert_eq!(reset.last_stage.as_deref(), Some("kernel"));
        // the initramfs gave up and ran `reboot -f`: the kernel's orderly restart is the stage
        let restarted = &sessions("@kernel\n!fatal\n@shutdown\n@restart")[0];
        assert_eq!(restarted.outcome, BootFailed);
        assert_eq!(restarted.last_stage.as_deref(), Some("restart"));
        // without the restart, what the lines after the failure show stands
        let stopped = &sessions("@kernel\n!fatal\n@shutdown")[0];
        assert_eq!(stopped.last_stage.as_deref(), Some("shutdown"));
    }
}
