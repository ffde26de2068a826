//! Inline SVG drawings of the HTML report: bar charts for the batch, one timeline per session.
//! Every shape carries a `<title>` (read by screen readers, shown on hover), every drawing a
//! text equivalent next to it in the page.

use std::fmt::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use bootrules_core::{Outcome, Session, Severity};

use super::esc;
use crate::report::timeline::seconds;

/// One bar of a chart.
pub struct Bar<'a> {
    /// What the bar counts.
    pub label: &'a str,
    /// How many.
    pub count: usize,
    /// Its fill colour.
    pub colour: &'a str,
}

/// A horizontal bar chart, one labelled bar per row.
pub fn bar_chart(out: &mut String, title: &str, bars: &[Bar<'_>]) -> fmt::Result {
    const ROW: usize = 24;
    const LABEL: usize = 230;
    const WIDTH: usize = 520;
    let max = bars.iter().map(|b| b.count).max().unwrap_or(1).max(1);
    let height = ROW * bars.len().max(1) + 4;
    writeln!(
        out,
        r#"<svg role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    )?;
    for (i, bar) in bars.iter().enumerate() {
        let y = i * ROW;
        let length = (bar.count * (WIDTH - LABEL - 40) / max).max(2);
        writeln!(
            out,
            r#"<g><title>{}: {}</title><text x="{}" y="{}" text-anchor="end">{}</text><rect x="{LABEL}" y="{}" width="{length}" height="{}" fill="{}"/><text x="{}" y="{}">{}</text></g>"#,
            esc(bar.label),
            bar.count,
            LABEL - 8,
            y + 16,
            esc(&shorten(bar.label, 34)),
            y + 4,
            ROW - 8,
            bar.colour,
            LABEL + length + 6,
            y + 16,
            bar.count
        )?;
    }
    writeln!(out, "</svg>")
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(chars - 1).collect();
    cut.push('…');
    cut
}

/// The colour of an outcome (the same in the CSS).
pub fn outcome_colour(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::BootFailed => "#b3261e",
        Outcome::BootStalled => "#c2410c",
        Outcome::Crashed => "#a61e4d",
        Outcome::ShutdownStalled => "#9a6700",
        Outcome::Reset => "#5f3dc4",
        Outcome::Booted => "#2b7a3e",
        Outcome::Rebooted => "#1c64b0",
        Outcome::PoweredOff => "#4f5963",
    }
}

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#b3261e",
        Severity::Error => "#c2410c",
        Severity::Warning => "#9a6700",
        Severity::Info => "#4f5963",
    }
}

const WIDTH: f64 = 760.0;
/// Room above the axis for the longest stage label (`filesystems-unmounted`), slanted.
const AXIS_Y: f64 = 142.0;
/// Room below the axis for the ticks and the "stopped" mark.
const HEIGHT: f64 = AXIS_Y + 58.0;
const LEFT: f64 = 12.0;
const RIGHT: f64 = WIDTH - 110.0;
/// How far stage labels are slanted up from the axis, in degrees.
const LABEL_SLANT: f64 = 55.0;
/// Least distance along the axis between two stage labels: slanted, their lines of text are
/// then `LABEL_GAP * sin(LABEL_SLANT)` apart, more than a line of 11.5 px text is tall.
const LABEL_GAP: f64 = 18.0;
/// A generous width of one character of a label (11.5 px sans-serif).
const LABEL_CHAR: f64 = 7.0;
/// Room for stages printed before the kernel's clock starts (firmware, bootloader).
const BEFORE_KERNEL: f64 = 90.0;

/// Where a stage sits on the drawing, and whether that place is only a lower bound.
struct Place {
    x: f64,
    estimated: bool,
}

/// The number of the next drawing's hatch pattern (any number unique in the page will do).
static NEXT_PATTERN: AtomicUsize = AtomicUsize::new(0);

