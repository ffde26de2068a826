//! Log lines to templates: the variable parts masked, lines of the same shape clustered.
//!
//! In the spirit of the Drain log parser (He et al., 2017): each token is first masked by what
//! it obviously is (a number, a hex value, a UUID, an address, a disk), then a line joins the
//! most similar cluster of the same length and first token, the positions where they differ
//! becoming wildcards. The Drain crates on crates.io bring persistence backends and a parse
//! tree this needs none of; the masking and the one-level merge are what matter here.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

/// A token that varies between lines of one cluster.
pub const WILDCARD: &str = "<*>";

/// Masks, in the order they are tried; each names what it replaces and how a pattern matches it.
const MASKS: &[(&str, &str, &str)] = &[
    (
        "<UUID>",
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        r"[0-9a-fA-F-]{36}",
    ),
    (
        "<IP>",
        r"\b\d{1,3}(?:\.\d{1,3}){3}\b",
        r"\d{1,3}(?:\.\d{1,3}){3}",
    ),
    (
        "<DEV>",
        r"\b(?:sd[a-z]{1,2}\d*|vd[a-z]{1,2}\d*|xvd[a-z]{1,2}\d*|hd[a-z]\d*|nvme\d+n\d+(?:p\d+)?|mmcblk\d+(?:p\d+)?|dm-\d+|md\d+|loop\d+)\b",
        r"[a-z]+[\w-]*",
    ),
    // one name, one pattern for both forms: `0x1f` and `7f3a2c`
    ("<HEX>", r"\b0x[0-9a-fA-F]+\b", r"(?:0x)?[0-9a-fA-F]+"),
    (
        "<HEX>",
        r"\b[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b|\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*[0-9][0-9a-fA-F]*\b",
        r"(?:0x)?[0-9a-fA-F]+",
    ),
];

/// Runs of digits (see [`mask_digits`]) and the pattern for them.
const NUM: (&str, &str) = ("<NUM>", r"\d+");

fn masks() -> &'static [(String, Regex)] {
    static MASKS_COMPILED: OnceLock<Vec<(String, Regex)>> = OnceLock::new();
    MASKS_COMPILED.get_or_init(|| {
        MASKS
            .iter()
            .filter_map(|(name, re, _)| Some(((*name).to_owned(), Regex::new(re).ok()?)))
            .collect()
    })
}

/// The regular expression a masked part stands for in a pattern.
pub fn mask_pattern(name: &str) -> Option<&'static str> {
    if name == NUM.0 {
        return Some(NUM.1);
    }
    MASKS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, pattern)| *pattern)
}

/// The names of the masks, for splitting a masked token into literal text and masks.
pub fn mask_names() -> impl Iterator<Item = &'static str> {
    let mut seen = Vec::new();
    MASKS
        .iter()
        .chain([&(NUM.0, "", NUM.1)])
        .filter_map(move |(name, _, _)| {
            if seen.contains(name) {
                None
            } else {
                seen.push(*name);
                Some(*name)
            }
        })
}

/// A line's tokens with their obviously variable parts masked.
pub fn tokens(message: &str) -> Vec<String> {
    message.split_whitespace().map(mask_token).collect()
}

fn mask_token(token: &str) -> String {
    let mut token = token.to_owned();
    for (name, re) in masks() {
        if re.is_match(&token) {
            token = re.replace_all(&token, name.as_str()).into_owned();
        }
    }
    mask_digits(&token)
}

/// Masks runs of digits, except the few that end a word (`ext4`, `i8042`, `ttyS0`, `sha256`):
/// those name a thing rather than count it.
fn mask_digits(token: &str) -> String {
    let bytes = token.as_bytes();
    let mut out = String::with_capacity(token.len());
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            let next = token[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&token[i..i + next]);
            i += next;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |n| i + n);
        let after_letter = i > 0 && bytes[i - 1].is_ascii_alphabetic();
        if after_letter && end - i <= 4 {
            out.push_str(&token[i..end]);
        } else {
            out.push_str("<NUM>");
        }
        i = end;
    }
    out
}

/// One cluster: a template and what was seen of it.
#[derive(Debug, Clone)]
pub struct Cluster<T> {
    /// The tokens, [`WILDCARD`] where the lines differ.
    pub tokens: Vec<String>,
    /// What the caller keeps about the lines that joined.
    pub data: T,
}

