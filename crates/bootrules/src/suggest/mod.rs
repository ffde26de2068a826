//! `bootrules suggest`: the failures no rule knows, as rule skeletons.
//!
//! Every session that ended badly with no known cause (see [`collect::is_unexplained`]) gives
//! the lines that may explain its stop: warning-level lines no rule took and its last lines.
//! Those lines become templates ([`template`]), clustered across logs and ranked by how many
//! sessions and logs share them; a template that healthy sessions print as often explains
//! nothing and is left out. Each cluster comes with a rule skeleton ([`skeleton`]).

pub mod collect;
pub mod render;
pub mod skeleton;
pub mod template;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use bootrules_core::Normaliser;
use bootrules_rules::Pack;
use regex::Regex;
use serde::Serialize;

use collect::{template_key, LogHarvest, Why};
use skeleton::Skeleton;
use template::Clusters;

/// Clusters kept over a whole batch; lines of new shapes past it are counted, not kept.
pub const MAX_CLUSTERS: usize = 20_000;
/// Template hashes of healthy sessions kept.
const MAX_HEALTHY_KEYS: usize = 1_000_000;
/// Warning-level lines of healthy sessions kept for `examples.no-match`.
const MAX_HEALTHY_SAMPLES: usize = 5_000;
/// Example lines kept per cluster.
const EXAMPLES: usize = 3;
/// Warnings counted as near the stop of their session: so many came after them at most.
const NEAR_THE_STOP: usize = 10;
/// What a line that only came before a stop (no warning in it) weighs in the ranking.
const LAST_LINE_WEIGHT: f64 = 0.2;
/// Template hashes kept per cluster.
const KEYS_PER_CLUSTER: usize = 64;

/// A real line of a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// The log, as reports name it.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// The line.
    pub text: String,
    /// The line as the log holds it.
    #[serde(skip)]
    pub raw: String,
}

/// What is known of one cluster while logs come in.
#[derive(Debug, Default)]
struct Seen {
    sessions: u64,
    near_sessions: u64,
    last_near_session: Option<u64>,
    /// Per session, how near the stop its line came (1 for the last warning, ½ for the one
    /// before…), summed over sessions: a line that ends many stops ranks first.
    weight: f64,
    session_weight: f64,
    logs: u64,
    last_session: Option<u64>,
    last_log: Option<u64>,
    warning: bool,
    examples: Vec<Example>,
    before: Vec<String>,
    stages: BTreeMap<String, u64>,
    outcomes: BTreeMap<String, u64>,
    keys: HashSet<u64>,
}

/// One suggestion: a shape of line that sessions with no known cause share.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    /// 1 for the most shared.
    pub rank: usize,
    /// The template, masked parts as `<NUM>`, `<HEX>`, `<DEV>`…, differing words as `<*>`.
    pub template: String,
    /// Sessions with no known cause that print it.
    pub sessions: u64,
    /// Of those, the sessions where it is among the last warnings before the stop.
    pub near_the_stop: u64,
    /// Logs those sessions come from.
    pub logs: u64,
    /// Healthy sessions that print it too.
    pub healthy_sessions: u64,
    /// Whether a line of it says something went wrong (else it only came before a stop).
    pub warning: bool,
    /// Up to three real lines, from different logs where there are.
    pub examples: Vec<Example>,
    /// Where those sessions stopped: stage id → sessions (`-` for none).
    pub stages: BTreeMap<String, u64>,
    /// How those sessions ended: outcome → sessions.
    pub outcomes: BTreeMap<String, u64>,
    /// The rule to start from.
    pub skeleton: Skeleton,
}

/// A log that was not checked, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unchecked {
    /// The log, as reports name it.
    pub path: String,
    /// Why.
    pub reason: String,
    /// It could not be read (else it was skipped: not a console log).
    pub unreadable: bool,
}

