//! One run, start to end: token, go-live POST (or resume), outputs, wait, final report.
//!
//! The whole run sits inside one deadline and listens for SIGINT/SIGTERM; whichever comes
//! first ends it, dropping any request in flight. What the run learned so far lives in
//! `Progress`, so the end of the run can report it however it ended.

use std::cell::RefCell;
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use tokio::time::Instant;

use crate::api::{self, Api, Call, Reply, SendError};
use crate::auth::{Secret, TokenCache};
use crate::config::{Backend, Config, Start, ingestion_job_id};
use crate::error::{Failure, Signal};
use crate::ingestion;
use crate::report::summary::SummaryData;
use crate::report::{Output, Reporter, Status, text};
use crate::retry::{Attempt, Backoff, Class, classify, floored, post_may_retry};
use crate::wait::{self, Operation, Phase, Until, human};

/// The longest a single poll may take before it is retried (the deadline still rules).
const POLL_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of the service's error text is shown.
const SHOWN_ERROR_CHARS: usize = 4096;

/// What the run knows so far; read again at the end, however the run ended.
#[derive(Debug, Default)]
pub struct Progress {
    pub operation: Option<(Url, String)>,
    pub last: Option<Operation>,
    pub last_error: Option<String>,
    /// A request that starts an operation was sent: until its answer names the
    /// operation, one may have started without golive knowing where.
    pub start_sent: bool,
}

/// Everything a run's steps share.
pub struct Session<'a> {
    pub config: &'a Config,
    pub api: Api,
    pub report: &'a Reporter,
    tokens: TokenCache,
    deadline: Instant,
    started: Instant,
    progress: &'a RefCell<Progress>,
}

