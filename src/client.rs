//! The authenticated, retrying client every step of a run talks through: a fresh token
//! on every call (renewed once on a 401 where the source can), idempotent GETs retried on
//! every transient failure until the run's deadline, and the one-shot POST that starts an
//! operation. It knows HTTP, not APIs: what a 403 or 404 means for a request comes from
//! its caller (`Explain`, implemented in `backend/`).

use std::cell::RefCell;
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;
use tokio::time::Instant;

use std::cell::Cell;
use std::rc::Rc;

use tokio::sync::Mutex;

use crate::auth::TokenCache;
use crate::error::Failure;
use crate::http::retry::{
    Attempt, Backoff, Class, classify, give_up_if_unreachable, is_throttle, post_may_retry,
};
use crate::http::{self, Call, Http, Reply, SendError, describe_body, service_text};
use crate::operation::Operation;
use crate::report::Reporter;
use crate::secret::Secret;
use crate::text::{self, human};

/// The longest a single poll may take before it is retried (the deadline still rules).
const POLL_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What a run has learned so far; read again at the end, however the run ended.
#[derive(Debug, Default)]
pub struct Progress {
    pub operation: Option<(Url, String)>,
    pub last: Option<Operation>,
    pub last_error: Option<String>,
    /// A request that starts an operation was sent: until its answer names the
    /// operation, one may have started without golive knowing where.
    pub start_sent: bool,
    /// A dry run: what going live would send.
    pub would_send: Option<String>,
}

/// What the caller knows that the client does not: what an answer means for this API and
/// this request.
pub trait Explain {
    /// What a status (403, 404) means here, as a sentence without a full stop; `None`
    /// when there is nothing particular to say.
    fn hint(&self, status: u16) -> Option<String>;
    /// What to check before running again after a start that may have happened.
    fn check_running(&self) -> String;
}

/// What the offers of one run share: one token cache (a token is fetched once, whoever
/// needs it), and one pace (a throttled answer slows every offer together).
#[derive(Clone)]
pub struct Shared {
    tokens: Rc<Mutex<TokenCache>>,
    /// No request starts before this.
    pace: Rc<Cell<Instant>>,
    /// How the log names the credential, and what tokens are for.
    credential: Rc<str>,
    resource: &'static str,
}

impl Shared {
    pub fn new(tokens: TokenCache) -> Self {
        Shared {
            credential: tokens.credential().describe().into(),
            resource: tokens.resource(),
            tokens: Rc::new(Mutex::new(tokens)),
            pace: Rc::new(Cell::new(Instant::now())),
        }
    }

    /// How the log names the credential (never its value).
    pub fn credential(&self) -> &str {
        &self.credential
    }
}

/// The client of one offer's steps (a run's only one, or one of several).
pub struct Client<'a> {
    http: Http,
    shared: Shared,
    pub report: &'a Reporter,
    deadline: Instant,
    started: Instant,
    poll_interval: Duration,
    progress: &'a RefCell<Progress>,
}

