//! How a session ended: the SPEC's precedence of outcomes, and when a trailing restart folds
//! into the crashed session before it.

use crate::finding::{Finding, Severity};
use crate::progress::Progress;
use crate::session::{Outcome, Session};
use crate::stage::Mark;

/// The SPEC's precedence: fatal before boot, fatal after boot, shutdown, reset, booted, stalled.
pub(crate) fn judge_outcome(
    progress: &Progress,
    findings: &[Finding],
    followed_by_new_boot: bool,
) -> Outcome {
    let before = |limit: Option<u64>, line: u64| limit.is_none_or(|l| line < l);
    let shutdown_time = shutdown_time(progress);
    let fatal = findings
        .iter()
        .filter(|f| f.fatal && !same_report(f.time, shutdown_time))
        .map(|f| f.line);
    let mut fatal_before_boot = false;
    let mut fatal_while_up = false;
    // A fatal finding once shutdown began (a panic as systemd-shutdown exits) ends no boot: the
    // session's outcome is its shutdown's, whether or not the excerpt showed the boot come up.
    for line in fatal.filter(|&line| before(progress.shutdown_at, line)) {
        if before(progress.booted_at, line) {
            fatal_before_boot = true;
        } else {
            fatal_while_up = true;
        }
    }
    if fatal_before_boot {
        Outcome::BootFailed
    } else if fatal_while_up {
        Outcome::Crashed
    } else if progress.shutdown_at.is_some() {
        match progress.end_mark {
            Some((Mark::PoweredOff, _)) => Outcome::PoweredOff,
            Some((Mark::Rebooted, _)) => Outcome::Rebooted,
            // a journal stops before the kernel's last line; its next boot shows it came back
            _ if progress.next_boot_separated => Outcome::Rebooted,
            _ => Outcome::ShutdownStalled,
        }
    } else if followed_by_new_boot && !progress.next_boot_separated {
        // (after a journal's separator, a boot whose end the entries do not show is judged by
        // what they show: a journal filtered to a unit holds no shutdown)
        Outcome::Reset
    } else if progress.booted_at.is_some() {
        Outcome::Booted
    } else {
        Outcome::BootStalled
    }
}

/// The kernel time of the line where shutdown began, when that line is part of a kernel
/// report (the task's `Comm:`, a frame of its backtrace). A shutdown that begins with its own
/// restart or power-off line (a panic's reboot timer, a watchdog) was no orderly shutdown for a
/// fault to have happened in, and one a program began (dracut powering off after its `FATAL:`)
/// came after the fault: neither has one.
fn shutdown_time(progress: &Progress) -> Option<f64> {
    let at = progress.shutdown_at?;
    if progress.end_mark.is_some_and(|(_, line)| line == at) {
        return None;
    }
    progress
        .stages_reached()
        .iter()
        .find(|&&stage| progress.reached(stage).is_some_and(|r| r.line == at))
        .filter(|&&stage| progress.reached_text(stage).is_some_and(is_report_line))
        .and_then(|&stage| progress.reached(stage))
        .and_then(|reached| reached.time)
}

/// A line of a kernel crash report after its first: the task (`CPU: 1 PID: 1 Comm: …`) or a
/// backtrace frame (`device_shutdown+0x1a/0x40`).
fn is_report_line(text: &str) -> bool {
    let frame = text
        .find("+0x")
        .is_some_and(|at| text[at + 3..].contains("/0x"));
    frame || text.contains(" Comm: ")
}

/// A kernel report shows where it happened after its first line (the task's `Comm:`, the
/// frames of its backtrace): a fault whose own report, within the same second, shows the
/// machine going down (`device_shutdown`, `systemd-shutdown`) happened during the shutdown.
fn same_report(fatal: Option<f64>, shutdown: Option<f64>) -> bool {
    matches!((fatal, shutdown), (Some(f), Some(s)) if (0.0..=1.0).contains(&(s - f)))
}

