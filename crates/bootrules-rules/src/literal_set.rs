//! Which of a few thousand short literals a line contains, in one pass over the line.
//!
//! The prefilter asks this of every line, for the literals the pack's patterns require. An
//! Aho–Corasick DFA over all of them took many megabytes (most of a run's memory) and missed
//! the cache on nearly every byte. Here each literal is known by one window of three or four
//! of its bytes, the least common ones; a bitset of the windows' hashes, small enough to stay
//! in the first-level cache, is tested at every position of the line, and only where a bit is
//! set are the literals with that window compared in full. Every occurrence of a literal holds
//! its window at a known offset, so none is missed.

/// Bits of a table's bitset per window it holds: few enough set that most positions of a line
/// are ruled out by one bit.
const BITS_PER_WINDOW: usize = 64;

/// The most bits of a table's bitset hash: 16 KiB, half the first-level cache of common cores.
const MAX_HASH_BITS: u32 = 17;

/// The fewest: 2 KiB, so a table of a few literals is not hit by chance at every fiftieth
/// position of a line.
const MIN_HASH_BITS: u32 = 14;

/// A set of literals of at least three bytes each, searched for all at once.
#[derive(Debug, Clone)]
pub struct LiteralSet {
    literals: Vec<Box<[u8]>>,
    /// Literals of four bytes or more, by a four-byte window.
    wide: Table,
    /// Literals of three bytes, by all of their bytes.
    narrow: Table,
}

/// Windows of one width: which hashes occur, and the literals of each.
#[derive(Debug, Clone)]
struct Table {
    /// Which of the four bytes read at a position form the window (little-endian).
    mask: u32,
    /// How far a hash is shifted right to give a slot of `bits`.
    shift: u32,
    bits: Vec<u64>,
    /// For each word of `bits`, how many bits are set in the words before it.
    ranks: Vec<u32>,
    /// The `n`th set bit's entries are `entries[starts[n]..starts[n + 1]]`.
    starts: Vec<u32>,
    entries: Vec<Entry>,
}

/// A literal whose window hashes to a slot.
#[derive(Debug, Clone, Copy)]
struct Entry {
    window: u32,
    /// Where the window lies in the literal.
    offset: u32,
    literal: u32,
    /// Its first [`HEAD`] bytes (zeros past its end) and which bytes of them count, so most
    /// literals are compared in one step.
    head: u128,
    head_mask: u128,
}

/// Bytes of a literal compared in one step.
const HEAD: usize = 16;

impl Entry {
    fn new(literal: &[u8], index: usize, offset: usize) -> Self {
        let len = literal.len().min(HEAD);
        let mut head = [0u8; HEAD];
        head[..len].copy_from_slice(&literal[..len]);
        Self {
            window: window_at(literal, offset),
            offset: offset as u32,
            literal: index as u32,
            head: u128::from_le_bytes(head),
            head_mask: u128::MAX >> (8 * (HEAD - len)),
        }
    }

    /// True when the literal begins at `start` in `text`.
    #[inline]
    fn is_at(&self, text: &[u8], start: usize, literal: &[u8]) -> bool {
        match text.get(start..start + HEAD) {
            Some(bytes) => {
                let mut head = [0u8; HEAD];
                head.copy_from_slice(bytes);
                u128::from_le_bytes(head) & self.head_mask == self.head
                    && (literal.len() <= HEAD
                        || text.get(start..start + literal.len()) == Some(literal))
            }
            None => text.get(start..start + literal.len()) == Some(literal),
        }
    }
}

impl LiteralSet {
    /// The set of `literals`, numbered in their order. Literals shorter than three bytes are
    /// never found (see [`Self::too_short`]).
    pub fn new(literals: impl IntoIterator<Item = Vec<u8>>) -> Self {
        let literals: Vec<Box<[u8]>> = literals.into_iter().map(Vec::into_boxed_slice).collect();
        let shared = shared_windows(&literals);
        let mut wide = Vec::new();
        let mut narrow = Vec::new();
        for (index, literal) in literals.iter().enumerate() {
            match literal.len() {
                0..=2 => {}
                3 => {
                    let mut entry = Entry::new(literal, index, 0);
                    entry.window &= NARROW_MASK;
                    narrow.push(entry);
                }
                _ => wide.push(Entry::new(literal, index, rarest_window(literal, &shared))),
            }
        }
        Self {
            literals,
            wide: Table::new(u32::MAX, wide),
            narrow: Table::new(NARROW_MASK, narrow),
        }
    }

    /// True when the literal with this number is too short to be searched for.
    pub fn too_short(&self, literal: usize) -> bool {
        self.literals.get(literal).is_none_or(|l| l.len() < 3)
    }

    /// Calls `found` with the number of each literal that occurs in `text`, once per
    /// occurrence, in no particular order.
    pub fn find_each(&self, text: &[u8], mut found: impl FnMut(usize)) {
        if self.narrow.entries.is_empty() {
            self.scan::<false>(text, &mut found);
        } else {
            self.scan::<true>(text, &mut found);
        }
    }

