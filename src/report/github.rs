//! GitHub Actions: the `$GITHUB_OUTPUT` file format, workflow commands, and the job
//! summary file.

use crate::text;

/// One output in the runner's file format, always as a heredoc with a random delimiter
/// that does not occur in the value (the runner would end the value early at it).
pub fn output_entry(name: &str, value: &str) -> String {
    let delimiter = loop {
        let candidate = format!("ghadelimiter_{}", text::random_token());
        if !value.contains(&candidate) {
            break candidate;
        }
    };
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// `::error title=…::message` (or `warning`): sanitised as every line is (`text::plain`),
/// then escaped so it stays one command.
pub fn annotation(kind: &str, title: &str, message: &str) -> String {
    format!(
        "::{kind} title={}::{}",
        text::github_property(&text::plain(title)),
        text::github_data(&text::plain(message))
    )
}

/// `::add-mask::value`: from here on the runner prints `***` for it.
pub fn add_mask(secret: &str) -> String {
    format!("::add-mask::{}", text::github_data(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_entries_are_heredocs_with_fresh_delimiters() {
        let entry = output_entry("status", "a\nb");
        let lines: Vec<&str> = entry.lines().collect();
        assert_eq!(lines.len(), 4);
        let delimiter = lines[0].strip_prefix("status<<").unwrap_or_default();
        assert!(delimiter.starts_with("ghadelimiter_") && delimiter.len() > 20);
        assert_eq!(&lines[1..], ["a", "b", delimiter]);
    }

    #[test]
    fn annotations_escape_title_and_message() {
        assert_eq!(
            annotation("error", "a: b", "x\n::warning::y 100%"),
            "::error title=a%3A b::x ::warning::y 100%25"
        );
        assert_eq!(
            annotation(
                "error",
                "t",
                "\u{1b}]8;;https://evil\u{7}link\u{1b}]8;;\u{7} \u{1b}[31mred\u{202e}"
            ),
            "::error title=t::link red "
        );
    }
}
