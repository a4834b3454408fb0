//! Where results go: the log (stdout), GitHub Actions, GitLab CI and Azure Pipelines.
//!
//! The `Reporter` is the only writer of the log and of the output files. Every line it
//! prints goes through `text::plain`, so untrusted text that reaches it cannot become a
//! workflow or logging command; only the commands built here are printed raw.

pub mod azure;
pub mod github;
pub mod gitlab;
pub mod summary;
pub mod targets;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;

use crate::error::Failure;
use crate::files;
use crate::secret::Secret;
use crate::text;
pub use targets::CiTargets;

/// The outputs of a run, by their names in each CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    OperationLocation,
    OperationId,
    Status,
    /// JSON: one object per offer (`offer-id`, `operation-location`, `operation-id`,
    /// `status`, `exit-code`, keys left out where not known).
    Results,
}

impl Output {
    /// The action output name (also the name in `--help`, action.yml and the README).
    pub fn name(self) -> &'static str {
        match self {
            Output::OperationLocation => "operation-location",
            Output::OperationId => "operation-id",
            Output::Status => "status",
            Output::Results => "results",
        }
    }

    fn dotenv_key(self) -> &'static str {
        match self {
            Output::OperationLocation => "GOLIVE_OPERATION_LOCATION",
            Output::OperationId => "GOLIVE_OPERATION_ID",
            Output::Status => "GOLIVE_STATUS",
            Output::Results => "GOLIVE_RESULTS",
        }
    }

    fn azure_name(self) -> &'static str {
        match self {
            Output::OperationLocation => "operationLocation",
            Output::OperationId => "operationId",
            Output::Status => "status",
            Output::Results => "results",
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
    /// SIGINT or SIGTERM ended the run; the outputs known so far are written.
    Interrupted,
    /// A dry run found that going live would be accepted.
    Ready,
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
            Status::Interrupted => "interrupted",
            Status::Ready => "ready",
            Status::Error => "error",
        }
    }
}

/// The shortest secret golive redacts from its own output.
const REDACT_MIN: usize = 8;

/// The longest line golive prints, in characters; longer text is cut, saying how much.
/// (The service's error text is capped at 4 KiB before: a line holds it and its context.)
pub const LINE_CAP: usize = 6000;
/// The most lines of server text printed under one heading.
pub const MAX_SERVER_LINES: usize = 200;
/// The largest job summary golive appends (GitHub drops a step's summary over 1 MiB).
pub const SUMMARY_CAP: usize = 256 * 1024;

/// Prints one line that is already redacted and safe (built by the `Reporter`).
fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout must not stop the run: the outputs still matter.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Seconds since the epoch, for GitLab's section markers.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The Markdown file Azure Pipelines is asked to attach to the run's summary.
const AZURE_SUMMARY_FILE: &str = "golive-summary.md";

/// The dotenv file GitLab reads, in the working directory.
pub const DOTENV_FILE: &str = "golive.env";

/// The writer of the log and the outputs. With several offers, each offer's steps log
/// through a prefixed view (`for_offer`) of the one reporter: the same secrets, files
/// and CI, every line starting `[offer-id]`.
pub struct Reporter {
    shared: Rc<Shared>,
    /// `[offer-id] ` for an offer's view; empty for the run's own.
    prefix: String,
}

struct Shared {
    ci: CiTargets,
    dotenv: RefCell<BTreeMap<&'static str, String>>,
    /// Every secret seen; written nowhere but in the mask commands themselves.
    secrets: RefCell<Vec<Secret>>,
    /// What is redacted: each secret as it is and as a server may echo it (URL or form
    /// encoded, JSON-escaped), longest first.
    forms: RefCell<Vec<String>>,
    /// The log group open now, if any (its GitLab section name).
    group: RefCell<Option<String>>,
}

/// The ways a server may echo a secret back: as sent in a form body (`~` → `%7E`, space
/// → `+`), percent-encoded in either case of hex digits and with `%20` for a space, and
/// JSON-escaped. Redacting only the raw value would let the encoded one through.
fn encoded_forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let lower_hex = |text: &str| {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('%') {
            out.push_str(&rest[..at]);
            let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
            out.push_str(&escape.to_ascii_lowercase());
            rest = &rest[at + escape.len()..];
        }
        out.push_str(rest);
        out
    };
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
    let mut forms = vec![
        secret.to_owned(),
        lower_hex(&form),
        lower_hex(&percent),
        form,
        percent,
        json,
    ];
    forms.retain(|f| !f.is_empty());
    forms
}

impl Reporter {
    pub fn new(ci: CiTargets) -> Self {
        Reporter {
            shared: Rc::new(Shared {
                ci,
                dotenv: RefCell::new(BTreeMap::new()),
                secrets: RefCell::new(Vec::new()),
                forms: RefCell::new(Vec::new()),
                group: RefCell::new(None),
            }),
            prefix: String::new(),
        }
    }

