//! `bootrules watch`: a console followed as it prints, through the same checker and pack as
//! `check`. Bytes arrive from a reading thread ([`feed`]); lines are split as their newline
//! arrives ([`lines`]); the [`follow::Follower`] tells what each line changed; this loop keeps
//! time for stall alarms, `--exit-on` and `--timeout`, and writes the [`event`]s.

pub mod event;
pub mod feed;
pub mod follow;
pub mod lines;

use std::io::{self, IsTerminal, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use bootrules_core::{Checker, Mark, RuleSet, Session, Severity};

use crate::args::ExitOn;
use event::{good, Event, Style};
use feed::Feed;
use follow::Follower;

/// What to watch for and when to stop.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Quiet time that raises a stall alarm.
    pub stall: Duration,
    /// Stop once this happened.
    pub exit_on: Option<ExitOn>,
    /// Stop after this long.
    pub timeout: Option<Duration>,
    /// How events are written.
    pub style: Style,
}

/// How following ended.
#[derive(Debug)]
pub enum Ended {
    /// The `--exit-on` condition happened.
    Condition,
    /// The pipe closed.
    Closed,
    /// `--timeout` ran out.
    TimedOut,
    /// Reading failed.
    Failed(io::Error),
}

/// What a run of `watch` saw.
#[derive(Debug)]
pub struct Outcome {
    /// Why it stopped.
    pub ended: Ended,
    /// The most severe finding of the sessions told.
    pub worst: Option<Severity>,
}

/// Follows `feed` with `rules` until it ends, the exit condition happens or time runs out,
/// writing each event to `out` as it happens.
pub fn follow<R: RuleSet>(
    rules: &R,
    feed: &Receiver<Feed>,
    options: Options,
    out: &mut dyn Write,
) -> io::Result<Outcome> {
    let deadline = options.timeout.map(|t| Instant::now() + t);
    let mut worst = None;
    loop {
        // Each stream (the file from its start, again after it started over) is a new log.
        let file = R::FileState::default();
        let (tx, handed) = std::sync::mpsc::channel::<Session>();
        let mut emit = move |session: Session| {
            // the follower outlives the checker's sessions: a send cannot fail here
            let _ = tx.send(session);
        };
        let mut follower = Follower::new(Checker::new(rules, &file, &mut emit), handed);
        let mut events = Vec::new();
        let ended = stream(&mut follower, feed, options, deadline, out, &mut worst)?;
        follower.finish(&mut events);
        tell(out, &mut events, options.style, &mut worst)?;
        match ended {
            Stream::StartsOver(message) => {
                let mut notice = vec![Event::Input { message }];
                tell(out, &mut notice, options.style, &mut worst)?;
            }
            Stream::Ended(ended) => return Ok(Outcome { ended, worst }),
        }
    }
}

/// How one stream ended.
enum Stream {
    StartsOver(String),
    Ended(Ended),
}

fn stream<R: RuleSet>(
    follower: &mut Follower<'_, '_, R>,
    feed: &Receiver<Feed>,
    options: Options,
    deadline: Option<Instant>,
    out: &mut dyn Write,
    worst: &mut Option<Severity>,
) -> io::Result<Stream> {
    let mut events = Vec::new();
    let mut last_bytes = Instant::now();
    // Alarms raised since the last bytes: the next waits twice as long.
    let mut alarms = 0u32;
    let mut stalled = false;
    loop {
        let next_alarm = last_bytes + options.stall * 2u32.saturating_pow(alarms.min(16));
        let wake = deadline.map_or(next_alarm, |d| d.min(next_alarm));
        let wait = wake.saturating_duration_since(Instant::now());
        match feed.recv_timeout(wait) {
            Ok(Feed::Bytes(bytes)) => {
                let now = Instant::now();
                if stalled {
                    let seconds = now.duration_since(last_bytes).as_secs_f64();
                    events.push(Event::Resumed { seconds });
                }
                stalled = false;
                alarms = 0;
                last_bytes = now;
                follower.bytes(&bytes, &mut events);
            }
            Ok(Feed::Skipped(lines)) => follower.skip(lines),
            Ok(Feed::StartsOver(message)) => return Ok(Stream::StartsOver(message)),
            Ok(Feed::Notice(message)) => events.push(Event::Input { message }),
            Ok(Feed::End) | Err(RecvTimeoutError::Disconnected) => {
                return Ok(Stream::Ended(Ended::Closed))
            }
            Ok(Feed::Failed(e)) => return Ok(Stream::Ended(Ended::Failed(e))),
            Err(RecvTimeoutError::Timeout) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Ok(Stream::Ended(Ended::TimedOut));
                }
                alarms += 1;
                let seconds = last_bytes.elapsed().as_secs_f64();
                follower.quiet(seconds, &mut events);
                stalled |= events.iter().any(|e| matches!(e, Event::Stalled { .. }));
            }
        }
        let done = options
            .exit_on
            .is_some_and(|when| happened(when, follower, &events));
        tell(out, &mut events, options.style, worst)?;
        if done {
            return Ok(Stream::Ended(Ended::Condition));
        }
    }
}

/// Has the `--exit-on` condition happened, given the events just raised?
fn happened<R: RuleSet>(when: ExitOn, follower: &Follower<'_, '_, R>, events: &[Event]) -> bool {
    let outcomes = || {
        events.iter().filter_map(|e| match e {
            Event::Session { outcome, .. } | Event::Stalled { outcome, .. } => Some(*outcome),
            _ => None,
        })
    };
    let sessions = || {
        events.iter().filter_map(|e| match e {
            Event::Session { outcome, .. } => Some(*outcome),
            _ => None,
        })
    };
    match when {
        ExitOn::Booted => follower.booted,
        ExitOn::PoweredOff => {
            follower.end_mark() == Some(Mark::PoweredOff)
                || sessions().any(|o| o == bootrules_core::Outcome::PoweredOff)
        }
        ExitOn::Failed => outcomes().any(|o| !good(o)) || follower.failed_so_far(events),
        ExitOn::AnySession => follower.end_mark().is_some() || sessions().next().is_some(),
    }
}

/// Writes the events and forgets them; the final findings of each session told count
/// towards `--fail-on`.
fn tell(
    out: &mut dyn Write,
    events: &mut Vec<Event>,
    style: Style,
    worst: &mut Option<Severity>,
) -> io::Result<()> {
    for event in events.drain(..) {
        if let Event::Session { report, .. } = &event {
            let most = report.findings.iter().map(|f| f.severity).max();
            *worst = (*worst).max(most);
        }
        event::write(out, &event, style)?;
    }
    Ok(())
}

/// The style for standard output: colour on a terminal unless `NO_COLOR` is set.
pub fn style_for_stdout(jsonl: bool) -> Style {
    let colour = !jsonl && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    Style { jsonl, colour }
}
