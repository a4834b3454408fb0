//! One run, start to end: token, go-live (or resume), outputs, wait, final report.
//!
//! The whole run sits inside one deadline and listens for SIGINT/SIGTERM; whichever comes
//! first ends it, dropping any request in flight. What the run learned so far lives in
//! `Progress`, so the end of the run can report it however it ended.

use std::cell::RefCell;
use std::time::Duration;

use tokio::time::Instant;

use crate::auth::TokenCache;
use crate::backend::{Backend, Ready, Setup, Started};
use crate::cli::config::{Config, Start};
use crate::client::{Client, Progress};
use crate::error::{Failure, Signal};
use crate::http::Http;
use crate::operation::Phase;
use crate::report::summary::SummaryData;
use crate::report::{Output, Reporter, Status};
use crate::text::{self, human};
use crate::wait::{self, Until};

/// Runs with a validated config; returns the exit code.
pub async fn run(config: Config, report: &Reporter) -> u8 {
    let started = Instant::now();
    let deadline = started + config.timeout;
    let progress = RefCell::new(Progress::default());
    let target = match &config.start {
        Start::Trigger(target) => Some(target),
        Start::Resume { .. } => None,
    };
    let mut backend = (config.kind.open)(Setup {
        target,
        base_url: &config.base_url,
        version: config.api_version.as_deref(),
    });
    let outcome = match Http::new(&config.proxies, &config.trust, config.verbose) {
        Err(e) => Err(Failure::Unexpected(format!(
            "could not set up the HTTP client: {e}"
        ))),
        Ok(http) => {
            let tokens = TokenCache::new(config.credential.clone(), config.kind.resource);
            let client = Client::new(
                http,
                tokens,
                report,
                (started, deadline),
                config.poll_interval,
                &progress,
            );
            bounded(&config, client, backend.as_mut(), deadline).await
        }
    };
    finish(
        &config,
        backend.as_ref(),
        report,
        &progress.into_inner(),
        &outcome,
        started.elapsed(),
    )
}

/// The run inside its deadline and signal handlers: whichever ends first wins, and the
/// others' futures (a request in flight included) are dropped at once.
async fn bounded(
    config: &Config,
    mut client: Client<'_>,
    backend: &mut dyn Backend,
    deadline: Instant,
) -> Result<Status, Failure> {
    let check = backend.check_running();
    let progress = client.progress();
    let signals = Signals::new();
    tokio::select! {
        result = steps(config, &mut client, backend) => result,
        () = tokio::time::sleep_until(deadline) => Err(timed_out(&check, config.timeout, &progress.borrow())),
        signal = signals.recv() => Err(Failure::Interrupted(signal)),
    }
}

async fn steps(
    config: &Config,
    client: &mut Client<'_>,
    backend: &mut dyn Backend,
) -> Result<Status, Failure> {
    for secret in config.credential.secrets() {
        client.report.mask(secret);
    }
    // Found now, an output file that cannot be written strands no operation.
    client.report.check_outputs()?;
    client.report.group("Getting an access token");
    client.report.info(&format!(
        "credential: {}; api: {}",
        client.credential(),
        config.kind.name
    ));
    let token = client.token().await;
    client.report.end_group();
    token?;
    if config.dry_run {
        return match backend.check(client).await? {
            Ready::Ready(what) => {
                client.report.info(&format!(
                    "dry run: going live would be accepted; golive would send {what}. Nothing was sent"
                ));
                client.progress().borrow_mut().would_send = Some(what);
                Ok(Status::Ready)
            }
            Ready::AlreadyLive => Ok(Status::Succeeded),
        };
    }
    let (operation, first_delay) = match &config.start {
        Start::Trigger(_) => match backend.start(client).await? {
            Started::AlreadyLive => return Ok(Status::Succeeded),
            Started::Operation { url, first_delay } => (url, first_delay),
        },
        Start::Resume { operation } => {
            client
                .report
                .info(&format!("resuming operation {operation}"));
            (operation.clone(), Duration::ZERO)
        }
    };
    let id = backend.operation_id(&operation).ok_or_else(|| {
        Failure::Unexpected(format!(
            "the operation URL {operation} has no id (no path segment)"
        ))
    })?;
    client.found(&operation, &id);
    client.report.outputs(&[
        (Output::OperationLocation, operation.as_str()),
        (Output::OperationId, &id),
    ])?;
    let until = match (&config.start, config.wait) {
        (_, true) => {
            client.report.group(&format!("Waiting for operation {id}"));
            client.report.info(&format!(
                "waiting for operation {id}: polling every {} for up to {} (the run's timeout)",
                human(config.poll_interval),
                human(client.remaining())
            ));
            Until::End
        }
        // Attached without waiting: one reading tells where the operation stands.
        (Start::Resume { .. }, false) => Until::FirstReading,
        (Start::Trigger(_), false) => return Ok(Status::Accepted),
    };
    let last = wait::wait_for(client, &*backend, &operation, first_delay, until).await;
    client.report.end_group();
    let last = last?;
    match last.phase {
        Phase::Waiting | Phase::Unknown(_) => Ok(Status::Accepted),
        Phase::Succeeded => {
            backend.after_success(client).await;
            Ok(Status::Succeeded)
        }
        Phase::Failed | Phase::Canceled => {
            let canceled = last.phase == Phase::Canceled;
            let word = if canceled { "was canceled" } else { "failed" };
            let messages = last.all_messages();
            client.report.server_text(
                &format!("operation {id} {word}; the service said:"),
                &messages,
            );
            let first = messages.first().map_or_else(
                || "no message from the service".to_owned(),
                |m| text::cap(m.trim(), 500),
            );
            Err(Failure::OperationFailed {
                canceled,
                message: format!("operation {id} {word}: {first}"),
            })
        }
    }
}

