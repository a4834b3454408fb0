//! The operation model: one reading of a long-running operation (its phase, status word,
//! steps and messages, all bounded), the status words every API is read with, and the
//! tracker that decides which readings are worth a log line.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::time::Instant;

use crate::text::{self, human};

/// Where an operation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    Succeeded,
    Failed,
    Canceled,
    /// A status word golive does not know (as sent): it keeps waiting, and warns once.
    Unknown(String),
}

impl Phase {
    /// Whether the operation has ended (succeeded, failed or canceled).
    pub fn is_over(&self) -> bool {
        matches!(self, Phase::Succeeded | Phase::Failed | Phase::Canceled)
    }
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
pub const NAME_CAP: usize = 200;
pub const MESSAGE_CAP: usize = 4000;
pub const MAX_STEPS: usize = 100;
pub const MAX_MESSAGES: usize = 500;

/// A name, status word or estimate as kept: at most `NAME_CAP` characters.
pub fn name(text: &str) -> String {
    text::cap(text, NAME_CAP)
}

/// A message as kept: HTML made plain text on one line, at most `MESSAGE_CAP` characters.
/// A 3 MiB message is read as its first few thousand characters (HTML may shrink to
/// text, so a little more is taken first).
pub fn message(html: &str) -> String {
    let html = text::cap(html, MESSAGE_CAP * 4);
    let plain = text::html_to_text(&html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    text::cap(&plain, MESSAGE_CAP)
}

/// The phase for a status word, compared case-insensitively and ignoring spaces, `-` and
/// `_` (the docs write `not started`); a missing word is "keep waiting".
pub fn phase_of(status: Option<&str>) -> Phase {
    let Some(status) = status else {
        return Phase::Waiting;
    };
    let word: String = status
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect();
    match word.as_str() {
        "notstarted" | "running" | "inprogress" | "queued" | "" => Phase::Waiting,
        "complete" | "completed" | "succeeded" | "success" => Phase::Succeeded,
        "failed" | "failure" => Phase::Failed,
        "canceled" | "cancelled" => Phase::Canceled,
        _ => Phase::Unknown(status.to_owned()),
    }
}

/// What a reading is worth saying in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Info(String),
    Warn(String),
}

/// A reading's status word as the tracker remembers it (`None`: the reading had none).
#[derive(Debug, PartialEq, Eq)]
struct Status(Option<String>);

/// The most distinct unknown status words warned about in one run.
const MAX_WARNED: usize = 16;

/// Remembers what was said, so the log has a line per change and a heartbeat otherwise.
/// It holds only the last reading's steps and a bounded set of warned words, so its size
/// stays flat however many polls a wait takes and however the names change.
#[derive(Debug)]
pub struct Tracker {
    /// The last status word logged (`None`: none), once a reading has been seen.
    logged: Option<Status>,
    steps: HashMap<String, (Option<String>, Option<u64>)>,
    warned: HashSet<String>,
    last_line: Instant,
    heartbeat: Duration,
    polls: u32,
}

impl Tracker {
    pub fn new(now: Instant, heartbeat: Duration) -> Self {
        Tracker {
            logged: None,
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

    /// Takes one reading; returns the lines it is worth.
    pub fn observe(
        &mut self,
        operation: &Operation,
        now: Instant,
        elapsed: Duration,
    ) -> Vec<Event> {
        self.polls += 1;
        let mut events = Vec::new();
        if let Phase::Unknown(word) = &operation.phase
            && self.warned.len() < MAX_WARNED
            && self.warned.insert(word.clone())
        {
            events.push(Event::Warn(format!(
                "the service reports an unknown operation status {word:?}; golive keeps waiting"
            )));
        }
        let status = Status(operation.status.clone());
        if self.logged.as_ref() != Some(&status) {
            self.logged = Some(status);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(status: &str, steps: &[(&str, &str, u64)]) -> Operation {
        Operation {
            status: Some(status.to_owned()),
            phase: phase_of(Some(status)),
            steps: steps
                .iter()
                .map(|(name, status, progress)| Step {
                    name: (*name).to_owned(),
                    status: Some((*status).to_owned()),
                    progress: Some(*progress),
                    estimate: None,
                    messages: Vec::new(),
                })
                .collect(),
            messages: Vec::new(),
        }
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
            assert_eq!(phase_of(Some(word)), phase, "{word}");
        }
        assert_eq!(phase_of(None), Phase::Waiting);
        assert_eq!(phase_of(Some("paused")), Phase::Unknown("paused".into()));
    }

    #[test]
    fn the_tracker_logs_changes_warns_once_and_beats_otherwise() {
        let start = Instant::now();
        let mut tracker = Tracker::new(start, Duration::from_secs(60));
        let running = reading("running", &[("s", "inProgress", 10)]);
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
        let odd = reading("paused", &[]);
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
            let name = format!("step {i}");
            let status = format!("odd-{i}");
            let reading = reading(
                &status,
                &[(&name, "inProgress", 1), ("fixed", "inProgress", 1)],
            );
            tracker.observe(&reading, start, Duration::ZERO);
        }
        assert_eq!(tracker.steps.len(), 2);
        assert_eq!(tracker.warned.len(), MAX_WARNED);
    }

    #[test]
    fn kept_text_is_bounded() {
        let huge = "x".repeat(3 * 1024 * 1024);
        assert!(name(&huge).len() < NAME_CAP + 100);
        assert!(message(&huge).len() < MESSAGE_CAP + 100);
        assert_eq!(message("<b>Image</b> &amp;\n disk"), "Image & disk");
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
}