    fn scan<const NARROW: bool>(&self, text: &[u8], found: &mut impl FnMut(usize)) {
        let mut test = |window: u32, at: usize| {
            if self.wide.may_hold(window) {
                self.wide.confirm(window, at, text, &self.literals, found);
            }
            if NARROW && self.narrow.may_hold(window) {
                self.narrow.confirm(window, at, text, &self.literals, found);
            }
        };
        // Eight bytes read at once give the windows of four positions.
        let mut at = 0;
        while let Some(&eight) = text.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
            let eight = u64::from_le_bytes(eight);
            for k in 0..4 {
                test((eight >> (8 * k)) as u32, at + k);
            }
            at += 4;
        }
        // Four bytes are read at every position; past the end they are zeros, which a window of
        // three bytes ignores and no four-byte window of a literal that fits holds.
        while at + 3 <= text.len() {
            test(window_at(text, at), at);
            at += 1;
        }
    }
}

/// The low three bytes of a window read little-endian: the first three bytes of the text.
const NARROW_MASK: u32 = 0x00FF_FFFF;

impl Table {
    fn new(mask: u32, mut entries: Vec<Entry>) -> Self {
        let hash_bits = (entries.len() * BITS_PER_WINDOW)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(MIN_HASH_BITS, MAX_HASH_BITS);
        let shift = 32 - hash_bits;
        entries.sort_by_key(|e| (slot(e.window, shift), e.literal));
        let mut bits = vec![0u64; 1 << (hash_bits - 6)];
        let mut starts = Vec::new();
        for (at, entry) in entries.iter().enumerate() {
            let slot = slot(entry.window, shift);
            let word = &mut bits[slot as usize >> 6];
            if *word & (1 << (slot & 63)) == 0 {
                *word |= 1 << (slot & 63);
                starts.push(at as u32);
            }
        }
        starts.push(entries.len() as u32);
        let mut ranks = vec![0u32; bits.len()];
        let mut before = 0;
        for (rank, word) in ranks.iter_mut().zip(bits.iter()) {
            *rank = before;
            before += word.count_ones();
        }
        Self {
            mask,
            shift,
            bits,
            ranks,
            starts,
            entries,
        }
    }

    /// False when no literal's window is `window` (most positions of most lines).
    #[inline]
    fn may_hold(&self, window: u32) -> bool {
        let slot = slot(window & self.mask, self.shift);
        self.bits
            .get(slot as usize >> 6)
            .is_some_and(|word| word & (1 << (slot & 63)) != 0)
    }

    /// Compares the literals whose window hashes as `window`'s does with the text around `at`.
    #[cold]
    fn confirm(
        &self,
        window: u32,
        at: usize,
        text: &[u8],
        literals: &[Box<[u8]>],
        found: &mut impl FnMut(usize),
    ) {
        let window = window & self.mask;
        let slot = slot(window, self.shift);
        let word = slot as usize >> 6;
        let (Some(bits), Some(rank)) = (self.bits.get(word), self.ranks.get(word)) else {
            return;
        };
        let n = (rank + (bits & ((1u64 << (slot & 63)) - 1)).count_ones()) as usize;
        let (Some(&from), Some(&to)) = (self.starts.get(n), self.starts.get(n + 1)) else {
            return;
        };
        for entry in self.entries.get(from as usize..to as usize).unwrap_or(&[]) {
            if entry.window != window {
                continue;
            }
            let literal = &literals[entry.literal as usize];
            let Some(start) = at.checked_sub(entry.offset as usize) else {
                continue;
            };
            if entry.is_at(text, start, literal) {
                found(entry.literal as usize);
            }
        }
    }
}

/// The slot of a window in a bitset: the high bits of a multiplicative hash.
#[inline]
fn slot(window: u32, shift: u32) -> u32 {
    window.wrapping_mul(0x9E37_79B1) >> shift
}

/// The four bytes of `bytes` from `at`, little-endian, zeros past the end.
#[inline]
fn window_at(bytes: &[u8], at: usize) -> u32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => {
            let mut four = [0u8; 4];
            for (to, from) in four.iter_mut().zip(bytes.iter().skip(at)) {
                *to = *from;
            }
            u32::from_le_bytes(four)
        }
    }
}

/// For each four-byte window, how many of the literals hold it: `(window, count)` sorted by
/// window. (A sorted list rather than a hash map: built once per run from some 60,000 windows,
/// it took a tenth of the check of a short log with SipHash.)
fn shared_windows(literals: &[Box<[u8]>]) -> Vec<(u32, u32)> {
    let mut all = Vec::new();
    let mut windows = Vec::new();
    for literal in literals {
        windows.clear();
        windows.extend((0..literal.len().saturating_sub(3)).map(|at| window_at(literal, at)));
        windows.sort_unstable();
        windows.dedup();
        all.extend_from_slice(&windows);
    }
    all.sort_unstable();
    let mut counted: Vec<(u32, u32)> = Vec::new();
    for window in all {
        match counted.last_mut() {
            Some((last, count)) if *last == window => *count += 1,
            _ => counted.push((window, 1)),
        }
    }
    counted
}

