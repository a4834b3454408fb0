//! Azure Pipelines logging commands (`##vso[…]`), escaped so server text stays data.

use crate::text;

/// An output variable that later jobs read as `dependencies.<job>.outputs['<step>.<name>']`.
pub fn set_output(name: &str, value: &str) -> String {
    format!(
        "##vso[task.setvariable variable={};isOutput=true]{}",
        text::azure(name),
        text::azure(value)
    )
}

/// `##vso[task.logissue type=error]message` (or `warning`): sanitised as every line is
/// (`text::plain`), then escaped.
pub fn log_issue(kind: &str, message: &str) -> String {
    format!(
        "##vso[task.logissue type={kind}]{}",
        text::azure(&text::plain(message))
    )
}

/// Attaches a Markdown file to the run's summary page (`##vso[task.uploadsummary]`).
pub fn upload_summary(path: &str) -> String {
    format!("##vso[task.uploadsummary]{}", text::azure(path))
}

/// From here on the agent prints `***` for the value.
pub fn set_secret(secret: &str) -> String {
    format!("##vso[task.setsecret]{}", text::azure(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_cannot_close_the_command_or_add_properties() {
        assert_eq!(
            set_output("status", "x];isOutput=false]\n##vso[task.complete]"),
            "##vso[task.setvariable variable=status;isOutput=true]x%5D%3BisOutput=false%5D%0A##vso[task.complete%5D"
        );
        assert_eq!(
            log_issue("error", "50%"),
            "##vso[task.logissue type=error]50%AZP25"
        );
    }
}
