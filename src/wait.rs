//! Waiting for an operation: the tolerant reading of its status, the tracker that decides
//! what is worth a log line, and the poll loop.
//!
//! The loop is a small state machine — sleep, poll, classify, log — whose every duration
//! comes from the session (poll interval, backoff, `Retry-After`); the deadline is
//! enforced around the whole run, so nothing here can outlive it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use tokio::time::Instant;

use crate::api::CPP_VERSION;
use crate::config::Backend;
use crate::error::Failure;
use crate::ingestion;
use crate::report::text;
use crate::retry::floored;
use crate::run::Session;

/// Where an operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    Succeeded,
    Failed,
    Canceled,
}

/// A step of the operation, as the service reports it (all text untrusted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub status: Option<String>,
    pub progress: Option<u64>,
    pub estimate: Option<String>,
    /// Messages as plain text (tags stripped, entities decoded).
    pub messages: Vec<String>,
}

/// One reading of the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The status word as sent (untrusted); `None` when missing.
    pub status: Option<String>,
    pub phase: Phase,
    /// The status word is not one we know; we keep waiting.
    pub unknown_status: bool,
    pub steps: Vec<Step>,
    /// The operation's own messages and error, as plain text.
    pub messages: Vec<String>,
}

impl Operation {
    /// Every message of the operation and of its steps, step messages named by step.
    pub fn all_messages(&self) -> Vec<String> {
        let mut all = self.messages.clone();
        for step in &self.steps {
            all.extend(step.messages.iter().map(|m| format!("{}: {m}", step.name)));
        }
        all
    }
}

/// Bounds on what one reading keeps of the service's text, so that neither memory nor the
/// log grows with what a server sends: characters per name or status word, per message,
/// and how many steps and messages are kept.
const NAME_CAP: usize = 200;
const MESSAGE_CAP: usize = 4000;
const MAX_STEPS: usize = 100;
const MAX_MESSAGES: usize = 500;

/// The phase for a status word, compared case-insensitively and ignoring spaces, `-` and
/// `_` (the docs write `not started`). Returns whether the word is known.
pub fn phase_of(status: Option<&str>) -> (Phase, bool) {
    let Some(status) = status else {
        return (Phase::Waiting, true);
    };
    let word: String = status
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect();
    match word.as_str() {
        "notstarted" | "running" | "inprogress" | "queued" | "" => (Phase::Waiting, true),
        "complete" | "completed" | "succeeded" | "success" => (Phase::Succeeded, true),
        "failed" | "failure" => (Phase::Failed, true),
        "canceled" | "cancelled" => (Phase::Canceled, true),
        _ => (Phase::Waiting, false),
    }
}

/// Reads a poll body: an object, or a one-element array of it. `None` when it is not an
/// operation we understand (the caller retries: a transient failure).
pub fn parse_operation(body: &[u8]) -> Option<Operation> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = match &value {
        Value::Array(items) if items.len() == 1 => items.first()?,
        Value::Object(_) => &value,
        _ => return None,
    };
    let object = object.as_object()?;
    let status = match object.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(word)) => Some(text::cap(word, NAME_CAP)),
        Some(_) => return None,
    };
    let (phase, known) = phase_of(status.as_deref());
    let mut messages = messages_of(object.get("messages"));
    if let Some(error) = error_text(object.get("error")) {
        messages.push(error);
    }
    let steps = object
        .get("steps")
        .and_then(Value::as_array)
        .map(|steps| {
            steps
                .iter()
                .take(MAX_STEPS)
                .enumerate()
                .filter_map(|(i, s)| step_of(i, s))
                .collect()
        })
        .unwrap_or_default();
    Some(Operation {
        status,
        phase,
        unknown_status: !known,
        steps,
        messages,
    })
}

fn string_field<'a>(value: &'a Value, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|name| value.get(*name).and_then(Value::as_str))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A name, status word or estimate, capped at `NAME_CAP` characters.
fn short_field(value: &Value, names: &[&str]) -> Option<String> {
    string_field(value, names).map(|s| text::cap(s, NAME_CAP))
}