fn timed_out(check: &str, timeout: Duration, progress: &Progress) -> Failure {
    let last_error = progress.last_error.as_ref().map_or_else(String::new, |e| {
        format!(" (last error: {})", text::cap(e, 300))
    });
    Failure::TimedOut(match &progress.operation {
        Some((url, id)) => {
            let status = progress
                .last
                .as_ref()
                .and_then(|op| op.status.clone())
                .unwrap_or_else(|| "not yet read".to_owned());
            format!(
                "timed out after {}: operation {id} is still {status}{last_error}. It keeps running; \
                 resume the wait in a later job with operation-location: {url}",
                human(timeout)
            )
        }
        None => format!(
            "timed out after {} before the go-live request was answered{last_error}. {check}",
            human(timeout),
        ),
    })
}

/// The `results` output: a JSON array with one object per offer (here, the run's one),
/// keys left out where not known.
fn results_json(config: &Config, progress: &Progress, status: Option<Status>, code: u8) -> String {
    let mut result = serde_json::Map::new();
    if let Start::Trigger(target) = &config.start {
        if let Some(offer) = &target.offer {
            result.insert("offer-id".into(), offer.clone().into());
        }
        if let Some(product) = &target.product {
            result.insert("product-id".into(), format!("product/{product}").into());
        }
    }
    if let Some((url, id)) = &progress.operation {
        result.insert("operation-location".into(), url.as_str().into());
        result.insert("operation-id".into(), id.clone().into());
    }
    if let Some(status) = status {
        result.insert("status".into(), status.as_str().into());
    }
    result.insert("exit-code".into(), code.into());
    serde_json::Value::Array(vec![result.into()]).to_string()
}

/// Writes the final status, the summary and the closing line; returns the exit code.
fn finish(
    config: &Config,
    backend: &dyn Backend,
    report: &Reporter,
    progress: &Progress,
    outcome: &Result<Status, Failure>,
    elapsed: Duration,
) -> u8 {
    // A group left open by a run cut short (deadline, signal) would fold the verdict away.
    report.end_group();
    let status = match outcome {
        Ok(status) => Some(*status),
        // Nothing was sent (the output files could not be written): no outputs either.
        Err(Failure::Input(_)) => None,
        Err(Failure::OperationFailed { canceled: true, .. }) => Some(Status::Canceled),
        Err(Failure::OperationFailed { .. }) => Some(Status::Failed),
        Err(Failure::TimedOut(_)) => Some(Status::TimedOut),
        Err(Failure::Interrupted(_)) => Some(Status::Interrupted),
        Err(_) => Some(Status::Error),
    };
    let mut code = 0;
    let mut error_message = None;
    if let Err(failure) = outcome {
        report.error(failure.title(), &failure.to_string());
        code = failure.exit_code();
        error_message = Some(failure.to_string());
    }
    let results = results_json(config, progress, status, code);
    if let Some(status) = status
        && let Err(failure) = report.outputs(&[
            (Output::Status, status.as_str()),
            (Output::Results, &results),
        ])
    {
        report.error(failure.title(), &failure.to_string());
        if code == 0 {
            code = failure.exit_code();
        }
    }
    let subject = config.subject();
    // An input error sent nothing and may be the summary file itself: no summary.
    let sent_nothing = matches!(outcome, Err(Failure::Input(_)));
    if !sent_nothing {
        report.summary(&SummaryData {
            subject: subject.as_deref(),
            operation: progress.operation.as_ref(),
            status,
            last: progress.last.as_ref(),
            elapsed,
            error: error_message.as_deref(),
            would_send: progress.would_send.as_deref(),
        });
    }
    let subject = subject.map_or_else(|| "resumed operation".to_owned(), |s| format!("offer {s}"));
    let status_word = status.map_or("not started", Status::as_str);
    let line = match &progress.operation {
        Some((url, id)) => format!(
            "golive: {subject}: operation {id} {status_word} after {} ({url})",
            human(elapsed)
        ),
        None if progress.start_sent => format!(
            "golive: {subject}: {status_word} after {} while the go-live request was unanswered: \
             an operation may have started (exit {code}). {}",
            human(elapsed),
            backend.check_running()
        ),
        None => format!(
            "golive: {subject}: {status_word} after {}, no operation started (exit {code})",
            human(elapsed)
        ),
    };
    report.info(&line);
    code
}

/// SIGINT and SIGTERM as a future; without signal support, a future that never ends.
struct Signals {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Signals {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    async fn recv(mut self) -> Signal {
        async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            () = next(&mut self.int) => Signal::Int,
            () = next(&mut self.term) => Signal::Term,
        }
    }
}
