//! `bootrules check`: judge every session of every input, in parallel, reported in input order.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc;

use anyhow::{Context, Result};
use bootrules_core::FileReport;
use bootrules_rules::Pack;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::{load_packs, Status};
use crate::args::{CheckArgs, Format};
use crate::inputs::{expand, Input};
use crate::report::{human, json, table, Summary};
use crate::scan::{scan, Limits};

pub fn run(args: &CheckArgs) -> Result<Status> {
    let Some(pack) = load_packs(&args.packs) else {
        return Ok(Status::Usage);
    };
    let inputs = expand(&args.paths);
    let limits = Limits {
        member_bytes: args.max_member_mib.saturating_mul(1 << 20),
        members: args.max_members,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    let progress = progress_bar(inputs.len() as u64, args.no_progress);

    let mut destination = Destination::open(args.output.as_deref())?;
    let mut printer = Printer::new(args.format, destination.writer());
    let mut summary = Summary::new(&pack);
    printer.start()?;
    for_each_in_order(&pool, &pack, &inputs, limits, |reports| {
        progress.inc(1);
        for report in reports {
            summary.add(&report);
            printer.file(report)?;
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    printer.finish(&summary)?;
    drop(printer);
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

/// Checks the inputs on the pool and hands their reports to `emit` in input order, each as soon
/// as it and every input before it are done.
fn for_each_in_order(
    pool: &rayon::ThreadPool,
    pack: &Pack,
    inputs: &[Input],
    limits: Limits,
    mut emit: impl FnMut(Vec<FileReport>) -> io::Result<()>,
) -> io::Result<()> {
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pool.install(|| {
                inputs
                    .par_iter()
                    .enumerate()
                    .for_each_with(sender, |sender, (index, input)| {
                        // The receiver only goes away when writing failed; then nothing is left to do.
                        let _ = sender.send((index, scan(pack, input, limits)));
                    });
            });
        });
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (index, reports) in receiver {
            waiting.insert(index, reports);
            while let Some(reports) = waiting.remove(&next) {
                emit(reports)?;
                next += 1;
            }
        }
        Ok(())
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

    fn writer(&mut self) -> &mut dyn Write {
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
                temp.persist(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Ok(())
            }
        }
    }
}

/// Writes reports in the chosen format as they come, and whatever closes the format.
struct Printer<'a> {
    format: Format,
    out: &'a mut dyn Write,
    kept: Vec<FileReport>,
}

impl<'a> Printer<'a> {
    fn new(format: Format, out: &'a mut dyn Write) -> Self {
        Self {
            format,
            out,
            kept: Vec::new(),
        }
    }

    fn start(&mut self) -> io::Result<()> {
        match self.format {
            Format::Csv => table::csv_header(self.out),
            Format::Markdown => table::markdown_header(self.out),
            _ => Ok(()),
        }
    }

    fn file(&mut self, report: FileReport) -> io::Result<()> {
        match self.format {
            Format::Human => human::write_file(self.out, &report),
            Format::Jsonl => {
                json::write_line(self.out, &report)?;
                self.out.flush()
            }
            Format::Json => {
                self.kept.push(report);
                Ok(())
            }
            Format::Csv => table::csv_file(self.out, &report),
            Format::Markdown => table::markdown_file(self.out, &report),
        }
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        match self.format {
            Format::Human => human::write_summary(self.out, summary),
            Format::Json => json::write_document(self.out, &self.kept, summary),
            Format::Markdown => table::markdown_footer(self.out, summary),
            Format::Jsonl | Format::Csv => Ok(()),
        }?;
        self.out.flush()
    }
}