impl<'a> Client<'a> {
    pub fn new(
        http: Http,
        shared: Shared,
        report: &'a Reporter,
        (started, deadline): (Instant, Instant),
        poll_interval: Duration,
        progress: &'a RefCell<Progress>,
    ) -> Self {
        Client {
            http,
            shared,
            report,
            deadline,
            started,
            poll_interval,
            progress,
        }
    }

    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The run's record, read again however the run ends.
    pub fn progress(&self) -> &'a RefCell<Progress> {
        self.progress
    }

    /// The operation is known: where it is and its id.
    pub fn found(&self, operation: &Url, id: &str) {
        self.progress.borrow_mut().operation = Some((operation.clone(), id.to_owned()));
    }

    pub fn record(&self, operation: &Operation) {
        self.progress.borrow_mut().last = Some(operation.clone());
    }

    pub fn note_error(&self, detail: &str) {
        self.progress.borrow_mut().last_error = Some(detail.to_owned());
    }

    /// The token to send now (see `TokenCache::token`).
    pub async fn token(&mut self) -> Result<Secret, Failure> {
        // One offer fetches; the others wait for its token instead of fetching their own.
        let mut tokens = self.shared.tokens.lock().await;
        tokens.token(&self.http, self.report, self.deadline).await
    }

    /// Waits for the shared pace, then sets it `pause` from now if that is later: a
    /// throttled answer slows every offer of the run, not only the one that met it.
    async fn paced(&self) {
        tokio::time::sleep_until(self.shared.pace.get()).await;
    }

    fn slow_down(&self, pause: Duration) {
        let until = Instant::now() + pause;
        if until > self.shared.pace.get() {
            self.shared.pace.set(until);
        }
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
            self.paced().await;
            let token = self.token().await?;
            let reply = self
                .http
                .send(
                    &call.clone().bearer(&token),
                    http::request_timeout(self.deadline, cap),
                )
                .await;
            for line in self.http.take_log() {
                self.report.debug(&line);
            }
            if let Ok(reply) = &reply
                && reply.status == 401
                && !renewed
                && self.shared.tokens.lock().await.invalidate()
            {
                self.report
                    .info("the service refused the token (401); renewing it once");
                renewed = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// One GET, read as JSON, never retried: for a check whose failure only means going
    /// ahead without it. The inner `Err` says what went wrong; the outer one is a failure
    /// that ends the run (no token).
    pub async fn get_once(&mut self, url: &Url) -> Result<Result<Value, String>, Failure> {
        Ok(
            match self.request(&Call::get(url), POLL_REQUEST_TIMEOUT).await? {
                Err(error) => Err(error.detail),
                Ok(reply) if reply.is_success() => serde_json::from_slice(&reply.body)
                    .map_err(|_| format!("a {} answer that is not JSON", reply.status)),
                Ok(reply) => Err(format!("HTTP {}: {}", reply.status, service_text(&reply))),
            },
        )
    }

    /// An idempotent lookup: GET and read JSON (see `get_understood`).
    pub async fn get_json(
        &mut self,
        url: &Url,
        doing: &str,
        explain: &dyn Explain,
    ) -> Result<Value, Failure> {
        let read = |body: &[u8]| serde_json::from_slice::<Value>(body).ok();
        Ok(self
            .get_understood(url, doing, "JSON", read, explain)
            .await?
            .0)
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
        explain: &dyn Explain,
    ) -> Result<(T, Option<Duration>), Failure> {
        let mut backoff = Backoff::for_interval(self.poll_interval);
        let mut unreachable = 0;
        loop {
            let answer = self.request(&Call::get(url), POLL_REQUEST_TIMEOUT).await?;
            let (attempt, detail, retry_after) = match answer {
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
                    return Err(self.http_failure(&reply, doing, explain));
                }
                Ok(reply) => (
                    Attempt::Status(reply.status),
                    format!("HTTP {}: {}", reply.status, service_text(&reply)),
                    reply.retry_after(),
                ),
            };
            let failed = (attempt, detail, retry_after);
            self.pause_before_retry(&mut backoff, &mut unreachable, failed, doing, "failed")
                .await?;
        }
    }

    /// A POST that starts something: retried only where it provably did not take effect
    /// (connect failures, 429, 503), because a second start would collide with the first.
    /// Returns the 2xx answer.
    pub async fn post_once(
        &mut self,
        call: Call,
        doing: &str,
        explain: &dyn Explain,
    ) -> Result<Reply, Failure> {
        self.report.info(&format!("POST {}", call.url()));
        let check = explain.check_running();
        let mut backoff = Backoff::for_interval(self.poll_interval);
        let mut unreachable = 0;
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
                    return Err(match self.http_failure(&reply, doing, explain) {
                        Failure::Unexpected(message) => {
                            Failure::Unexpected(format!("{message}. {check}"))
                        }
                        Failure::Http { status, message } if !(400..500).contains(&status) => {
                            Failure::Http {
                                status,
                                message: format!("{message}. {check}"),
                            }
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
            let failed = (attempt, detail, retry_after);
            self.pause_before_retry(
                &mut backoff,
                &mut unreachable,
                failed,
                doing,
                "not accepted yet",
            )
            .await?;
        }
    }

    /// After an attempt worth another: gives up on a host that stays unreachable, slows
    /// every offer of the run on a throttle, logs `{doing} {outcome} ({detail}); retrying
    /// in …`, and sleeps.
    async fn pause_before_retry(
        &self,
        backoff: &mut Backoff,
        unreachable: &mut u32,
        (attempt, detail, retry_after): (Attempt, String, Option<Duration>),
        doing: &str,
        outcome: &str,
    ) -> Result<(), Failure> {
        give_up_if_unreachable(attempt, unreachable, doing, &detail)?;
        let pause = backoff.pause_after(attempt, retry_after);
        if is_throttle(attempt) {
            self.slow_down(pause);
        }
        self.note_error(&detail);
        self.report.info(&format!(
            "{doing} {outcome} ({detail}); retrying in {}",
            human(pause)
        ));
        tokio::time::sleep(pause).await;
        Ok(())
    }

    /// The failure for a final HTTP answer, with the service's text and what to do.
    pub fn http_failure(&self, reply: &Reply, doing: &str, explain: &dyn Explain) -> Failure {
        let said = match reply.request_id() {
            Some(id) => format!("{} (request id {id})", service_text(reply)),
            None => service_text(reply),
        };
        let status = reply.status;
        let hint = explain.hint(status);
        let message = match status {
            401 => format!(
                "{doing}: 401 Unauthorized: the service did not accept the token ({}): it is missing, expired, \
                 or not for {}. Service said: {said}",
                self.shared.credential, self.shared.resource
            ),
            403 => format!(
                "{doing}: 403 Forbidden: the token is valid but this identity may not act on the offer{}. \
                 Service said: {said}",
                hint.map_or_else(String::new, |hint| format!(": {hint}"))
            ),
            404 => format!(
                "{doing}: 404 Not Found{}. Service said: {said}",
                hint.map_or_else(String::new, |hint| format!(": {hint}"))
            ),
            409 => format!(
                "{doing}: 409 Conflict: another operation is probably running on this offer (only one may run at a time); \
                 wait for it, or follow it with operation-location. Service said: {said}"
            ),
            300..=399 => {
                return Failure::Unexpected(format!(
                    "{doing}: unexpected redirect {status} to {} (not followed: the token is only sent to base-url)",
                    reply
                        .header("location")
                        .map_or_else(|| "nowhere".to_owned(), text::plain)
                ));
            }
            400..=499 => format!("{doing}: rejected with HTTP {status}. Service said: {said}"),
            _ => format!("{doing}: unexpected HTTP {status}. Service said: {said}"),
        };
        Failure::Http { status, message }
    }
}