fn step_of(index: usize, value: &Value) -> Option<Step> {
    value.as_object()?;
    let name = short_field(value, &["stepName", "description", "id"])
        .unwrap_or_else(|| format!("step {}", index + 1));
    let progress = value.get("progressPercentage").and_then(|p| {
        p.as_u64()
            .or_else(|| p.as_f64().filter(|f| *f >= 0.0).map(|f| f.round() as u64))
            .or_else(|| p.as_str().and_then(|s| s.trim().parse().ok()))
    });
    Some(Step {
        name,
        status: short_field(value, &["status"]),
        progress: progress.map(|p| p.min(100)),
        estimate: short_field(value, &["estimatedTimeFrame"]),
        messages: messages_of(value.get("messages")),
    })
}

fn messages_of(value: Option<&Value>) -> Vec<String> {
    let Some(items) = value.and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .take(MAX_MESSAGES)
        .filter_map(|item| match item {
            Value::String(text) => Some(text.as_str()),
            _ => string_field(item, &["messageHtml", "message", "text"]),
        })
        .map(|html| {
            // Cap before the work: a 3 MiB message is read as its first few thousand
            // characters (HTML may shrink to text, so a little more is taken first).
            let html = text::cap(html, MESSAGE_CAP * 4);
            let text = text::html_to_text(&html)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            text::cap(&text, MESSAGE_CAP)
        })
        .filter(|text| !text.is_empty())
        .collect()
}

/// `{"code","message"}` as `code: message` (either alone if the other is missing), or a
/// plain string: how the services describe an error.
pub fn error_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Object(_) => {
            let value = value?;
            let code = string_field(value, &["code"]);
            let message = string_field(value, &["message"]);
            match (code, message) {
                (Some(code), Some(message)) => Some(format!("{code}: {message}")),
                (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
                (None, None) => None,
            }
        }
        _ => None,
    }
}

/// What a reading is worth saying in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Info(String),
    Warn(String),
}

/// The most distinct unknown status words warned about in one run.
const MAX_WARNED: usize = 16;

/// Remembers what was said, so the log has a line per change and a heartbeat otherwise.
/// It holds only the last reading's steps and a bounded set of warned words, so its size
/// stays flat however many polls a wait takes and however the names change.
#[derive(Debug)]
pub struct Tracker {
    status: Option<Option<String>>,
    steps: HashMap<String, (Option<String>, Option<u64>)>,
    warned: HashSet<String>,
    last_line: Instant,
    heartbeat: Duration,
    polls: u32,
}

impl Tracker {
    pub fn new(now: Instant, heartbeat: Duration) -> Self {
        Tracker {
            status: None,
            steps: HashMap::new(),
            warned: HashSet::new(),
            last_line: now,
            heartbeat,
            polls: 0,
        }
    }

    /// The heartbeat period for a poll interval: every ten polls, at most five minutes.
    pub fn heartbeat_for(poll_interval: Duration) -> Duration {
        poll_interval
            .saturating_mul(10)
            .min(Duration::from_secs(300))
    }

    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// Takes one reading; returns the lines it is worth.
    pub fn observe(
        &mut self,
        operation: &Operation,
        now: Instant,
        elapsed: Duration,
    ) -> Vec<Event> {
        self.polls += 1;
        let mut events = Vec::new();
        if operation.unknown_status && self.warned.len() < MAX_WARNED {
            let word = operation.status.clone().unwrap_or_default();
            if self.warned.insert(word.clone()) {
                events.push(Event::Warn(format!(
                    "the service reports an unknown operation status {word:?}; golive keeps waiting"
                )));
            }
        }
        if self.status.as_ref() != Some(&operation.status) {
            self.status = Some(operation.status.clone());
            events.push(Event::Info(format!(
                "operation: {}",
                status_word(operation)
            )));
        }
        let mut steps = HashMap::with_capacity(operation.steps.len());
        for step in &operation.steps {
            let seen = (step.status.clone(), step.progress);
            if self.steps.get(&step.name) != Some(&seen) {
                events.push(Event::Info(step_line(step)));
            }
            steps.insert(step.name.clone(), seen);
        }
        // Only this reading's steps are remembered: names that went away are forgotten.
        self.steps = steps;
        if events.is_empty() && now.duration_since(self.last_line) >= self.heartbeat {
            events.push(Event::Info(format!(
                "still {} after {} ({} polls)",
                status_word(operation),
                human(elapsed),
                self.polls
            )));
        }
        if !events.is_empty() {
            self.last_line = now;
        }
        events
    }
}