    /// The view an offer's steps log through when a run takes several offers: every
    /// line starts `[offer-id]`, and log groups (which cannot nest or interleave) are left
    /// to the run.
    #[must_use]
    pub fn for_offer(&self, offer: &str) -> Reporter {
        Reporter {
            shared: Rc::clone(&self.shared),
            prefix: format!("[{}] ", text::plain(offer)),
        }
    }

    /// A line of `--verbose` detail (each request), marked as such.
    pub fn debug(&self, line: &str) {
        self.info(&format!("debug: {line}"));
    }

    /// Opens a collapsible log group for the noisy part that follows (closing any open
    /// one): GitHub's `::group::`, Azure Pipelines' `##[group]`, a GitLab section.
    pub fn group(&self, title: &str) {
        if !self.prefix.is_empty() {
            return;
        }
        self.end_group();
        let title = self.line(title);
        let name = format!(
            "golive_{}",
            text::random_token().get(..8).unwrap_or("group")
        );
        if self.shared.ci.github.is_some() {
            emit(&format!("::group::{}", text::github_data(&title)));
        }
        if self.shared.ci.azure {
            emit(&format!("##[group]{title}"));
        }
        if self.shared.ci.gitlab {
            emit(&gitlab::section_start(&name, &title, unix_now()));
        }
        if self.shared.ci.github.is_none() && !self.shared.ci.azure && !self.shared.ci.gitlab {
            emit(&title);
        }
        *self.shared.group.borrow_mut() = Some(name);
    }

    /// Closes the open log group, if any.
    pub fn end_group(&self) {
        if !self.prefix.is_empty() {
            return;
        }
        let Some(name) = self.shared.group.borrow_mut().take() else {
            return;
        };
        if self.shared.ci.github.is_some() {
            emit("::endgroup::");
        }
        if self.shared.ci.azure {
            emit("##[endgroup]");
        }
        if self.shared.ci.gitlab {
            emit(&gitlab::section_end(&name, unix_now()));
        }
    }

    /// Before anything is sent: every output file this run will write can be written.
    /// A problem is an input error (exit 2): found now, it cannot strand an operation.
    pub fn check_outputs(&self) -> Result<(), Failure> {
        let unwritable = |what: &str, path: &Path, e: std::io::Error| {
            Failure::Input(format!(
                "{what} ({}) cannot be written: {e}; nothing was sent",
                path.display()
            ))
        };
        if let Some(github) = &self.shared.ci.github {
            if let Some(path) = &github.output {
                files::check_appendable(path).map_err(|e| unwritable("GITHUB_OUTPUT", path, e))?;
            }
            if let Some(path) = &github.summary {
                files::check_appendable(path)
                    .map_err(|e| unwritable("GITHUB_STEP_SUMMARY", path, e))?;
            }
        }
        if self.shared.ci.gitlab {
            files::check_replaceable(Path::new(DOTENV_FILE))
                .map_err(|e| unwritable("the dotenv file", Path::new(DOTENV_FILE), e))?;
        }
        Ok(())
    }