/// What `suggest` found in a batch.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestions {
    /// Logs and archive members checked.
    pub logs: u64,
    /// Sessions judged.
    pub sessions: u64,
    /// Sessions that ended badly with no known cause.
    pub unexplained_sessions: u64,
    /// Inputs not checked (unreadable, skipped), each named.
    pub unchecked: Vec<Unchecked>,
    /// Lines of new shapes not kept once [`MAX_CLUSTERS`] clusters were.
    pub dropped_lines: u64,
    /// Clusters not shown (past `--top`, or printed as often by healthy sessions).
    pub not_shown: u64,
    /// The suggestions, most shared first.
    pub suggestions: Vec<Suggestion>,
}

/// Gathers the logs' harvests, in input order, into clusters.
pub struct Miner {
    clusters: Clusters<Seen>,
    healthy: HashMap<u64, u64>,
    healthy_sessions: u64,
    healthy_samples: Vec<String>,
    logs: u64,
    sessions: u64,
    unexplained: u64,
    unchecked: Vec<Unchecked>,
}

impl Default for Miner {
    fn default() -> Self {
        Self {
            clusters: Clusters::new(MAX_CLUSTERS),
            healthy: HashMap::new(),
            healthy_sessions: 0,
            healthy_samples: Vec::new(),
            logs: 0,
            sessions: 0,
            unexplained: 0,
            unchecked: Vec::new(),
        }
    }
}

impl Miner {
    /// Takes what one log gave.
    pub fn add(&mut self, log: LogHarvest) {
        if let Some(reason) = log.problem {
            self.unchecked.push(Unchecked {
                path: log.path,
                reason,
                unreadable: log.unreadable,
            });
            return;
        }
        let log_id = self.logs;
        self.logs += 1;
        self.sessions += log.sessions;
        for keys in log.healthy {
            self.healthy_sessions += 1;
            for key in keys {
                if self.healthy.len() < MAX_HEALTHY_KEYS || self.healthy.contains_key(&key) {
                    *self.healthy.entry(key).or_default() += 1;
                }
            }
        }
        let room = MAX_HEALTHY_SAMPLES.saturating_sub(self.healthy_samples.len());
        self.healthy_samples
            .extend(log.healthy_samples.into_iter().take(room));
        for session in log.unexplained {
            let session_id = self.unexplained;
            self.unexplained += 1;
            let stage = session.stage.clone().unwrap_or_else(|| "-".to_owned());
            let outcome = session.outcome.as_str().to_owned();
            for candidate in session.candidates {
                let key = template_key(&candidate.tokens);
                let Some(index) = self.clusters.add(candidate.tokens, Seen::default) else {
                    continue;
                };
                let seen = &mut self.clusters.get_mut(index).data;
                if seen.keys.len() < KEYS_PER_CLUSTER {
                    seen.keys.insert(key);
                }
                seen.warning |= candidate.why == Why::Warning;
                if let Some(distance) = candidate.from_the_stop {
                    if distance < NEAR_THE_STOP && seen.last_near_session != Some(session_id) {
                        seen.last_near_session = Some(session_id);
                        seen.near_sessions += 1;
                    }
                }
                let weight = candidate
                    .from_the_stop
                    .map_or(LAST_LINE_WEIGHT, |d| 1.0 / (1.0 + d as f64));
                if seen.last_session != Some(session_id) {
                    seen.last_session = Some(session_id);
                    seen.sessions += 1;
                    seen.weight += seen.session_weight;
                    seen.session_weight = 0.0;
                    *seen.stages.entry(stage.clone()).or_default() += 1;
                    *seen.outcomes.entry(outcome.clone()).or_default() += 1;
                }
                seen.session_weight = seen.session_weight.max(weight);
                if seen.last_log != Some(log_id) {
                    seen.last_log = Some(log_id);
                    seen.logs += 1;
                    if seen.examples.len() < EXAMPLES {
                        seen.examples.push(Example {
                            path: log.path.clone(),
                            line: candidate.line,
                            text: candidate.text,
                            raw: candidate.raw,
                        });
                        seen.before.extend(candidate.before);
                    }
                }
            }
        }
    }

