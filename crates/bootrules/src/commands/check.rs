//! `bootrules check`: judge every session of every input.

use std::fs::File;
use std::io::{self, Write};

use anyhow::Result;
use bootrules_core::{check_reader, FileReport};

use super::{load_packs, Status};
use crate::args::{CheckArgs, Format};
use crate::inputs::{expand, Input};
use crate::report::{human, json, Summary};

pub fn run(args: &CheckArgs) -> Result<Status> {
    let Some(pack) = load_packs(&args.packs) else {
        return Ok(Status::Usage);
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut summary = Summary::new(&pack);
    let mut reports = Vec::new();
    for input in expand(&args.paths) {
        let report = check_input(&pack, input);
        summary.add(&report);
        match args.format {
            Format::Human => human::write_file(&mut out, &report)?,
            Format::Jsonl => {
                json::write_line(&mut out, &report)?;
                out.flush()?;
            }
            Format::Json => reports.push(report),
        }
    }
    match args.format {
        Format::Human => human::write_summary(&mut out, &summary)?,
        Format::Json => json::write_document(&mut out, &reports, &summary)?,
        Format::Jsonl => {}
    }
    out.flush()?;
    Ok(if summary.unreadable > 0 {
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

fn check_input(pack: &bootrules_rules::Pack, input: Input) -> FileReport {
    match input {
        Input::Stdin => check_reader(pack, "-", io::stdin()),
        Input::Unreadable { path, error } => FileReport::failed(path, error),
        Input::File(path) => {
            let shown = path.display().to_string();
            match File::open(&path) {
                Ok(file) => check_reader(pack, shown, file),
                Err(e) => FileReport::failed(shown, format!("cannot open: {e}")),
            }
        }
    }
}