/// A session's stages on a kernel-time axis: gaps as bars (slow ones red, unknown ones hollow),
/// findings as triangles, and the stretch after the last stage up to the end of the log (red
/// and marked "stopped" when the session did not end cleanly).
pub fn timeline(out: &mut String, session: &Session) -> fmt::Result {
    let t = &session.timeline;
    let stages = &session.stages;
    let untimed_start = stages
        .iter()
        .take_while(|s| s.time.is_none() && s.after.is_none())
        .count();
    let left = if untimed_start > 0 {
        LEFT + BEFORE_KERNEL
    } else {
        LEFT
    };
    let t_max = stages
        .iter()
        .filter_map(|s| s.time.or(s.after))
        .chain(t.end_time)
        .fold(0.0_f64, f64::max);
    let scale = if t_max > 0.0 {
        (RIGHT - left) / t_max
    } else {
        0.0
    };
    let x_of = |time: f64| left + time * scale;
    let mut places: Vec<Place> = Vec::with_capacity(stages.len());
    for (n, stage) in stages.iter().enumerate() {
        let place = if n < untimed_start {
            Place {
                x: LEFT + BEFORE_KERNEL * (n as f64 + 0.5) / untimed_start as f64 - 10.0,
                estimated: false,
            }
        } else if let Some(time) = stage.time {
            Place {
                x: x_of(time),
                estimated: false,
            }
        } else {
            let x = stage
                .after
                .map(x_of)
                .or_else(|| places.last().map(|p| p.x))
                .unwrap_or(left);
            Place { x, estimated: true }
        };
        places.push(place);
    }
    let stopped = !t.tail.is_empty();
    let end_x = t.end_time.map_or_else(
        || places.last().map_or(left, |p| p.x),
        |time| x_of(time).max(places.last().map_or(left, |p| p.x)),
    );

    // Every drawing of the page defines its own pattern: ids must be unique in the page, and
    // session numbers repeat from file to file.
    let hatch = NEXT_PATTERN.fetch_add(1, Ordering::Relaxed);
    let label = format!(
        "Timeline of session {}: {} stages, {} at {}",
        session.index + 1,
        stages.len(),
        session.outcome,
        session.last_stage.as_deref().unwrap_or("no stage")
    );
    writeln!(
        out,
        r#"<svg class="timeline" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" aria-label="{}"><title>{}</title>"#,
        esc(&label),
        esc(&label)
    )?;
    writeln!(
        out,
        r##"<defs><pattern id="hatch-{0}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fde2e1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b3261e" stroke-width="2.5"/></pattern></defs>"##,
        hatch
    )?;
    // The axis, its ticks, and the band before the kernel's clock.
    writeln!(
        out,
        r##"<line x1="{LEFT}" y1="{AXIS_Y}" x2="{RIGHT}" y2="{AXIS_Y}" stroke="#adb5bd"/>"##
    )?;
    if untimed_start > 0 {
        writeln!(
            out,
            r##"<text x="{}" y="{}" fill="#5c6670" font-size="11">before kernel</text>"##,
            LEFT,
            AXIS_Y + 34.0
        )?;
    }
    if t_max > 0.0 {
        for k in 0..=4 {
            let time = t_max * f64::from(k) / 4.0;
            let x = x_of(time);
            writeln!(
                out,
                r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#adb5bd"/><text x="{x:.1}" y="{}" text-anchor="middle" fill="#5c6670" font-size="11">{}</text>"##,
                AXIS_Y + 8.0,
                AXIS_Y + 12.0,
                AXIS_Y + 34.0,
                if k == 0 {
                    "0 s".to_owned()
                } else {
                    seconds(time)
                }
            )?;
        }
    }
    // Gaps between stages.
    for (n, gap) in t.gaps.iter().enumerate() {
        let (a, b) = (&places[n], &places[n + 1]);
        let width = (b.x - a.x).max(0.0);
        let (fill, stroke) = if crate::report::timeline::stands_out(gap) {
            ("#e03131", "#b3261e")
        } else if a.estimated || b.estimated || gap.seconds.is_none() {
            ("#ffffff", "#868e96")
        } else {
            ("#74a3d6", "#1c64b0")
        };
        let title = format!(
            "{} → {}: {}{}",
            gap.from,
            gap.to.as_deref().unwrap_or("end"),
            crate::report::timeline::gap_length(gap),
            if gap.slow { " (slow)" } else { "" }
        );
        writeln!(
            out,
            r#"<rect x="{:.1}" y="{}" width="{width:.1}" height="10" fill="{fill}" stroke="{stroke}"{}><title>{}</title></rect>"#,
            a.x,
            AXIS_Y - 5.0,
            if fill == "#ffffff" {
                r#" stroke-dasharray="3 2""#
            } else {
                ""
            },
            esc(&title)
        )?;
    }
    // After the last stage: to the end of the log.
    if let (Some(end), Some(last)) = (&t.end, places.last()) {
        let width = (end_x - last.x).max(if stopped { 4.0 } else { 0.0 });
        let fill = if stopped {
            format!("url(#hatch-{hatch})")
        } else {
            "#dee2e6".to_owned()
        };
        let title = format!(
            "after {}: {} until line {}{}",
            end.from,
            crate::report::timeline::gap_length(end),
            end.to_line,
            if stopped { ", where the log ends" } else { "" }
        );
        writeln!(
            out,
            r##"<rect x="{:.1}" y="{}" width="{width:.1}" height="10" fill="{fill}" stroke="{}"><title>{}</title></rect>"##,
            last.x,
            AXIS_Y - 5.0,
            if stopped { "#b3261e" } else { "#adb5bd" },
            esc(&title)
        )?;
        if stopped {
            let x = last.x + width;
            writeln!(
                out,
                r##"<g><title>the session stopped here: {}</title><line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#b3261e" stroke-width="3"/><text x="{x:.1}" y="{}" fill="#b3261e" font-weight="700" text-anchor="{}">■ stopped</text></g>"##,
                session.outcome,
                AXIS_Y - 14.0,
                AXIS_Y + 14.0,
                AXIS_Y + 50.0,
                if x > WIDTH - 90.0 { "end" } else { "middle" }
            )?;
        }
    }
    // Findings, placed by line number between the stages around them.
    for finding in &session.findings {
        let x = x_for_line(finding.line, session, &places, end_x);
        writeln!(
            out,
            r#"<path d="M{:.1},{} l-5,-9 h10 z" fill="{}"><title>{} line {}: {}</title></path>"#,
            x,
            AXIS_Y - 7.0,
            severity_colour(finding.severity),
            finding.severity,
            finding.line,
            esc(&finding.title)
        )?;
    }
    // Stages: a dot and a slanted label, labels pushed apart when stages come close together.
    let xs: Vec<f64> = places.iter().map(|p| p.x).collect();
    let lengths: Vec<usize> = stages.iter().map(|s| s.id.chars().count()).collect();
    let label_xs = label_positions(&xs, &lengths);
    for ((stage, place), &label_x) in stages.iter().zip(&places).zip(&label_xs) {
        let when = match (stage.time, stage.after) {
            (Some(time), _) => format!("{time:.3} s"),
            (None, Some(after)) => format!("after {after:.3} s (no timestamp on its line)"),
            (None, None) => "no timestamp".to_owned(),
        };
        writeln!(
            out,
            r##"<g><title>{} at line {}: {}</title><circle cx="{:.1}" cy="{AXIS_Y}" r="4.5" fill="{}" stroke="#1d2125"/><line x1="{:.1}" y1="{}" x2="{:.1}" y2="{}" stroke="#adb5bd"/><text transform="translate({:.1},{}) rotate(-{LABEL_SLANT})" font-size="11.5">{}</text></g>"##,
            esc(&stage.id),
            stage.line,
            esc(&when),
            place.x,
            if place.estimated {
                "#ffffff"
            } else {
                "#1d2125"
            },
            place.x,
            AXIS_Y - 5.0,
            label_x,
            AXIS_Y - 10.0,
            label_x + 2.0,
            AXIS_Y - 12.0,
            esc(&stage.id)
        )?;
    }
    writeln!(out, "</svg>")
}

