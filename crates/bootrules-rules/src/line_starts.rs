//! Patterns anchored at the start of a line, found by how the line begins.
//!
//! A pattern that begins with `^` can only match a line that begins with one of a few literals
//! (`^systemd(?:\[1\])?: ` one that begins with `systemd: ` or `systemd[1]: `). In the search
//! of the whole line those literals cost a comparison wherever a line holds them, and most
//! lines that hold them do not begin with them; here the line's first three bytes pick the
//! few literals it may begin with.

/// Literals of at least three bytes, each with the pattern it stands for, looked for at the
/// start of a line.
#[derive(Debug, Default)]
pub struct LineStarts {
    /// Each entry's first three bytes, apart so that finding a line's among them reads few
    /// cache lines.
    keys: Vec<u32>,
    /// Where the keys of each first byte begin (and those of the next byte end).
    by_first: Vec<u32>,
    /// Sorted by their first three bytes.
    entries: Vec<Entry>,
}

/// One literal, with what it is compared by.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    /// Its first three bytes, the first most significant (see [`key`]).
    key: u32,
    /// Its first [`HEAD`] bytes (zeros past its end) and which of them count: most literals
    /// are compared in one step, and a line beginning `Sta` has dozens to compare with.
    head: u128,
    mask: u128,
    literal: Box<[u8]>,
    pattern: u32,
}

/// Three bytes as a number that sorts as they do, so the keys of one first byte are together.
fn key([a, b, c]: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, a, b, c])
}

/// Bytes of a literal compared in one step.
const HEAD: usize = 16;

/// The first [`HEAD`] bytes of `bytes`, zeros past its end.
fn head(bytes: &[u8]) -> u128 {
    let mut head = [0u8; HEAD];
    let len = bytes.len().min(HEAD);
    head[..len].copy_from_slice(&bytes[..len]);
    u128::from_le_bytes(head)
}

impl LineStarts {
    /// The table of `(literal, pattern)`; literals shorter than three bytes are left out.
    pub fn new(literals: impl IntoIterator<Item = (Vec<u8>, u32)>) -> Self {
        let mut entries: Vec<Entry> = literals
            .into_iter()
            .filter_map(|(literal, pattern)| {
                let first = *literal.first_chunk::<3>()?;
                Some(Entry {
                    key: key(first),
                    head: head(&literal),
                    mask: u128::MAX >> (8 * (HEAD - literal.len().min(HEAD))),
                    literal: literal.into_boxed_slice(),
                    pattern,
                })
            })
            .collect();
        entries.sort_unstable();
        entries.dedup();
        let keys: Vec<u32> = entries.iter().map(|e| e.key).collect();
        let by_first = (0..=256u32)
            .map(|byte| keys.partition_point(|&k| k >> 16 < byte) as u32)
            .collect();
        Self {
            keys,
            by_first,
            entries,
        }
    }

    /// Calls `found` with the pattern of each literal that `text` begins with.
    pub fn find_each(&self, text: &[u8], mut found: impl FnMut(u32)) {
        let Some(&first) = text.first_chunk::<3>() else {
            return;
        };
        let key = key(first);
        let byte = first[0] as usize;
        let (Some(&lo), Some(&hi)) = (self.by_first.get(byte), self.by_first.get(byte + 1)) else {
            return;
        };
        let same_byte = &self.keys[lo as usize..hi as usize];
        let from = lo as usize + same_byte.partition_point(|&k| k < key);
        if self.keys.get(from) != Some(&key) {
            return;
        }
        let text_head = head(text);
        for entry in self.entries[from..].iter().take_while(|e| e.key == key) {
            if text_head & entry.mask == entry.head
                && entry.literal.len() <= text.len()
                && (entry.literal.len() <= HEAD || text.starts_with(&entry.literal))
            {
                found(entry.pattern);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_literals_a_line_begins_with() {
        let starts = LineStarts::new([
            (b"systemd[1]: ".to_vec(), 0),
            (b"systemd: ".to_vec(), 0),
            (b"systemd-logind".to_vec(), 1),
            (b"ab".to_vec(), 2),
        ]);
        let found = |text: &str| {
            let mut out = Vec::new();
            starts.find_each(text.as_bytes(), |p| out.push(p));
            out
        };
        assert_eq!(found("systemd[1]: Started"), [0]);
        assert_eq!(found("systemd-logind[5]: New seat"), [1]);
        assert!(found("a systemd[1]: x").is_empty());
        assert!(found("abc").is_empty(), "too short to be looked for");
        assert!(found("sy").is_empty());
    }
}