fn status_word(operation: &Operation) -> &str {
    operation.status.as_deref().unwrap_or("(no status yet)")
}

/// `publish offer: inProgress 40% (est. < 1 day)`.
pub fn step_line(step: &Step) -> String {
    let mut line = format!(
        "{}: {}",
        step.name,
        step.status.as_deref().unwrap_or("(no status)")
    );
    if let Some(progress) = step.progress {
        line.push_str(&format!(" {progress}%"));
    }
    if let Some(estimate) = &step.estimate {
        line.push_str(&format!(" (est. {estimate})"));
    }
    line
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

/// Reads a poll body as an operation (`None`: not understood).
type Reader = fn(&[u8]) -> Option<Operation>;

/// How long to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Until the operation ends.
    End,
    /// Until one reading is had (a status check).
    FirstReading,
}

/// Polls `operation`, `first_delay` before the first poll. Returns the last reading;
/// transient failures are retried until the session's deadline ends the run.
pub async fn wait_for(
    session: &mut Session<'_>,
    operation: &Url,
    first_delay: Duration,
    until: Until,
) -> Result<Operation, Failure> {
    let interval = session.poll_interval();
    let (read, url): (Reader, Url) = match session.config.backend {
        Backend::Cpp => (
            parse_operation,
            session.api.poll_url(operation, "api-version", CPP_VERSION),
        ),
        Backend::Ingestion => (
            ingestion::parse_job,
            session
                .api
                .poll_url(operation, "$version", ingestion::JOB_VERSION),
        ),
    };
    let mut tracker = Tracker::new(Instant::now(), Tracker::heartbeat_for(interval));
    let mut delay = first_delay;
    loop {
        tokio::time::sleep(delay).await;
        let (reading, retry_after) = session
            .get_understood(&url, "polling the operation", "an operation", read)
            .await?;
        for event in tracker.observe(&reading, Instant::now(), session.elapsed()) {
            match event {
                Event::Info(line) => session.report.info(&line),
                Event::Warn(line) => session.report.warn(&line),
            }
        }
        session.record(&reading);
        if reading.phase != Phase::Waiting || until == Until::FirstReading {
            return Ok(reading);
        }
        delay = floored(interval, retry_after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(json: &str) -> Operation {
        parse_operation(json.as_bytes()).unwrap_or_else(|| panic!("not understood: {json}"))
    }

    #[test]
    fn every_status_spelling_maps_to_its_phase() {
        let table = [
            ("notStarted", Phase::Waiting),
            ("not started", Phase::Waiting),
            ("running", Phase::Waiting),
            ("inProgress", Phase::Waiting),
            ("Queued", Phase::Waiting),
            ("complete", Phase::Succeeded),
            ("Completed", Phase::Succeeded),
            ("succeeded", Phase::Succeeded),
            ("SUCCESS", Phase::Succeeded),
            ("failed", Phase::Failed),
            ("Failure", Phase::Failed),
            ("canceled", Phase::Canceled),
            ("Cancelled", Phase::Canceled),
        ];
        for (word, phase) in table {
            assert_eq!(phase_of(Some(word)), (phase, true), "{word}");
        }
        assert_eq!(phase_of(None), (Phase::Waiting, true));
        assert_eq!(phase_of(Some("paused")), (Phase::Waiting, false));
    }

    #[test]
    fn an_object_or_a_one_element_array_is_an_operation() {
        assert_eq!(parsed(r#"{"status":"running"}"#).phase, Phase::Waiting);
        assert_eq!(
            parsed(r#"[{"status":"completed"}]"#).phase,
            Phase::Succeeded
        );
        assert_eq!(parsed(r#"{"id":"x"}"#).status, None);
        for bad in [
            "[]",
            r#"[{"status":"a"},{"status":"b"}]"#,
            "<html>",
            "",
            "null",
            "\"running\"",
            r#"{"status":5}"#,
        ] {
            assert!(parse_operation(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn steps_and_messages_are_read_as_plain_text() {
        let operation = parsed(
            r#"{"status":"failed","messages":[{"messageHtml":"<b>Image</b> &amp; disk failed","level":"error"}],
                "error":{"code":"Bad","message":"nope"},
                "steps":[{"stepName":"Certification","status":"failed","progressPercentage":40,"estimatedTimeFrame":"< 1 day",
                          "messages":[{"messageHtml":"VHD <a href='x'>not found</a>"}]},
                         {"id":"live","progressPercentage":"7"}, 5]}"#,
        );
        assert_eq!(operation.phase, Phase::Failed);
        assert_eq!(operation.messages, ["Image & disk failed", "Bad: nope"]);
        assert_eq!(
            step_line(&operation.steps[0]),
            "Certification: failed 40% (est. < 1 day)"
        );
        assert_eq!(step_line(&operation.steps[1]), "live: (no status) 7%");
        assert_eq!(
            operation.all_messages(),
            [
                "Image & disk failed",
                "Bad: nope",
                "Certification: VHD not found"
            ]
        );
    }

    #[test]
    fn the_tracker_logs_changes_warns_once_and_beats_otherwise() {
        let start = Instant::now();
        let mut tracker = Tracker::new(start, Duration::from_secs(60));
        let running = parsed(
            r#"{"status":"running","steps":[{"stepName":"s","status":"inProgress","progressPercentage":10}]}"#,
        );
        let at = |secs| start + Duration::from_secs(secs);
        assert_eq!(
            tracker.observe(&running, at(1), Duration::from_secs(1)),
            [
                Event::Info("operation: running".into()),
                Event::Info("s: inProgress 10%".into())
            ]
        );
        assert!(
            tracker
                .observe(&running, at(30), Duration::from_secs(30))
                .is_empty()
        );
        assert_eq!(
            tracker.observe(&running, at(61), Duration::from_secs(61)),
            [Event::Info("still running after 1m1s (3 polls)".into())]
        );
        let odd = parsed(r#"{"status":"paused"}"#);
        let events = tracker.observe(&odd, at(62), Duration::from_secs(62));
        assert!(
            matches!(&events[0], Event::Warn(w) if w.contains("\"paused\"")),
            "{events:?}"
        );
        let again = tracker.observe(&odd, at(63), Duration::from_secs(63));
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn the_tracker_stays_flat_when_every_reading_names_new_steps_and_words() {
        let start = Instant::now();
        let mut tracker = Tracker::new(start, Duration::from_secs(60));
        for i in 0..10_000u64 {
            let reading = parsed(&format!(
                r#"{{"status":"odd-{i}","steps":[{{"stepName":"step {i}","status":"inProgress"}},
                    {{"stepName":"fixed","status":"inProgress"}}]}}"#
            ));
            tracker.observe(&reading, start, Duration::ZERO);
        }
        assert_eq!(tracker.steps.len(), 2);
        assert_eq!(tracker.warned.len(), MAX_WARNED);
    }

    #[test]
    fn a_reading_keeps_bounded_text_whatever_the_server_sends() {
        let huge = "x".repeat(3 * 1024 * 1024);
        let many_steps: Vec<String> = (0..1000)
            .map(|i| {
                format!(
                    r#"{{"stepName":"{huge_name}{i}"}}"#,
                    huge_name = "n".repeat(500)
                )
            })
            .collect();
        let body = format!(
            r#"{{"status":"{huge}","messages":[{{"messageHtml":"{huge}"}}],"steps":[{}]}}"#,
            many_steps.join(",")
        );
        let operation = parsed(&body);
        assert!(
            operation
                .status
                .as_ref()
                .is_some_and(|s| s.len() < NAME_CAP + 100)
        );
        assert!(operation.messages[0].len() < MESSAGE_CAP + 100);
        assert_eq!(operation.steps.len(), MAX_STEPS);
        assert!(
            operation
                .steps
                .iter()
                .all(|s| s.name.len() < NAME_CAP + 100)
        );
    }

    #[test]
    fn heartbeat_is_ten_polls_at_most_five_minutes() {
        assert_eq!(
            Tracker::heartbeat_for(Duration::from_millis(100)),
            Duration::from_secs(1)
        );
        assert_eq!(
            Tracker::heartbeat_for(Duration::from_secs(30)),
            Duration::from_secs(300)
        );
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_millis(250)), "250ms");
        assert_eq!(human(Duration::from_secs(59)), "59s");
        assert_eq!(human(Duration::from_secs(240)), "4m0s");
        assert_eq!(human(Duration::from_secs(3723)), "1h2m3s");
    }
}