    /// The text with every known secret, in every form a server may echo it, replaced by
    /// `***`: a server that echoes the token back cannot get it printed, even where the CI
    /// has no masking. It runs before any escaping, which would change the secret's
    /// spelling. Values shorter than `REDACT_MIN` are left to the runner's masking:
    /// replacing every "t" in a log would destroy it and protect nothing (real tokens and
    /// secrets are far longer).
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in self.shared.forms.borrow().iter() {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), "***");
            }
        }
        text
    }

    /// Untrusted text made fit for one line of any form: redacted, sanitised
    /// (`text::plain`), and capped at `LINE_CAP` characters.
    fn line(&self, text: &str) -> String {
        let line = text::cap(&text::plain(&self.redact(text)), LINE_CAP);
        format!("{}{line}", self.prefix)
    }

    /// One log line, whatever the text holds: line breaks and control characters become
    /// spaces (`text::plain`), so no part of it can start a line of its own.
    pub fn info(&self, line: &str) {
        emit(&self.line(line));
    }

    /// Registers a secret with the runner so that it prints `***` for it.
    pub fn mask(&self, secret: &Secret) {
        if self.shared.secrets.borrow().contains(secret) {
            return;
        }
        self.shared.secrets.borrow_mut().push(secret.clone());
        if secret.expose().len() >= REDACT_MIN {
            let mut forms = self.shared.forms.borrow_mut();
            for form in encoded_forms(secret.expose()) {
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
            // Longest first: a form that contains another is replaced whole.
            forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        }
        if self.shared.ci.github.is_some() {
            emit(&github::add_mask(secret.expose()));
        }
        if self.shared.ci.azure {
            emit(&azure::set_secret(secret.expose()));
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
        // Redacted, sanitised and capped before the platform's escaping, like every line.
        let (title, message) = (self.line(title), self.line(message));
        if self.shared.ci.github.is_some() {
            emit(&github::annotation(kind, &title, &message));
        }
        if self.shared.ci.azure {
            emit(&azure::log_issue(kind, &message));
        }
        if self.shared.ci.github.is_none() && !self.shared.ci.azure {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "golive: {kind}: {message}");
        }
    }

    /// Untrusted multi-line text (the service's messages), each line marked as quoted;
    /// on GitHub between `::stop-commands::` markers so that nothing in it is a command.
    pub fn server_text(&self, heading: &str, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        self.info(heading);
        let token = self.shared.ci.github.as_ref().map(|_| text::random_token());
        if let Some(token) = &token {
            emit(&format!("::stop-commands::{token}"));
        }
        let pieces: Vec<String> = lines
            .iter()
            .flat_map(|line| text::plain_lines(&self.redact(line)))
            .collect();
        for piece in pieces.iter().take(MAX_SERVER_LINES) {
            emit(&format!(
                "{}  | {}",
                self.prefix,
                text::cap(piece, LINE_CAP)
            ));
        }
        if pieces.len() > MAX_SERVER_LINES {
            emit(&format!(
                "{}  | … {} more lines not shown",
                self.prefix,
                pieces.len() - MAX_SERVER_LINES
            ));
        }
        if let Some(token) = &token {
            emit(&format!("::{token}::"));
        }
    }

    /// Sets outputs wherever the CI reads them. A file that cannot be written is an
    /// error: a later job would otherwise miss the operation.
    pub fn outputs(&self, values: &[(Output, &str)]) -> Result<(), Failure> {
        let redacted: Vec<(Output, String)> =
            values.iter().map(|(o, v)| (*o, self.redact(v))).collect();
        let values: Vec<(Output, &str)> = redacted.iter().map(|(o, v)| (*o, v.as_str())).collect();
        let values = values.as_slice();
        if let Some(files) = &self.shared.ci.github {
            if let Some(path) = &files.output {
                let entries: String = values
                    .iter()
                    .map(|(output, value)| github::output_entry(output.name(), value))
                    .collect();
                files::append(path, &entries).map_err(|e| {
                    Failure::Unexpected(format!(
                        "could not write the outputs to GITHUB_OUTPUT ({}): {e}",
                        path.display()
                    ))
                })?;
            } else {
                self.warn("GITHUB_OUTPUT is not set, so the outputs are only in this log");
                for (output, value) in values {
                    self.info(&format!("output {}={value}", output.name()));
                }
            }
        }
        if self.shared.ci.gitlab {
            let mut dotenv = self.shared.dotenv.borrow_mut();
            for (output, value) in values {
                // A dotenv value is one line: the lists of several offers are space-separated.
                let value = match output {
                    Output::OperationLocation | Output::OperationId => value.replace('\n', " "),
                    _ => (*value).to_owned(),
                };
                dotenv.insert(output.dotenv_key(), value);
            }
            let content = gitlab::dotenv(&dotenv).map_err(Failure::Unexpected)?;
            files::replace(Path::new(DOTENV_FILE), &content)
                .map_err(|e| Failure::Unexpected(format!("could not write {DOTENV_FILE}: {e}")))?;
        }
        if self.shared.ci.azure {
            for (output, value) in values {
                emit(&azure::set_output(output.azure_name(), value));
            }
        }
        Ok(())
    }

    /// Writes the job summary where the CI shows one: appended to GitHub's summary file,
    /// and on Azure Pipelines a file uploaded with `##vso[task.uploadsummary]`. Every
    /// piece of server text is redacted before it is escaped; the whole is kept under
    /// `SUMMARY_CAP`.
    pub fn summary(&self, data: &summary::SummaryData<'_>) {
        let github = self
            .shared
            .ci
            .github
            .as_ref()
            .and_then(|files| files.summary.as_ref());
        if github.is_none() && !self.shared.ci.azure {
            return;
        }
        let markdown = summary::capped(
            summary::render(data, &|piece| self.redact(piece)),
            SUMMARY_CAP,
        );
        if self.shared.ci.azure {
            // The agent's temporary directory, else the working directory.
            let dir = self.shared.ci.azure_temp.clone().unwrap_or_default();
            let path = dir.join(AZURE_SUMMARY_FILE);
            match files::replace(&path, &markdown) {
                Ok(()) => {
                    let shown = std::path::absolute(&path).unwrap_or(path);
                    emit(&azure::upload_summary(&shown.display().to_string()));
                }
                Err(e) => self.warn(&format!(
                    "could not write the summary ({}): {e}",
                    path.display()
                )),
            }
        }
        let Some(path) = github else {
            return;
        };
        if let Err(e) = files::append(path, &markdown) {
            self.warn(&format!(
                "could not write the job summary ({}): {e}",
                path.display()
            ));
        }
    }
}
