//! `bootrules check`: judge every session of every input, in parallel, reported in input order.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::ordered::Ordered;
use super::{load_packs, Status};
use crate::args::{CheckArgs, Format};
use crate::inputs::{expand, Input};
use crate::report::{self, html, Printer, Summary};
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
        all_text: args.all_text,
    };
    let jobs = super::workers(args.jobs, inputs.len());
    let progress = progress_bar(inputs.len() as u64, args.no_progress);

    let mut destination = Destination::open(args.output.as_deref())?;
    let folder = if args.format == Format::Html {
        let names: Vec<String> = inputs.iter().map(Input::shown).collect();
        html::common_folder(names.iter().map(String::as_str))
    } else {
        String::new()
    };
    let writer = report::writer(args.format, args.timeline, &folder);
    let mut printer = Printer::new(writer, destination.writer(), Summary::new(pack));
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
                    scan_into(pack, input, limits, &mut reports);
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

/// Where the report goes: standard output; a temporary file that replaces `--output FILE`
/// (a regular file, or nothing yet) only when all went well; or a device or FIFO named by
/// `--output`, written through, never replaced.
enum Destination {
    Stdout(io::BufWriter<io::Stdout>),
    File {
        temp: io::BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
        /// The regular file being replaced: its mode, owner and group carry over.
        replaced: Option<Box<std::fs::Metadata>>,
    },
    Through(io::BufWriter<std::fs::File>),
}

/// What `--output` names, seen without following a symbolic link.
enum Target {
    /// Nothing yet: a new file.
    New,
    /// A regular file, replaced whole once the report is written.
    Regular(std::fs::Metadata),
    /// A character device (`/dev/null`, a terminal) or a FIFO: written through.
    Through,
}

impl Target {
    fn of(path: &Path) -> Result<Self> {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::New),
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
        };
        let kind = meta.file_type();
        if kind.is_file() {
            return Ok(Self::Regular(meta));
        }
        if kind.is_symlink() {
            // Neither replacing the link nor writing where it points is safe to guess: a link
            // planted in a shared folder could point at any file the user may write.
            let to = std::fs::read_link(path).unwrap_or_default();
            anyhow::bail!(
                "not writing {}: it is a symbolic link (to {}); name the file itself, or leave out --output for standard output",
                path.display(),
                to.display()
            );
        }
        if kind.is_dir() {
            anyhow::bail!("not writing {}: it is a directory", path.display());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_char_device() || kind.is_fifo() {
                return Ok(Self::Through);
            }
            if kind.is_block_device() {
                anyhow::bail!(
                    "not writing {}: it is a block device (a disk)",
                    path.display()
                );
            }
        }
        anyhow::bail!(
            "not writing {}: it is not a regular file, a character device or a FIFO",
            path.display()
        )
    }
}

impl Destination {
    fn open(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Ok(Self::Stdout(io::BufWriter::new(io::stdout())));
        };
        let replaced = match Target::of(path)? {
            Target::New => None,
            Target::Regular(meta) => Some(Box::new(meta)),
            Target::Through => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                return Ok(Self::Through(io::BufWriter::new(file)));
            }
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        // A new report is created as any program creates a file (0666 less the umask); one that
        // replaces a file starts no more open than that file was.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = replaced
                .as_ref()
                .map_or(0o666, |meta| meta.permissions().mode() & 0o777);
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        let temp = builder
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        Ok(Self::File {
            temp: io::BufWriter::new(temp),
            path: path.to_owned(),
            replaced,
        })
    }

    fn writer(&mut self) -> &mut (dyn Write + Send) {
        match self {
            Self::Stdout(out) => out,
            Self::File { temp, .. } => temp,
            Self::Through(out) => out,
        }
    }

    /// Flushes; a temporary file is renamed over the destination, after a last look that the
    /// destination is still a regular file or nothing.
    fn commit(self) -> Result<()> {
        match self {
            Self::Stdout(mut out) => out.flush().map_err(Into::into),
            Self::Through(mut out) => out.flush().map_err(Into::into),
            Self::File {
                temp,
                path,
                replaced,
            } => {
                let cannot = || format!("cannot write {}", path.display());
                let temp = temp.into_inner().map_err(|e| e.into_error())?;
                if let Some(meta) = &replaced {
                    keep_owner_and_mode(temp.as_file(), meta).with_context(cannot)?;
                }
                // The path may have become something else while the report was written.
                if let Target::Through = Target::of(&path)? {
                    anyhow::bail!(
                        "not writing {}: it became a device or a FIFO while the report was written",
                        path.display()
                    );
                }
                temp.persist(&path).with_context(cannot)?;
                Ok(())
            }
        }
    }
}

/// Gives the new report the mode of the file it replaces, and its owner and group where the
/// user may set them (root rewriting a user's report leaves it the user's).
fn keep_owner_and_mode(file: &std::fs::File, meta: &std::fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // Before the mode: a change of owner clears the set-id bits.
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
        file.set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777))
    }
    #[cfg(not(unix))]
    {
        file.set_permissions(meta.permissions())
    }
}
