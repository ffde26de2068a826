//! `bootrules watch`: follow one console and exit as `check` does, or as `--exit-on` says.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::{load_packs, Status};
use crate::args::{WatchArgs, WatchFormat};
use crate::report::shown;
use crate::watch::{self, feed, Ended, Options};

/// Runs `bootrules watch`.
pub fn run(args: &WatchArgs) -> Result<Status> {
    let Some(pack) = load_packs(&args.packs) else {
        return Ok(Status::Usage);
    };
    let source = if args.path == Path::new("-") {
        feed::Source::Stdin
    } else {
        feed::Source::File {
            path: args.path.clone(),
            from_start: !args.from_end,
        }
    };
    let options = Options {
        stall: Duration::from_secs_f64(args.stall),
        exit_on: args.exit_on,
        timeout: args.timeout.map(Duration::from_secs_f64),
        style: watch::style_for_stdout(args.format == WatchFormat::Jsonl),
    };
    let feed = feed::start(source);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = watch::follow(pack, &feed, options, &mut out)?;
    let findings = args
        .fail_on
        .is_some_and(|threshold| outcome.worst.is_some_and(|w| w >= threshold));
    Ok(match outcome.ended {
        Ended::Failed(e) => {
            let path = args.path.display().to_string();
            eprintln!("bootrules: cannot read {}: {e}", shown::text(&path));
            Status::Unreadable
        }
        Ended::TimedOut if args.exit_on.is_some() => Status::TimedOut,
        _ if findings => Status::Findings,
        _ => Status::Ok,
    })
}
