//! Text hygiene: everything that turns untrusted server text into something safe to print
//! in a log, a workflow command, or a Markdown summary; caps; and durations as a person
//! reads them.
//!
//! GitHub parses `::cmd::` at the start of a line and the legacy `##[cmd]` anywhere in a
//! line; Azure Pipelines finds `##vso[` anywhere (case-insensitively). Control characters
//! could move the cursor or end a line early. So every printed line goes through `plain`,
//! and command data through the escapes of its platform.

use std::time::Duration;

/// One line, safe for a plain log, an annotation or a summary: terminal escape sequences
/// (ANSI CSI such as colours, OSC such as hyperlinks, clipboard writes and window titles,
/// in their 7-bit and 8-bit forms) are removed whole, every other control character
/// (C0, C1, CR, LF, tabs) and every invisible or direction-changing character becomes a
/// space, every `##[` / `##vso[` is broken up, and a line that would start with `::` (a
/// GitHub workflow command, also after leading spaces) starts with `: :` instead.
pub fn plain(text: &str) -> String {
    let cleaned: String = strip_escape_sequences(text)
        .chars()
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect();
    let defused = defuse_hash_commands(&cleaned);
    let body = defused.trim_start();
    match body.strip_prefix("::") {
        Some(rest) => format!("{}: :{rest}", &defused[..defused.len() - body.len()]),
        None => defused,
    }
}

/// Splits untrusted multi-line text into `plain` lines, dropping blank ones.
pub fn plain_lines(text: &str) -> Vec<String> {
    text.split(['\n', '\r'])
        .map(|line| plain(line).trim_end().to_owned())
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// Whether `c` never appears in a line golive prints: a control character, or one of the
/// invisible or direction-changing characters `plain` replaces.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Characters that print as nothing, join or reorder what is around them, or break a line
/// in some viewers (soft hyphen, Arabic letter mark, Hangul fillers, Mongolian vowel
/// separator, zero-width and direction marks, line/paragraph separators, embeddings and
/// overrides, word joiner and invisible operators, isolates, byte order mark, interlinear
/// annotations, tags): they could make a line read differently from what it is, and never
/// belong in server text we print.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Removes terminal escape sequences whole, so that none of their parameters is left to
/// print: CSI (`ESC [` or U+009B, up to a final byte @–~), OSC, DCS, SOS, PM and APC
/// (`ESC ]`/`P`/`X`/`^`/`_` or U+009D/0090/0098/009E/009F, up to BEL or ST), `ESC` with
/// intermediate bytes and a final one (`ESC ( B`), and any other `ESC x` pair. An
/// unterminated control string runs to the end of the text.
fn strip_escape_sequences(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let kind = match c {
            '\u{1b}' => match chars.next() {
                Some('[') => '[',
                Some(']' | 'P' | 'X' | '^' | '_') => ']',
                // `ESC`, intermediate bytes, a final byte (`ESC ( B`).
                Some(' '..='/') => {
                    while chars.next_if(|p| (' '..='/').contains(p)).is_some() {}
                    chars.next_if(|p| ('0'..='~').contains(p));
                    continue;
                }
                // Any other escape is two characters long.
                _ => continue,
            },
            '\u{9b}' => '[',
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => ']',
            other => {
                out.push(other);
                continue;
            }
        };
        if kind == '[' {
            // Parameter and intermediate bytes, then one final byte; anything else ends
            // the (malformed) sequence and is kept.
            while let Some(&p) = chars.peek() {
                if ('\u{20}'..='\u{3f}').contains(&p) {
                    chars.next();
                } else {
                    if ('\u{40}'..='\u{7e}').contains(&p) {
                        chars.next();
                    }
                    break;
                }
            }
        } else {
            // A control string ends at BEL, ST (ESC \ or U+009C).
            while let Some(p) = chars.next() {
                if p == '\u{07}' || p == '\u{9c}' {
                    break;
                }
                if p == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
    }
    out
}

/// `##[` → `## [` and `##vso[` → `##vso [`, case-insensitively, wherever they occur.
fn defuse_hash_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find("##") {
        // A run of more than two '#' still ends in "##": keep the whole run, then look.
        let hashes = rest[index..].bytes().take_while(|&b| b == b'#').count();
        out.push_str(&rest[..index + hashes]);
        rest = &rest[index + hashes..];
        let lower = rest
            .get(..4)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if rest.starts_with('[') {
            out.push(' ');
        } else if lower == "vso[" {
            out.push_str(&rest[..3]);
            out.push(' ');
            rest = &rest[3..];
        }
    }
    out.push_str(rest);
    out
}

/// GitHub command data: `%`, CR, LF escaped; the runner unescapes them, so the value
/// arrives exactly (a mask must match the secret to the letter).
pub fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub command property values: as data, plus `:` and `,`.
pub fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Azure Pipelines logging-command data and properties: `%` first, then `;`, CR, LF, `]`.
pub fn azure(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace(';', "%3B")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(']', "%5D")
}

/// Text for a Markdown job summary: one line, HTML and Markdown syntax neutralised so a
/// server cannot add links, images or tables, and web addresses defanged so that GitHub's
/// autolinking (`http://…`, `www.…`, `name@host`) finds nothing to make clickable.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in defang_links(&plain(text)).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '~' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `https[:]//host`, `www[.]host`, `name[@]host`: the text still reads, but no longer
/// matches an autolink (the brackets are escaped as Markdown afterwards).
fn defang_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("://") {
            out.push_str("[:]//");
            rest = after;
        } else if rest
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("www."))
        {
            out.push_str(&rest[..3]);
            out.push_str("[.]");
            rest = &rest[4..];
        } else if let Some(after) = rest.strip_prefix('@') {
            out.push_str("[@]");
            rest = after;
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

/// HTML to plain text: tags removed (block tags become line breaks), entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            // A lone '<' is text.
            out.push_str(&decode_entities(&rest[start..]));
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "ul" | "ol"
        ) {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&decode_entities(rest));
    out
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest[1..].find(';').map(|i| i + 1).filter(|&i| i <= 10);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        if let Some((c, end)) = decoded {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Up to `max` characters, with an ellipsis and the number left out when cut.
pub fn cap(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((index, _)) => format!(
            "{}… ({} more characters not shown)",
            &text[..index],
            text[index..].chars().count()
        ),
    }
}

