//! One run, start to end: token, go-live (or resume) for each offer, outputs, waits,
//! the final report.
//!
//! The whole run sits inside one deadline and listens for SIGINT/SIGTERM; whichever comes
//! first ends it, dropping any request in flight. Several offers share the token cache,
//! the deadline and the pace, with at most `max-parallel` in flight; each logs with its
//! `[offer-id]` prefix. What each offer learned so far lives in its `Progress`, so the
//! end of the run can report it however the run ended.

use std::cell::RefCell;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Url;
use tokio::time::Instant;

use crate::auth::TokenCache;
use crate::backend::{Backend, Ready, Setup, Started};
use crate::cli::config::{Config, Unit};
use crate::client::{Client, Progress, Shared};
use crate::error::{Failure, Signal};
use crate::http::Http;
use crate::operation::Phase;
use crate::report::summary::{Row, SummaryData};
use crate::report::{Output, Reporter, Status};
use crate::text::{self, human};
use crate::wait::{self, Until};

/// One offer of the run, and everything its steps use.
struct Offer {
    unit: Unit,
    /// Its own log view when the run takes several offers (`[offer-id] …`).
    view: Option<Reporter>,
    backend: Box<dyn Backend>,
    progress: RefCell<Progress>,
    outcome: RefCell<Option<Result<Status, Failure>>>,
}

/// Runs with a validated config; returns the exit code.
pub async fn run(config: Config, report: &Reporter) -> u8 {
    let started = Instant::now();
    let deadline = started + config.timeout;
    let units = config.units();
    let several = units.len() > 1;
    let mut offers: Vec<Offer> = units
        .into_iter()
        .map(|unit| {
            let target = match &unit {
                Unit::Trigger(target) => Some(target),
                Unit::Resume(_) => None,
            };
            let backend = (config.kind.open)(Setup {
                target,
                base_url: &config.base_url,
                version: config.api_version.as_deref(),
            });
            let view = several.then(|| report.for_offer(&label(&config, &unit)));
            Offer {
                unit,
                view,
                backend,
                progress: RefCell::default(),
                outcome: RefCell::new(None),
            }
        })
        .collect();
    let ended = match Http::new(&config.proxies, &config.trust, config.verbose) {
        Err(e) => Err(Failure::Unexpected(format!(
            "could not set up the HTTP client: {e}"
        ))),
        Ok(http) => {
            let shared = Shared::new(TokenCache::new(
                config.credential.clone(),
                config.kind.resource,
            ));
            let run = Run {
                config: &config,
                report,
                http,
                shared,
                started,
                deadline,
            };
            bounded(&run, &mut offers).await
        }
    };
    // An offer the run's end cut short ends as the run did.
    for offer in &offers {
        let mut outcome = offer.outcome.borrow_mut();
        if outcome.is_none() {
            *outcome = Some(Err(match &ended {
                Err(Failure::TimedOut(_)) => timed_out(
                    &offer.backend.check_running(),
                    config.timeout,
                    &offer.progress.borrow(),
                ),
                Err(failure) => clone_failure(failure),
                Ok(()) => Failure::Unexpected("the offer did not run".to_owned()),
            }));
        }
    }
    if several {
        let whole_run = ended.as_ref().err();
        finish_many(&config, report, &offers, whole_run, started.elapsed())
    } else {
        finish(&config, report, &offers[0], started.elapsed())
    }
}

/// What the steps of every offer share.
struct Run<'a> {
    config: &'a Config,
    report: &'a Reporter,
    http: Http,
    shared: Shared,
    started: Instant,
    deadline: Instant,
}

/// How the log names an offer: its id, else its operation's id.
fn label(config: &Config, unit: &Unit) -> String {
    match unit {
        Unit::Trigger(target) => target
            .offer
            .clone()
            .or_else(|| config.subject(unit))
            .unwrap_or_default(),
        Unit::Resume(url) => url
            .path_segments()
            .and_then(|mut s| s.rfind(|s| !s.is_empty()))
            .unwrap_or("operation")
            .to_owned(),
    }
}

/// A failure that ends the whole run, for each offer it cut short.
fn clone_failure(failure: &Failure) -> Failure {
    match failure {
        Failure::Interrupted(signal) => Failure::Interrupted(*signal),
        Failure::Input(m) => Failure::Input(m.clone()),
        Failure::Auth(m) => Failure::Auth(m.clone()),
        Failure::TimedOut(m) => Failure::TimedOut(m.clone()),
        other => Failure::Unexpected(other.to_string()),
    }
}

