//! GitLab CI: the dotenv file `golive.env` for `artifacts: reports: dotenv`.

use std::collections::BTreeMap;

/// Opens a collapsed section (GitLab's `section_start` marker, with the escape sequences
/// its log viewer expects); `name` is `[A-Za-z0-9_.-]`.
pub fn section_start(name: &str, title: &str, now: u64) -> String {
    format!("\u{1b}[0Ksection_start:{now}:{name}[collapsed=true]\r\u{1b}[0K{title}")
}

/// Closes the section `name`.
pub fn section_end(name: &str, now: u64) -> String {
    format!("\u{1b}[0Ksection_end:{now}:{name}\r\u{1b}[0K")
}

/// The whole file for the given variables. GitLab's dotenv has one line per value and
/// no escapes, so a value with a line break is refused rather than cut short.
pub fn dotenv(values: &BTreeMap<&'static str, String>) -> Result<String, String> {
    let mut out = String::new();
    for (key, value) in values {
        if value.contains(['\n', '\r']) {
            return Err(format!(
                "the value of {key} has a line break, which a dotenv file cannot hold"
            ));
        }
        // GitLab strips each value: one it would change is refused, not altered.
        if value.trim() != value {
            return Err(format!(
                "the value of {key} starts or ends with white space, which GitLab would strip"
            ));
        }
        out.push_str(&format!("{key}={value}\n"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_value_and_line_breaks_refused() {
        let mut values = BTreeMap::new();
        values.insert("GOLIVE_STATUS", "accepted".to_owned());
        values.insert("GOLIVE_OPERATION_ID", "a$b".to_owned());
        assert_eq!(
            dotenv(&values).ok().as_deref(),
            Some("GOLIVE_OPERATION_ID=a$b\nGOLIVE_STATUS=accepted\n")
        );
        values.insert("GOLIVE_STATUS", "a\nGOLIVE_X=1".to_owned());
        assert!(dotenv(&values).is_err());
    }
}