/// `1h2m3s`, `4m0s`, `12s`, `250ms`: durations as a person reads them.
pub fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0 => format!("{}ms", duration.as_millis()),
        1..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m{}s", secs / 60, secs % 60),
        _ => format!("{}h{}m{}s", secs / 3600, secs % 3600 / 60, secs % 60),
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A random token of 32 hex digits from the OS (delimiters, stop-commands).
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No OS randomness: fall back on the hasher's per-process random keys.
        use std::hash::{BuildHasher, Hasher};
        let state = std::collections::hash_map::RandomState::new();
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut hasher = state.build_hasher();
            hasher.write_usize(i);
            chunk.copy_from_slice(&hasher.finish().to_le_bytes());
        }
    }
    bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
        hex
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_millis(250)), "250ms");
        assert_eq!(human(Duration::from_secs(59)), "59s");
        assert_eq!(human(Duration::from_secs(240)), "4m0s");
        assert_eq!(human(Duration::from_secs(3723)), "1h2m3s");
    }

    #[test]
    fn plain_breaks_up_every_hash_command_and_control_character() {
        assert_eq!(plain("a ##[error]x"), "a ## [error]x");
        assert_eq!(
            plain("##vso[task.setvariable variable=status]ok"),
            "##vso [task.setvariable variable=status]ok"
        );
        assert_eq!(plain("##VSO[task.complete]"), "##VSO [task.complete]");
        assert_eq!(plain("###[x"), "### [x");
        assert_eq!(plain("line\nbreak\r\x1b[31mred\u{202E}"), "line break red ");
        // Escape sequences go whole, whatever their form; what they wrapped stays.
        assert_eq!(
            plain(
                "\x1b]8;;https://evil\x07link\x1b]8;;\x1b\\ \x1b]52;c;ZXZpbA==\x07|\u{9b}2J|\u{9d}0;t\u{9c}|\x1b(B|\x1b[é"
            ),
            "link ||||é"
        );
        assert_eq!(
            plain("soft\u{AD}hyphen\u{2028}x\u{E0041}"),
            "soft hyphen x "
        );
        assert_eq!(plain("no ## command"), "no ## command");
        assert_eq!(plain("::error::x"), ": :error::x");
        assert_eq!(plain("  ::add-mask::y"), "  : :add-mask::y");
        assert_eq!(plain("a ::error::x"), "a ::error::x");
    }

    #[test]
    fn plain_lines_split_and_drop_blanks() {
        assert_eq!(
            plain_lines("a\r\n\nb\r::error::x"),
            ["a", "b", ": :error::x"]
        );
    }

    #[test]
    fn github_escapes_make_data_and_properties_single_and_inert() {
        assert_eq!(github_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(github_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(github_data("x ##[warning]y"), "x ##[warning]y");
    }

    #[test]
    fn azure_escapes_percent_first() {
        assert_eq!(azure("%3B;]\r\n"), "%AZP253B%3B%5D%0D%0A");
    }

    #[test]
    fn markdown_cannot_add_links_images_or_html() {
        let text = markdown("![x](http://evil/p.png) <img src=x> | a *b*");
        assert!(!text.contains("](") && !text.contains('<'), "{text}");
        assert_eq!(markdown("a&b"), "a&amp;b");
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text(
                "<p>Image <b>failed</b> &amp; stopped&#33;</p><br/>See &lt;docs&gt;&#x2E; a < b &bogus;"
            ),
            "\nImage failed & stopped!\n\nSee <docs>. a < b &bogus;"
        );
    }

    #[test]
    fn cap_says_what_it_left_out() {
        assert_eq!(cap("abcdef", 10), "abcdef");
        assert_eq!(cap("abcdef", 3), "abc… (3 more characters not shown)");
    }

    #[test]
    fn random_tokens_differ() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