/// The run inside its deadline and signal handlers: whichever ends first wins, and the
/// others' futures (requests in flight included) are dropped at once.
async fn bounded(run: &Run<'_>, offers: &mut [Offer]) -> Result<(), Failure> {
    let signals = Signals::new();
    tokio::select! {
        result = everything(run, offers) => result,
        () = tokio::time::sleep_until(run.deadline) => Err(Failure::TimedOut(String::new())),
        signal = signals.recv() => Err(Failure::Interrupted(signal)),
    }
}

/// The steps before any offer (masks, output files, the token), then every offer, at
/// most `max-parallel` at once.
async fn everything(run: &Run<'_>, offers: &mut [Offer]) -> Result<(), Failure> {
    let config = run.config;
    for secret in config.credential.secrets() {
        run.report.mask(secret);
    }
    // Found now, an output file that cannot be written strands no operation.
    run.report.check_outputs()?;
    run.report.group("Getting an access token");
    run.report.info(&format!(
        "credential: {}; api: {}",
        run.shared.credential(),
        config.kind.name
    ));
    let scratch = RefCell::new(Progress::default());
    let mut first = client(run, run.report, &scratch);
    let token = first.token().await;
    run.report.end_group();
    token?;
    let several = offers.len() > 1;
    if several {
        run.report.info(&format!(
            "{} offers, at most {} at once",
            offers.len(),
            config.max_parallel
        ));
    }
    let announced = RefCell::new(vec![None; offers.len()]);
    let steps = offers.iter_mut().enumerate().map(|(index, offer)| {
        let announced = &announced;
        async move {
            let report = offer.view.as_ref().unwrap_or(run.report);
            let mut client = client(run, report, &offer.progress);
            let announce =
                |url: &Url, id: &str| announce(run.report, several, announced, index, url, id);
            let result = steps(
                config,
                &offer.unit,
                &mut client,
                offer.backend.as_mut(),
                &announce,
            )
            .await;
            if several && let Err(failure) = &result {
                // Said now, in the offer's own words; the summary and exit code come last.
                report.error(failure.title(), &failure.to_string());
            }
            *offer.outcome.borrow_mut() = Some(result);
        }
    });
    futures_util::stream::iter(steps)
        .buffer_unordered(config.max_parallel)
        .collect::<()>()
        .await;
    Ok(())
}

fn client<'a>(run: &Run<'_>, report: &'a Reporter, progress: &'a RefCell<Progress>) -> Client<'a> {
    Client::new(
        run.http.clone(),
        run.shared.clone(),
        report,
        (run.started, run.deadline),
        run.config.poll_interval,
        progress,
    )
}

/// An offer's operation is known: hand it on at once. With one offer, its location and
/// id; with several, the lists of the operations started so far, in the input order of
/// their offers (a line each; GitLab's one-line dotenv gets them space-separated),
/// rewritten as each becomes known.
fn announce(
    report: &Reporter,
    several: bool,
    announced: &RefCell<Vec<Option<(String, String)>>>,
    index: usize,
    url: &Url,
    id: &str,
) -> Result<(), Failure> {
    if !several {
        return report.outputs(&[
            (Output::OperationLocation, url.as_str()),
            (Output::OperationId, id),
        ]);
    }
    announced.borrow_mut()[index] = Some((url.to_string(), id.to_owned()));
    // The operations started so far, in the input order of their offers (`results` tells
    // which offer each is), one per line.
    let list = |pick: fn(&(String, String)) -> &str| {
        announced
            .borrow()
            .iter()
            .flatten()
            .map(pick)
            .collect::<Vec<_>>()
            .join("\n")
    };
    report.outputs(&[
        (Output::OperationLocation, &list(|(url, _)| url)),
        (Output::OperationId, &list(|(_, id)| id)),
    ])
}

