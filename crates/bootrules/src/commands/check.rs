//! `bootrules check`: judge every session of every input, in parallel, reported in input order.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::ordered::Ordered;
use super::{load_packs, Status};
use crate::args::{CheckArgs, Format};
use crate::inputs::expand;
use crate::report::{Printer, Summary};
use crate::scan::{scan_into, Limits};

pub fn run(args: &CheckArgs) -> Result<Status> {
    let Some(pack) = load_packs(&args.packs) else {
        return Ok(Status::Usage);
    };
    let inputs = expand(&args.paths);
    let limits = Limits {
        member_bytes: args.max_member_mib.saturating_mul(1 << 20),
        members: args.max_members,
        archive_bytes: args.max_archive_mib.saturating_mul(1 << 20),
        ratio: args.max_ratio,
        // The HTML report shows each finding's evidence with the lines around it.
        context: if args.format == Format::Html { 3 } else { 0 },
    };
    let jobs = args
        .jobs
        .filter(|&n| n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .min(inputs.len().max(1));
    let progress = progress_bar(inputs.len() as u64, args.no_progress);

    let mut destination = Destination::open(args.output.as_deref())?;
    let mut printer = Printer::new(args.format, destination.writer(), Summary::new(&pack));
    printer.show_timeline(args.timeline);
    printer.start()?;
    let ordered = Ordered::new(printer, &progress);
    // Workers take inputs in order, so reports wait for their turn only briefly; one that runs
    // too far ahead of the output waits (see `Ordered::wait_for_turn`).
    let taken = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let index = taken.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(index) else {
                    break;
                };
                ordered.wait_for_turn(index);
                let mut reports = ordered.input(index);
                if !ordered.failed() {
                    scan_into(&pack, input, limits, &mut reports);
                }
                reports.done();
            });
        }
    });
    let summary = ordered.finish()?;
    progress.finish_and_clear();
    destination.commit()?;

    Ok(if args.strict && summary.rule_errors > 0 {
        eprintln!(
            "bootrules: {} rule error(s) and --strict: the rules are not fit for this input",
            summary.rule_errors
        );
        Status::Usage
    } else if summary.unreadable > 0 {
        Status::Unreadable
    } else if args
        .fail_on
        .is_some_and(|threshold| summary.worst.is_some_and(|w| w >= threshold))
    {
        Status::Findings
    } else {
        Status::Ok
    })
}

fn progress_bar(total: u64, disabled: bool) -> ProgressBar {
    if disabled || total < 2 || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed} ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

/// Standard output, or a temporary file that becomes `--output FILE` only when all went well.
enum Destination {
    Stdout(io::BufWriter<io::Stdout>),
    File {
        temp: io::BufWriter<tempfile::NamedTempFile>,
        path: std::path::PathBuf,
    },
}

impl Destination {
    fn open(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Ok(Self::Stdout(io::BufWriter::new(io::stdout())));
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        Ok(Self::File {
            temp: io::BufWriter::new(temp),
            path: path.to_owned(),
        })
    }

    fn writer(&mut self) -> &mut (dyn Write + Send) {
        match self {
            Self::Stdout(out) => out,
            Self::File { temp, .. } => temp,
        }
    }

    /// Flushes, and renames the temporary file over the destination.
    fn commit(self) -> Result<()> {
        match self {
            Self::Stdout(mut out) => out.flush().map_err(Into::into),
            Self::File { temp, path } => {
                let temp = temp.into_inner().map_err(|e| e.into_error())?;
                // A report is meant to be shared: readable by others, as a file written any
                // other way would be (a temporary file is created private).
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    temp.as_file()
                        .set_permissions(std::fs::Permissions::from_mode(0o644))
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                temp.persist(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Ok(())
            }
        }
    }
}
