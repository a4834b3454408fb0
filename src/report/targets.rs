//! Which CI golive runs in, and where its outputs go: detected from the environment
//! (all that apply), before anything else happens.

use std::path::PathBuf;

/// Where results go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiTargets {
    /// `GITHUB_ACTIONS=true`: the output and summary files (either may be unset).
    pub github: Option<GitHubFiles>,
    /// `GITLAB_CI=true`: write `golive.env` in the working directory.
    pub gitlab: bool,
    /// `TF_BUILD=True`: `##vso[…]` logging commands.
    pub azure: bool,
    /// Azure Pipelines' `AGENT_TEMPDIRECTORY`, where the summary file goes.
    pub azure_temp: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitHubFiles {
    pub output: Option<PathBuf>,
    pub summary: Option<PathBuf>,
}

/// The variables this reads, for whoever gathers the environment.
pub const VARIABLES: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITLAB_CI",
    "TF_BUILD",
    "AGENT_TEMPDIRECTORY",
];

impl CiTargets {
    /// The targets the environment names; `env` gives a variable's value (set and
    /// non-empty) or `None`.
    pub fn detect<'a>(env: impl Fn(&str) -> Option<&'a str>) -> Self {
        let github = (env("GITHUB_ACTIONS") == Some("true")).then(|| GitHubFiles {
            output: env("GITHUB_OUTPUT").map(PathBuf::from),
            summary: env("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        });
        CiTargets {
            github,
            gitlab: env("GITLAB_CI") == Some("true"),
            azure: env("TF_BUILD").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            azure_temp: env("AGENT_TEMPDIRECTORY").map(PathBuf::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_is_detected_from_the_environment() {
        let all = |name: &str| match name {
            "GITHUB_ACTIONS" | "GITLAB_CI" => Some("true"),
            "GITHUB_OUTPUT" => Some("/o"),
            "TF_BUILD" => Some("True"),
            _ => None,
        };
        let expected = CiTargets {
            github: Some(GitHubFiles {
                output: Some(PathBuf::from("/o")),
                summary: None,
            }),
            gitlab: true,
            azure: true,
            azure_temp: None,
        };
        assert_eq!(CiTargets::detect(all), expected);
        assert_eq!(CiTargets::detect(|_| None), CiTargets::default());
    }
}
