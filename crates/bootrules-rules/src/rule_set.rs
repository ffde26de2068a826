//! The engine's view of a pack ([`RuleSet`]): each line classified into stage hits and
//! signals, and a [`PackJudge`] per session.

use bootrules_core::{Finding, Line, LineHits, RuleSet, StageMatch, StageModel};

use crate::judge::PackJudge;
use crate::memo;
use crate::owner::{Marker, Owner, Role, Shown};
use crate::pack::Pack;
use crate::script::ScriptClock;

impl RuleSet for Pack {
    type Judge<'a> = PackJudge<'a>;
    type FileState = ScriptClock;

    fn stages(&self) -> &StageModel {
        &self.model
    }

    fn explains(&self, cause: &Finding, effect: &Finding) -> bool {
        self.signature(&effect.rule).is_some_and(|s| {
            s.explained_by
                .iter()
                .any(|by| *by == cause.category || *by == cause.rule)
        })
    }

    fn classify(&self, line: &Line<'_>, hits: &mut LineHits) {
        // What a line matches depends on its message alone.
        memo::classify(self.id, line.message, hits, |hits| {
            self.match_message(line, hits)
        });
    }

    fn judge<'a>(&'a self, file: &'a ScriptClock) -> PackJudge<'a> {
        PackJudge::new(self, file)
    }
}

impl Pack {
    /// Matches `line`'s message against every stage marker and signature pattern.
    fn match_message(&self, line: &Line<'_>, hits: &mut LineHits) {
        let mut candidates = std::mem::take(&mut hits.scratch);
        candidates.clear();
        let prefilter = self.prefilter();
        prefilter.candidates(line.message, &mut candidates);
        let unfiltered = prefilter.unfiltered();
        let mut ignored = false;
        for &pattern in unfiltered.iter().chain(&candidates) {
            // Built on first use: a pattern whose literals say it matches may never need it.
            let regex = || self.regexes[pattern as usize].regex();
            match self.owners[pattern as usize] {
                // Only a stage marker needs where its match begins; the other patterns only
                // whether there is one, which the regex tells without looking for its start.
                Owner::Stage(stage, kind) => {
                    if let Some(found) = regex().find(line.message) {
                        hits.stages.push(StageMatch {
                            stage,
                            at: found.start(),
                            marker: pattern,
                            handoff: kind == Marker::Handoff,
                            separator: kind == Marker::Separator,
                            shown: false,
                            lower_bound: false,
                            conditional: false,
                            undone: false,
                            needs_next_line: kind == Marker::IfFollowed,
                        });
                    }
                }
                _ if !prefilter.is_exact(pattern) && !regex().is_match(line.message) => {}
                Owner::ShownStage(stage, how) => hits.stages.push(match how {
                    Shown::At => StageMatch::shown(stage),
                    Shown::AtLeast => StageMatch::at_least(stage),
                    Shown::Outside => {
                        let except = &self.stages[stage].shown_outside_except;
                        if except.iter().any(|x| x.is_match(line.message)) {
                            continue;
                        }
                        StageMatch::shown_outside(stage)
                    }
                    Shown::Undone => StageMatch::undone(stage),
                }),
                Owner::Signature(index, role) => {
                    hits.signals.push(pattern);
                    let signature = &self.signatures[index];
                    // A line the signature excludes is not its evidence, so it shows no stage;
                    // one that does not count in some stages (`unless-in`) shows its stage as the
                    // stage's `shown-by-outside` lines do, not while the session is known to be
                    // in the stages they name (an initramfs that fails its own mounts).
                    if let (Role::Evidence, Some(stage)) = (role, signature.shows_stage) {
                        if !signature.exclude.iter().any(|x| x.is_match(line.message)) {
                            hits.stages.push(if signature.unless_in.is_empty() {
                                StageMatch::shown(stage)
                            } else {
                                StageMatch::shown_outside(stage)
                            });
                        }
                    }
                }
                Owner::Ignore => ignored = true,
            }
        }
        hits.scratch = candidates;
        // An ignored line still marks stages; it is just never evidence of a failure.
        if ignored {
            hits.signals.clear();
        }
    }
}