impl<T> Cluster<T> {
    /// The template as one line.
    pub fn template(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Clusters of templates, at most `capacity` of them.
#[derive(Debug)]
pub struct Clusters<T> {
    groups: HashMap<(usize, String), Vec<usize>>,
    clusters: Vec<Cluster<T>>,
    capacity: usize,
    /// Lines that found no room (the cluster cap was reached).
    pub dropped: u64,
}

/// Share of equal tokens a line needs to join a cluster.
const SIMILARITY: f64 = 0.6;

/// Clusters compared per group of the same length and first token.
const MAX_PER_GROUP: usize = 200;

impl<T> Clusters<T> {
    /// An empty set holding at most `capacity` clusters.
    pub fn new(capacity: usize) -> Self {
        Self {
            groups: HashMap::new(),
            clusters: Vec::new(),
            capacity,
            dropped: 0,
        }
    }

    /// Adds a line's tokens: the index of the cluster it joined or began, `None` when there
    /// was no room. `new` makes the data of a new cluster.
    pub fn add(&mut self, tokens: Vec<String>, new: impl FnOnce() -> T) -> Option<usize> {
        if tokens.is_empty() {
            return None;
        }
        let key = (tokens.len(), tokens[0].clone());
        let group = self.groups.entry(key).or_default();
        let best = group
            .iter()
            .map(|&i| (i, similarity(&self.clusters[i].tokens, &tokens)))
            .filter(|&(_, s)| s >= SIMILARITY)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((index, _)) = best {
            let cluster = &mut self.clusters[index];
            for (have, new) in cluster.tokens.iter_mut().zip(&tokens) {
                if have != new {
                    *have = WILDCARD.to_owned();
                }
            }
            return Some(index);
        }
        if self.clusters.len() >= self.capacity || group.len() >= MAX_PER_GROUP {
            self.dropped += 1;
            return None;
        }
        group.push(self.clusters.len());
        self.clusters.push(Cluster {
            tokens,
            data: new(),
        });
        Some(self.clusters.len() - 1)
    }

    /// The cluster at `index`.
    pub fn get_mut(&mut self, index: usize) -> &mut Cluster<T> {
        &mut self.clusters[index]
    }

    /// Every cluster, in the order they began.
    pub fn into_vec(self) -> Vec<Cluster<T>> {
        self.clusters
    }
}

/// Share of positions where two templates of one length agree (a wildcard agrees with all).
fn similarity(template: &[String], tokens: &[String]) -> f64 {
    let same = template
        .iter()
        .zip(tokens)
        .filter(|(a, b)| a == b || *a == WILDCARD)
        .count();
    same as f64 / template.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_what_varies_between_boots() {
        assert_eq!(
            tokens("blk_update_request: I/O error, dev sdc, sector 2048 op 0x0:(READ)"),
            [
                "blk_update_request:",
                "I/O",
                "error,",
                "dev",
                "<DEV>,",
                "sector",
                "<NUM>",
                "op",
                "<HEX>:(READ)"
            ]
        );
        assert_eq!(
            tokens("Timed out waiting for device /dev/disk/by-uuid/0b3c5a2e-7f1d-4c39-9a8e-2f4b6c8d0e1f."),
            ["Timed", "out", "waiting", "for", "device", "/dev/disk/by-uuid/<UUID>."]
        );
        assert_eq!(
            tokens(
                "url_helper.py[WARNING]: Calling 'http://169.254.169.254/latest' failed [3/120s]"
            ),
            [
                "url_helper.py[WARNING]:",
                "Calling",
                "'http://<IP>/latest'",
                "failed",
                "[<NUM>/<NUM>s]"
            ]
        );
        assert_eq!(
            tokens("dracut-initqueue[312]: Warning:"),
            ["dracut-initqueue[<NUM>]:", "Warning:"]
        );
        // words that merely use the letters a to f stay words, and so do names ending in digits
        assert_eq!(tokens("added a bad face"), ["added", "a", "bad", "face"]);
        assert_eq!(
            tokens("EXT4-fs (sda1): on ttyS0"),
            ["EXT4-fs", "(<DEV>):", "on", "ttyS0"]
        );
    }

    #[test]
    fn lines_of_one_shape_share_a_cluster_and_the_differences_become_wildcards() {
        let mut clusters = Clusters::new(10);
        let a = clusters.add(tokens("Failed to mount /data on sdb1 for app"), || ());
        let b = clusters.add(tokens("Failed to mount /srv on sdc1 for app"), || ());
        let c = clusters.add(
            tokens("Started the daily clean-up of temporary dirs"),
            || (),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        let all = clusters.into_vec();
        assert_eq!(all[0].template(), "Failed to mount <*> on <DEV> for app");
    }

    #[test]
    fn a_full_set_drops_new_shapes_and_counts_them() {
        let mut clusters = Clusters::new(1);
        clusters.add(tokens("one two three"), || ());
        assert!(clusters.add(tokens("four five six seven"), || ()).is_none());
        assert!(clusters.add(tokens("one two four"), || ()).is_some());
        assert_eq!(clusters.dropped, 1);
    }
}
