//! Works out where a session's time went: the gaps between its stages, the slowest of them
//! with the lines that explain them, for a session that stopped how long it sat after its last
//! stage and its last lines, and which gaps took much longer than in the file's earlier boots.
//!
//! Everything here is arithmetic over what a session already holds (its stages with their
//! kernel times, its findings) and its [`Trace`]. Kernel time restarts at 0 with every boot and
//! sessions are split per boot, so times of one session compare with each other, and a stage's
//! time compares with the same stage of the file's earlier boots. A gap with no timestamp on
//! either side has no duration: it stays unknown (`null`), never guessed; when only the later
//! stage lacks one, the kernel time that had passed before it is given as a lower bound.

use std::collections::VecDeque;

use crate::finding::Finding;
use crate::session::{FindingRef, Gap, Outcome, Session, StageHit, Timeline, Usual};
use crate::trace::Trace;

/// A gap this long (kernel seconds) or longer can be called slow.
pub const SLOW_SECONDS: f64 = 5.0;

/// At most this many gaps of a session are called slow (the longest ones).
pub const SLOWEST: usize = 3;

/// A gap is slower than usual when it took this many times the median of the file's earlier
/// boots for the same two stages…
pub const USUAL_RATIO: f64 = 2.0;

/// …and at least this many seconds more.
pub const USUAL_EXTRA_SECONDS: f64 = 10.0;

/// Builds the timeline of a session from its stages, findings and trace.
pub fn build(
    stages: &[StageHit],
    findings: &[Finding],
    outcome: Outcome,
    end_line: u64,
    trace: &Trace,
) -> Timeline {
    let inside = |from: u64, to: u64| -> Vec<FindingRef> {
        findings
            .iter()
            .filter(|f| f.line > from && f.line <= to)
            .map(|f| FindingRef {
                rule: f.rule.clone(),
                line: f.line,
            })
            .collect()
    };
    let mut gaps: Vec<Gap> = stages
        .windows(2)
        .enumerate()
        .map(|(n, pair)| {
            let (from, to) = (&pair[0], &pair[1]);
            let at_least = match (from.time, to.time) {
                (Some(start), None) => to.after.and_then(|t| elapsed(start, t)),
                _ => None,
            }
            .filter(|&s| s > 0.0);
            Gap {
                from: from.id.clone(),
                to: Some(to.id.clone()),
                from_line: from.line,
                to_line: to.line,
                seconds: from.time.zip(to.time).and_then(|(a, b)| elapsed(a, b)),
                at_least,
                slow: false,
                pause: trace.pause_after(n).cloned(),
                findings: inside(from.line, to.line),
                slower_than_usual: None,
            }
        })
        .collect();
    let end_time = trace.latest().map(|(_, t)| t);
    let mut end = stages.last().map(|last| Gap {
        from: last.id.clone(),
        to: None,
        from_line: last.line,
        to_line: end_line,
        seconds: last.time.zip(end_time).and_then(|(a, b)| elapsed(a, b)),
        at_least: None,
        slow: false,
        pause: trace.pause_after(stages.len() - 1).cloned(),
        findings: inside(last.line, end_line),
        slower_than_usual: None,
    });
    mark_slowest(gaps.iter_mut().chain(end.as_mut()));
    let stopped = !matches!(
        outcome,
        Outcome::Booted | Outcome::PoweredOff | Outcome::Rebooted
    );
    Timeline {
        gaps,
        end,
        end_time,
        tail: if stopped { trace.tail() } else { Vec::new() },
    }
}

/// Seconds from `a` to `b` to the microsecond (the kernel's resolution); a clock that went back
/// gives no duration rather than a negative one.
fn elapsed(a: f64, b: f64) -> Option<f64> {
    (b >= a).then(|| ((b - a) * 1e6).round() / 1e6)
}

