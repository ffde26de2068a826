//! One console line: terminal noise removed and timestamp prefixes recognised.
//!
//! Serial captures carry what a terminal would hide: ANSI/VT100 escape sequences (systemd's
//! coloured `[  OK  ]`, sometimes stored as the two characters `^[`), carriage returns, NUL
//! bytes and other control characters. Capture tools may also put their own timestamp in front
//! of each line. Rules match the text a person would read, without any of that.

/// A normalised line as rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number in the original file.
    pub number: u64,
    /// The whole visible line (escapes and control characters removed), for evidence.
    pub text: &'a str,
    /// The line after capture-tool and kernel timestamp prefixes, for matching. Usually a
    /// part of `text` (see [`Line::message_span`]), not always its end: padding after a
    /// sentence is trimmed, and a logfmt value is read with its escapes undone.
    pub message: &'a str,
    /// Kernel time in seconds (`[   12.345678]`), when the line carries one.
    pub time: Option<f64>,
    /// The line came through a logging daemon (a syslog or journal prefix with a host and a
    /// tag was removed), so it may be a later copy of what the console printed.
    pub relayed: bool,
    /// The kernel printed the line: it carries a printk timestamp, or a logging daemon tagged
    /// it `kernel:`.
    pub from_kernel: bool,
}

impl Line<'_> {
    /// True when nothing visible is left on the line.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Where `message` lies in `text`, so a kept copy of the text gives the message back;
    /// `None` when the message is text of its own (a logfmt value with its escapes undone).
    pub fn message_span(&self) -> Option<std::ops::Range<usize>> {
        let start = (self.message.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        let end = start + self.message.len();
        (end <= self.text.len()).then_some(start..end)
    }
}

/// Turns raw line bytes into a [`Line`], reusing its buffers between lines.
#[derive(Default)]
pub struct Normaliser {
    bytes: Vec<u8>,
    text: String,
    /// A logfmt message with its escapes undone.
    unescaped: String,
    /// A line with its HTML entities decoded.
    decoded: Vec<u8>,
    /// A line with its brackets read back from a z/VM console's code page (see [`recode_brackets`]).
    recoded: Vec<u8>,
    /// The log's brackets come through as `Ý` and `¨` (set by its first such kernel line).
    ebcdic_brackets: bool,
    /// The log's lines begin with the z/VM CPU address that wrote them (set by its first
    /// kernel line so marked, see [`cpu_address_before_kernel_time`]).
    cpu_addresses: bool,
    /// The kernel's messages carry the CPU number the PREEMPT_RT printk puts after the time
    /// (set by the first from CPU 0, see [`rt_cpu_number`]).
    rt_cpu_numbers: bool,
}

impl Normaliser {
    /// Normalises one raw line.
    pub fn normalise<'a>(&'a mut self, number: u64, raw: &'a [u8]) -> Line<'a> {
        let raw = trim_carriage_returns(raw);
        self.cpu_addresses |= cpu_address_before_kernel_time(raw);
        let raw = match raw {
            [a, b, b':', b' ', rest @ ..]
                if self.cpu_addresses && a.is_ascii_digit() && b.is_ascii_digit() =>
            {
                rest
            }
            _ => raw,
        };
        self.ebcdic_brackets |= raw.starts_with(EBCDIC_OPEN) && ebcdic_kernel_time(raw);
        let raw = if self.ebcdic_brackets && has_ebcdic_bracket(raw) {
            recode_brackets(raw, &mut self.recoded);
            &self.recoded[..]
        } else {
            raw
        };
        // Most lines have nothing to strip: they are used where they lie, uncopied.
        let plain = is_plain(raw);
        let bytes = if plain && !has_bare_sgr(raw) {
            raw
        } else {
            strip_terminal_noise(raw, &mut self.bytes);
            // Colour sequences that kept their ESC are gone now; only those that lost it are
            // left to remove. (Looked for in what is left first: the raw line of systemd's
            // coloured `[  OK  ]` holds `[0;32m` after its ESC.)
            if has_bare_sgr(&self.bytes) && (plain || has_bare_sgr(raw)) {
                remove_bare_sgr(&mut self.bytes);
            }
            &self.bytes
        };
        let bytes = if !plain && has_html_entity(bytes) {
            decode_html_entities(bytes, &mut self.decoded);
            &self.decoded
        } else {
            bytes
        };
        // Valid UTF-8 (nearly every line) is used where it lies; only invalid bytes are copied
        // again, replaced.
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                self.text.clear();
                self.text.push_str(&String::from_utf8_lossy(bytes));
                self.text.as_str()
            }
        };
        // A console line relayed in a logfmt message is read as the console printed it.
        let console = match logfmt_message(text.trim_start()) {
            Some(message) if message.contains('\\') => {
                self.unescaped.clear();
                unescape_go_string(message, &mut self.unescaped);
                self.unescaped.as_str()
            }
            Some(message) => message,
            None => text,
        };
        let Stripped {
            message,
            time,
            relayed,
            kernel_tag,
        } = strip_prefixes(console);
        let message = match rt_cpu_number(message).filter(|_| time.is_some()) {
            Some((cpu, rest)) => {
                self.rt_cpu_numbers |= cpu == "000";
                if self.rt_cpu_numbers {
                    rest
                } else {
                    message
                }
            }
            None => message,
        };
        Line {
            number,
            text,
            message,
            time,
            relayed,
            from_kernel: kernel_tag || time.is_some(),
        }
    }
}

/// The HTML entities a log copied out of a web page or an HTML ticket may still carry
/// (`grub rescue&gt;`, `&lt;6&gt;[    0.0]`), and the characters they stand for.
const HTML_ENTITIES: [(&[u8], u8); 7] = [
    (b"&gt;", b'>'),
    (b"&lt;", b'<'),
    (b"&amp;", b'&'),
    (b"&quot;", b'"'),
    (b"&#39;", b'\''),
    (b"&#x27;", b'\''),
    (b"&nbsp;", b' '),
];

/// The entity at the start of `bytes`, if it is one of [`HTML_ENTITIES`].
fn html_entity_at(bytes: &[u8]) -> Option<(usize, u8)> {
    HTML_ENTITIES
        .iter()
        .find(|(entity, _)| bytes.starts_with(entity))
        .map(|(entity, char)| (entity.len(), *char))
}

/// True when the line holds an HTML entity.
fn has_html_entity(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'&', bytes).any(|at| html_entity_at(&bytes[at..]).is_some())
}

/// Copies `bytes` into `out` with its HTML entities decoded (once: `&amp;gt;` gives `&gt;`).
fn decode_html_entities(bytes: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut at = 0;
    while at < bytes.len() {
        match html_entity_at(&bytes[at..]) {
            Some((len, char)) => {
                out.push(char);
                at += len;
            }
            None => {
                out.push(bytes[at]);
                at += 1;
            }
        }
    }
}

/// Copies `raw` into `out` without escape sequences, NULs and control characters.
/// A carriage return inside the line becomes a space (the terminal would have overwritten
/// the text before it; keeping both halves loses no evidence), and so does a no-break space
/// (U+00A0), which a log copied from a web page or a mail carries where the console had
/// spaces (`[\u{a0}\u{a0} 58.81]`). A misread ellipsis is read back as one.
fn strip_terminal_noise(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < raw.len() {
        // Plain text is copied a run at a time; only the bytes that need a look stop it.
        let run = raw[i..]
            .iter()
            .position(|&b| needs_a_look(b) || b == 0xd1)
            .unwrap_or(raw.len() - i);
        out.extend_from_slice(&raw[i..i + run]);
        i += run;
        let Some(&b) = raw.get(i) else {
            break;
        };
        if b == 0x1b {
            i = skip_escape(raw, i + 1);
        } else if b == b'^' {
            if raw.get(i + 1) == Some(&b'[') && is_caret_escape(raw, i + 2) {
                i = skip_escape(raw, i + 2);
            } else if raw.get(i + 1) == Some(&b'M') && is_caret_return(raw, i) {
                // (at either end it is dropped, as a real one is)
                if !out.is_empty() && i + 2 < raw.len() && !raw[i + 2..].starts_with(b"^M") {
                    out.push(b' ');
                }
                i += 2;
            } else {
                out.push(b);
                i += 1;
            }
        } else if b == b'\r' {
            out.push(b' ');
            i += 1;
        } else if b == NO_BREAK_SPACE[0] {
            if raw.get(i + 1) == Some(&NO_BREAK_SPACE[1]) {
                out.push(b' ');
                i += 2;
            } else {
                out.push(b);
                i += 1;
            }
        } else if b == b'\t' {
            out.push(b);
            i += 1;
        } else if let Some(misread) = MISREAD_ELLIPSES.iter().find(|e| raw[i..].starts_with(e)) {
            out.extend_from_slice("…".as_bytes());
            i += misread.len();
        } else if b >= 0x80 {
            // the first byte of a character that only looked like a misread ellipsis
            out.push(b);
            i += 1;
        } else {
            i += 1;
        }
    }
}

/// True when the line holds a colour or cursor sequence whose ESC was lost on the way into a
/// ticket (`[0;1;31mFAILED[0m]`, `.[0;32m` where the paste showed ESC as a dot, SUSE's
/// right-aligned status `[80C[10D[1mdone[m`, a boot loader's `[H[J` clearing the screen).
fn has_bare_sgr(raw: &[u8]) -> bool {
    // (a cursor sequence alone counts only next to another one: with a colour anywhere on the
    // line, the colour itself is found)
    memchr::memchr_iter(b'[', raw).any(|at| match bare_sequence(raw, at + 1) {
        Some((_, Bare::Colour)) => true,
        Some((end, Bare::Cursor)) => starts_bare_sequence(raw, end),
        None => false,
    })
}

/// What a sequence that lost its ESC does, which decides whether it is taken for one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bare {
    /// A colour (`[0;32m`, `[m`) or a screen clearing (`[H`, `[J`, `[K`): taken alone.
    Colour,
    /// A cursor move or an erase with numbers (`[80C`, `[10D`, `[3;1H`, `[2J`): also what a
    /// bracketed size or hex number looks like (`[4K pages]`, `[2D/3D]`), so taken only on a
    /// line that holds a colour too, or next to another sequence.
    Cursor,
}

/// The end and kind of the sequence starting at `at` (just after a `[`), if one is there:
/// numbers (`digits(;digits)*`) then a colour command (`m`), or a cursor (`C`, `D`, `G`, `H`) or
/// erase (`J`, `K`) command not closed by a `]` (`[4K]`); or, with no number, `m`, `H`, `J` or
/// `K` followed by no letter, digit or `]` (so `[Jan`, `[Hardware Error]`, `[Källa]` and `[main]`
/// stay).
fn bare_sequence(raw: &[u8], at: usize) -> Option<(usize, Bare)> {
    let mut j = at;
    while raw.get(j).is_some_and(|b| b.is_ascii_digit() || *b == b';') {
        j += 1;
    }
    let next = raw.get(j + 1).copied();
    let kind = if j > at {
        if !raw[at].is_ascii_digit() {
            return None;
        }
        match raw.get(j)? {
            b'm' => Bare::Colour,
            b'C' | b'D' | b'G' | b'H' | b'J' | b'K' if next != Some(b']') => Bare::Cursor,
            _ => return None,
        }
    } else {
        let word =
            next.is_some_and(|b| b.is_ascii_alphanumeric() || b >= 0x80 || b"]_".contains(&b));
        if !matches!(raw.get(j)?, b'm' | b'H' | b'J' | b'K') || word {
            return None;
        }
        Bare::Colour
    };
    Some((j + 1, kind))
}

/// True when a colour sequence (or a screen clearing) that lost its ESC is somewhere on the line.
fn has_bare_colour(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'[', raw)
        .any(|at| matches!(bare_sequence(raw, at + 1), Some((_, Bare::Colour))))
}

/// True when another sequence that lost its ESC begins at `at`.
fn starts_bare_sequence(raw: &[u8], at: usize) -> bool {
    raw.get(at) == Some(&b'[') && bare_sequence(raw, at + 1).is_some()
}

