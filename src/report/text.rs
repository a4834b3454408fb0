//! Text hygiene: everything that turns untrusted server text into something safe to print
//! in a log, a workflow command, or a Markdown summary, and nothing else.
//!
//! GitHub parses `::cmd::` at the start of a line and the legacy `##[cmd]` anywhere in a
//! line; Azure Pipelines finds `##vso[` anywhere (case-insensitively). Control characters
//! could move the cursor or end a line early. So every printed line goes through `plain`,
//! and command data through the escapes of its platform.

/// One line, safe for a plain log: control characters (ANSI escapes, CR, LF, tabs) become
/// spaces, every `##[` / `##vso[` is broken up, and a line that would start with `::`
/// (a GitHub workflow command, also after leading spaces) starts with `: :` instead.
pub fn plain(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_control() || is_invisible_format(c) {
                ' '
            } else {
                c
            }
        })
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

/// Bidirectional overrides and zero-width characters could make a line read differently
/// from what it is; they never belong in server text we print.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
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

/// Free text inside a command (an annotation, a logged issue): as well as escaped, any
/// `##[` / `##vso[` in it is broken up, in case a parser looks past the command.
pub fn defused(text: &str) -> String {
    defuse_hash_commands(text)
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
/// server cannot add links, images or tables.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain(text).chars() {
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
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
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
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_breaks_up_every_hash_command_and_control_character() {
        assert_eq!(plain("a ##[error]x"), "a ## [error]x");
        assert_eq!(
            plain("##vso[task.setvariable variable=status]ok"),
            "##vso [task.setvariable variable=status]ok"
        );
        assert_eq!(plain("##VSO[task.complete]"), "##VSO [task.complete]");
        assert_eq!(plain("###[x"), "### [x");
        assert_eq!(
            plain("line\nbreak\r\x1b[31mred\u{202E}"),
            "line break  [31mred "
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
        assert_eq!(
            defused("x ##[warning]y ##vso[task.complete]"),
            "x ## [warning]y ##vso [task.complete]"
        );
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