impl Session<'_> {
    pub fn poll_interval(&self) -> Duration {
        self.config.poll_interval
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    pub fn record(&self, operation: &Operation) {
        self.progress.borrow_mut().last = Some(operation.clone());
    }

    pub fn note_error(&self, detail: &str) {
        self.progress.borrow_mut().last_error = Some(detail.to_owned());
    }

    async fn token(&mut self) -> Result<Secret, Failure> {
        self.tokens
            .token(&self.api, self.report, self.deadline)
            .await
    }

    /// A GET of the operation (see `request`).
    pub async fn get(&mut self, url: &Url) -> Result<Result<Reply, SendError>, Failure> {
        self.request(&Call::get(url), POLL_REQUEST_TIMEOUT).await
    }

    /// An authenticated API call with a fresh token. A 401 renews the token once where
    /// the source can (nothing happened on the server). `Err` only for failures that end
    /// the run (no token); an HTTP answer or a failed send is for the caller to judge.
    async fn request(
        &mut self,
        call: &Call,
        cap: Duration,
    ) -> Result<Result<Reply, SendError>, Failure> {
        let mut renewed = false;
        loop {
            let token = self.token().await?;
            let reply = self
                .api
                .send(
                    &call.clone().bearer(&token),
                    api::request_timeout(self.deadline, cap),
                )
                .await;
            if let Ok(reply) = &reply
                && reply.status == 401
                && !renewed
                && self.tokens.invalidate()
            {
                self.report
                    .info("the service refused the token (401); renewing it once");
                renewed = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// An idempotent lookup: GET and read JSON (see `get_understood`).
    pub async fn get_json(&mut self, url: &Url, doing: &str) -> Result<Value, Failure> {
        let read = |body: &[u8]| serde_json::from_slice::<Value>(body).ok();
        Ok(self.get_understood(url, doing, "JSON", read).await?.0)
    }

    /// GETs `url` until `read` understands a 2xx body; returns what it read and the
    /// answer's `Retry-After`. Transient failures (no answer, 408/429/5xx, a body not
    /// understood) are logged and retried with backoff until the run's deadline; anything
    /// else ends the run.
    pub async fn get_understood<T>(
        &mut self,
        url: &Url,
        doing: &str,
        what: &str,
        read: impl Fn(&[u8]) -> Option<T>,
    ) -> Result<(T, Option<Duration>), Failure> {
        let mut backoff = Backoff::for_interval(self.poll_interval());
        loop {
            let (attempt, detail, retry_after) = match self.get(url).await? {
                Err(error) if classify(error.attempt) == Class::Permanent => {
                    return Err(Failure::Unexpected(format!("{doing}: {}", error.detail)));
                }
                Err(error) => (error.attempt, error.detail, None),
                Ok(reply) if reply.is_success() => {
                    let understood = if reply.truncated {
                        None
                    } else {
                        read(&reply.body)
                    };
                    match understood {
                        Some(value) => return Ok((value, reply.retry_after())),
                        None => (
                            Attempt::BodyNotUnderstood,
                            format!(
                                "a {} answer whose body is not {what} ({})",
                                reply.status,
                                describe_body(&reply.body, reply.truncated)
                            ),
                            reply.retry_after(),
                        ),
                    }
                }
                Ok(reply) if classify(Attempt::Status(reply.status)) == Class::Permanent => {
                    return Err(self.http_failure(&reply, doing));
                }
                Ok(reply) => (
                    Attempt::Status(reply.status),
                    format!("HTTP {}: {}", reply.status, service_text(&reply)),
                    reply.retry_after(),
                ),
            };
            let pause = backoff.pause_after(attempt, retry_after);
            self.note_error(&detail);
            self.report.info(&format!(
                "{doing} failed ({detail}); retrying in {}",
                human(pause)
            ));
            tokio::time::sleep(pause).await;
        }
    }

    /// A POST that starts something: retried only where it provably did not take effect
    /// (connect failures, 429, 503), because a second start would collide with the first.
    /// Returns the 2xx answer.
    pub async fn post_once(&mut self, call: Call, doing: &str) -> Result<Reply, Failure> {
        self.report.info(&format!("POST {}", call.url()));
        let check = check_running(self.config.backend);
        let mut backoff = Backoff::for_interval(self.poll_interval());
        loop {
            // Until an answer says otherwise, this request may start an operation.
            self.progress.borrow_mut().start_sent = true;
            let answer = self.request(&call, Duration::MAX).await?;
            let refused = match &answer {
                Ok(reply) => {
                    (400..500).contains(&reply.status)
                        || post_may_retry(Attempt::Status(reply.status))
                }
                Err(error) => post_may_retry(error.attempt) || error.attempt == Attempt::Untrusted,
            };
            if refused {
                self.progress.borrow_mut().start_sent = false;
            }
            let (attempt, detail, retry_after) = match answer {
                Ok(reply) if reply.is_success() => return Ok(reply),
                Ok(reply) if post_may_retry(Attempt::Status(reply.status)) => (
                    Attempt::Status(reply.status),
                    format!("HTTP {}: {}", reply.status, service_text(&reply)),
                    reply.retry_after(),
                ),
                Ok(reply) => {
                    return Err(match self.http_failure(&reply, doing) {
                        Failure::Unexpected(message) => {
                            Failure::Unexpected(format!("{message}. {check}"))
                        }
                        other => other,
                    });
                }
                Err(error) if post_may_retry(error.attempt) => (error.attempt, error.detail, None),
                Err(error) if error.attempt == Attempt::Untrusted => {
                    return Err(Failure::Unexpected(format!("{doing}: {}", error.detail)));
                }
                Err(error) => {
                    return Err(Failure::Unexpected(format!(
                        "{doing}: no complete answer ({}); the request may have started an operation. {check}",
                        error.detail
                    )));
                }
            };
            let pause = backoff.pause_after(attempt, retry_after);
            self.note_error(&detail);
            self.report.info(&format!(
                "{doing} not accepted yet ({detail}); retrying in {}",
                human(pause)
            ));
            tokio::time::sleep(pause).await;
        }
    }

    /// The failure for a final HTTP answer, with the service's text and what to do.
    pub fn http_failure(&self, reply: &Reply, doing: &str) -> Failure {
        let said = service_text(reply);
        let status = reply.status;
        match status {
            401 => Failure::Auth(format!(
                "{doing}: 401 Unauthorized: the service did not accept the token ({}): it is missing, expired, \
                 or not for {}. Service said: {said}",
                self.tokens.credential().describe(),
                self.config.backend.resource()
            )),
            403 => Failure::Auth(match self.config.backend {
                Backend::Cpp => format!(
                    "{doing}: 403 Forbidden: the token is valid but this identity may not act on the offer: \
                     add the app to the publisher in the Cloud Partner Portal (Users, with the Owner or Contributor role), \
                     registering the object id of its 'managed application in local directory'. Service said: {said}"
                ),
                Backend::Ingestion => format!(
                    "{doing}: 403 Forbidden: the token is valid but this identity may not act on the offer: \
                     add the app in Partner Center (Account settings, User management, Microsoft Entra applications) \
                     with the Manager role. Service said: {said}"
                ),
            }),
            404 => Failure::NotFound(match &self.config.start {
                Start::Trigger { publisher, offer } => format!(
                    "{doing}: 404 Not Found: publisher '{publisher}' or offer '{offer}' does not exist \
                     (or is not visible to this identity); check publisher-id and offer-id. An offer created \
                     in Partner Center (every offer since 2020) is not in the Cloud Partner Portal: it goes live \
                     with api: product-ingestion and its offer-id. Service said: {said}"
                ),
                Start::Ingest { offer, product } => format!(
                    "{doing}: 404 Not Found: {} is not in Partner Center (or not visible to this identity). Service said: {said}",
                    match (offer, product) {
                        (_, Some(product)) => format!("product/{product} (product-id)"),
                        (Some(offer), None) => format!("the offer '{offer}' (offer-id)"),
                        (None, None) => "the offer".to_owned(),
                    }
                ),
                Start::Resume { operation } => format!(
                    "{doing}: 404 Not Found: no operation at {operation}; check operation-location. Service said: {said}"
                ),
            }),
            409 => Failure::Rejected(format!(
                "{doing}: 409 Conflict: another operation is probably running on this offer (only one may run at a time); \
                 wait for it, or follow it with operation-location. Service said: {said}"
            )),
            300..=399 => Failure::Unexpected(format!(
                "{doing}: unexpected redirect {status} to {} (not followed: the token is only sent to base-url)",
                reply
                    .header("location")
                    .map_or_else(|| "nowhere".to_owned(), text::plain)
            )),
            400..=499 => Failure::Rejected(format!(
                "{doing}: rejected with HTTP {status}. Service said: {said}"
            )),
            _ => Failure::Unexpected(format!(
                "{doing}: unexpected HTTP {status}. Service said: {said}"
            )),
        }
    }
}

/// The service's error text from a body: `{"error":{"code","message"}}`, HTML as text, or
/// the raw body; one line, capped. Untrusted: printed only through the reporter.
pub fn service_text(reply: &Reply) -> String {
    let raw = String::from_utf8_lossy(&reply.body);
    let structured = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .filter(Value::is_object)
        .and_then(|json| wait::error_text(Some(json.get("error").unwrap_or(&json))));
    let is_html = reply
        .header("content-type")
        .is_some_and(|t| t.contains("html"))
        || raw.trim_start().starts_with('<');
    let text = match structured {
        Some(text) => text,
        None if is_html => text::html_to_text(&raw),
        None => raw.into_owned(),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown = if one_line.is_empty() {
        "(empty body)".to_owned()
    } else {
        text::cap(&one_line, SHOWN_ERROR_CHARS)
    };
    if reply.truncated {
        shown.push_str(" (body cut at 64 KiB)");
    }
    shown
}

/// A body that was not understood, for a log line: empty, too large, or its start.
fn describe_body(body: &[u8], truncated: bool) -> String {
    if truncated {
        return "larger than golive reads".to_owned();
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return "empty".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    text::cap(&text.split_whitespace().collect::<Vec<_>>().join(" "), 200)
}

/// Runs with a validated config; returns the exit code.
pub async fn run(config: Config, report: &Reporter) -> u8 {
    let started = Instant::now();
    let deadline = started + config.timeout;
    let progress = RefCell::new(Progress::default());
    let outcome = match Api::new(config.api_version.as_deref()) {
        Err(e) => Err(Failure::Unexpected(format!(
            "could not set up the HTTP client: {e:#}"
        ))),
        Ok(api) => {
            let session = Session {
                config: &config,
                api,
                report,
                tokens: TokenCache::new(config.credential.clone(), config.backend.resource()),
                deadline,
                started,
                progress: &progress,
            };
            bounded(session, deadline).await
        }
    };
    finish(
        &config,
        report,
        &progress.into_inner(),
        outcome,
        started.elapsed(),
    )
}

/// The run inside its deadline and signal handlers: whichever ends first wins, and the
/// others' futures (a request in flight included) are dropped at once.
async fn bounded(mut session: Session<'_>, deadline: Instant) -> Result<Status, Failure> {
    let timeout = session.config.timeout;
    let progress = session.progress;
    let signals = Signals::new();
    tokio::select! {
        result = steps(&mut session) => result,
        () = tokio::time::sleep_until(deadline) => Err(timed_out(session.config.backend, timeout, &progress.borrow())),
        signal = signals.recv() => Err(Failure::Interrupted(signal)),
    }
}

async fn steps(session: &mut Session<'_>) -> Result<Status, Failure> {
    let config = session.config;
    for secret in config.credential.secrets() {
        session.report.mask(secret);
    }
    session.report.info(&format!(
        "credential: {}; api: {}",
        session.tokens.credential().describe(),
        config.backend.name()
    ));
    session.token().await?;
    // The preview submission a product-ingestion job takes live, to confirm it after.
    let mut taken_live = None;
    let (operation, first_delay) = match &config.start {
        Start::Trigger { publisher, offer } => trigger(session, publisher, offer).await?,
        Start::Ingest { offer, product } => {
            match ingestion::trigger(session, offer.as_deref(), product.as_deref()).await? {
                ingestion::Triggered::AlreadyLive => return Ok(Status::Succeeded),
                ingestion::Triggered::Job {
                    url,
                    id,
                    first_delay,
                    product,
                    submission,
                } => {
                    session
                        .report
                        .info(&format!("go-live job {id} started: {url}"));
                    taken_live = Some((product, submission));
                    (url, first_delay)
                }
            }
        }
        Start::Resume { operation } => {
            session
                .report
                .info(&format!("resuming operation {operation}"));
            (operation.clone(), Duration::ZERO)
        }
    };
    let id = operation_id(config.backend, &operation)?;
    session.progress.borrow_mut().operation = Some((operation.clone(), id.clone()));
    session.report.outputs(&[
        (Output::OperationLocation, operation.as_str()),
        (Output::OperationId, &id),
    ])?;
    let until = match (&config.start, config.wait) {
        (_, true) => {
            session.report.info(&format!(
                "waiting for operation {id}: polling every {} for up to {} (the run's timeout)",
                human(config.poll_interval),
                human(session.remaining())
            ));
            Until::End
        }
        // Attached without waiting: one reading tells where the operation stands.
        (Start::Resume { .. }, false) => Until::FirstReading,
        (Start::Trigger { .. } | Start::Ingest { .. }, false) => return Ok(Status::Accepted),
    };
    let last = wait::wait_for(session, &operation, first_delay, until).await?;
    match last.phase {
        Phase::Waiting => Ok(Status::Accepted),
        Phase::Succeeded => {
            if let Some((product, submission)) = taken_live {
                ingestion::confirm_live(session, &product, &submission).await;
            }
            Ok(Status::Succeeded)
        }
        Phase::Failed | Phase::Canceled => {
            let word = if last.phase == Phase::Failed {
                "failed"
            } else {
                "was canceled"
            };
            let messages = last.all_messages();
            session.report.server_text(
                &format!("operation {id} {word}; the service said:"),
                &messages,
            );
            let first = messages.first().map_or_else(
                || "no message from the service".to_owned(),
                |m| text::cap(m.trim(), 500),
            );
            Err(Failure::OperationFailed(format!(
                "operation {id} {word}: {first}"
            )))
        }
    }
}

/// POSTs go-live; returns the operation URL and how long to wait before the first poll.
async fn trigger(
    session: &mut Session<'_>,
    publisher: &str,
    offer: &str,
) -> Result<(Url, Duration), Failure> {
    let url = session
        .api
        .golive_url(&session.config.base_url, publisher, offer);
    let doing = format!("go-live for offer '{offer}' of publisher '{publisher}'");
    let reply = session
        .post_once(Call::post(&url).headers_suffice(), &doing)
        .await?;
    let operation = locate(session, &reply)?;
    session.report.info(&format!(
        "go-live accepted (HTTP {}): operation {operation}",
        reply.status
    ));
    let first = floored(session.poll_interval(), reply.retry_after());
    Ok((operation, first))
}

/// What to check before running again after a start that may or may not have happened.
fn check_running(backend: Backend) -> &'static str {
    match backend {
        Backend::Cpp => CHECK_RUNNING,
        Backend::Ingestion => {
            "Before running again, check the product's submissions in Partner Center (a go-live may be in flight), \
             and follow a running job with operation-location"
        }
    }
}

const CHECK_RUNNING: &str = "Before running again, check for a running operation \
    (GET …/offers/<offer>/submissions?status=running, or the portal), and follow it with operation-location";

/// The operation URL of a 2xx go-live answer: `Operation-Location`, else `Location`,
/// resolved against base-url and kept on its origin.
fn locate(session: &Session<'_>, reply: &Reply) -> Result<Url, Failure> {
    let base = &session.config.base_url;
    let Some(value) = reply
        .header("operation-location")
        .or_else(|| reply.header("location"))
    else {
        return Err(Failure::Unexpected(format!(
            "go-live answered HTTP {} without a usable Operation-Location or Location header, so there is no operation to follow; \
             check the offer in the portal. {CHECK_RUNNING}",
            reply.status
        )));
    };
    let mut url = base.join(value).map_err(|_| {
        Failure::Unexpected(format!(
            "go-live answered with an operation location that is not a URL: {:?}",
            text::cap(&text::plain(value), 300)
        ))
    })?;
    url.set_fragment(None);
    if url.origin() != base.origin() {
        return Err(Failure::Unexpected(format!(
            "refused to follow the operation at {}: it is not on the base-url origin {} (the token is only sent there). \
             The go-live request was accepted; check the operation in the portal",
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        )));
    }
    Ok(url)
}

/// The operation id: the last non-empty path segment of the URL; for a
/// product-ingestion job (`…/configure/{jobId}/status`), the job id.
pub fn operation_id(backend: Backend, url: &Url) -> Result<String, Failure> {
    let id = match backend {
        Backend::Ingestion => ingestion_job_id(url),
        Backend::Cpp => None,
    }
    .or_else(|| url.path_segments()?.rfind(|s| !s.is_empty()));
    id.map(str::to_owned).ok_or_else(|| {
        Failure::Unexpected(format!(
            "the operation URL {url} has no id (no path segment)"
        ))
    })
}

fn timed_out(backend: Backend, timeout: Duration, progress: &Progress) -> Failure {
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
            "timed out after {} before the go-live request was answered{last_error}. {}",
            human(timeout),
            check_running(backend)
        ),
    })
}

/// Writes the final status, the summary and the closing line; returns the exit code.
fn finish(
    config: &Config,
    report: &Reporter,
    progress: &Progress,
    outcome: Result<Status, Failure>,
    elapsed: Duration,
) -> u8 {
    let status = match &outcome {
        Ok(status) => Some(*status),
        Err(Failure::OperationFailed(_)) => Some(match progress.last.as_ref().map(|op| op.phase) {
            Some(Phase::Canceled) => Status::Canceled,
            _ => Status::Failed,
        }),
        Err(Failure::TimedOut(_)) => Some(Status::TimedOut),
        Err(Failure::Interrupted(_)) => None,
        Err(_) => Some(Status::Error),
    };
    let mut code = 0;
    let mut error_message = None;
    if let Err(failure) = &outcome {
        report.error(failure.title(), &failure.to_string());
        code = failure.exit_code();
        error_message = Some(failure.to_string());
    }
    if let Some(status) = status
        && let Err(failure) = report.outputs(&[(Output::Status, status.as_str())])
    {
        report.error(failure.title(), &failure.to_string());
        if code == 0 {
            code = failure.exit_code();
        }
    }
    report.summary(&SummaryData {
        config,
        operation: progress.operation.as_ref(),
        status,
        last: progress.last.as_ref(),
        elapsed,
        error: error_message.as_deref(),
    });
    let subject = config
        .subject()
        .map_or_else(|| "resumed operation".to_owned(), |s| format!("offer {s}"));
    let status_word = status.map_or("interrupted", Status::as_str);
    let line = match &progress.operation {
        Some((url, id)) => format!(
            "golive: {subject}: operation {id} {status_word} after {} ({url})",
            human(elapsed)
        ),
        None if progress.start_sent => format!(
            "golive: {subject}: {status_word} after {} while the go-live request was unanswered: \
             an operation may have started (exit {code}). {}",
            human(elapsed),
            check_running(config.backend)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_operation_id_is_the_last_path_segment() {
        let id = |u: &str| operation_id(Backend::Cpp, &url(u)).ok();
        assert_eq!(
            id("https://h/api/publishers/p/offers/o/operations/5661?api-version=1").as_deref(),
            Some("5661")
        );
        assert_eq!(
            id("https://h/api/operations/contoso$offer$2$preview?x=1").as_deref(),
            Some("contoso$offer$2$preview")
        );
        assert_eq!(id("https://h/api/operations/abc/").as_deref(), Some("abc"));
        assert_eq!(id("https://h/"), None);
        let job = url(
            "https://graph.microsoft.com/rp/product-ingestion/configure/0b1c2d/status?$version=x",
        );
        assert_eq!(
            operation_id(Backend::Ingestion, &job).ok().as_deref(),
            Some("0b1c2d")
        );
    }

    fn reply(status: u16, content_type: &str, body: &[u8], truncated: bool) -> Reply {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = content_type.parse() {
            headers.insert("content-type", value);
        }
        Reply {
            status,
            headers,
            body: body.to_vec(),
            truncated,
        }
    }

    #[test]
    fn service_text_reads_the_error_shape_html_and_raw_bodies() {
        let json = reply(
            400,
            "application/json",
            br#"{"error":{"code":"BadRequest","message":"Offer has no plans"}}"#,
            false,
        );
        assert_eq!(service_text(&json), "BadRequest: Offer has no plans");
        let html = reply(
            502,
            "text/html",
            b"<html><body><h1>Bad   Gateway</h1></body></html>",
            false,
        );
        assert_eq!(service_text(&html), "Bad Gateway");
        assert_eq!(service_text(&reply(500, "", b"", false)), "(empty body)");
        let big = reply(500, "text/plain", &vec![b'x'; 64 * 1024], true);
        let shown = service_text(&big);
        assert!(
            shown.len() < 4200 && shown.ends_with("(body cut at 64 KiB)"),
            "{}",
            shown.len()
        );
    }
}
