//! The timeline block of the readable report (`check --timeline`, `bootrules timeline`): each
//! stage with its kernel time and the gap since the one before, the slow gaps with the lines
//! that explain them, and where a stopped session sat until the log ended.

use std::io::{self, Write};

use bootrules_core::{Gap, Session, StageHit, Usual};

use super::plural;

/// A duration as people say it: `0.42 s`, `12.7 s`, `92 s`, `3 min 12 s`.
pub fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2} s")
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 600.0 {
        let whole = s.round() as u64;
        if whole < 60 {
            format!("{whole} s")
        } else {
            format!("{} min {} s", whole / 60, whole % 60)
        }
    } else {
        format!("{} min", (s / 60.0).round() as u64)
    }
}

/// A stage's kernel time: exact, `≥` the kernel time before its untimed line, or `-`.
pub fn stage_time(stage: &StageHit) -> String {
    match (stage.time, stage.after) {
        (Some(t), _) => format!("{t:.3}"),
        (None, Some(t)) => format!("≥{t:.3}"),
        (None, None) => "-".to_owned(),
    }
}

/// A gap's length: exact, a lower bound, or unknown.
pub fn gap_length(gap: &Gap) -> String {
    match (gap.seconds, gap.at_least) {
        (Some(s), _) => format!("+{}", seconds(s)),
        (None, Some(s)) => format!("≥+{}", seconds(s)),
        (None, None) => "?".to_owned(),
    }
}

/// True when a gap is one of its session's slowest or slower than the file's earlier boots.
pub fn stands_out(gap: &Gap) -> bool {
    gap.slow || gap.slower_than_usual.is_some()
}

/// True when the lines inside a gap are worth showing: it stands out, or it is where the
/// session sat until the log ended.
pub fn worth_explaining(gap: &Gap) -> bool {
    stands_out(gap) || gap.to.is_none()
}

/// For a gap slower than the file's earlier boots: the stage it ends at, how long it took and
/// how long it usually takes.
pub fn slower_than_usual(gap: &Gap) -> Option<(&str, f64, &Usual)> {
    match (&gap.slower_than_usual, &gap.to, gap.seconds) {
        (Some(usual), Some(to), Some(took)) => Some((to, took, usual)),
        _ => None,
    }
}

/// What makes a gap worth a look: slow, slower than the file's earlier boots.
pub fn gap_flags(gap: &Gap) -> String {
    let mut flags = Vec::new();
    if gap.slow {
        flags.push("SLOW".to_owned());
    }
    if let Some(usual) = &gap.slower_than_usual {
        flags.push(format!(
            "usually {} (median of {} earlier boot{})",
            seconds(usual.median_seconds),
            usual.sessions,
            plural(usual.sessions)
        ));
    }
    flags.join(", ")
}

/// Writes the timeline of one session.
pub fn write(out: &mut dyn Write, session: &Session) -> io::Result<()> {
    let timeline = &session.timeline;
    if session.stages.is_empty() {
        return writeln!(out, "    timeline: no stage reached");
    }
    writeln!(out, "    timeline (kernel seconds)")?;
    let width = session
        .stages
        .iter()
        .map(|s| s.id.len())
        .max()
        .unwrap_or(0)
        .max("end of log".len());
    for (n, stage) in session.stages.iter().enumerate() {
        let gap = n.checked_sub(1).and_then(|g| timeline.gaps.get(g));
        let (length, flags) = gap.map_or_else(Default::default, |g| (gap_length(g), gap_flags(g)));
        let row = format!(
            "      line {:<7} {:>11}  {:<width$}  {length:<9} {flags}",
            stage.line,
            stage_time(stage),
            stage.id
        );
        writeln!(out, "{}", row.trim_end())?;
        if let Some(gap) = gap {
            write_explanation(out, gap, session)?;
        }
    }
    if let Some(end) = &timeline.end {
        let time = timeline
            .end_time
            .map_or_else(|| "-".to_owned(), |t| format!("{t:.3}"));
        let label = if timeline.tail.is_empty() {
            "end"
        } else {
            "end of log"
        };
        let row = format!(
            "      line {:<7} {:>11}  {:<width$}  {:<9} {}",
            end.to_line,
            time,
            label,
            gap_length(end),
            if end.slow { "SLOW" } else { "" }
        );
        writeln!(out, "{}", row.trim_end())?;
        write_explanation(out, end, session)?;
        if !timeline.tail.is_empty() {
            writeln!(out, "          last lines:")?;
            for line in &timeline.tail {
                writeln!(out, "          {:>7} | {}", line.line, line.text.trim_end())?;
            }
        }
    }
    write_legend(out, session)
}

/// Says what `?` and `≥` mean, when the timeline shows them.
fn write_legend(out: &mut dyn Write, session: &Session) -> io::Result<()> {
    let timeline = &session.timeline;
    let lengths: Vec<String> = timeline
        .gaps
        .iter()
        .chain(&timeline.end)
        .map(gap_length)
        .collect();
    let times: Vec<String> = session.stages.iter().map(stage_time).collect();
    if lengths.iter().any(|l| l == "?") || times.iter().any(|t| t == "-") {
        writeln!(
            out,
            "      ? and -: no kernel time on the lines around it (systemd's status lines carry \
             none), so the gap cannot be measured"
        )?;
    }
    if lengths.iter().chain(&times).any(|t| t.starts_with('≥')) {
        writeln!(
            out,
            "      ≥: at least: measured from the last kernel time before a line that has none"
        )?;
    }
    Ok(())
}

/// The lines that explain a slow gap: findings inside it and its longest pause.
fn write_explanation(out: &mut dyn Write, gap: &Gap, session: &Session) -> io::Result<()> {
    if !worth_explaining(gap) {
        return Ok(());
    }
    for found in &gap.findings {
        let title = session
            .findings
            .iter()
            .find(|f| f.line == found.line && f.rule == found.rule)
            .map_or("", |f| f.title.as_str());
        writeln!(
            out,
            "          finding line {}: {} ({})",
            found.line, found.rule, title
        )?;
    }
    if let Some(pause) = gap.pause.as_ref().filter(|p| p.seconds >= 1.0) {
        writeln!(
            out,
            "          longest pause {} after line {}, until line {}: {}",
            seconds(pause.seconds),
            pause.after_line,
            pause.line,
            pause.text.trim_end()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(seconds(0.4249), "0.42 s");
        assert_eq!(seconds(12.66), "12.7 s");
        assert_eq!(seconds(92.0), "1 min 32 s");
        assert_eq!(seconds(59.96), "60.0 s");
        assert_eq!(seconds(3600.0), "60 min");
    }
}
