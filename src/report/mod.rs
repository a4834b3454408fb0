//! Where results go: the log (stdout), GitHub Actions, GitLab CI and Azure Pipelines.
//!
//! The `Reporter` is the only writer of the log and of the output files. Every line it
//! prints goes through `text::plain`, so untrusted text that reaches it cannot become a
//! workflow or logging command; only the commands built here are printed raw.

pub mod azure;
pub mod github;
pub mod gitlab;
pub mod summary;
pub mod text;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::auth::Secret;
use crate::config::CiTargets;
use crate::error::Failure;

/// The outputs of a run, by their names in each CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    OperationLocation,
    OperationId,
    Status,
}

impl Output {
    pub const ALL: [Output; 3] = [
        Output::OperationLocation,
        Output::OperationId,
        Output::Status,
    ];

    /// The action output name (also the name in `--help` and the spec).
    pub fn name(self) -> &'static str {
        match self {
            Output::OperationLocation => "operation-location",
            Output::OperationId => "operation-id",
            Output::Status => "status",
        }
    }

    fn dotenv_key(self) -> &'static str {
        match self {
            Output::OperationLocation => "GOLIVE_OPERATION_LOCATION",
            Output::OperationId => "GOLIVE_OPERATION_ID",
            Output::Status => "GOLIVE_STATUS",
        }
    }

    fn azure_name(self) -> &'static str {
        match self {
            Output::OperationLocation => "operationLocation",
            Output::OperationId => "operationId",
            Output::Status => "status",
        }
    }
}

/// The `status` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Accepted,
    Succeeded,
    Failed,
    Canceled,
    TimedOut,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
            Status::TimedOut => "timed-out",
            Status::Error => "error",
        }
    }
}

/// The shortest secret golive redacts from its own output.
const REDACT_MIN: usize = 8;

/// The dotenv file GitLab reads, in the working directory.
pub const DOTENV_FILE: &str = "golive.env";

pub struct Reporter {
    ci: CiTargets,
    dotenv: RefCell<BTreeMap<&'static str, String>>,
    /// Every secret seen; written nowhere but in the mask commands themselves.
    secrets: RefCell<Vec<Secret>>,
}

impl Reporter {
    pub fn new(ci: CiTargets) -> Self {
        Reporter {
            ci,
            dotenv: RefCell::new(BTreeMap::new()),
            secrets: RefCell::new(Vec::new()),
        }
    }

    fn emit(&self, line: &str) {
        self.emit_raw(&self.redact(line));
    }

    fn emit_raw(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed stdout must not stop the run: the outputs still matter.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// The text with every known secret replaced by `***`: a server that echoes the token
    /// back cannot get it printed, even where the CI has no masking. Values shorter than
    /// `REDACT_MIN` are left to the runner's masking: replacing every "t" in a log would
    /// destroy it and protect nothing (real tokens and secrets are far longer).
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in self.secrets.borrow().iter() {
            if secret.expose().len() >= REDACT_MIN {
                text = text.replace(secret.expose(), "***");
            }
        }
        text
    }

    /// One log line, whatever the text holds: line breaks and control characters become
    /// spaces (`text::plain`), so no part of it can start a line of its own.
    pub fn info(&self, line: &str) {
        self.emit(&text::plain(line));
    }

    /// Registers a secret with the runner so that it prints `***` for it.
    pub fn mask(&self, secret: &Secret) {
        if self.secrets.borrow().contains(secret) {
            return;
        }
        self.secrets.borrow_mut().push(secret.clone());
        if self.ci.github.is_some() {
            self.emit_raw(&github::add_mask(secret.expose()));
        }
        if self.ci.azure {
            self.emit_raw(&azure::set_secret(secret.expose()));
        }
    }

    pub fn warn(&self, message: &str) {
        self.issue("warning", "golive", message);
    }

    /// An error, once: as an annotation on GitHub, a logged issue on Azure Pipelines,
    /// a plain line on stderr elsewhere.
    pub fn error(&self, title: &str, message: &str) {
        self.issue("error", title, message);
    }

    fn issue(&self, kind: &str, title: &str, message: &str) {
        if self.ci.github.is_some() {
            self.emit(&github::annotation(kind, title, message));
        }
        if self.ci.azure {
            self.emit(&azure::log_issue(kind, message));
        }
        if self.ci.github.is_none() && !self.ci.azure {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "golive: {kind}: {}",
                self.redact(&text::plain(message))
            );
        }
    }

    /// Untrusted multi-line text (the service's messages), each line marked as quoted;
    /// on GitHub between `::stop-commands::` markers so that nothing in it is a command.
    pub fn server_text(&self, heading: &str, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        self.info(heading);
        let token = self.ci.github.as_ref().map(|_| text::random_token());
        if let Some(token) = &token {
            self.emit(&format!("::stop-commands::{token}"));
        }
        for line in lines {
            for piece in text::plain_lines(line) {
                self.emit(&format!("  | {piece}"));
            }
        }
        if let Some(token) = &token {
            self.emit(&format!("::{token}::"));
        }
    }

    /// Sets outputs wherever the CI reads them. A file that cannot be written is an
    /// error: a later job would otherwise miss the operation.
    pub fn outputs(&self, values: &[(Output, &str)]) -> Result<(), Failure> {
        let redacted: Vec<(Output, String)> =
            values.iter().map(|(o, v)| (*o, self.redact(v))).collect();
        let values: Vec<(Output, &str)> = redacted.iter().map(|(o, v)| (*o, v.as_str())).collect();
        let values = values.as_slice();
        if let Some(files) = &self.ci.github {
            match &files.output {
                Some(path) => {
                    let entries: String = values
                        .iter()
                        .map(|(output, value)| github::output_entry(output.name(), value))
                        .collect();
                    append(path, &entries).map_err(|e| {
                        Failure::Unexpected(format!(
                            "could not write the outputs to GITHUB_OUTPUT ({}): {e}",
                            path.display()
                        ))
                    })?;
                }
                None => {
                    self.warn("GITHUB_OUTPUT is not set, so the outputs are only in this log");
                    for (output, value) in values {
                        self.info(&format!("output {}={value}", output.name()));
                    }
                }
            }
        }
        if self.ci.gitlab {
            let mut dotenv = self.dotenv.borrow_mut();
            for (output, value) in values {
                dotenv.insert(output.dotenv_key(), (*value).to_owned());
            }
            let content = gitlab::dotenv(&dotenv).map_err(Failure::Unexpected)?;
            std::fs::write(DOTENV_FILE, content)
                .map_err(|e| Failure::Unexpected(format!("could not write {DOTENV_FILE}: {e}")))?;
        }
        if self.ci.azure {
            for (output, value) in values {
                self.emit(&azure::set_output(output.azure_name(), value));
            }
        }
        Ok(())
    }

    /// Appends Markdown to the GitHub job summary, if there is one.
    pub fn summary(&self, markdown: &str) {
        let Some(path) = self
            .ci
            .github
            .as_ref()
            .and_then(|files| files.summary.as_ref())
        else {
            return;
        };
        if let Err(e) = append(path, &self.redact(markdown)) {
            self.warn(&format!(
                "could not write the job summary ({}): {e}",
                path.display()
            ));
        }
    }
}

fn append(path: &Path, content: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(content.as_bytes())
}
