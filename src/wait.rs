//! Waiting for an operation: the poll loop over a backend's status reader.
//!
//! The loop is a small state machine — sleep, poll, read, log — whose every duration
//! comes from the client (poll interval, backoff, `Retry-After`); the deadline is enforced
//! around the whole run, so nothing here can outlive it.

use std::time::Duration;

use reqwest::Url;
use tokio::time::Instant;

use crate::backend::Backend;
use crate::client::{Client, Explain};
use crate::error::Failure;
use crate::http::retry::floored;
use crate::operation::{Event, Operation, Tracker};

/// How long to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Until the operation ends.
    End,
    /// Until one reading is had (a status check).
    FirstReading,
}

/// What a poll's answer means: a 404 is no operation at that URL; anything else as the
/// backend says.
struct Polling<'a> {
    backend: &'a dyn Backend,
    url: &'a Url,
}

impl Explain for Polling<'_> {
    fn hint(&self, status: u16) -> Option<String> {
        match status {
            404 => Some(format!(
                "no operation at {}; check operation-location",
                self.url
            )),
            _ => self.backend.hint(status),
        }
    }

    fn check_running(&self) -> String {
        self.backend.check_running()
    }
}

/// Polls `operation`, `first_delay` before the first poll. Returns the last reading;
/// transient failures are retried until the run's deadline ends the run.
pub async fn wait_for(
    client: &mut Client<'_>,
    backend: &dyn Backend,
    operation: &Url,
    first_delay: Duration,
    until: Until,
) -> Result<Operation, Failure> {
    let interval = client.poll_interval();
    let url = backend.poll_url(operation);
    let explain = Polling {
        backend,
        url: operation,
    };
    let mut tracker = Tracker::new(Instant::now(), Tracker::heartbeat_for(interval));
    let mut delay = first_delay;
    loop {
        tokio::time::sleep(delay).await;
        let (reading, retry_after) = client
            .get_understood(
                &url,
                "polling the operation",
                "an operation",
                |body| backend.read(body),
                &explain,
            )
            .await?;
        for event in tracker.observe(&reading, Instant::now(), client.elapsed()) {
            match event {
                Event::Info(line) => client.report.info(&line),
                Event::Warn(line) => client.report.warn(&line),
            }
        }
        client.record(&reading);
        if reading.phase.is_over() || until == Until::FirstReading {
            return Ok(reading);
        }
        delay = floored(interval, retry_after);
    }
}