/// How a paste may spell the ESC of a colour sequence that lost it: the `␛` glyph, the `←` of
/// code page 437 (a Windows console's copy), the escapes of a shell or a program's source (`\e`,
/// `\033`, `\x1b`, `\u001b`), a viewer's `ESC`, the replacement character or question mark a web
/// page or a viewer shows for a byte it cannot print, or the dot a terminal shows for it (last:
/// the others end in other bytes).
const ESC_SPELLINGS: [&[u8]; 10] = [
    "\u{241b}".as_bytes(),
    "\u{2190}".as_bytes(),
    b"\\e",
    b"\\033",
    b"\\x1b",
    b"\\u001b",
    b"ESC",
    "\u{fffd}".as_bytes(),
    b"?",
    b".",
];

/// Removes colour and cursor sequences that lost their ESC (see [`Bare`]), with what a paste
/// shows for it (not the last dot of an ellipsis: `loading...`).
fn remove_bare_sgr(bytes: &mut Vec<u8>) {
    let colour = has_bare_colour(bytes);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut removed_up_to = None;
    while i < bytes.len() {
        if bytes[i] == b'[' {
            if let Some((end, kind)) = bare_sequence(bytes, i + 1) {
                let taken = kind == Bare::Colour
                    || colour
                    || removed_up_to == Some(i)
                    || starts_bare_sequence(bytes, end);
                if taken {
                    let esc = ESC_SPELLINGS.iter().find(|esc| out.ends_with(esc));
                    if let Some(esc) =
                        esc.filter(|esc| !out[..out.len() - esc.len()].ends_with(esc))
                    {
                        out.truncate(out.len() - esc.len());
                    }
                    i = end;
                    removed_up_to = Some(end);
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    *bytes = out;
}

/// The line without the carriage returns a serial console ends lines with.
/// `[` and `]` as a z/VM console shows them when its EBCDIC text is read with the wrong code
/// page (1047's brackets are 037's `Ý` and `¨`): `Ý    3.561919¨ systemdÝ1¨: …`.
const EBCDIC_OPEN: &[u8] = "Ý".as_bytes();
const EBCDIC_CLOSE: &[u8] = "¨".as_bytes();

/// True when `raw` begins with a kernel time in such brackets (`Ý    3.561919¨`): the mark that
/// every bracket of the log was recoded so, not a name that holds the letter.
fn ebcdic_kernel_time(raw: &[u8]) -> bool {
    time_fraction_before(&raw[EBCDIC_OPEN.len()..], EBCDIC_CLOSE).is_some_and(|f| f > 0)
}

/// The number of fraction digits of a kernel time (`    3.561919`) at the start of `rest` that
/// `close` follows, or `None` when `rest` does not begin so.
fn time_fraction_before(rest: &[u8], close: &[u8]) -> Option<usize> {
    let rest = rest.trim_ascii_start();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = rest[digits..].strip_prefix(b".")?;
    let fraction = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (digits > 0 && rest[fraction..].starts_with(close)).then_some(fraction)
}

/// True when `raw` begins with a z/VM console's CPU address and then a kernel time (`01: [
/// 41.609625] qeth …`): a guest with several virtual CPUs has the console put the address of
/// the CPU that wrote each line before it, on wrapped continuations too. Once a kernel line
/// shows the address, every line of the log has it removed; a log whose lines merely begin
/// with two digits and a colon (`10: eth9: <BROADCAST…>` of `ip link`) keeps them.
fn cpu_address_before_kernel_time(raw: &[u8]) -> bool {
    let [a, b, b':', b' ', b'[', rest @ ..] = raw else {
        return false;
    };
    a.is_ascii_digit() && b.is_ascii_digit() && time_fraction_before(rest, b"]") == Some(6)
}

/// True when `raw` holds a recoded bracket.
fn has_ebcdic_bracket(raw: &[u8]) -> bool {
    memchr::memmem::find(raw, EBCDIC_OPEN).is_some()
        || memchr::memmem::find(raw, EBCDIC_CLOSE).is_some()
}

/// Copies `raw` into `out` with `Ý` and `¨` read back as `[` and `]`.
fn recode_brackets(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut at = 0;
    while at < raw.len() {
        let rest = &raw[at..];
        if rest.starts_with(EBCDIC_OPEN) {
            out.push(b'[');
            at += EBCDIC_OPEN.len();
        } else if rest.starts_with(EBCDIC_CLOSE) {
            out.push(b']');
            at += EBCDIC_CLOSE.len();
        } else {
            out.push(raw[at]);
            at += 1;
        }
    }
}

fn trim_carriage_returns(raw: &[u8]) -> &[u8] {
    let end = raw
        .iter()
        .rposition(|&b| b != b'\r')
        .map_or(0, |last| last + 1);
    &raw[..end]
}

/// True when no byte of `raw` needs a look (tabs do, though they are kept), nor may begin an
/// HTML entity.
fn is_plain(raw: &[u8]) -> bool {
    // Whole chunks without an early exit, so the compiler can test many bytes at once.
    raw.chunks(32).all(|chunk| {
        !chunk
            .iter()
            .fold(false, |seen, &b| seen | needs_a_look(b) | (b == b'&'))
    })
}

/// U+00A0 in UTF-8.
const NO_BREAK_SPACE: [u8; 2] = [0xc2, 0xa0];

/// The ellipsis systemd shortens names with (`…`, UTF-8 `e2 80 a6`) as a paste shows it when the
/// bytes were read in another code page: 1252's `â€¦`, Latin-1's `â¦` with its `80` kept as a
/// control character or dropped, and 866's `тАж`.
const MISREAD_ELLIPSES: [&[u8]; 4] = [
    "\u{e2}\u{20ac}\u{a6}".as_bytes(),
    "\u{e2}\u{80}\u{a6}".as_bytes(),
    "\u{e2}\u{a6}".as_bytes(),
    "\u{442}\u{410}\u{436}".as_bytes(),
];

/// Control characters, DEL, `^` (which may begin a `^[` escape written out as text), the first
/// byte of a no-break space (0xc2) and of a misread ellipsis read in a Western code page (`â`,
/// 0xc3), tested together. (Code page 866's `т`, 0xd1, is looked at only in a line that needs a
/// look for another reason: every byte of every line passes this test.)
fn needs_a_look(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == b'^' || (b & 0xfe) == NO_BREAK_SPACE[0]
}

/// `^M` is a carriage return written out (`cat -v`, an editor's view of a CRLF capture) when it
/// ends the line, begins it before anything but a lower-case letter, comes before an escape
/// written the same way (`^M^[[K`) or follows another one; not a word that begins with `M`
/// (`^Mounting` in a grep pattern is read as written).
fn is_caret_return(raw: &[u8], at: usize) -> bool {
    let after = &raw[at + 2..];
    (at == 0 && !after.first().is_some_and(u8::is_ascii_lowercase))
        || after.is_empty()
        || after.starts_with(b"^M")
        || after.starts_with(b"^[")
        || raw[..at].ends_with(b"^M")
}

/// `^[` is only an escape when an escape sequence follows it (`^[[0;32m`, `^[(B`).
fn is_caret_escape(raw: &[u8], at: usize) -> bool {
    matches!(raw.get(at), Some(b'[' | b']' | b'(' | b')' | b'c' | b'='))
}

/// Returns the index just past the escape sequence whose body starts at `i` (after ESC).
fn skip_escape(raw: &[u8], i: usize) -> usize {
    match raw.get(i) {
        // CSI: parameters and intermediates, then one final byte.
        Some(b'[') => {
            let mut j = i + 1;
            while j < raw.len() && (0x20..=0x3f).contains(&raw[j]) {
                j += 1;
            }
            if j < raw.len() && (0x40..=0x7e).contains(&raw[j]) {
                j + 1
            } else {
                j
            }
        }
        // OSC: up to BEL or ESC \.
        Some(b']') => {
            let mut j = i + 1;
            while j < raw.len() {
                match raw[j] {
                    0x07 => return j + 1,
                    0x1b if raw.get(j + 1) == Some(&b'\\') => return j + 2,
                    _ => j += 1,
                }
            }
            j
        }
        // Character set selection and similar: intermediates then one final byte.
        Some(_) => {
            let mut j = i;
            while j < raw.len() && (0x20..=0x2f).contains(&raw[j]) {
                j += 1;
            }
            (j + 1).min(raw.len())
        }
        None => i,
    }
}

/// What [`strip_prefixes`] found.
struct Stripped<'a> {
    message: &'a str,
    time: Option<f64>,
    relayed: bool,
    kernel_tag: bool,
}

/// Strips capture-tool prefixes (ISO 8601, syslog) and a leading kernel timestamp; says
/// whether a logging daemon relayed the line and tagged it `kernel`. A kernel timestamp later
/// in the line (after a prompt the console did not end with a newline) still gives the time.
fn strip_prefixes(text: &str) -> Stripped<'_> {
    // quote marks first: a build log quotes the test driver's lines (`> machine # [ 1.2] …`)
    let (rest, relayed, kernel_tag) = strip_capture_prefix(strip_line_number(strip_source_column(
        strip_quote_marks(text.trim_start()),
    )));
    if let Some((time, after)) = leading_kernel_time(rest) {
        let after = strip_printk_caller(after).trim_start();
        // `journalctl -o short-monotonic`: `[    0.000000] host kernel: Linux version …`
        let (message, journal, kernel) = strip_journal_host_tag(after);
        return Stripped {
            message: trim_padding(message),
            time: Some(time),
            relayed: relayed || journal,
            kernel_tag: kernel_tag || kernel,
        };
    }
    // Only printk's own six-digit fraction counts there: NetworkManager's `<info>
    // [1654766037.1257]` is a wall-clock time, not the kernel's.
    let time = memchr::memchr_iter(b'[', rest.as_bytes()).find_map(|at| {
        let (time, after) = leading_kernel_time(&rest[at..])?;
        let stamp = &rest.as_bytes()[at..rest.len() - after.len()];
        (stamp.len() >= 9 && stamp[stamp.len() - 8] == b'.').then_some(time)
    });
    // a paste that dropped the times but kept the caller field (`[  T357] PM: …`)
    let rest = match strip_printk_caller(rest) {
        after if after.len() < rest.len() => after.trim_start(),
        _ => rest,
    };
    Stripped {
        message: trim_padding(rest),
        time,
        relayed,
        kernel_tag,
    }
}

/// Removes the spaces after a sentence that a console padded or a paste kept (`Checking all
/// file systems. `), so a pattern anchored at the end still meets it. A prompt keeps its space
/// (`(initramfs) `, `grub rescue> `, `login: `): patterns know prompts by it.
fn trim_padding(s: &str) -> &str {
    if !s.ends_with([' ', '\t']) {
        return s;
    }
    let trimmed = s.trim_end_matches([' ', '\t']);
    match trimmed.bytes().last() {
        Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'.' | b']' | b'!' | b',' | b'"') => {
            trimmed
        }
        _ => s,
    }
}

/// Removes the name of the machine or service a multiplexing tool puts before each line of
/// its console: the NixOS test driver (`machine # [    1.2] …`), docker compose (`qemu_1  | …`)
/// and tools that mark the source with a symbol (`🐧 system | …`, `👾 kernel | …`). A table row
/// (`| a | b |`, `Device | Up | Address`, cloud-init's `ci-info: | Device |`) ends in a bar,
/// has no name first or has more columns.
fn strip_source_column(s: &str) -> &str {
    // an optional symbol (an emoji) and a space before the name
    let name_at = match s.chars().next() {
        Some(c) if !c.is_ascii() && !c.is_alphanumeric() => {
            match s[c.len_utf8()..].strip_prefix(' ') {
                Some(_) => c.len_utf8() + 1,
                None => return s,
            }
        }
        _ => 0,
    };
    let rest = &s[name_at..];
    let name_len = rest
        .bytes()
        .take_while(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    if name_len == 0 || name_len > 40 || !rest.as_bytes()[0].is_ascii_alphabetic() {
        return s;
    }
    let after = &rest[name_len..];
    let padded = after.trim_start_matches(' ');
    let text = if let Some(text) = after.strip_prefix(" # ") {
        text
    } else if padded.len() < after.len() && padded.starts_with("| ") {
        &padded[2..]
    } else {
        return s;
    };
    // more columns after it are a table's
    if text.trim_end().ends_with('|') || text.contains(" | ") {
        s
    } else {
        text
    }
}

/// Removes the `> ` marks a mail or a forum reply puts before each quoted line (`> > `, `>> `
/// when quoted twice), and the `| ` bar some writers set before a pasted log. A console line
/// itself seldom begins with `>`, and never with `> [`; a line that also ends with `|` is a
/// table row, not a quote. A list's bullet goes too where a time stamp follows it.
fn strip_quote_marks(s: &str) -> &str {
    // a list's bullet before a time stamp (`minikube logs` prints `* [  +0.43] systemd[1]: …`)
    if let Some(rest) = s.strip_prefix("* ").or_else(|| s.strip_prefix("- ")) {
        if rest.starts_with('[') {
            return rest;
        }
    }
    let quoted = match s.as_bytes().first() {
        Some(b'>') => true,
        Some(b'|') => !s.trim_end().ends_with('|'),
        _ => false,
    };
    if !quoted {
        return s;
    }
    let marks = s.len() - s.trim_start_matches(['>', '|', ' ', '\t']).len();
    // `>>Start PXE over IPv4.` is the firmware's own text: marks end at a space or the line's end
    if marks == s.len() || matches!(s.as_bytes()[marks - 1], b' ' | b'\t') {
        &s[marks..]
    } else {
        s
    }
}

/// Removes the line number that `grep -n` (`1234:[   5.6] …`, `1234:vm login:`, `1233-[…` for
/// a context line) or `cat -n` (`  1234<TAB>…`) put before a line. A console line that begins
/// with a number keeps it: `2: eth0: <BROADCAST…>` has a space after the colon, `12:34:56` a
/// digit, `2024-01-02` no bracket or syslog date after the dash.
fn strip_line_number(s: &str) -> &str {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 8 {
        return s;
    }
    let after = &s[digits..];
    match after.as_bytes().first() {
        Some(b'\t') => after[1..].trim_start_matches([' ', '\t']),
        Some(b':' | b'-') if after[1..].starts_with('[') => &after[1..],
        Some(b'-') if syslog_date_shape(&after.as_bytes()[1..]) => &after[1..],
        Some(b':') if !after[1..].starts_with(|c: char| c.is_ascii_digit() || c == ' ') => {
            &after[1..]
        }
        _ => s,
    }
}

/// Removes the host after a journal's monotonic timestamp (`journalctl -o short-monotonic`):
/// `host kernel: ` entirely, and the host before a program's `tag[pid]: `. Returns the message,
/// whether a host was removed and whether the tag was the kernel's. A program must show its PID:
/// the kernel's own `usb 1-1: …` and `scsi host0: …` read the same way without one.
fn strip_journal_host_tag(s: &str) -> (&str, bool, bool) {
    let Some(space) = s.find(' ') else {
        return (s, false, false);
    };
    let host = &s[..space];
    let is_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    let rest = &s[space + 1..];
    if !is_host {
        return (s, false, false);
    }
    if let Some(message) = rest.strip_prefix("kernel: ") {
        return (message, true, true);
    }
    let with_pid =
        rest.starts_with(|c: char| c.is_ascii_alphabetic()) && syslog_tag(rest) == Some(true);
    if with_pid {
        (rest, true, false)
    } else {
        (s, false, false)
    }
}

/// Parses `[  123.456789]` at the start of `s`; returns the time and the text after it. A
/// paste cut at a column may have lost the bracket and the padding (`0.277424] ACPI …`): then
/// the six digits of a printk fraction and the space after the bracket are required.
/// (Byte by byte: it runs on nearly every line.)
fn leading_kernel_time(s: &str) -> Option<(f64, &str)> {
    let bytes = s.as_bytes();
    let bracketed = match bytes.first() {
        Some(b'[') => true,
        Some(b) if b.is_ascii_digit() => false,
        _ => return None,
    };
    let digits_from = |mut at: usize| {
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        at
    };
    let mut start = usize::from(bracketed);
    while bytes.get(start).is_some_and(u8::is_ascii_whitespace) {
        start += 1;
    }
    let point = digits_from(start);
    // (a u64 of nanoseconds is at most 11 digits of seconds; a clock gone wrong can print them)
    if point == start || point - start > 11 || bytes.get(point) != Some(&b'.') {
        return None;
    }
    let close = digits_from(point + 1);
    // printk pads its seconds with spaces and prints microseconds; zeros and milliseconds
    // (`[0000.125]`) are a boot loader's own clock (NVIDIA's TegraBoot and MB1), no kernel time
    if point - start > 1 && bytes[start] == b'0' && close - point != 7 {
        return None;
    }
    if close == point + 1 || bytes.get(close) != Some(&b']') {
        return None;
    }
    if !bracketed && (close - point != 7 || bytes.get(close + 1) != Some(&b' ')) {
        return None;
    }
    Some((seconds(&s[start..close])?, &s[close + 1..]))
}

/// The value of `digits.digits`, as `str::parse` gives it. Timestamps of up to 15 digits are
/// worked out as an integer divided by a power of ten: both are exact in an `f64`, and the
/// division rounds its exact quotient as the parse rounds the decimal, so the two agree.
fn seconds(text: &str) -> Option<f64> {
    const POWERS: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let (whole, fraction) = text.split_once('.')?;
    match POWERS.get(fraction.len()) {
        Some(&power) if whole.len() + fraction.len() <= 15 => {
            let value = text
                .bytes()
                .filter(|&b| b != b'.')
                .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
            Some(value as f64 / power)
        }
        _ => text.parse().ok(),
    }
}

/// Drops a `[ T123]` / `[  C1]` printk caller field (CONFIG_PRINTK_CALLER).
fn strip_printk_caller(s: &str) -> &str {
    let t = s.trim_start();
    if let Some(inner) = t.strip_prefix('[') {
        if let Some(close) = inner.find(']') {
            let field = inner[..close].trim_start();
            let mut chars = field.chars();
            if matches!(chars.next(), Some('T' | 'C'))
                && !chars.as_str().is_empty()
                && chars.as_str().bytes().all(|b| b.is_ascii_digit())
            {
                return &inner[close + 1..];
            }
        }
    }
    s
}

/// The `000: ` CPU number that the PREEMPT_RT patches' printk (`printk: add processor number
/// to output`, 5.x-rt) puts after the time, and the message after it. It is taken for one once
/// a line of CPU 0 showed it, which prints most of a boot: a message of its own may begin with
/// three digits.
fn rt_cpu_number(s: &str) -> Option<(&str, &str)> {
    match s.as_bytes() {
        [a, b, c, b':', b' ', ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            Some((&s[..3], &s[5..]))
        }
        _ => None,
    }
}

/// Removes an ISO 8601 or syslog timestamp that a capture tool put before the console text;
/// says whether the prefix was syslog's (the line was relayed by a logging daemon) and whether
/// its tag was `kernel`. For syslog lines the host is removed too, and the `kernel:` tag, so
/// kernel lines look as they do on a console; other tags (`systemd[1]:`,
/// `dracut-initqueue[455]:`) are kept because consoles print them too.
fn strip_capture_prefix(s: &str) -> (&str, bool, bool) {
    let bytes = s.as_bytes();
    let first = bytes.first().copied().unwrap_or(b' ');
    if first == b'<' {
        if let Some(rest) = strip_priority(s) {
            return strip_after_priority(rest);
        }
    }
    if first.is_ascii_digit() {
        if let Some(rest) = strip_elapsed_seconds(s)
            .or_else(|| strip_elapsed_clock(s))
            .or_else(|| strip_local_date(s))
        {
            return strip_capture_prefix(rest);
        }
    }
    if matches!(first, b'0'..=b'9' | b'[' | b'(') {
        if let Some(rest) = strip_time_of_day(s) {
            // a CI log's timestamper pads the time (`21:11:04  × unit.service`): the message
            // starts where the line would have, as after a kernel time
            let message = strip_source_and_level(rest).unwrap_or(rest).trim_start();
            return (message, false, false);
        }
    }
    // `kubectl logs --prefix` (a KubeVirt VM's `guest-console-log` container): the pod and the
    // container in brackets
    if first == b'[' {
        if let Some(rest) = strip_kubectl_prefix(s) {
            return strip_capture_prefix(rest);
        }
    }
    // bootlogd's ctime stamp (`Thu May  3 12:08:16 2018: `)
    if first.is_ascii_uppercase() {
        if let Some(rest) = strip_local_date(s) {
            return strip_capture_prefix(rest);
        }
    }
    // a syslog or journal line pasted without its date and host keeps the kernel's tag
    if first == b'k' {
        if let Some(message) = s.strip_prefix("kernel: ") {
            return (message, true, true);
        }
        // syslogd's broadcast of an emergency message to every terminal, under `Message from
        // syslogd@host at …`: ` kernel:[  102.178091] Oops [#6]`
        if let Some(message) = s
            .strip_prefix("kernel:")
            .filter(|m| leading_kernel_time(m).is_some())
        {
            return (message, true, true);
        }
    }
    // `talosctl dmesg`: its first bracket opens the time, after the level's `: `
    if !matches!(first, b'[' | b' ' | b'<') && talos_shape(bytes) {
        if let Some(found) = talos_prefix().captures(s) {
            let kernel = found
                .get(1)
                .is_some_and(|facility| facility.as_str() == "kern");
            return (&s[found.get(0).map_or(0, |m| m.end())..], false, kernel);
        }
    }
    if first == b'['
        && bytes.get(4) == Some(&b' ')
        && bytes[1..4].iter().all(u8::is_ascii_alphabetic)
    {
        if let Some(found) = dmesg_ctime_prefix().find(s) {
            return (&s[found.end()..], false, true);
        }
    }
    if first == b'[' {
        if let Some(end) = dmesg_human_prefix(bytes) {
            return (&s[end..], false, true);
        }
    }
    // Cheap looks at the date's first dash before any regex runs: most lines are not prefixed.
    let iso_dash = |at: usize| bytes.get(at) == Some(&b'-');
    let (re, syslog) = if (first.is_ascii_digit() && iso_dash(4)) || (first == b'[' && iso_dash(5))
    {
        (iso_prefix(), false)
    } else if syslog_date_shape(bytes) {
        (syslog_prefix(), true)
    } else {
        return (s, false, false);
    };
    let Some(caps) = re.captures(s) else {
        return (s, false, false);
    };
    let rest = &s[caps.get(1).map_or(0, |m| m.end())..];
    // `Jul 04 03:05:31 multipathd[1389]: …`: a journal whose host names the writer cut out
    // (or `journalctl --no-hostname`); with no host, only a tag with its PID, or the kernel's,
    // tells a log line from text that begins with a date
    if syslog
        && without_host(caps.get(1).map_or("", |m| m.as_str()))
        && syslog_tag(rest) != Some(true)
        && !rest.starts_with("kernel: ")
    {
        return (s, false, false);
    }
    // socklog/svlogd (Void Linux) writes the facility and level after the time instead of a
    // tag; busybox's syslogd writes them before the tag (`vm kern.info kernel: …`)
    if let Some(facility) = caps.get(2) {
        let kernel = facility.as_str() == "kern";
        return (rest.strip_prefix("kernel: ").unwrap_or(rest), true, kernel);
    }
    match rest.strip_prefix("kernel: ") {
        Some(message) => (message, syslog, syslog),
        // `journalctl -o short-iso` and rsyslog's high-precision format: an ISO date, then the
        // host and the tag as syslog has them
        None if !syslog => match strip_host_before_tag(rest) {
            None if rest.starts_with(|c: char| c.is_ascii_uppercase()) => {
                (strip_vmware_columns(rest).unwrap_or(rest), false, false)
            }
            Some(tagged) => match tagged.strip_prefix("kernel: ") {
                Some(message) => (message, true, true),
                None => (tagged, true, false),
            },
            None => (rest, false, false),
        },
        None => (rest, syslog, false),
    }
}

/// The text after `kubectl logs --prefix`'s `[pod/NAME/CONTAINER] `, if the line begins so.
fn strip_kubectl_prefix(s: &str) -> Option<&str> {
    let (source, rest) = s.strip_prefix("[pod/")?.split_once("] ")?;
    let (pod, container) = source.split_once('/')?;
    let name = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    };
    (name(pod) && name(container)).then_some(rest)
}

/// The seconds since the start of a test run that autopkgtest puts before each line of its
/// log (`4082s [  OK  ] Started …`, `305s [   64.36] reboot: Power down`).
fn strip_elapsed_seconds(s: &str) -> Option<&str> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=7).contains(&digits) {
        return None;
    }
    let rest = s[digits..].strip_prefix('s')?;
    match rest.strip_prefix(' ') {
        Some(text) => Some(text),
        None => rest.is_empty().then_some(rest),
    }
}

