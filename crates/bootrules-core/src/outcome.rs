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
    let fatal = findings.iter().filter(|f| f.fatal).map(|f| f.line);
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
            _ => Outcome::ShutdownStalled,
        }
    } else if followed_by_new_boot {
        Outcome::Reset
    } else if progress.booted_at.is_some() {
        Outcome::Booted
    } else {
        Outcome::BootStalled
    }
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