/// How many literals hold `window` (see [`shared_windows`]).
fn holders(shared: &[(u32, u32)], window: u32) -> u32 {
    shared
        .binary_search_by_key(&window, |&(w, _)| w)
        .map_or(0, |at| shared[at].1)
}

/// Where the literal's rarest four bytes begin: the window fewest literals of the set hold (a
/// window many patterns need is common in console text, and each place it occurs costs a
/// comparison with every literal found by it), then the one of rarest bytes, then the first.
fn rarest_window(literal: &[u8], shared: &[(u32, u32)]) -> usize {
    (0..=literal.len() - 4)
        .min_by_key(|&at| {
            let bits: u32 = literal[at..at + 4].iter().map(|&b| rarity(b)).sum();
            (
                holders(shared, window_at(literal, at)),
                std::cmp::Reverse(bits),
            )
        })
        .unwrap_or(0)
}

/// How rare a byte is in console text, in bits: -log2 of its share of the bytes of the lab
/// logs (`tests/fixtures/lab`, 1.3 MB), for the printable ASCII bytes; other bytes are rare.
/// (A space is 3 bits, `e` 4, `S` 7, `{` never seen; on the lab logs, windows chosen by these
/// rather than by a guess of the common letters are hit 8% less often.)
fn rarity(b: u8) -> u32 {
    const PRINTABLE: [u8; 95] = [
        3, 14, 13, 15, 24, 16, 24, 11, 8, 8, 9, 10, 9, 6, 5, 8, // space to /
        4, 6, 6, 6, 7, 7, 7, 7, 7, 7, 6, 7, 12, 9, 12, 14, // 0 to ?
        11, 8, 9, 8, 9, 9, 8, 10, 10, 8, 10, 8, 9, 8, 9, 8, // @ to O
        7, 11, 8, 7, 9, 9, 10, 11, 10, 13, 13, 5, 11, 6, 18, 8, // P to _
        17, 5, 7, 6, 5, 4, 6, 6, 7, 5, 11, 8, 6, 5, 5, 5, // ` to o
        6, 10, 5, 5, 5, 6, 7, 9, 8, 7, 10, 24, 12, 24, 14, // p to ~
    ];
    usize::from(b)
        .checked_sub(0x20)
        .and_then(|i| PRINTABLE.get(i))
        .map_or(16, |&bits| u32::from(bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(set: &LiteralSet, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        set.find_each(text.as_bytes(), |l| out.push(l));
        out.sort_unstable();
        out.dedup();
        out
    }

    fn set(literals: &[&str]) -> LiteralSet {
        LiteralSet::new(literals.iter().map(|l| l.as_bytes().to_vec()))
    }

    #[test]
    fn finds_literals_anywhere_in_the_line_and_at_its_ends() {
        let s = set(&["]: ", "systemd[1]: ", "Kernel panic", "abc", "xyzw"]);
        assert_eq!(found(&s, "systemd[1]: Started"), [0, 1]);
        assert_eq!(found(&s, "a Kernel panic"), [2]);
        assert_eq!(found(&s, "abc"), [3]);
        assert_eq!(found(&s, "..xyzw"), [4]);
        assert_eq!(found(&s, "xyz"), Vec::<usize>::new());
        assert_eq!(found(&s, ""), Vec::<usize>::new());
    }

    #[test]
    fn short_literals_are_never_found() {
        let s = set(&["ab", "", "abcd"]);
        assert!(s.too_short(0) && s.too_short(1) && !s.too_short(2));
        assert_eq!(found(&s, "ab abcd"), [2]);
    }

    #[test]
    fn every_occurrence_is_reported() {
        let s = set(&["aaaa", "aaa"]);
        let mut out = Vec::new();
        s.find_each(b"aaaaa", |l| out.push(l));
        out.sort_unstable();
        assert_eq!(out, [0, 0, 1, 1, 1]);
    }

    proptest! {
        /// The set finds exactly the literals a plain substring search finds, whatever the
        /// literals (colliding hashes, shared windows, literals inside literals, literals longer
        /// than one comparison step, at either end of the text).
        #[test]
        fn agrees_with_a_substring_search(
            literals in prop::collection::vec("[ab: \\[\\]]{3,20}", 1..40),
            before in "[ab: \\[\\]x]{0,30}",
            pick in any::<prop::sample::Index>(),
            after in "[ab: \\[\\]x]{0,30}",
        ) {
            let s = LiteralSet::new(literals.iter().map(|l| l.as_bytes().to_vec()));
            let text = format!("{before}{}{after}", pick.get(&literals));
            let want: Vec<usize> = literals
                .iter()
                .enumerate()
                .filter(|(_, l)| text.contains(l.as_str()))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(found(&s, &text), want);
        }
    }
}