/// The time since a serial capture began and the gap since the line before, which a capture
/// tool puts before each line (`385h 44m 43.879s(  13ms): [347845.117599] Kernel panic …`, seen
/// on EC2 consoles in public reports).
fn strip_elapsed_clock(s: &str) -> Option<&str> {
    fn number(s: &str, max: usize) -> Option<&str> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (1..=max).contains(&n).then(|| &s[n..])
    }
    let rest = number(s, 6)?.strip_prefix("h ")?;
    let rest = number(rest, 2)?.strip_prefix("m ")?;
    let rest = number(rest, 2)?.strip_prefix('.')?;
    let rest = number(rest, 6)?.strip_prefix("s(")?.trim_start_matches(' ');
    let rest = number(rest, 9)?.strip_prefix("ms):")?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// A local date and time of day that a console viewer, a capture tool on a desktop or bootlogd
/// puts before each line: the day and month first, in either order, with `/` or `.`
/// (`12/02/2025 16:41:13 `, `02.12.2025 16:41:13 `, `2/12/25 4:41:13 PM `), the year first with
/// `.` (`2025.12.02 16:41:13 `), or ctime's form with its year and a colon (`Thu May  3 12:08:16
/// 2018: `, bootlogd's /var/log/boot); `None` when the line does not start so. (Go's `log` writes the year first
/// with `/`, `2024/01/02 10:00:00`: agents' own lines, which the pack reads with their date.)
fn strip_local_date(s: &str) -> Option<&str> {
    let numeric = s.starts_with(|c: char| c.is_ascii_digit());
    let rest = if numeric {
        numeric_date(s)?
    } else {
        ctime_date(s)?
    };
    let (mut rest, _) = clock_time(rest.strip_prefix([' ', 'T'])?)?;
    if numeric {
        for half in [" AM", " PM", " am", " pm"] {
            if let Some(after) = rest.strip_prefix(half) {
                rest = after;
                break;
            }
        }
        rest = rest.strip_prefix(':').unwrap_or(rest);
    } else {
        // ctime's year follows the time, and bootlogd ends its stamp with a colon
        let year = rest.strip_prefix(' ')?;
        if year.bytes().take_while(u8::is_ascii_digit).count() != 4 {
            return None;
        }
        rest = year[4..].strip_prefix(':')?;
    }
    match rest.strip_prefix([' ', '\t']) {
        Some(text) => Some(text),
        None => rest.is_empty().then_some(rest),
    }
}