/// One offer's steps: go live (or resume, or check), hand the operation on, wait.
async fn steps(
    config: &Config,
    unit: &Unit,
    client: &mut Client<'_>,
    backend: &mut dyn Backend,
    announce: &dyn Fn(&Url, &str) -> Result<(), Failure>,
) -> Result<Status, Failure> {
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
    let (operation, first_delay) = match unit {
        Unit::Trigger(_) => match backend.start(client).await? {
            Started::AlreadyLive => return Ok(Status::Succeeded),
            Started::Operation { url, first_delay } => (url, first_delay),
        },
        Unit::Resume(operation) => {
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
    announce(&operation, &id)?;
    let until = match (unit, config.wait) {
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
        (Unit::Resume(_), false) => Until::FirstReading,
        (Unit::Trigger(_), false) => return Ok(Status::Accepted),
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

/// The status word and exit code an offer ended with, and its failure's message.
fn verdict(offer: &Offer) -> (Option<Status>, u8, Option<String>) {
    let outcome = offer.outcome.borrow();
    let Some(outcome) = outcome.as_ref() else {
        return (Some(Status::Error), 1, None);
    };
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
    match outcome {
        Ok(_) => (status, 0, None),
        Err(failure) => (status, failure.exit_code(), Some(failure.to_string())),
    }
}

/// The `results` output: a JSON array with one object per offer, in input order, keys
/// left out where not known.
fn results_json(offers: &[Offer]) -> String {
    let all = offers
        .iter()
        .map(|offer| {
            let (status, code, _) = verdict(offer);
            let mut result = serde_json::Map::new();
            if let Unit::Trigger(target) = &offer.unit {
                if let Some(id) = &target.offer {
                    result.insert("offer-id".into(), id.clone().into());
                }
                if let Some(product) = &target.product {
                    result.insert("product-id".into(), format!("product/{product}").into());
                }
            }
            if let Some((url, id)) = &offer.progress.borrow().operation {
                result.insert("operation-location".into(), url.as_str().into());
                result.insert("operation-id".into(), id.clone().into());
            }
            if let Some(status) = status {
                result.insert("status".into(), status.as_str().into());
            }
            result.insert("exit-code".into(), code.into());
            serde_json::Value::Object(result)
        })
        .collect();
    serde_json::Value::Array(all).to_string()
}

/// Writes the final status and results; an output file that fails says so once.
fn final_outputs(report: &Reporter, status: Option<Status>, results: &str, code: &mut u8) {
    if let Some(status) = status
        && let Err(failure) = report.outputs(&[
            (Output::Status, status.as_str()),
            (Output::Results, results),
        ])
    {
        report.error(failure.title(), &failure.to_string());
        if *code == 0 {
            *code = failure.exit_code();
        }
    }
}

/// The end of a one-offer run: the error (once), the final status and results, the
/// summary and the closing line; returns the exit code.
fn finish(config: &Config, report: &Reporter, offer: &Offer, elapsed: Duration) -> u8 {
    // A group left open by a run cut short (deadline, signal) would fold the verdict away.
    report.end_group();
    let (status, mut code, error_message) = verdict(offer);
    if let Some(Err(failure)) = offer.outcome.borrow().as_ref() {
        report.error(failure.title(), &failure.to_string());
    }
    let progress = offer.progress.borrow();
    final_outputs(
        report,
        status,
        &results_json(std::slice::from_ref(offer)),
        &mut code,
    );
    let subject = config.subject(&offer.unit);
    // An input error sent nothing and may be the summary file itself: no summary.
    if status.is_some() {
        report.summary(&SummaryData {
            subject: subject.as_deref(),
            operation: progress.operation.as_ref(),
            status,
            last: progress.last.as_ref(),
            elapsed,
            error: error_message.as_deref(),
            would_send: progress.would_send.as_deref(),
            rows: Vec::new(),
        });
    }
    report.info(&closing_line(config, offer, status, code, elapsed));
    code
}

/// An offer's closing line: its operation and status, or why there is none.
fn closing_line(
    config: &Config,
    offer: &Offer,
    status: Option<Status>,
    code: u8,
    elapsed: Duration,
) -> String {
    let progress = offer.progress.borrow();
    let subject = config
        .subject(&offer.unit)
        .map_or_else(|| "resumed operation".to_owned(), |s| format!("offer {s}"));
    let status_word = status.map_or("not started", Status::as_str);
    match &progress.operation {
        Some((url, id)) => format!(
            "golive: {subject}: operation {id} {status_word} after {} ({url})",
            human(elapsed)
        ),
        None if progress.start_sent => format!(
            "golive: {subject}: {status_word} after {} while the go-live request was unanswered: \
             an operation may have started (exit {code}). {}",
            human(elapsed),
            offer.backend.check_running()
        ),
        None => format!(
            "golive: {subject}: {status_word} after {}, no operation started (exit {code})",
            human(elapsed)
        ),
    }
}

/// The end of a run of several offers: the exit code and status of the first offer, in
/// input order, that did not succeed (or the first offer's when all did), every offer in
/// `results` and a row of the summary, and a closing line that counts them.
fn finish_many(
    config: &Config,
    report: &Reporter,
    offers: &[Offer],
    whole_run: Option<&Failure>,
    elapsed: Duration,
) -> u8 {
    report.end_group();
    let verdicts: Vec<_> = offers.iter().map(verdict).collect();
    let deciding = verdicts
        .iter()
        .position(|(_, code, _)| *code != 0)
        .unwrap_or(0);
    let (status, mut code, _) = verdicts[deciding].clone();
    // A failure of the whole run (the token, an output file, the deadline, a signal) is
    // said once, here; each offer's own failures were said as they happened.
    if let Some(failure) = whole_run {
        report.error(failure.title(), &failure.to_string());
    }
    final_outputs(report, status, &results_json(offers), &mut code);
    for (offer, (status, code, _)) in offers.iter().zip(&verdicts) {
        let view = offer.view.as_ref().unwrap_or(report);
        view.info(&closing_line(config, offer, *status, *code, elapsed));
    }
    if status.is_some() {
        let rows: Vec<Row> = offers
            .iter()
            .zip(&verdicts)
            .map(|(offer, (status, _, error))| {
                let progress = offer.progress.borrow();
                Row {
                    subject: config
                        .subject(&offer.unit)
                        .unwrap_or_else(|| label(config, &offer.unit)),
                    operation: progress.operation.clone(),
                    status: *status,
                    service: progress.last.as_ref().and_then(|op| op.status.clone()),
                    error: error.clone(),
                }
            })
            .collect();
        report.summary(&SummaryData {
            subject: None,
            operation: None,
            status,
            last: None,
            elapsed,
            error: None,
            would_send: None,
            rows,
        });
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (status, _, _) in &verdicts {
        let word = status.map_or("not started", Status::as_str);
        match counts.iter_mut().find(|(w, _)| *w == word) {
            Some((_, n)) => *n += 1,
            None => counts.push((word, 1)),
        }
    }
    let counted: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    report.info(&format!(
        "golive: {} offers: {} after {} (exit {code})",
        offers.len(),
        counted.join(", "),
        human(elapsed)
    ));
    code
}

/// SIGINT and SIGTERM as a future (on Windows: Ctrl-C, and Ctrl-Break or the console
/// closing, which is how runners stop a job there); a listener that could not be set up
/// never fires.
#[cfg(unix)]
struct Signals {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
}

#[cfg(windows)]
struct Signals {
    int: Option<tokio::signal::windows::CtrlC>,
    brk: Option<tokio::signal::windows::CtrlBreak>,
    close: Option<tokio::signal::windows::CtrlClose>,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Signals {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    #[cfg(windows)]
    fn new() -> Self {
        use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close};
        Signals {
            int: ctrl_c().ok(),
            brk: ctrl_break().ok(),
            close: ctrl_close().ok(),
        }
    }

    #[cfg(unix)]
    async fn recv(mut self) -> Signal {
        tokio::select! {
            () = fired(self.int.as_mut().map(tokio::signal::unix::Signal::recv)) => Signal::Int,
            () = fired(self.term.as_mut().map(tokio::signal::unix::Signal::recv)) => Signal::Term,
        }
    }

    #[cfg(windows)]
    async fn recv(mut self) -> Signal {
        tokio::select! {
            () = fired(self.int.as_mut().map(tokio::signal::windows::CtrlC::recv)) => Signal::Int,
            () = fired(self.brk.as_mut().map(tokio::signal::windows::CtrlBreak::recv)) => Signal::Term,
            () = fired(self.close.as_mut().map(tokio::signal::windows::CtrlClose::recv)) => Signal::Term,
        }
    }
}

/// Ends when the listener's next event arrives; never, without a listener.
async fn fired(next: Option<impl Future<Output = Option<()>>>) {
    match next {
        Some(next) => {
            next.await;
        }
        None => std::future::pending().await,
    }
}