/// Marks the [`SLOWEST`] gaps of at least [`SLOW_SECONDS`].
fn mark_slowest<'a>(gaps: impl Iterator<Item = &'a mut Gap>) {
    let mut ranked: Vec<&mut Gap> = gaps
        .filter(|g| g.known_seconds().is_some_and(|s| s >= SLOW_SECONDS))
        .collect();
    ranked.sort_by(|a, b| {
        b.known_seconds()
            .partial_cmp(&a.known_seconds())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for gap in ranked.into_iter().take(SLOWEST) {
        gap.slow = true;
    }
}

/// How many earlier durations of each gap a [`History`] keeps.
pub const HISTORY: usize = 32;

/// The durations of each gap in a file's earlier sessions, so that a boot much slower than
/// the ones before it is called out. Sessions are judged in file order as they close (a long
/// log is written out session by session), so each is compared with the boots before it, never
/// with later ones; memory stays bounded by [`HISTORY`] durations per pair of stages.
#[derive(Debug, Default)]
pub struct History {
    gaps: Vec<(String, String, VecDeque<f64>)>,
}

impl History {
    /// Marks the gaps of `session` that took much longer than in the earlier sessions, then
    /// remembers its durations.
    pub fn judge(&mut self, session: &mut Session) {
        for gap in &mut session.timeline.gaps {
            let (Some(to), Some(seconds)) = (&gap.to, gap.seconds) else {
                continue;
            };
            let Some((_, _, earlier)) =
                self.gaps.iter().find(|(f, t, _)| *f == gap.from && t == to)
            else {
                continue;
            };
            let mut values: Vec<f64> = earlier.iter().copied().collect();
            let Some(median) = median(&mut values) else {
                continue;
            };
            if seconds >= median * USUAL_RATIO && seconds - median >= USUAL_EXTRA_SECONDS {
                gap.slower_than_usual = Some(Usual {
                    median_seconds: median,
                    sessions: values.len(),
                });
            }
        }
        for gap in &session.timeline.gaps {
            let (Some(to), Some(seconds)) = (&gap.to, gap.seconds) else {
                continue;
            };
            let at = match self
                .gaps
                .iter()
                .position(|(f, t, _)| *f == gap.from && t == to)
            {
                Some(at) => at,
                None => {
                    self.gaps
                        .push((gap.from.clone(), to.clone(), VecDeque::new()));
                    self.gaps.len() - 1
                }
            };
            let earlier = &mut self.gaps[at].2;
            if earlier.len() == HISTORY {
                earlier.pop_front();
            }
            earlier.push_back(seconds);
        }
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let mid = values.len() / 2;
    let median = if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    };
    // To the microsecond, like every duration here (and short in JSON).
    Some((median * 1e6).round() / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::line::Line;

    fn stage(id: &str, line: u64, time: Option<f64>) -> StageHit {
        StageHit {
            id: id.to_owned(),
            line,
            time,
            after: None,
        }
    }

    fn finding(rule: &str, line: u64) -> Finding {
        crate::testutil::finding(rule, Severity::Error, line)
    }

    /// A trace fed with `(line, time, text, stages reached after it)`.
    fn trace(lines: &[(u64, Option<f64>, &str, usize)]) -> Trace {
        let mut trace = Trace::default();
        for &(number, time, text, reached) in lines {
            let line = Line {
                number,
                text,
                message: text,
                time,
                relayed: false,
                from_kernel: false,
            };
            trace.observe(&line, reached);
        }
        trace
    }

    fn session(index: usize, gaps: &[(&str, &str, Option<f64>)]) -> Session {
        Session {
            index,
            start_line: 1,
            end_line: 2,
            outcome: Outcome::Booted,
            last_stage: None,
            stages: Vec::new(),
            findings: Vec::new(),
            cause: None,
            cause_chain: Vec::new(),
            top_finding: None,
            rule_errors: Vec::new(),
            timeline: Timeline {
                gaps: gaps
                    .iter()
                    .map(|&(from, to, seconds)| Gap {
                        from: from.to_owned(),
                        to: Some(to.to_owned()),
                        from_line: 1,
                        to_line: 2,
                        seconds,
                        at_least: None,
                        slow: false,
                        pause: None,
                        findings: Vec::new(),
                        slower_than_usual: None,
                    })
                    .collect(),
                ..Timeline::default()
            },
        }
    }

    #[test]
    fn gaps_are_the_differences_of_kernel_times() {
        let stages = [
            stage("kernel", 1, Some(0.0)),
            stage("initramfs", 10, Some(1.5)),
            stage("root-mounted", 20, Some(93.5)),
        ];
        let trace = trace(&[
            (1, Some(0.0), "Linux version", 1),
            (10, Some(1.5), "Run /init", 2),
            (15, Some(3.0), "Waiting for root device", 2),
            (19, Some(93.0), "Timed out waiting for device", 2),
            (20, Some(93.5), "EXT4-fs mounted", 3),
            (30, Some(94.0), "last", 3),
        ]);
        let findings = [finding("root-device-timeout", 19), finding("late", 25)];
        let t = build(&stages, &findings, Outcome::BootStalled, 30, &trace);
        let seconds: Vec<_> = t.gaps.iter().map(|g| g.seconds).collect();
        assert_eq!(seconds, vec![Some(1.5), Some(92.0)]);
        let slow = &t.gaps[1];
        assert!(slow.slow && !t.gaps[0].slow);
        let pause = slow.pause.as_ref().unwrap();
        assert_eq!(
            (pause.after_line, pause.line, pause.seconds),
            (15, 19, 90.0)
        );
        assert_eq!(slow.findings.len(), 1);
        assert_eq!(slow.findings[0].line, 19);
        let end = t.end.as_ref().unwrap();
        assert_eq!((end.from.as_str(), end.to_line), ("root-mounted", 30));
        assert_eq!(end.seconds, Some(0.5));
        assert_eq!(end.findings[0].rule, "late");
        assert_eq!(t.end_time, Some(94.0));
        assert_eq!(t.tail.len(), 5, "a stalled session keeps its last lines");
    }

    #[test]
    fn a_missing_timestamp_leaves_the_gap_unknown() {
        let stages = [
            stage("bootloader", 1, None),
            stage("kernel", 5, Some(0.0)),
            StageHit {
                after: Some(12.25),
                ..stage("multi-user", 50, None)
            },
        ];
        let trace = trace(&[
            (1, None, "GRUB", 1),
            (5, Some(0.0), "Linux version", 2),
            (40, Some(12.25), "x", 2),
            (50, None, "Reached target Multi-User System", 3),
        ]);
        let t = build(&stages, &[], Outcome::Booted, 50, &trace);
        assert_eq!(t.gaps[0].seconds, None);
        assert_eq!(
            t.gaps[0].at_least, None,
            "nothing is known before the kernel"
        );
        assert_eq!(t.gaps[1].seconds, None);
        assert_eq!(t.gaps[1].at_least, Some(12.25));
        assert_eq!(t.end.as_ref().unwrap().seconds, None);
        assert!(t.tail.is_empty(), "a booted session needs no tail");
    }

    #[test]
    fn a_clock_reset_inside_a_session_gives_no_negative_gap() {
        // A kernel that restarted without a banner: its clock starts again at 0.
        let stages = [
            stage("kernel", 1, Some(0.0)),
            stage("initramfs", 10, Some(80.0)),
            stage("root-mounted", 30, Some(2.0)),
        ];
        let trace = trace(&[
            (1, Some(0.0), "Linux version", 1),
            (10, Some(80.0), "Run /init", 2),
            (20, Some(0.0), "Booting again", 2),
            (30, Some(2.0), "mounted", 3),
        ]);
        let t = build(&stages, &[], Outcome::Reset, 30, &trace);
        assert_eq!(t.gaps[0].seconds, Some(80.0));
        assert_eq!(t.gaps[1].seconds, None);
        assert_eq!(t.gaps[1].pause.as_ref().unwrap().seconds, 2.0);
    }

    #[test]
    fn only_the_slowest_long_gaps_are_slow() {
        let times = [0.0, 10.0, 11.0, 31.0, 37.0, 100.0, 101.0];
        let stages: Vec<_> = times
            .iter()
            .enumerate()
            .map(|(i, &t)| stage(&format!("s{i}"), i as u64 + 1, Some(t)))
            .collect();
        let t = build(&stages, &[], Outcome::Booted, 7, &Trace::default());
        let slow: Vec<_> = t.gaps.iter().map(|g| g.slow).collect();
        // 10, 1, 20, 6, 63, 1: the three longest over five seconds.
        assert_eq!(slow, vec![true, false, true, false, true, false]);
    }

    fn judged(sessions: &mut [Session]) {
        let mut history = History::default();
        for session in sessions {
            history.judge(session);
        }
    }

    #[test]
    fn a_boot_much_slower_than_the_earlier_ones_is_called_out() {
        let mut sessions = vec![
            session(0, &[("initramfs", "root-mounted", Some(2.0))]),
            session(1, &[("initramfs", "root-mounted", Some(3.0))]),
            session(2, &[("initramfs", "root-mounted", None)]),
            session(3, &[("initramfs", "root-mounted", Some(92.0))]),
            session(4, &[("initramfs", "root-mounted", Some(4.0))]),
        ];
        judged(&mut sessions);
        let usual = sessions[3].timeline.gaps[0].slower_than_usual.as_ref();
        assert_eq!(
            usual,
            Some(&Usual {
                median_seconds: 2.5,
                sessions: 2
            })
        );
        for other in [0, 1, 2, 4] {
            assert!(sessions[other].timeline.gaps[0].slower_than_usual.is_none());
        }
    }

    #[test]
    fn the_first_boot_and_small_differences_are_not_called_out() {
        let mut sessions = vec![
            session(0, &[("kernel", "initramfs", Some(90.0))]),
            session(1, &[("kernel", "initramfs", Some(1.0))]),
            session(2, &[("kernel", "initramfs", Some(9.0))]),
            session(3, &[("initramfs", "root-mounted", Some(50.0))]),
        ];
        judged(&mut sessions);
        assert!(sessions
            .iter()
            .all(|s| s.timeline.gaps[0].slower_than_usual.is_none()));
    }

    #[test]
    fn the_history_is_bounded() {
        let mut history = History::default();
        for i in 0..(HISTORY * 3) {
            history.judge(&mut session(i, &[("kernel", "initramfs", Some(1.0))]));
        }
        assert_eq!(history.gaps[0].2.len(), HISTORY);
    }
}