/// The rest after a numeric date of [`strip_local_date`]'s forms.
fn numeric_date(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let field = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let first = field(0);
    let separator = *b.get(first)?;
    if !matches!(separator, b'/' | b'.') {
        return None;
    }
    let second = field(first + 1);
    if b.get(first + 1 + second) != Some(&separator) {
        return None;
    }
    let third = field(first + 2 + second);
    let fits = match (first, second, third) {
        (1..=2, 1..=2, 2 | 4) => true,
        (4, 2, 2) => separator == b'.',
        _ => false,
    };
    fits.then(|| &s[first + 2 + second + third..])
}

/// The rest after ctime's weekday, month and day (`Thu May  3`), which [`strip_local_date`]
/// reads on.
fn ctime_date(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let word = |at: usize| {
        b.get(at..at + 3)
            .is_some_and(|w| w[0].is_ascii_uppercase() && w[1..].iter().all(u8::is_ascii_lowercase))
    };
    if !(word(0) && b.get(3) == Some(&b' ') && word(4) && b.get(7) == Some(&b' ')) {
        return None;
    }
    let day = s[8..].trim_start_matches(' ');
    let digits = day.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2).contains(&digits).then(|| &day[digits..])
}

/// The rest after a time of day at the start of `s` (`12:00:01`, `9:05:00.250`): one or two
/// digits of hours, two of minutes and of seconds, and a fraction after `.` or `,` (or the
/// milliseconds some serial terminals put after a third colon, `16:47:58:050`); with whether it
/// had that fraction.
fn clock_time(s: &str) -> Option<(&str, bool)> {
    let b = s.as_bytes();
    let digits = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut at = digits(0);
    if !(1..=2).contains(&at) {
        return None;
    }
    for _ in 0..2 {
        if b.get(at) != Some(&b':') || digits(at + 1) != 2 {
            return None;
        }
        at += 3;
    }
    let fraction = match b.get(at) {
        Some(b'.' | b',') => digits(at + 1) > 0,
        Some(b':') => digits(at + 1) == 3,
        _ => false,
    };
    if fraction {
        at += 1 + digits(at + 1);
    }
    Some((&s[at..], fraction))
}

/// The time of day a serial capture tool or `ts` puts before each line (`[12:00:01] `,
/// `12:00:01.123 `, `(12:00:01) `, `12:00:01: `, padded `[ 12:00:01 ] `); `None` when the line
/// does not start so.
fn strip_time_of_day(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let close = match b.first() {
        Some(b'[') => Some(b']'),
        Some(b'(') => Some(b')'),
        _ => None,
    };
    let mut at = usize::from(close.is_some());
    // (padding inside brackets: one space at most, so a printk time `[    1.23]` stays one)
    if close.is_some() && b.get(at) == Some(&b' ') {
        at += 1;
    }
    let (after, fraction) = clock_time(&s[at..])?;
    at = s.len() - after.len();
    if let Some(close) = close {
        if b.get(at) == Some(&b' ') {
            at += 1;
        }
        if b.get(at) != Some(&close) {
            return None;
        }
        at += 1;
    }
    let colon = b.get(at) == Some(&b':');
    if colon {
        at += 1;
    }
    // a bare `12:34:56 ` is a capture tool's too (`ts '%H:%M:%S'`), unless it is uptime's
    // output (`12:34:56 up 3 days`)
    if close.is_none() && !fraction && !colon && s[at..].starts_with(" up ") {
        return None;
    }
    match b.get(at) {
        None => Some(""),
        Some(b' ' | b'\t') => Some(&s[at + 1..]),
        // a bracketed time needs no space after it
        Some(_) if close.is_some() => Some(&s[at..]),
        Some(_) => None,
    }
}

/// The source and level columns a host's log puts after its time of day, as Docker Desktop
/// logs its Linux VM's console (`[20:51:50.637][Moby           ][Info   ] [    6.04] …`);
/// `None` when the line does not go on so.
fn strip_source_and_level(s: &str) -> Option<&str> {
    let (source, rest) = bracketed_column(s)?;
    let (level, rest) = bracketed_column(rest)?;
    let is_name = |name: &str| {
        name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
    };
    let levels = ["Debug", "Info", "Warning", "Error", "Fatal"];
    if !is_name(source) || !levels.contains(&level) {
        return None;
    }
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// The level and thread columns of a VMware VM's `vmware.log` after its ISO time, and the
/// `Guest: <N>` of a line the guest's kernel sent it (`In(05) vcpu-5 - Guest: <4>[ 39.1] …`);
/// `None` when the line does not go on so.
fn strip_vmware_columns(s: &str) -> Option<&str> {
    let (level, rest) = s.split_once('(')?;
    let (code, rest) = rest.split_once(") ")?;
    let known = ["In", "Wa", "Er", "Db", "No", "Cr", "Al", "Em"].contains(&level);
    if !known || code.len() != 2 || !code.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (thread, message) = rest.split_once(" - ")?;
    if thread.is_empty() || thread.contains(' ') {
        return None;
    }
    Some(match message.strip_prefix("Guest: ") {
        Some(guest) => strip_priority(guest).unwrap_or(guest),
        None => message,
    })
}

/// A padded column in brackets at the start of `s` (`[Moby    ]`): its text, and what follows.
fn bracketed_column(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('[')?;
    let end = rest.find(']')?;
    Some((rest[..end].trim_end(), &rest[end + 1..]))
}

/// A syslog priority (`<14>`, `<6>`) that `logger -s`, `dmesg -r` and raw `/dev/kmsg` readers
/// print before the line.
fn strip_priority(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('<')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=3).contains(&digits) {
        return None;
    }
    rest[digits..].strip_prefix('>')
}

/// The line after its priority. `logger -s` (cloud-init's host key block on the EC2 console)
/// writes the date and the tag with no host between them: `<14>Apr  9 22:06:30 ec2: …`.
fn strip_after_priority(rest: &str) -> (&str, bool, bool) {
    // one priority only: a line of `<1><1><1>…` must not recurse once per pair
    if rest.starts_with('<') {
        return (rest, false, false);
    }
    let (message, relayed, kernel_tag) = strip_capture_prefix(rest);
    if message.len() < rest.len() || !syslog_date_shape(rest.as_bytes()) {
        return (message, relayed, kernel_tag);
    }
    // the date's three fields: month, day, time (syslog_date_shape checked their form)
    let mut fields = rest.split_ascii_whitespace();
    let time = fields.nth(2).unwrap_or_default();
    let at = rest.find(time).map_or(0, |at| at + time.len());
    let tagged = rest[at..].trim_start();
    if !starts_with_tag(tagged) {
        return (rest, false, false);
    }
    match tagged.strip_prefix("kernel: ") {
        Some(message) => (message, true, true),
        None => (tagged, true, false),
    }
}

