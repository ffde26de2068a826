//! `bootrules suggest`: the failures no rule knows, clustered across a batch, as rule
//! skeletons (see [`crate::suggest`]).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};

use super::{load_packs, Status};
use crate::args::{SuggestArgs, SuggestFormat};
use crate::inputs::expand;
use crate::scan::{scan_into, Limits};
use crate::suggest::collect::{Harvester, LogHarvest};
use crate::suggest::{render, Miner};

/// Harvests merged in input order, so a batch gives the same suggestions however many jobs run.
struct InOrder {
    next: usize,
    waiting: BTreeMap<usize, Vec<LogHarvest>>,
    miner: Miner,
}

pub fn run(args: &SuggestArgs) -> Result<Status> {
    let Some(pack) = load_packs(&args.packs) else {
        return Ok(Status::Usage);
    };
    let inputs = expand(&args.paths);
    let limits = Limits {
        all_text: args.all_text,
        ..Limits::default()
    };
    let jobs = super::workers(args.jobs, inputs.len());
    let merged = Mutex::new(InOrder {
        next: 0,
        waiting: BTreeMap::new(),
        miner: Miner::default(),
    });
    let taken = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let index = taken.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(index) else {
                    break;
                };
                let mut harvester = Harvester::default();
                scan_into(pack, input, limits, &mut harvester);
                let Ok(mut merged) = merged.lock() else {
                    break;
                };
                merged.waiting.insert(index, harvester.logs);
                loop {
                    let next = merged.next;
                    let Some(logs) = merged.waiting.remove(&next) else {
                        break;
                    };
                    for log in logs {
                        merged.miner.add(log);
                    }
                    merged.next += 1;
                }
            });
        }
    });
    let miner = merged
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a worker stopped"))?
        .miner;
    let found = miner.finish(pack, args.top);

    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        SuggestFormat::Human => render::human(&mut out, &found)?,
        SuggestFormat::Json => render::json(&mut out, &found)?,
        SuggestFormat::Markdown => render::markdown(&mut out, &found)?,
    }
    out.flush()?;
    if let Some(dir) = &args.output {
        if found.suggestions.is_empty() {
            eprintln!(
                "bootrules: nothing to suggest, {} left as it was",
                dir.display()
            );
        } else {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join("suggested.toml");
            std::fs::write(&path, render::pack_file(&found))
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "bootrules: {} rule skeleton{} written to {}",
                found.suggestions.len(),
                if found.suggestions.len() == 1 {
                    ""
                } else {
                    "s"
                },
                path.display()
            );
        }
    }
    Ok(if found.unchecked.iter().any(|u| u.unreadable) {
        Status::Unreadable
    } else {
        Status::Ok
    })
}