    /// The `top` most shared clusters as suggestions with their skeletons.
    pub fn finish(self, pack: &Pack, top: usize) -> Suggestions {
        let healthy = &self.healthy;
        let dropped_lines = self.clusters.dropped;
        let mut ranked: Vec<(Vec<String>, Seen, u64)> = self
            .clusters
            .into_vec()
            .into_iter()
            .map(|c| {
                let in_healthy = c.data.keys.iter().filter_map(|k| healthy.get(k)).sum();
                (c.tokens, c.data, in_healthy)
            })
            .collect();
        let total = ranked.len() as u64;
        // A shape healthy sessions print as often as failing ones explains nothing.
        ranked.retain(|(_, seen, in_healthy)| *in_healthy < seen.sessions);
        // Warnings just before a stop first, and those that end many stops: what a person reads
        // first to find a cause.
        // A shape as common in healthy sessions as in these weighs nothing; one seen in a few
        // healthy sessions, less (their shares compared, not their counts).
        let (unexplained, healthy_total) = (self.unexplained.max(1), self.healthy_sessions);
        let contrast = |seen: &Seen, in_healthy: u64| {
            if healthy_total == 0 || in_healthy == 0 {
                return 1.0;
            }
            let here = seen.sessions as f64 / unexplained as f64;
            let there = in_healthy as f64 / healthy_total as f64;
            (1.0 - there / here).max(0.0)
        };
        let weight = |seen: &Seen, in_healthy: u64| {
            (seen.weight + seen.session_weight) * contrast(seen, in_healthy)
        };
        ranked.sort_by(|a, b| {
            weight(&b.1, b.2)
                .total_cmp(&weight(&a.1, a.2))
                .then_with(|| (b.1.sessions, b.1.logs).cmp(&(a.1.sessions, a.1.logs)))
                .then_with(|| a.0.cmp(&b.0))
        });
        let mut taken = BTreeSet::new();
        let mut suggestions = Vec::new();
        for (tokens, seen, in_healthy) in ranked {
            if suggestions.len() == top {
                break;
            }
            let Some(skeleton) =
                build_skeleton(pack, &tokens, &seen, &self.healthy_samples, &mut taken)
            else {
                continue;
            };
            suggestions.push(Suggestion {
                rank: suggestions.len() + 1,
                template: tokens.join(" "),
                sessions: seen.sessions,
                near_the_stop: seen.near_sessions,
                logs: seen.logs,
                healthy_sessions: in_healthy,
                warning: seen.warning,
                examples: seen.examples,
                stages: seen.stages,
                outcomes: seen.outcomes,
                skeleton,
            });
        }
        Suggestions {
            logs: self.logs,
            sessions: self.sessions,
            unexplained_sessions: self.unexplained,
            unchecked: self.unchecked,
            dropped_lines,
            not_shown: total - suggestions.len() as u64,
            suggestions,
        }
    }
}

/// The skeleton of a cluster, `None` when its template has too little literal text or its
/// pattern does not match its own lines.
fn build_skeleton(
    pack: &Pack,
    tokens: &[String],
    seen: &Seen,
    healthy_samples: &[String],
    taken: &mut BTreeSet<String>,
) -> Option<Skeleton> {
    let pattern = skeleton::pattern(tokens)?;
    let re = Regex::new(&pattern).ok()?;
    let mut normaliser = Normaliser::default();
    // A line whose terminal escapes moved text around reads right only as the log holds it.
    let examples: Vec<String> = seen
        .examples
        .iter()
        .filter_map(|e| {
            [&e.text, &e.raw]
                .into_iter()
                .find(|line| skeleton::matches(&re, &mut normaliser, line))
                .cloned()
        })
        .collect();
    if examples.is_empty() {
        return None;
    }
    let candidates: Vec<&String> = healthy_samples.iter().chain(&seen.before).collect();
    let no_match = skeleton::no_match(&re, tokens, &candidates);
    Some(Skeleton {
        id: skeleton::id(tokens, pack, taken),
        title: tokens.join(" "),
        category: skeleton::category(tokens, &examples, pack),
        pattern,
        examples_match: examples,
        examples_no_match: no_match,
    })
}
