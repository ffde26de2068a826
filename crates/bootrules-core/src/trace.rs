//! A bounded record of a session's kernel clock, kept while its lines stream past.
//!
//! The timeline ([`crate::timeline`]) needs a little more than the stages: the longest wait
//! between two timestamped lines in each stretch between stages (what the system was waiting
//! for), the latest kernel time before a stage whose own line has no timestamp (systemd's
//! console lines carry none), and the last lines of a session that stopped. A [`Trace`] keeps
//! exactly that: one entry per stage and a ring of [`TAIL_LINES`] lines, whatever the length of
//! the log. Per line it costs a comparison and one short copy into a reused buffer.

use serde::Serialize;

use crate::line::Line;

/// How many of a session's last lines are kept.
pub const TAIL_LINES: usize = 5;

/// Longest text kept of one line: enough to read, and a megabyte line costs no more.
const TEXT_CAP: usize = 300;

/// A line kept for the timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TraceLine {
    /// 1-based line in the original file.
    pub line: u64,
    /// Its kernel time, if it carried one.
    pub time: Option<f64>,
    /// The line as a person reads it (cut after a few hundred bytes).
    pub text: String,
}

impl TraceLine {
    fn set(&mut self, line: &Line<'_>) {
        self.line = line.number;
        self.time = line.time;
        self.text.clear();
        self.text.push_str(cap(line.text));
    }
}

/// The longest wait between two consecutive timestamped lines of a stretch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pause {
    /// Kernel seconds without a timestamped line.
    pub seconds: f64,
    /// The last timestamped line before the wait.
    pub after_line: u64,
    /// The first timestamped line after it: often the timeout or what finally appeared.
    pub line: u64,
    /// Its kernel time.
    pub time: f64,
    /// Its text.
    pub text: String,
}

/// What one session's lines showed of the kernel clock.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Longest pause of each stretch; stretch `n` runs while `n` stages have been reached.
    pauses: Vec<Option<Pause>>,
    /// For each stage in the order reached: the latest kernel time seen before its line.
    before_stage: Vec<Option<f64>>,
    stages_seen: usize,
    last_timed: Option<(u64, f64)>,
    latest: Option<(u64, f64)>,
    ring: Vec<TraceLine>,
    next: usize,
}

impl Trace {
    /// Records one non-blank line; `stages_reached` counts the session's stages after it.
    pub fn observe(&mut self, line: &Line<'_>, stages_reached: usize) {
        if let Some(time) = line.time {
            if let Some((after_line, before)) = self.last_timed {
                let wait = ((time - before) * 1e6).round() / 1e6;
                // A clock that goes back (a kernel restarted without a banner) is no wait.
                let best = self.stretch_pause();
                if wait > 0.0 && best.as_ref().is_none_or(|p| wait > p.seconds) {
                    *best = Some(Pause {
                        seconds: wait,
                        after_line,
                        line: line.number,
                        time,
                        text: cap(line.text).to_owned(),
                    });
                }
            }
        }
        while self.stages_seen < stages_reached {
            self.before_stage.push(self.latest.map(|(_, t)| t));
            self.stages_seen += 1;
        }
        if let Some(time) = line.time {
            self.last_timed = Some((line.number, time));
            if self.latest.is_none_or(|(_, t)| time >= t) {
                self.latest = Some((line.number, time));
            }
        }
        if self.ring.len() < TAIL_LINES {
            self.ring.push(TraceLine::default());
        }
        let slot = self.next % self.ring.len();
        self.ring[slot].set(line);
        self.next = (slot + 1) % TAIL_LINES;
    }

    fn stretch_pause(&mut self) -> &mut Option<Pause> {
        if self.pauses.len() <= self.stages_seen {
            self.pauses.resize(self.stages_seen + 1, None);
        }
        &mut self.pauses[self.stages_seen]
    }

    /// The longest pause after the `n`th stage reached (0-based) and before the next one.
    pub fn pause_after(&self, n: usize) -> Option<&Pause> {
        self.pauses.get(n + 1)?.as_ref()
    }

    /// The latest kernel time seen before the `n`th stage reached (0-based) was reached.
    pub fn time_before(&self, n: usize) -> Option<f64> {
        self.before_stage.get(n).copied().flatten()
    }

