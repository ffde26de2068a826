//! Remembering what a message matched, so a repeated line is classified once.
//!
//! Console logs repeat themselves: every boot of an image starts the same units and probes the
//! same devices, and a batch of tickets holds many boots of the same images. After its
//! timestamp is stripped, a quarter of the lines of short pasted excerpts and more than half
//! of those of whole serial logs were seen shortly before. Each thread keeps the hits of the
//! last few thousand messages, one per slot of their hash; a message found there costs a hash
//! and a comparison instead of the literal search and the regexes.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use bootrules_core::{LineHits, StageMatch};

/// Messages remembered per thread (a power of two). Four thousand hold what repeats within a
/// log and across the logs of one image, in about half a megabyte.
const SLOTS: usize = 4096;

/// Longer messages are classified every time: they seldom repeat and cost more to keep.
const LONGEST: usize = 240;

/// A number no other pack of this process has.
pub(crate) fn new_pack_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One remembered message and what it matched.
#[derive(Default)]
struct Slot {
    pack: u64,
    hash: u64,
    message: String,
    stages: Vec<StageMatch>,
    signals: Vec<u32>,
}

/// Fixed seeds: the slot a message takes is the same on every run.
static HASHER: ahash::RandomState = ahash::RandomState::with_seeds(1, 2, 3, 4);

thread_local! {
    static MEMO: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// Fills `hits` with what `message` matched in pack `pack`: from memory when the message was
/// seen last in its slot, else by calling `classify` (which must depend on the message alone)
/// and remembering its result.
pub(crate) fn classify(
    pack: u64,
    message: &str,
    hits: &mut LineHits,
    classify: impl FnOnce(&mut LineHits),
) {
    if message.len() > LONGEST {
        return classify(hits);
    }
    let hash = HASHER.hash_one(message);
    let at = (hash as usize) & (SLOTS - 1);
    let recalled = MEMO.with_borrow(|slots| {
        let slot = slots.get(at)?;
        (slot.pack == pack && slot.hash == hash && slot.message == message).then(|| {
            hits.stages.extend_from_slice(&slot.stages);
            hits.signals.extend_from_slice(&slot.signals);
        })
    });
    if recalled.is_some() {
        return;
    }
    let (stages_from, signals_from) = (hits.stages.len(), hits.signals.len());
    classify(hits);
    MEMO.with_borrow_mut(|slots| {
        if slots.is_empty() {
            slots.resize_with(SLOTS, Slot::default);
        }
        let slot = &mut slots[at];
        slot.pack = pack;
        slot.hash = hash;
        slot.message.clear();
        slot.message.push_str(message);
        slot.stages.clear();
        slot.stages.extend_from_slice(&hits.stages[stages_from..]);
        slot.signals.clear();
        slot.signals
            .extend_from_slice(&hits.signals[signals_from..]);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits_of(pack: u64, message: &str, calls: &mut u32) -> LineHits {
        let mut hits = LineHits::default();
        classify(pack, message, &mut hits, |hits| {
            *calls += 1;
            hits.signals.push(message.len() as u32);
            hits.stages.push(StageMatch::shown(pack as usize));
        });
        hits
    }

    #[test]
    fn a_repeated_message_is_classified_once_per_pack() {
        let mut calls = 0;
        let first = hits_of(7, "Started Journal Service.", &mut calls);
        let again = hits_of(7, "Started Journal Service.", &mut calls);
        assert_eq!(calls, 1);
        assert_eq!((first.signals, first.stages), (again.signals, again.stages));
        // another pack, another message: classified anew
        hits_of(8, "Started Journal Service.", &mut calls);
        hits_of(7, "Started Login Service.", &mut calls);
        assert_eq!(calls, 3);
        let long = "x".repeat(LONGEST + 1);
        hits_of(7, &long, &mut calls);
        hits_of(7, &long, &mut calls);
        assert_eq!(calls, 5, "long messages are not remembered");
    }
}