/// A log that ends in firmware or bootloader output right after a fatal crash shows the
/// machine's automatic restart (`panic=N`, a watchdog), cut off by the end of the capture.
/// That restart never reached an OS and found nothing serious, so it is not a boot of its
/// own: it is folded into the crashed session, whose verdict is the one that matters.
pub(crate) fn folds_into(crashed: &Session, restart: &Session, restart_handed_off: bool) -> bool {
    let quiet = restart
        .findings
        .iter()
        .all(|f| f.severity < Severity::Error);
    !restart_handed_off && quiet && crashed.findings.iter().any(|f| f.fatal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::session::Outcome::*;
    use crate::testutil::{finding, outline, sessions, LogCase};

    #[test]
    fn a_fault_whose_report_shows_the_shutdown_happened_during_it() {
        let log =
            |shutdown: &str| format!("[    5.0] @kernel\n[    9.0] !fatal\n[    9.1] {shutdown}");
        // the oops' own task line names systemd-shutdown: the fault came on the way down
        let during = &sessions(&log("@shutdown CPU: 0 PID: 1 Comm: systemd-shutdow"))[0];
        assert_eq!(during.outcome, ShutdownStalled);
        // a program began the shutdown after the fault (dracut powering off after `FATAL:`)
        let after = &sessions(&log("@shutdown systemd-shutdown[1]: Syncing filesystems"))[0];
        assert_eq!(after.outcome, BootFailed);
    }

    #[test]
    fn the_specs_precedence_of_outcomes() {
        type Case = (
            &'static str,
            Option<u64>,
            Option<u64>,
            Option<Mark>,
            &'static [u64],
            bool,
            Outcome,
        );
        // what, booted at, shutdown at, power-off or restart (line 10), fatal lines, a new
        // boot followed: the outcome
        let cases: &[Case] = &[
            ("nothing reached", None, None, None, &[], false, BootStalled),
            ("booted", Some(5), None, None, &[], false, Booted),
            (
                "booted, then a new boot",
                Some(5),
                None,
                None,
                &[],
                true,
                Reset,
            ),
            (
                "shutdown before a reset",
                Some(5),
                Some(9),
                None,
                &[],
                true,
                ShutdownStalled,
            ),
            (
                "powered off",
                Some(5),
                Some(9),
                Some(Mark::PoweredOff),
                &[],
                false,
                PoweredOff,
            ),
            (
                "restarted",
                None,
                Some(9),
                Some(Mark::Rebooted),
                &[],
                true,
                Rebooted,
            ),
            (
                "fatal before boot",
                Some(5),
                None,
                None,
                &[3],
                false,
                BootFailed,
            ),
            (
                "fatal without a boot",
                None,
                None,
                None,
                &[3],
                true,
                BootFailed,
            ),
            ("fatal after boot", Some(5), None, None, &[7], true, Crashed),
            (
                "fatal before boot wins",
                Some(5),
                None,
                None,
                &[7, 3],
                false,
                BootFailed,
            ),
            (
                "fatal once shutdown began",
                Some(5),
                Some(9),
                Some(Mark::PoweredOff),
                &[9],
                false,
                PoweredOff,
            ),
            (
                "fatal in a stalled shutdown",
                Some(5),
                Some(9),
                None,
                &[12],
                false,
                ShutdownStalled,
            ),
        ];
        for &(what, booted_at, shutdown_at, end, fatal, followed, want) in cases {
            let mut progress = Progress::new(1, 0);
            progress.booted_at = booted_at;
            progress.shutdown_at = shutdown_at;
            progress.end_mark = end.map(|mark| (mark, 10));
            let findings: Vec<Finding> = fatal
                .iter()
                .map(|&line| finding("f", Severity::Critical, line))
                .collect();
            assert_eq!(
                judge_outcome(&progress, &findings, followed),
                want,
                "{what}"
            );
        }
    }

    #[test]
    fn a_restart_cut_off_after_a_crash_folds_into_it() {
        let cases: &[LogCase] = &[
            (
                "firmware and bootloader after a crash: one crashed session",
                "@kernel\n@booted\n!fatal\n@firmware\n@bootloader",
                &[(1, 5, Crashed)],
            ),
            (
                "a restart that reached the kernel is a boot of its own",
                "@kernel\n@booted\n!fatal\n@firmware\n@kernel",
                &[(1, 3, Crashed), (4, 5, BootStalled)],
            ),
            (
                "a restart with an error of its own is a boot of its own",
                "@kernel\n@booted\n!fatal\n@firmware\n!error",
                &[(1, 3, Crashed), (4, 5, BootStalled)],
            ),
            (
                "without a fatal finding nothing folds",
                "@kernel\n@booted\n!error\n@firmware",
                &[(1, 3, Reset), (4, 4, BootStalled)],
            ),
            (
                "a last session with no stage and no finding joins the one before",
                "[   10.000000] @kernel\n@booted\n@shutdown\n@power-off\n[    1.000000] host line",
                &[(1, 5, PoweredOff)],
            ),
        ];
        for (what, log, want) in cases {
            assert_eq!(outline(log), *want, "{what}");
        }
    }
}