    /// The latest kernel time of the session and its line.
    pub fn latest(&self) -> Option<(u64, f64)> {
        self.latest
    }

    /// The session's last lines, oldest first.
    pub fn tail(&self) -> Vec<TraceLine> {
        let mut lines = self.ring.clone();
        if lines.len() == TAIL_LINES {
            lines.rotate_left(self.next);
        }
        lines
    }
}

/// The first [`TEXT_CAP`] bytes of `text`, cut on a character boundary.
fn cap(text: &str) -> &str {
    if text.len() <= TEXT_CAP {
        return text;
    }
    let mut end = TEXT_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(number: u64, time: Option<f64>, text: &str) -> Line<'_> {
        Line {
            number,
            text,
            message: text,
            time,
            relayed: false,
            from_kernel: false,
        }
    }

    #[test]
    fn the_longest_wait_of_each_stretch_is_kept() {
        let mut trace = Trace::default();
        trace.observe(&line(1, Some(0.0), "Linux version"), 1);
        trace.observe(&line(2, Some(1.0), "a"), 1);
        trace.observe(&line(3, Some(3.0), "b"), 1);
        trace.observe(&line(4, Some(3.5), "Run /init"), 2);
        trace.observe(&line(5, Some(93.5), "Timed out waiting for device"), 2);
        trace.observe(&line(6, Some(94.0), "c"), 2);
        let first = trace.pause_after(0).unwrap();
        assert_eq!((first.after_line, first.line, first.seconds), (2, 3, 2.0));
        let second = trace.pause_after(1).unwrap();
        assert_eq!(second.line, 5);
        assert_eq!(second.seconds, 90.0);
        assert!(second.text.starts_with("Timed out"));
        assert_eq!(trace.latest(), Some((6, 94.0)));
    }

    #[test]
    fn a_stage_line_closes_the_stretch_it_ends() {
        let mut trace = Trace::default();
        trace.observe(&line(1, Some(0.0), "Linux version"), 1);
        trace.observe(&line(2, Some(40.0), "root mounted"), 2);
        assert_eq!(trace.pause_after(0).unwrap().seconds, 40.0);
        assert!(trace.pause_after(1).is_none());
    }

    #[test]
    fn a_clock_that_goes_back_is_no_wait() {
        let mut trace = Trace::default();
        trace.observe(&line(1, Some(50.0), "old kernel"), 1);
        trace.observe(&line(2, Some(0.0), "new kernel"), 1);
        trace.observe(&line(3, Some(0.5), "x"), 1);
        assert_eq!(trace.pause_after(0).unwrap().seconds, 0.5);
        assert_eq!(trace.latest(), Some((1, 50.0)));
    }

    #[test]
    fn stages_without_a_timestamp_remember_the_kernel_time_before_them() {
        let mut trace = Trace::default();
        trace.observe(&line(1, Some(0.0), "Linux version"), 1);
        trace.observe(&line(2, Some(12.5), "x"), 1);
        trace.observe(&line(3, None, "Reached target Multi-User System"), 2);
        assert_eq!(trace.time_before(0), None);
        assert_eq!(trace.time_before(1), Some(12.5));
    }

    #[test]
    fn the_tail_holds_the_last_lines_in_order() {
        let mut trace = Trace::default();
        let texts: Vec<String> = (1..=8).map(|n| format!("line {n}")).collect();
        for (n, text) in texts.iter().enumerate() {
            trace.observe(&line(n as u64 + 1, None, text), 0);
        }
        let tail: Vec<u64> = trace.tail().iter().map(|l| l.line).collect();
        assert_eq!(tail, vec![4, 5, 6, 7, 8]);
        let mut short = Trace::default();
        short.observe(&line(1, None, "only"), 0);
        assert_eq!(short.tail().len(), 1);
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let long = "é".repeat(TEXT_CAP);
        let mut trace = Trace::default();
        trace.observe(&line(1, None, &long), 0);
        let kept = &trace.tail()[0].text;
        assert!(kept.len() <= TEXT_CAP && kept.chars().all(|c| c == 'é'));
    }
}