/// True when a syslog prefix (`Jul  4 03:05:31 `, with or without a host after the time) ends
/// at its time: no host name was printed.
fn without_host(prefix: &str) -> bool {
    prefix.trim_end().rsplit(' ').next().is_some_and(|last| {
        last.as_bytes().get(2) == Some(&b':') && last.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Whether the text starts with a syslog tag and its colon (`ec2: `, `sshd[812]: `).
fn starts_with_tag(s: &str) -> bool {
    syslog_tag(s).is_some()
}

/// `Some(has_pid)` when the text starts with a syslog tag and its colon: `sshd[812]: ` (with a
/// PID) or `ec2: `.
fn syslog_tag(s: &str) -> Option<bool> {
    let tag_len = s
        .bytes()
        .take_while(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'@' | b'-' | b'_'))
        .count();
    let after_tag = &s[tag_len..];
    let (after_pid, has_pid) = match after_tag.strip_prefix('[') {
        Some(pid) => (
            pid.trim_start_matches(|c: char| c.is_ascii_digit())
                .strip_prefix(']')?,
            true,
        ),
        None => (after_tag, false),
    };
    (tag_len > 0 && after_pid.starts_with(": ")).then_some(has_pid)
}

/// The text after a host name when a syslog tag follows it (`vm1 systemd[1]: …`, `vm1 kernel:
/// …`); `None` when the line does not start so.
fn strip_host_before_tag(s: &str) -> Option<&str> {
    let (host, rest) = s.split_once(' ')?;
    let host_like = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    // `vm1 login: ` is the console's login prompt after a capture tool's date, not a tag
    let login_prompt = rest.starts_with("login: ") || rest == "login:";
    (host_like && !login_prompt && starts_with_tag(rest)).then_some(rest)
}

/// The `msg="…"` value of a logfmt line (`time="…" level=info msg="[    0.17] EXT4-fs …\\n"
/// name=kata-proxy`): container and VM runtimes relay a guest's console this way. The value is
/// kept as written, without its closing quote and the `\\n` escape of the console's newline.
fn logfmt_message(s: &str) -> Option<&str> {
    if !s.starts_with("time=") {
        return None;
    }
    let start = s.find(" msg=\"")? + " msg=\"".len();
    let value = &s.as_bytes()[start..];
    let mut end = 0;
    while end < value.len() && value[end] != b'"' {
        end += if value[end] == b'\\' { 2 } else { 1 };
    }
    let mut message = &s[start..start + end.min(value.len())];
    while let Some(shorter) = message
        .strip_suffix("\\n")
        .or_else(|| message.strip_suffix("\\r"))
    {
        message = shorter;
    }
    Some(message)
}

/// Appends `quoted` (the inside of a Go-quoted string, as logfmt writes a value) with its
/// escapes undone; an escaped ESC is dropped with the colour sequence it starts, as the
/// terminal would have hidden it.
fn unescape_go_string(quoted: &str, out: &mut String) {
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let code = match chars.next() {
            Some('t') => Some('\t'),
            Some('n' | 'r' | 'v' | 'f') => Some(' '),
            Some('x') => hex_char(&mut chars, 2),
            Some('u') => hex_char(&mut chars, 4),
            Some('U') => hex_char(&mut chars, 8),
            Some('a' | 'b') | None => None,
            Some(other) => Some(other),
        };
        match code {
            Some('\u{1b}') => {
                let rest = chars.as_str();
                if let Some(csi) = rest.strip_prefix('[') {
                    let end = csi
                        .find(|c: char| c.is_ascii_alphabetic())
                        .map_or(csi.len(), |e| e + 1);
                    chars = csi[end..].chars();
                }
            }
            Some(c) if !c.is_control() || c == '\t' => out.push(c),
            _ => {}
        }
    }
}

/// The character of the next `digits` hex digits of `chars`, if they are hex and name one.
fn hex_char(chars: &mut std::str::Chars, digits: usize) -> Option<char> {
    let rest = chars.as_str();
    let hex = rest.get(..digits)?;
    let code = u32::from_str_radix(hex, 16).ok()?;
    *chars = rest[digits..].chars();
    char::from_u32(code)
}

/// Whether `bytes` begins like a syslog or journal date (`Mar  3 10:00:01 `): a word of up to
/// eight bytes (the month, in the locale journalctl ran in: `okt`, `Mär`, `févr.`, `окт`), the
/// day, and the time. The month itself is checked by the prefix's regex; this keeps that regex
/// off the many lines that cannot be one.
fn syslog_date_shape(bytes: &[u8]) -> bool {
    let Some(word) = bytes.iter().take(9).position(|&b| b == b' ') else {
        return false;
    };
    if word < 3 || !(bytes[0].is_ascii_alphabetic() || bytes[0] >= 0x80) {
        return false;
    }
    let mut at = word;
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    let day = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let time = at + day + 1;
    let digit = |i: usize| bytes.get(time + i).is_some_and(u8::is_ascii_digit);
    (1..=2).contains(&day)
        && bytes.get(at + day) == Some(&b' ')
        && bytes.get(time + 2) == Some(&b':')
        && bytes.get(time + 5) == Some(&b':')
        && [0, 1, 3, 4, 6, 7].into_iter().all(digit)
}

// The two prefix patterns are constants of this file, tested below; they cannot fail to compile.
/// A syslog facility and level (`kern.info`), the facility captured: busybox's syslogd and
/// socklog write them into the line.
const FACILITY_LEVEL: &str = r"(kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\.(?:emerg|alert|crit|err|warn|warning|notice|info|debug)";

static_regex! {
    fn iso_prefix = &format!(
        r"^(\[?\d{{4}}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?:?(?:\s+|$)(?:{FACILITY_LEVEL}: )?)"
    )
}

static_regex! {
    /// `dmesg -T`'s human-readable time (`[Mon May  1 10:00:00 2023] `): every such line is the
    /// kernel's.
    fn dmesg_ctime_prefix = r"^\[[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?"
}

/// The end of a `dmesg -H` (`--human`) prefix: the minute a run of lines begins in (`[Sep28
/// 12:48] `), then each line's distance from the one before (`[  +0.000089] `, with the
/// locale's decimal comma in some). Every such line is the kernel's; neither is a boot time.
/// (Byte by byte: most lines begin with `[`.)
fn dmesg_human_prefix(bytes: &[u8]) -> Option<usize> {
    let digits = |from: usize| {
        bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let mut at = 1;
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    let close = if bytes.get(at) == Some(&b'+') {
        let whole = digits(at + 1);
        let separator = at + 1 + whole;
        if whole == 0 || !matches!(bytes.get(separator), Some(b'.' | b',')) {
            return None;
        }
        if digits(separator + 1) != 6 {
            return None;
        }
        separator + 7
    } else {
        let month = bytes.get(1..4)?;
        if at != 1
            || !month[0].is_ascii_uppercase()
            || !month[1..].iter().all(u8::is_ascii_lowercase)
        {
            return None;
        }
        let day = digits(4);
        let clock = bytes.get(4 + day..4 + day + 6)?;
        let is_digit = |i: usize| clock[i].is_ascii_digit();
        if !(1..=2).contains(&day)
            || clock[0] != b' '
            || clock[3] != b':'
            || !(is_digit(1) && is_digit(2) && is_digit(4) && is_digit(5))
        {
            return None;
        }
        4 + day + 6
    };
    if bytes.get(close) != Some(&b']') {
        return None;
    }
    Some(close + 1 + usize::from(bytes.get(close + 1) == Some(&b' ')))
}

/// A cheap look before [`talos_prefix`] runs: the line's first `[`, early in it, follows `: `
/// and opens a year (`kern:    info: [2021-…`). A kernel line's first bracket opens the line.
fn talos_shape(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(80)];
    memchr::memchr(b'[', head).is_some_and(|at| {
        at >= 2 && &head[at - 2..at] == b": " && head.get(at + 1).is_some_and(u8::is_ascii_digit)
    })
}

static_regex! {
    /// `talosctl dmesg`: an optional node, the facility, the padded level and the wall-clock time
    /// (`172.20.1.2: kern:    info: [2021-11-10T10:09:37.662764956Z]: Linux version …`).
    fn talos_prefix = r"^(?:[\w.:-]+: )?(kern|user|daemon|auth|authpriv|syslog|cron|mail|local\d): +(?:emerg|alert|crit|err|warning|warn|notice|info|debug): \[\d{4}-\d\d-\d\dT[\d:.]+Z\]: "
}

static_regex! {
    // English months, and their abbreviations in the locales journalctl is most often run in
    // (German, Dutch, French, Spanish, Italian, Portuguese, Nordic, Polish, Russian), as
    // strftime's %b prints them (French abbreviates with a full stop: `janv.`, `oct.`).
    // The tag must follow the host, so ordinary text is not taken for syslog; only group 1
    // (date and host) is removed. A host a ticket redacted in angle brackets (`<IP>`,
    // `<hostname>`) is a host too. A line without a host (a journal pasted with its host names
    // cut out) must show the tag's PID: see `strip_capture_prefix`.
    fn syslog_prefix = &format!(
        r"^((?i:jan|janv\.|feb|févr\.|fev|mär|mrz|mrt|mar|mars|apr|avr\.|abr|kwi|may|mai|mei|maj|mag|jun|juin|giu|cze|jul|juil\.|lug|lip|aug|août|ago|sie|sep|sept\.|set|wrz|oct|okt|ott|out|paź|nov|lis|dec|dez|déc\.|dic|des|gru|ene|gen|sty|lut|янв|фев|мар|апр|мая|июн|июл|авг|сен|окт|ноя|дек)\.? +\d{{1,2}} \d\d:\d\d:\d\d(?:\.\d+)? (?:(?:[\w.-]+|<[\w. -]{{1,40}}>) )?(?:{FACILITY_LEVEL} )?)[\w./@-]+(?:\[\d+\])?: "
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_the_standard_parse_reads_them() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut digits = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from(b'0' + (state % 10) as u8)
                })
                .collect()
        };
        for whole in 1..=10 {
            for fraction in 1..=12 {
                for _ in 0..200 {
                    let text = format!("{}.{}", digits(whole), digits(fraction));
                    let parsed: f64 = text.parse().unwrap();
                    assert_eq!(
                        seconds(&text).map(f64::to_bits),
                        Some(parsed.to_bits()),
                        "{text}"
                    );
                }
            }
        }
        for text in [
            "0.0",
            "0.000001",
            "9999999999.999999",
            "1.5",
            "0.1",
            "12.345678",
        ] {
            assert_eq!(seconds(text), text.parse().ok(), "{text}");
        }
    }

    fn norm(raw: &str) -> (String, String, Option<f64>) {
        let mut n = Normaliser::default();
        let line = n.normalise(1, raw.as_bytes());
        (line.text.to_owned(), line.message.to_owned(), line.time)
    }

    #[test]
    fn a_z_vm_consoles_recoded_brackets_are_read_back_once_a_kernel_time_shows_them() {
        let mut n = Normaliser::default();
        let line = n.normalise(
            1,
            "Ý    3.567307¨ systemdÝ1¨: Inserted module 'ip_tables'".as_bytes(),
        );
        assert_eq!(
            (line.message, line.time),
            ("systemd[1]: Inserted module 'ip_tables'", Some(3.567307))
        );
        // the log's other lines too, a bare colour sequence included
        let line = n.normalise(
            2,
            "Welcome to  Ý0;31mRed Hat Enterprise Linux Server 7.6 (Maipo) Ý0m!".as_bytes(),
        );
        assert_eq!(
            line.message,
            "Welcome to  Red Hat Enterprise Linux Server 7.6 (Maipo) !"
        );
        // a log whose lines never begin so keeps the letters
        assert_eq!(norm("Ýmir¨ login:").1, "Ýmir¨ login:");
    }

    #[test]
    fn a_z_vm_consoles_cpu_addresses_are_removed_once_a_kernel_line_shows_them() {
        let mut n = Normaliser::default();
        // a log whose lines merely begin with two digits keeps them
        let line = n.normalise(1, b"10: eth9: <BROADCAST,MULTICAST> mtu 1500");
        assert_eq!(line.message, "10: eth9: <BROADCAST,MULTICAST> mtu 1500");
        let line = n.normalise(
            2,
            b"01: [   41.609625] qeth 0.0.8000 enc8000: renamed from eth0",
        );
        assert_eq!(
            (line.message, line.time),
            ("qeth 0.0.8000 enc8000: renamed from eth0", Some(41.609625))
        );
        // every later line, dracut's and the wrapped halves too
        let line = n.normalise(3, b"01: Warning: /dev/mapper/rhel-root does not exist");
        assert_eq!(
            line.message,
            "Warning: /dev/mapper/rhel-root does not exist"
        );
        assert_eq!(n.normalise(4, b"00: perational").message, "perational");
    }

    fn relayed(raw: &str) -> bool {
        Normaliser::default().normalise(1, raw.as_bytes()).relayed
    }

    #[test]
    fn lines_relayed_by_a_logging_daemon_are_marked() {
        assert!(relayed(
            "Nov 25 12:00:01 vm1 kernel: [    0.000000] Linux version 5.4"
        ));
        assert!(relayed(
            "Nov  5 12:00:01 vm1 systemd[1]: Started Journal Service."
        ));
        let (_, msg, time) = norm("[    0.000000] vm1 kernel: Linux version 6.8.0");
        assert_eq!((msg.as_str(), time), ("Linux version 6.8.0", Some(0.0)));
        assert!(relayed("[    0.000000] vm1 kernel: Linux version 6.8.0"));
        assert!(!relayed("[    0.000000] Linux version 6.8.0 (x@y)"));
        assert!(!relayed(
            "2026-11-25T12:00:01.123456+00:00 [    3.000001] Run /init"
        ));
        assert!(!relayed("[    3.1] systemd[1]: Started Journal Service."));
        assert!(!relayed("[    3.1] usb 1-1: new high-speed USB device"));
    }

    #[test]
    fn kernel_lines_are_known_by_their_timestamp_or_their_tag() {
        let from_kernel = |raw: &str| {
            Normaliser::default()
                .normalise(1, raw.as_bytes())
                .from_kernel
        };
        assert!(from_kernel("[    3.1] usb 1-1: new high-speed USB device"));
        assert!(from_kernel(
            "Aug 13 07:00:11 vm kernel: runc:[1:CHILD] invoked oom-killer: gfp_mask=0x14000c0"
        ));
        assert!(!from_kernel(
            "Aug 13 07:00:11 vm systemd[1]: Started Session 1 of user root."
        ));
        assert!(!from_kernel("[  OK  ] Started Journal Service."));
    }

    #[test]
    fn systemd_colours_and_crlf_are_removed() {
        let (text, _, _) = norm("[\x1b[0;32m  OK  \x1b[0m] Reached target Multi-User System.\r\r");
        assert_eq!(text, "[  OK  ] Reached target Multi-User System.");
    }

    #[test]
    fn no_break_spaces_of_a_web_paste_are_spaces() {
        // a kernel warning pasted from a mail archive (lore.kernel.org), and a Latin-1 letter
        let (_, message, time) =
            norm("[\u{a0}\u{a0} 58.813524] WARNING: CPU: 0 PID: 2755 at x.c:1");
        assert_eq!(message, "WARNING: CPU: 0 PID: 2755 at x.c:1");
        assert_eq!(time, Some(58.813524));
        assert_eq!(norm("Connexion établie").1, "Connexion établie");
    }

    #[test]
    fn carriage_returns_written_as_caret_m_are_dropped_at_the_ends() {
        // built from sysvinit's and initscripts' lines as `cat -v` shows a CRLF capture
        assert_eq!(
            norm("^MINIT: version 2.88 booting^M").0,
            "INIT: version 2.88 booting"
        );
        assert_eq!(
            norm("Starting crond: [  OK  ]^M^M").0,
            "Starting crond: [  OK  ]"
        );
        assert_eq!(norm("a^M^Mb").0, "a b");
        assert_eq!(
            norm("^M^[[K[  OK  ] Started Journal.").0,
            "[  OK  ] Started Journal."
        );
        // a word after a caret, as a grep pattern is written
        assert_eq!(norm("grep ^Mounting").0, "grep ^Mounting");
        assert_eq!(norm("^Mounting").0, "^Mounting");
    }

    #[test]
    fn caret_bracket_escapes_stored_as_text_are_removed() {
        let (text, _, _) = norm("[^[[0;32m  OK  ^[[0m] Started Journal.");
        assert_eq!(text, "[  OK  ] Started Journal.");
        assert_eq!(norm("x ^[ y").0, "x ^[ y");
    }

    #[test]
    fn nul_and_control_bytes_are_dropped_and_inner_cr_is_a_space() {
        let (text, _, _) = norm("a\0b\x07c\rd\te");
        assert_eq!(text, "abc d\te");
    }

    #[test]
    fn osc_and_charset_escapes_are_removed() {
        assert_eq!(norm("\x1b]0;title\x07\x1b(Blogin: ").0, "login: ");
        assert_eq!(norm("\x1bcSeaBIOS").0, "SeaBIOS");
        // a paste that lost the ESC of systemd's colours, or showed it as a dot or a glyph
        assert_eq!(
            norm("[0;1;31mFAILED[0m] Failed to start [0;1;39mLoad Kernel Modules[0m.").0,
            "FAILED] Failed to start Load Kernel Modules."
        );
        assert_eq!(
            norm("[.[0;1;31mFAILED.[0m] Failed to start .[0;1;39mLoad Kernel Modules.[0m.").0,
            "[FAILED] Failed to start Load Kernel Modules."
        );
        assert_eq!(
            norm("[\u{241b}[0;32m  OK  \u{241b}[0m] Started").0,
            "[  OK  ] Started"
        );
        // or spelled as a shell or a program writes it
        for esc in [
            r"\e", r"\033", r"\x1b", r"\u001b", "ESC", "?", "\u{fffd}", "\u{2190}",
        ] {
            let line = format!("[{esc}[0;32m  OK  {esc}[0m] Reached target Shutdown.");
            assert_eq!(norm(&line).0, "[  OK  ] Reached target Shutdown.");
        }
        // and the ellipsis of a shortened name as its bytes read in code page 1252 or Latin-1,
        // and in 866 on a line a Windows console copied with its escapes (`←[K`)
        for (misread, before) in [
            ("\u{e2}\u{20ac}\u{a6}", ""),
            ("\u{e2}\u{80}\u{a6}", ""),
            ("\u{e2}\u{a6}", ""),
            ("\u{442}\u{410}\u{436}", "\u{2190}[K"),
        ] {
            let line = format!(
                "{before}[  *** ] Job systemd-networkd-wait-online.se{misread}tart running"
            );
            assert_eq!(
                norm(&line).0,
                "[  *** ] Job systemd-networkd-wait-online.se…tart running"
            );
        }
        assert_eq!(norm("Démarrage de Привет").0, "Démarrage de Привет");
        // a Windows console's copy shows ESC as code page 437's arrow
        assert_eq!(
            norm("\u{2190}[K[  *** ] Job systemd-networkd-wait-online.service/start running").0,
            "[  *** ] Job systemd-networkd-wait-online.service/start running"
        );
        assert_eq!(
            norm("[    0.000000] Linux version 6.1 [1] ok").0,
            "[    0.000000] Linux version 6.1 [1] ok"
        );
        // cursor moves and screen clearing (SUSE's right-aligned status, a boot loader's menu)
        for (raw, text) in [
            (
                "Shutting down the Firewall [80C[10D[1;33mskipped[m",
                "Shutting down the Firewall skipped",
            ),
            (
                "    [J  Booting 'Ubuntu 12.04.1 LTS'",
                "      Booting 'Ubuntu 12.04.1 LTS'",
            ),
            ("[80C[10Ddone", "done"),
            ("loading...[0m ok", "loading... ok"),
        ] {
            assert_eq!(norm(raw).0, text);
        }
        for kept in [
            "[Jan 10 10:00:01] x",
            "[Hardware Error]: x",
            "[main] x",
            "RAM [4K] x",
            "CPU1: Booted secondary processor 0x0000000001 [0x410fd033]",
            "Booted secondary processor [410fd033]",
            "a.out[1234]: segfault at 0 ip 00007f1c error 4 in libc.so.6[7f1c2a13a000+155000]",
            "sshd: Connection from [3ffe:501::1]:22",
            "x86/mm: Memory block size: 128MB [4K pages]",
            "page sizes [64K, 128K]",
            "vmwgfx: [2D/3D] and [3D accel]",
            "[Källa] x",
            "loading...[12D",
        ] {
            assert_eq!(norm(kept).0, kept);
        }
    }

    #[test]
    fn kernel_timestamp_gives_time_and_is_stripped() {
        let (_, msg, time) = norm("[    1.234567] Linux version 6.1.0");
        assert_eq!(msg, "Linux version 6.1.0");
        assert_eq!(time, Some(1.234567));
    }

    #[test]
    fn the_message_is_found_again_in_the_text_unless_it_was_unescaped() {
        let mut n = Normaliser::default();
        for raw in [
            "Checking all file systems. ",
            "> [    1.5] Run /init as init process",
            r#"time="2024-01-02T03:04:05Z" msg="[    1.5] Run /init\n" x=1"#,
        ] {
            let line = n.normalise(1, raw.as_bytes());
            let span = line.message_span().expect("a part of the text");
            assert_eq!(&line.text[span], line.message);
        }
        let line = n.normalise(1, br#"time="2024-01-02T03:04:05Z" msg="say \"hi\"" x=1"#);
        assert_eq!((line.message, line.message_span()), ("say \"hi\"", None));
    }

    #[test]
    fn padding_after_a_sentence_is_trimmed_but_a_prompt_keeps_its_space() {
        assert_eq!(
            norm("Checking all file systems. ").1,
            "Checking all file systems."
        );
        assert_eq!(
            norm("[    1.5] Run /init as init process  ").1,
            "Run /init as init process"
        );
        assert_eq!(norm("(initramfs) ").1, "(initramfs) ");
        assert_eq!(norm("grub rescue> ").1, "grub rescue> ");
        assert_eq!(norm("vm login: ").1, "vm login: ");
    }

    #[test]
    fn quote_marks_of_a_reply_are_stripped_from_the_message() {
        let (text, msg, time) = norm("> [    1.234567] Linux version 6.1.0");
        assert_eq!(text, "> [    1.234567] Linux version 6.1.0");
        assert_eq!(
            (msg.as_str(), time),
            ("Linux version 6.1.0", Some(1.234567))
        );
        assert_eq!(norm("> > grub rescue>").1, "grub rescue>");
        assert_eq!(
            norm(">> Loading Linux 6.1.0 ...").1,
            "Loading Linux 6.1.0 ..."
        );
        assert_eq!(norm(">").1, "");
        assert_eq!(norm(">>Start PXE over IPv4.").1, ">>Start PXE over IPv4.");
        // a redirection or a prompt is not a quote
        assert_eq!(norm(">/dev/null").1, ">/dev/null");
        // a bar before a pasted log is a quote; a table row or a tree is not
        assert_eq!(
            norm("| [  OK  ] Reached target poweroff.target - System Power Off.").1,
            "[  OK  ] Reached target poweroff.target - System Power Off."
        );
        assert_eq!(norm("| a | b |").1, "| a | b |");
        assert_eq!(norm("|-- etc").1, "|-- etc");
    }

    #[test]
    fn line_numbers_of_grep_and_cat_are_stripped_from_the_message() {
        let (text, msg, time) = norm("1234:[    1.234567] Linux version 6.1.0");
        assert_eq!(text, "1234:[    1.234567] Linux version 6.1.0");
        assert_eq!(
            (msg.as_str(), time),
            ("Linux version 6.1.0", Some(1.234567))
        );
        assert_eq!(
            norm("1233-[  OK  ] Reached target Basic System.").1,
            "[  OK  ] Reached target Basic System."
        );
        assert_eq!(
            norm("    12\tLoading Linux 6.1.0 ...").1,
            "Loading Linux 6.1.0 ..."
        );
        assert_eq!(
            norm("77:Mar  3 10:00:01 vm systemd[1]: Started Foo.").1,
            "systemd[1]: Started Foo."
        );
        assert_eq!(norm("88:vm login:").1, "vm login:");
        // numbers that belong to the line stay
        assert_eq!(norm("12:34:56 up 3 days").1, "12:34:56 up 3 days");
        assert_eq!(
            norm("2: eth0: <BROADCAST,MULTICAST,UP> mtu 1500").1,
            "2: eth0: <BROADCAST,MULTICAST,UP> mtu 1500"
        );
    }

    #[test]
    fn printk_caller_field_is_stripped() {
        let (_, msg, time) = norm("[   12.5][ T1234] BUG: soft lockup");
        assert_eq!((msg.as_str(), time), ("BUG: soft lockup", Some(12.5)));
        let (_, msg, _) = norm("[   12.5][    C1] rcu: INFO");
        assert_eq!(msg, "rcu: INFO");
        // a bullet before the time
        let (_, msg, _) = norm("* [  +0.120004] systemd[1]: Detected virtualization microsoft.");
        assert_eq!(msg, "systemd[1]: Detected virtualization microsoft.");
        // a paste without the times keeps the field alone
        let (_, msg, time) = norm("[  T412] PM: Image loading progress:  40%");
        assert_eq!(
            (msg.as_str(), time),
            ("PM: Image loading progress:  40%", None)
        );
    }

    #[test]
    fn preempt_rt_cpu_number_is_stripped() {
        let mut n = Normaliser::default();
        // before CPU 0 showed the form, three digits may be the message's own
        let line = n.normalise(1, b"[    2.5] 002: usb 1-1: new high-speed USB device");
        assert_eq!(line.message, "002: usb 1-1: new high-speed USB device");
        let line = n.normalise(
            2,
            b"[    2.6] 000: VFS: Mounted root (ext4 filesystem) on device 179:2.",
        );
        assert_eq!(line.time, Some(2.6));
        assert_eq!(
            line.message,
            "VFS: Mounted root (ext4 filesystem) on device 179:2."
        );
        let line = n.normalise(3, b"[    2.7] 003: Run /sbin/init as init process");
        assert_eq!(line.message, "Run /sbin/init as init process");
        // a hex dump's offset has more digits
        assert_eq!(
            norm("[    8.5] 00000000: 58 41 47 49").1,
            "00000000: 58 41 47 49"
        );
    }

    #[test]
    fn a_capture_tools_elapsed_clock_is_a_prefix() {
        let (_, msg, time) = norm("385h 44m 43.879s(  13ms): [347845.117599] Kernel panic - not syncing: softlockup: hung tasks");
        assert_eq!(time, Some(347845.117599));
        assert_eq!(msg, "Kernel panic - not syncing: softlockup: hung tasks");
        let (_, msg, _) = norm("01h 57m 17.636s(2009ms): [    7.844471] PM: hibernation entry");
        assert_eq!(msg, "PM: hibernation entry");
        // a sentence that begins with a duration is not a prefix
        assert_eq!(norm("12h 3m left").1, "12h 3m left");
    }

    #[test]
    fn timestamp_after_a_prompt_gives_the_time_only() {
        let (_, msg, time) = norm("/init: 384: .: [  271.403835] Kernel panic - not syncing");
        assert_eq!(time, Some(271.403835));
        assert!(msg.starts_with("/init: 384"));
        assert_eq!(norm("[  OK  ] Started x").2, None);
        // a program's own bracketed wall-clock time is not the kernel's
        let nm = "NetworkManager[296]: <info>  [1654766037.1257] caught SIGTERM, shutting down";
        assert_eq!(norm(nm).2, None);
    }

    #[test]
    fn only_seconds_point_fraction_in_brackets_is_a_kernel_time() {
        assert_eq!(leading_kernel_time("[\t3.25] x"), Some((3.25, " x")));
        assert_eq!(leading_kernel_time("[0.5] x"), Some((0.5, " x")));
        assert_eq!(
            leading_kernel_time("[00012.345678] x"),
            Some((12.345678, " x"))
        );
        assert_eq!(
            leading_kernel_time("[1234567890.5]").map(|t| t.0),
            Some(1234567890.5)
        );
        // a clock gone wrong on a POWER host: still a printk time (u64 nanoseconds)
        assert_eq!(
            leading_kernel_time("[17667518570.438744] BUG").map(|t| t.0),
            Some(17667518570.438744)
        );
        for not_a_time in [
            "[12.]",
            "[.5]",
            "[123456789012.5]",
            "[1.5 ]",
            "[1,5]",
            "1.5]",
            "[1.5",
            "0.277424]x",
            "12.5] items",
            // a boot loader's zero-padded clock (NVIDIA TegraBoot)
            "[0000.125] [L4T TegraBoot]",
        ] {
            assert_eq!(leading_kernel_time(not_a_time), None, "{not_a_time}");
        }
    }

    #[test]
    fn a_timestamp_that_lost_its_bracket_in_a_paste_is_still_one() {
        // a laptop's ACPI errors pasted into a public issue thread, cut at the bracket
        let (time, rest) = leading_kernel_time("0.277424] ACPI BIOS Error (bug)").unwrap();
        assert_eq!((time, rest), (0.277424, " ACPI BIOS Error (bug)"));
        assert!(
            Normaliser::default()
                .normalise(1, b"0.277424] ACPI Error: AE_NOT_FOUND")
                .from_kernel
        );
    }

    #[test]
    fn a_journal_without_its_host_names_keeps_only_tags_with_a_pid() {
        // a journal pasted into a public issue with the host names removed
        let (_, msg, _) = norm("Jul 04 03:05:31 multipathd[1389]: read /etc/multipath.conf");
        assert_eq!(msg, "multipathd[1389]: read /etc/multipath.conf");
        let (_, msg, _) = norm(
            "Jul 04 03:05:31 systemd[1]: Starting Device-Mapper Multipath Device Controller...",
        );
        assert_eq!(
            msg,
            "systemd[1]: Starting Device-Mapper Multipath Device Controller..."
        );
        // a date, then text: not a log line's prefix
        assert!(norm("Jul 04 03:05:31 note: the disk was replaced")
            .1
            .starts_with("Jul"));
        // the host is still taken when there is one
        assert_eq!(norm("Jul  4 03:05:31 vm1 ec2: hello").1, "ec2: hello");
    }

    #[test]
    fn syslog_prefix_needs_a_month() {
        let (_, msg, _) = norm("Mar  3 10:00:01 vm kernel: EXT4-fs (sda1): mounted");
        assert_eq!(msg, "EXT4-fs (sda1): mounted");
        let (_, msg, _) = norm("Map  3 10:00:01 vm kernel: x");
        assert!(msg.starts_with("Map"));
    }

    #[test]
    fn a_journal_printed_in_another_locale_has_its_prefix_stripped() {
        // a Fedora 26 journal pasted from a Norwegian locale into a public issue thread
        let (_, msg, _) =
            norm("okt 26 19:05:14 localhost.localdomain systemd[1]: Failed unmounting /home.");
        assert_eq!(msg, "systemd[1]: Failed unmounting /home.");
        // French months end in a full stop (glibc's fr_FR %b)
        let (_, msg, _) = norm("oct. 02 12:38:53 archlinux systemd[1]: Starting Foo...");
        assert_eq!(msg, "systemd[1]: Starting Foo...");
        assert_eq!(norm("Mär  3 10:00:01 vm kernel: x").1, "x");
        for line in [
            "déc. 24 23:59:59 vm systemd[1]: x",
            "окт 26 19:05:14 vm systemd[1]: x",
        ] {
            assert_eq!(norm(line).1, "systemd[1]: x", "{line}");
        }
        assert!(norm("Starting 12 10:00:01 vm systemd[1]: x")
            .1
            .starts_with("Starting"));
    }

    #[test]
    fn socklog_facility_and_level_are_stripped() {
        // a Void Linux system log pasted into a public issue thread
        let raw = "2023-03-03T08:14:16.63393 daemon.info: [    2.143932] dracut: Checking ext4: /dev/sda2";
        let (_, message, time) = norm(raw);
        assert_eq!(message, "dracut: Checking ext4: /dev/sda2");
        assert_eq!(time, Some(2.143932));
        assert!(relayed(
            "2023-03-03T08:14:16.63394 daemon.warn: dracut Warning: x"
        ));
        let (_, message, _) = norm("2023-03-03T08:14:16.63393 kern.info: Linux version 6.1");
        assert_eq!(message, "Linux version 6.1");
    }

    #[test]
    fn a_console_line_relayed_in_a_logfmt_message_is_read_from_it() {
        // https://github.com/kata-containers/kata-containers/issues/24 (kata-proxy relaying the guest)
        let (_, message, time) = norm(
            r#"time="2018-05-17T17:06:34.239191523-04:00" level=info msg="[    0.175629] Kernel panic - not syncing: Requested init /usr/lib/systemd/systemd failed (error -2).\n" name=kata-proxy pid=6933 source=agent"#,
        );
        assert_eq!(
            message,
            "Kernel panic - not syncing: Requested init /usr/lib/systemd/systemd failed (error -2)."
        );
        assert_eq!(time, Some(0.175629));
        let (_, message, _) = norm(
            r#"time="2024-01-02T03:04:05Z" level=error msg="say \"hi\" \\ \x1b[0;32m  OK  \x1b[0m \u00e9\t." x=1"#,
        );
        assert_eq!(message, "say \"hi\" \\   OK   é\t.");
        let (_, message, _) = norm("time=12 is not logfmt");
        assert_eq!(message, "time=12 is not logfmt");
    }

    #[test]
    fn a_multiplexers_source_column_is_stripped() {
        let (_, msg, time) =
            norm("machine # [   13.991173] systemd[1]: Failed to start Display Manager.");
        assert_eq!(
            (msg.as_str(), time),
            (
                "systemd[1]: Failed to start Display Manager.",
                Some(13.991173)
            )
        );
        assert_eq!(
            norm("qemu_1  | [    0.000000] Linux version 6.1.0").1,
            "Linux version 6.1.0"
        );
        // quoted by the build log that ran the test
        assert_eq!(
            norm("       > machine # [    1.3] systemd[1]: Started Journal Service.").1,
            "systemd[1]: Started Journal Service."
        );
        assert_eq!(
            norm("\u{1f427} system |  [*] Booting OrbStack  (+0ms)").1,
            " [*] Booting OrbStack  (+0ms)"
        );
        // tables and prompts stay
        assert_eq!(norm("| sda | 8:0 |").1, "| sda | 8:0 |");
        assert_eq!(
            norm("ci-info: | Device |  Up  |").1,
            "ci-info: | Device |  Up  |"
        );
        assert_eq!(norm("sh-5.1# ls").1, "sh-5.1# ls");
        assert_eq!(norm("Device | Up | Address").1, "Device | Up | Address");
    }

    #[test]
    fn autopkgtest_elapsed_seconds_are_stripped() {
        let (_, msg, time) = norm("305s [   64.362455] reboot: Power down");
        assert_eq!(
            (msg.as_str(), time),
            ("reboot: Power down", Some(64.362455))
        );
        assert_eq!(
            norm("4082s [  OK  ] Reached target Basic System.").1,
            "[  OK  ] Reached target Basic System."
        );
        assert_eq!(norm("4082s").1, "");
        // a number of seconds that is the line's own text stays
        assert_eq!(norm("5 seconds left").1, "5 seconds left");
        assert_eq!(norm("30sec timeout").1, "30sec timeout");
    }

    #[test]
    fn a_local_date_before_the_line_is_stripped() {
        // a Talos node's console as a desktop viewer saved it (a public issue thread)
        assert_eq!(
            norm("12/02/2025 16:41:13 usbcore: registered new interface driver usbserial_generic")
                .1,
            "usbcore: registered new interface driver usbserial_generic"
        );
        let begin = "Begin: Loading essential drivers ... done.";
        for stamp in [
            "02.12.2025 16:41:13 ",
            "2025.12.02 16:41:13.250 ",
            "2/12/25 4:41:13 PM ",
            // bootlogd's /var/log/boot (Artix, in a public issue thread)
            "Thu May  3 12:08:16 2018: ",
        ] {
            assert_eq!(norm(&format!("{stamp}{begin}")).1, begin, "{stamp}");
        }
        let (_, msg, time) =
            norm("12/02/2025 16:41:13.250 [    1.500000] Run /init as init process");
        assert_eq!(
            (msg.as_str(), time),
            ("Run /init as init process", Some(1.5))
        );
        // Go's `log` puts the year first: an agent's own line keeps its date
        assert_eq!(
            norm("2024/01/02 10:00:00 ERROR: oops").1,
            "2024/01/02 10:00:00 ERROR: oops"
        );
        // a syslog date is read as syslog's (its month, then the host and the tag)
        assert_eq!(
            norm("Dec  2 16:41:13 vm systemd[1]: Started x.").1,
            "systemd[1]: Started x."
        );
        for text in [
            "12/02/2025 was the day",
            "Thu May  3 was a day",
            "1.2.3 16:41:13 x",
            "Thu May  3 12:08:16: x",
            "Thu May  3 12:08:16 UTC 2018 x",
            "12/02/2025 16:41:13. x",
        ] {
            assert_eq!(norm(text).1, text);
        }
    }

    #[test]
    fn talosctl_dmesg_columns_are_stripped() {
        let mut n = Normaliser::default();
        let line = n.normalise(
            1,
            b"172.20.1.2: kern:    info: [2021-11-10T10:09:37.662764956Z]: Linux version 6.1.58-talos",
        );
        assert_eq!(line.message, "Linux version 6.1.58-talos");
        assert!(line.from_kernel && !line.relayed);
        let line = n.normalise(
            2,
            b"user: warning: [2024-02-19T20:45:36.938507652Z]: [talos] task mountUserDisks (1/1): done",
        );
        assert_eq!(line.message, "[talos] task mountUserDisks (1/1): done");
        assert!(!line.from_kernel);
    }

    #[test]
    fn html_entities_of_a_copied_web_page_are_decoded() {
        assert_eq!(norm("grub rescue&gt; ").1, "grub rescue> ");
        let (text, message, time) = norm("&lt;6&gt;[    1.500000] Run /init as init process");
        assert_eq!(text, "<6>[    1.500000] Run /init as init process");
        assert_eq!(
            (message.as_str(), time),
            ("Run /init as init process", Some(1.5))
        );
        assert_eq!(norm("A &amp;gt; B &amp c").0, "A &gt; B &amp c");
    }

    #[test]
    fn a_vmware_log_line_gives_the_guest_kernels_message() {
        // the vmware.log format of ESXi 7 and later: ISO time, level, thread, then the message
        let (_, msg, time) =
            norm("2023-12-04T10:49:30.104Z In(05) vcpu-5 - Guest: <4>[  812.091619]  oom_kill_process+0x243/0x270");
        assert_eq!(
            (msg.as_str(), time),
            ("oom_kill_process+0x243/0x270", Some(812.091619))
        );
        let (_, msg, _) = norm("2023-12-04T10:49:30.104Z Wa(03) vmx - Guest: boot-loader started");
        assert_eq!(msg, "boot-loader started");
    }

    #[test]
    fn iso_prefixes_are_stripped() {
        let (_, msg, time) = norm("2026-11-25T12:00:01.123456+00:00 [    3.000001] Run /init");
        assert_eq!((msg.as_str(), time), ("Run /init", Some(3.000001)));
        let (_, msg, _) = norm("[2024-01-02 03:04:05.678] Welcome to Debian");
        assert_eq!(msg, "Welcome to Debian");
        // Python logging's `%(asctime)s: %(message)s`, as test harnesses capture a console
        let (_, msg, _) = norm("2024-12-18 14:32:59,509: clocksource: Switched to clocksource tsc");
        assert_eq!(msg, "clocksource: Switched to clocksource tsc");
    }

    #[test]
    fn an_iso_date_before_a_host_and_tag_reads_as_syslog() {
        let mut n = Normaliser::default();
        let line = n.normalise(
            1,
            b"2023-05-01T10:00:00.123456+00:00 vm1 kernel: Linux version 5.15",
        );
        assert_eq!(line.message, "Linux version 5.15");
        assert!(line.from_kernel && line.relayed);
        let line = n.normalise(
            2,
            b"2023-05-01T10:00:00+0000 vm1 systemd[1]: Reached target Basic System.",
        );
        assert_eq!(line.message, "systemd[1]: Reached target Basic System.");
        assert!(!line.from_kernel);
        // a capture tool's date before console text has no host
        assert_eq!(
            norm("2024-01-01T00:00:00Z Booting from Hard Disk...").1,
            "Booting from Hard Disk..."
        );
        assert_eq!(
            norm(
                "2023-06-20T10:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1"
            )
            .1,
            "INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1"
        );
        // the console's login prompt after a capture tool's date keeps its host name
        assert_eq!(
            norm("2024-03-01T10:43:31.123456789Z vm1 login: root").1,
            "vm1 login: root"
        );
    }

    #[test]
    fn a_capture_tools_time_of_day_is_stripped() {
        for raw in [
            "[12:00:01.123] Loading, please wait...",
            "12:00:01.123 Loading, please wait...",
            "(12:00:01) Loading, please wait...",
            "12:00:01: Loading, please wait...",
            "12:00:01 Loading, please wait...",
            "[18:01:02]Loading, please wait...",
            // a CI timestamper's padding, and a console logger's inside its brackets
            "21:11:04  Loading, please wait...",
            "[ 07:41:09 ] Loading, please wait...",
            // a serial terminal's milliseconds after a third colon
            "[16:47:58:050] Loading, please wait...",
        ] {
            assert_eq!(norm(raw).1, "Loading, please wait...", "{raw}");
        }
        let (_, message, time) =
            norm("[12:00:01] [    3.123456] EXT4-fs (sda1): mounted filesystem");
        assert_eq!(
            (message.as_str(), time),
            ("EXT4-fs (sda1): mounted filesystem", Some(3.123456))
        );
        // Docker Desktop's log of its VM's console: time, source and level columns
        let (_, message, time) =
            norm("[20:51:52.080][Moby           ][Info   ] [    6.047416] Kernel panic - not syncing: Fatal exception");
        assert_eq!(
            (message.as_str(), time),
            (
                "Kernel panic - not syncing: Fatal exception",
                Some(6.047416)
            )
        );
        assert_eq!(
            norm("[10:21:05.576][Moby           ][Info   ] ACPI: Added _OSI(Processor Device)").1,
            "ACPI: Added _OSI(Processor Device)"
        );
        // a bracketed word after the time is the line's own text unless a level follows
        assert_eq!(norm("[12:00:01] [OK] done").1, "[OK] done");
        // times that are part of the text stay
        assert_eq!(norm("12:00:01 up 3 days").1, "12:00:01 up 3 days");
        assert_eq!(norm("1:2:3 not a time").1, "1:2:3 not a time");
        assert_eq!(norm("[    1.000000] 12:00 x").1, "12:00 x");
    }

    #[test]
    fn a_monotonic_journal_line_drops_its_host_before_a_program_tag() {
        let (_, message, time) = norm(
            "[   51.474376] localhost systemd[1]: Started emergency.service - Emergency Shell.",
        );
        assert_eq!(
            message,
            "systemd[1]: Started emergency.service - Emergency Shell."
        );
        assert_eq!(time, Some(51.474376));
        // the kernel's device prefixes are not a host and a tag
        let (_, message, _) = norm("[    1.234567] usb 1-1: new high-speed USB device number 2");
        assert_eq!(message, "usb 1-1: new high-speed USB device number 2");
        let (_, message, _) = norm("[    1.234567] scsi host0: Virtio SCSI HBA");
        assert_eq!(message, "scsi host0: Virtio SCSI HBA");
        // nor is a program's name split by a stray space
        let (_, message, _) = norm("[  211.961022] dracut -initqueue[418]: Warning: timeout");
        assert_eq!(message, "dracut -initqueue[418]: Warning: timeout");
    }

    #[test]
    fn a_syslog_priority_is_stripped_and_a_hostless_logger_line_reads_as_syslog() {
        // cloud-init's host keys on the EC2 console, written with `logger -s`
        let (_, message, _) =
            norm("<14>Apr  9 22:06:30 ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----");
        assert_eq!(message, "ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----");
        assert!(relayed("<14>Feb 21 13:06:02 cloud-init: ###"));
        // `dmesg -r`: the kernel's level before its timestamp
        let (_, message, time) = norm("<6>[    1.250000] Run /init as init process");
        assert_eq!(
            (message.as_str(), time),
            ("Run /init as init process", Some(1.25))
        );
        // a priority before a full syslog line, and text that only looks like one
        let (_, message, _) = norm("<30>Jan  1 00:00:01 vm1 systemd[1]: Started Foo.");
        assert_eq!(message, "systemd[1]: Started Foo.");
        let (_, message, _) = norm("<html> Jan  1 00:00:01 text");
        assert_eq!(message, "<html> Jan  1 00:00:01 text");
        let (_, message, _) = norm("<1>Jan  1 00:00:01 not a tag");
        assert_eq!(message, "Jan  1 00:00:01 not a tag");
        // a line of priorities alone is read once, not once per pair
        let many = "<1>".repeat(6000);
        assert_eq!(norm(&many).1, &many[3..]);
    }

    #[test]
    fn a_kernel_tag_without_its_date_marks_the_kernel() {
        let mut n = Normaliser::default();
        let line = n.normalise(
            1,
            b"kernel: md/raid:md123: device sdd1 operational as raid disk 0",
        );
        assert_eq!(
            line.message,
            "md/raid:md123: device sdd1 operational as raid disk 0"
        );
        assert!(line.from_kernel && line.relayed);
        assert!(!n.normalise(2, b"kernelspace: x").from_kernel);
        // a terminal's copy of an emergency message broadcast by syslogd
        let line = n.normalise(3, b" kernel:[  102.178091] Oops [#6]");
        assert_eq!((line.message, line.time), ("Oops [#6]", Some(102.178091)));
        assert!(line.from_kernel && line.relayed);
    }

    #[test]
    fn dmesg_human_times_are_stripped_and_mark_the_kernel() {
        let mut n = Normaliser::default();
        let line = n.normalise(1, b"[Mon May  1 10:00:00 2023] Run /init as init process");
        assert_eq!(line.message, "Run /init as init process");
        assert!(line.from_kernel);
        assert_eq!(
            norm("[Tue Dec 12 09:05:33 2023] EXT4-fs (sda1): mounted").1,
            "EXT4-fs (sda1): mounted"
        );
        assert_eq!(norm("[info] Will now halt.").1, "[info] Will now halt.");
    }

    #[test]
    fn dmesg_h_minute_and_relative_prefixes_are_stripped_and_mark_the_kernel() {
        // `dmesg -H`: the minute, then the distance from the line before
        let mut n = Normaliser::default();
        let line = n.normalise(
            2,
            b"[Sep28 12:48] systemd[1]: Detected architecture x86-64.",
        );
        assert_eq!(line.message, "systemd[1]: Detected architecture x86-64.");
        assert!(line.from_kernel && line.time.is_none());
        assert_eq!(
            norm("[  +0,001161] systemd-sysv-generator[1003]: Looking for SysV init scripts in:").1,
            "systemd-sysv-generator[1003]: Looking for SysV init scripts in:"
        );
        assert_eq!(
            norm("[  +0.000089] EXT4-fs (sda1): mounted").1,
            "EXT4-fs (sda1): mounted"
        );
        assert_eq!(
            norm("[  OK  ] Reached target Basic System.").1,
            "[  OK  ] Reached target Basic System."
        );
        assert_eq!(norm("[Sep28] not a time").1, "[Sep28] not a time");
    }

    #[test]
    fn busybox_kubectl_and_hostless_journal_prefixes_are_stripped() {
        // busybox syslogd's facility and level before the tag
        let (_, msg, _) = norm("Jan  1 10:00:01 myhost kern.info kernel: VFS: Mounted root (ext4)");
        assert_eq!(msg, "VFS: Mounted root (ext4)");
        let (_, msg, _) = norm("Jan  1 10:00:01 myhost daemon.info systemd[1]: Started Foo.");
        assert_eq!(msg, "systemd[1]: Started Foo.");
        // `journalctl --no-hostname`
        let (_, msg, _) = norm("Jan 01 10:00:01 kernel: VFS: Mounted root (ext4)");
        assert_eq!(msg, "VFS: Mounted root (ext4)");
        // `kubectl logs --prefix`, also before kubectl's own time stamp
        let (_, msg, _) =
            norm("[pod/virt-launcher-vm1-abcde/guest-console-log] Welcome to Debian GNU/Linux 12 (bookworm)!");
        assert_eq!(msg, "Welcome to Debian GNU/Linux 12 (bookworm)!");
        let (_, msg, _) = norm("[pod/p/c] 2024-01-01T10:00:00.123456789Z vm1 login: ");
        assert_eq!(msg, "vm1 login: ");
        let (_, msg, time) = norm("[pod/p/c] [    0.000000] Linux version 6.1.0");
        assert_eq!((msg.as_str(), time), ("Linux version 6.1.0", Some(0.0)));
        assert_eq!(norm("[pod/] x] y").1, "[pod/] x] y");
    }

    #[test]
    fn syslog_prefixes_are_stripped_keeping_non_kernel_tags() {
        let (_, msg, time) = norm("Nov 25 12:00:01 vm1 kernel: [    0.000000] Linux version 5.4");
        assert_eq!((msg.as_str(), time), ("Linux version 5.4", Some(0.0)));
        let (_, msg, _) = norm("Nov  5 12:00:01 vm1 systemd[1]: Reached target Multi-User System.");
        assert_eq!(msg, "systemd[1]: Reached target Multi-User System.");
        assert_eq!(norm("Started foo").1, "Started foo");
        // a host the ticket redacted
        let (_, msg, _) =
            norm("Feb 23 20:53:33 <IP> kernel:  [<ffffffff91178ad9>] oom_kill_process+0x229/0x410");
        assert_eq!(msg, " [<ffffffff91178ad9>] oom_kill_process+0x229/0x410");
    }
}