/// Where each stage's label starts: at its stage, pushed right when the one before is too close,
/// then pulled back left where a label would run off the right edge of the drawing.
fn label_positions(xs: &[f64], lengths: &[usize]) -> Vec<f64> {
    let mut at: Vec<f64> = Vec::with_capacity(xs.len());
    for &x in xs {
        let pushed = at.last().map_or(x, |&before| x.max(before + LABEL_GAP));
        at.push(pushed);
    }
    let reach = |chars: usize| chars as f64 * LABEL_CHAR * LABEL_SLANT.to_radians().cos();
    let mut limit = f64::MAX;
    for (x, &chars) in at.iter_mut().zip(lengths).rev() {
        *x = x.min(limit).min(WIDTH - 4.0 - reach(chars)).max(LEFT);
        limit = *x - LABEL_GAP;
    }
    at
}

/// The x of a line: between the places of the stages around it, by line number.
fn x_for_line(line: u64, session: &Session, places: &[Place], end_x: f64) -> f64 {
    let stages = &session.stages;
    let Some(first) = places.first() else {
        return LEFT;
    };
    let mut from = (session.start_line, first.x);
    for (stage, place) in stages.iter().zip(places) {
        if stage.line >= line {
            return interpolate(line, from, (stage.line, place.x));
        }
        from = (stage.line, place.x);
    }
    interpolate(line, from, (session.end_line, end_x))
}

fn interpolate(line: u64, (l0, x0): (u64, f64), (l1, x1): (u64, f64)) -> f64 {
    if l1 <= l0 {
        return x1;
    }
    x0 + (x1 - x0) * (line.saturating_sub(l0)) as f64 / (l1 - l0) as f64
}
