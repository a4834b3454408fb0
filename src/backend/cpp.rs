//! The Cloud Partner Portal API, for offers onboarded before Partner Center (2020).
//!
//! Go-live is `POST …/api/publishers/{publisher}/offers/{offer}/golive`; the operation is
//! in the 202's `Operation-Location` (2018 docs, absolute) or `Location` (2020+ docs,
//! relative) header, and a GET on it reads as an object or a one-element array (the
//! documented sample) with `status`, `steps[]` and `messages[]`. Sources: Microsoft's
//! "Cloud Partner Portal API" pages (azure-docs, articles/marketplace/cloud-partner-portal-orig,
//! "Go live" and "Retrieve operation status"), and the clients that called it for years
//! (SUSE mash, Garden Linux), whose status words are accepted too.

use std::time::Duration;

use reqwest::Url;
use serde_json::Value;

use super::{Backend, Boxed, Id, Kind, Ready, Setup, Started, Target, under};
use crate::client::{Client, Explain};
use crate::error::Failure;
use crate::http::retry::floored;
use crate::http::{Call, Reply, error_text, join_url, with_param};
use crate::operation::{self, MAX_MESSAGES, MAX_STEPS, Operation, Step, phase_of};
use crate::text;

/// The Cloud Partner Portal's api-version.
pub const VERSION: &str = "2017-10-31";

pub static KIND: Kind = Kind {
    name: "cpp",
    resource: "https://cloudpartner.azure.com",
    base_url: "https://cloudpartner.azure.com",
    poll_interval: Duration::from_secs(30),
    owns: |url| {
        url.path_segments()
            .is_some_and(|mut s| s.any(|s| s == "operations"))
    },
    missing: |target| match target {
        Target {
            publisher: None, ..
        } => Some(Id::Publisher),
        Target { offer: None, .. } => Some(Id::Offer),
        _ => None,
    },
    subject: |target| match (&target.publisher, &target.offer) {
        (Some(publisher), Some(offer)) => Some(format!("{publisher}/{offer}")),
        _ => None,
    },
    open: |setup| Box::new(Cpp::new(&setup)),
};

const CHECK_RUNNING: &str = "Before running again, check for a running operation \
    (GET …/offers/<offer>/submissions?status=running, or the portal), and follow it with operation-location";

/// The Cloud Partner Portal at work for one run.
pub struct Cpp {
    base_url: Url,
    version: String,
    /// The publisher and offer to take live; `None` when resuming.
    ids: Option<(String, String)>,
}

impl Cpp {
    fn new(setup: &Setup<'_>) -> Self {
        let ids = setup
            .target
            .and_then(|t| Some((t.publisher.clone()?, t.offer.clone()?)));
        Cpp {
            base_url: setup.base_url.clone(),
            version: setup.version.unwrap_or(VERSION).to_owned(),
            ids,
        }
    }

    /// The go-live URL for an offer. Ids are validated to `[A-Za-z0-9._-]`, so they cannot
    /// change the path; they are encoded anyway.
    pub fn golive_url(&self, publisher: &str, offer: &str) -> Url {
        let mut url = under(
            &self.base_url,
            &["api", "publishers", publisher, "offers", offer, "golive"],
        );
        url.query_pairs_mut()
            .append_pair("api-version", &self.version);
        url
    }

    /// The operation URL of a 2xx go-live answer: `Operation-Location`, else `Location`,
    /// resolved against base-url and kept on its origin.
    fn locate(&self, reply: &Reply) -> Result<Url, Failure> {
        let base = &self.base_url;
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
        let mut url = join_url(base, value).ok_or_else(|| {
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
}

impl Explain for Cpp {
    fn hint(&self, status: u16) -> Option<String> {
        match (status, &self.ids) {
            (403, _) => Some(
                "add the app to the publisher in the Cloud Partner Portal (Users, with the Owner or Contributor role), \
                 registering the object id of its 'managed application in local directory'"
                    .to_owned(),
            ),
            (404, Some((publisher, offer))) => Some(format!(
                "publisher '{publisher}' or offer '{offer}' does not exist \
                 (or is not visible to this identity); check publisher-id and offer-id. An offer created \
                 in Partner Center (every offer since 2020) is not in the Cloud Partner Portal: it goes live \
                 with api: product-ingestion and its offer-id"
            )),
            _ => None,
        }
    }

    fn check_running(&self) -> String {
        CHECK_RUNNING.to_owned()
    }
}

impl Cpp {
    /// `…/offers/{offer}/{what}?api-version=…` (`status`, `submissions`).
    fn offer_url(&self, publisher: &str, offer: &str, what: &str) -> Url {
        let mut url = under(
            &self.base_url,
            &["api", "publishers", publisher, "offers", offer, what],
        );
        url.query_pairs_mut().append_pair("api-version", &self.version);
        url
    }

    /// The running operations' list URL (docs, "Retrieve operations": `status=running`).
    fn running_url(&self, publisher: &str, offer: &str) -> Url {
        let mut url = self.offer_url(publisher, offer, "submissions");
        url.query_pairs_mut().append_pair("status", "running");
        url
    }

    /// The failure for an operation already running on the offer (only one may run).
    fn collision(&self, publisher: &str, offer: &str, id: &str) -> Failure {
        let mut follow = under(
            &self.base_url,
            &["api", "publishers", publisher, "offers", offer, "operations", id],
        );
        follow.query_pairs_mut().append_pair("api-version", &self.version);
        Failure::Rejected(format!(
            "operation {} is already running on offer '{offer}' of publisher '{publisher}', and only one may run \
             at a time: going live now would collide with it. Wait for it, or follow it with operation-location: {follow}",
            text::plain(id)
        ))
    }
}

impl Backend for Cpp {
    fn check<'a>(&'a mut self, client: &'a mut Client<'_>) -> Boxed<'a, Result<Ready, Failure>> {
        Box::pin(async move {
            let (publisher, offer) = self.ids.clone().unwrap_or_default();
            let running = client
                .get_json(
                    &self.running_url(&publisher, &offer),
                    "listing the offer's running operations",
                    self,
                )
                .await?;
            if let Some(id) = running_operation(&running) {
                return Err(self.collision(&publisher, &offer, &id));
            }
            let status = client
                .get_json(
                    &self.offer_url(&publisher, &offer, "status"),
                    "reading the offer's status",
                    self,
                )
                .await?;
            let word = status.get("status").and_then(Value::as_str).unwrap_or("");
            match readiness(word) {
                Readiness::Ready => Ok(Ready::Ready(format!(
                    "POST {}",
                    self.golive_url(&publisher, &offer)
                ))),
                Readiness::Live => {
                    client.report.info(&format!(
                        "offer '{offer}' is live already (status {}); nothing waits for sign-off",
                        text::plain(word)
                    ));
                    Ok(Ready::AlreadyLive)
                }
                Readiness::Not(why) => Err(Failure::Rejected(format!(
                    "offer '{offer}' of publisher '{publisher}' is not ready to go live: its status is {} ({why})",
                    text::cap(&text::plain(word), 100)
                ))),
            }
        })
    }

    fn start<'a>(&'a mut self, client: &'a mut Client<'_>) -> Boxed<'a, Result<Started, Failure>> {
        Box::pin(async move {
            let Some((publisher, offer)) = self.ids.clone() else {
                return Err(Failure::Unexpected(
                    "nothing to take live: no publisher-id and offer-id".to_owned(),
                ));
            };
            // A collision is a clear exit 3 before the POST, not a 409 after it; if the
            // check itself fails, the POST's own answer decides.
            match client
                .get_once(&self.running_url(&publisher, &offer))
                .await?
            {
                Ok(running) => {
                    if let Some(id) = running_operation(&running) {
                        return Err(self.collision(&publisher, &offer, &id));
                    }
                }
                Err(why) => client.report.info(&format!(
                    "could not check for a running operation ({why}); going ahead: the go-live answer decides"
                )),
            }
            let url = self.golive_url(&publisher, &offer);
            let doing = format!("go-live for offer '{offer}' of publisher '{publisher}'");
            // The answer is in the status and headers; a body that never ends must not
            // lose the operation.
            let reply = client
                .post_once(Call::post(&url).headers_suffice(), &doing, self)
                .await?;
            let operation = self.locate(&reply)?;
            client.report.info(&format!(
                "go-live accepted (HTTP {}): operation {operation}",
                reply.status
            ));
            let first_delay = floored(client.poll_interval(), reply.retry_after());
            Ok(Started::Operation {
                url: operation,
                first_delay,
            })
        })
    }

    fn poll_url(&self, operation: &Url) -> Url {
        with_param(operation, "api-version", &self.version)
    }

    fn read(&self, body: &[u8]) -> Option<Operation> {
        parse_operation(body)
    }
}

/// What the offer's status (docs, "Retrieve offer status": `NeverPublished`,
/// `NotStarted`, `WaitingForPublisherReview`, `Running`, `Succeeded`, `Canceled`,
/// `Failed`) says about going live.
#[derive(Debug, PartialEq, Eq)]
enum Readiness {
    /// The preview waits for the publisher's sign-off: go-live would be accepted.
    Ready,
    /// The last submission went all the way: live.
    Live,
    /// Not ready, and why.
    Not(&'static str),
}

fn readiness(status: &str) -> Readiness {
    let word: String = status
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match word.as_str() {
        "waitingforpublisherreview" => Readiness::Ready,
        "succeeded" => Readiness::Live,
        "neverpublished" | "notstarted" => {
            Readiness::Not("nothing has been published to preview: publish the offer first")
        }
        "running" => Readiness::Not("a submission is being processed: wait for it to reach sign-off"),
        "canceled" | "cancelled" | "failed" => {
            Readiness::Not("the last submission did not reach sign-off: publish again")
        }
        _ => Readiness::Not("a status golive does not know"),
    }
}

/// The id of a running operation in a list of operations (docs, "Retrieve operations":
/// an array of `{id, submissionType, submissionState, …}`; also `{"value": […]}` and
/// `status` in place of `submissionState`, as clients read it).
fn running_operation(list: &Value) -> Option<String> {
    let items = list
        .as_array()
        .or_else(|| list.get("value").and_then(Value::as_array))?;
    items.iter().find_map(|item| {
        let state = item
            .get("submissionState")
            .or_else(|| item.get("status"))
            .and_then(Value::as_str)?;
        state.eq_ignore_ascii_case("running").then(|| {
            item.get("id")
                .and_then(Value::as_str)
                .unwrap_or("(no id)")
                .to_owned()
        })
    })
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
        Some(Value::String(word)) => Some(operation::name(word)),
        Some(_) => return None,
    };
    let phase = phase_of(status.as_deref());
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

/// A name, status word or estimate, bounded (`operation::name`).
fn short_field(value: &Value, names: &[&str]) -> Option<String> {
    string_field(value, names).map(operation::name)
}

fn step_of(index: usize, value: &Value) -> Option<Step> {
    value.as_object()?;
    let name = short_field(value, &["stepName", "description", "id"])
        .unwrap_or_else(|| format!("step {}", index + 1));
    let progress = value.get("progressPercentage").and_then(|p| {
        p.as_u64()
            .or_else(|| p.as_f64().map(percent_of_float))
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

/// A fractional or out-of-range progress as a whole percentage in 0..=100.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn percent_of_float(value: f64) -> u64 {
    // Clamped first: the cast then neither truncates nor loses a sign (NaN becomes 0).
    value.clamp(0.0, 100.0).round() as u64
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
        .map(operation::message)
        .filter(|text| !text.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{Phase, step_line};

    fn parsed(json: &str) -> Operation {
        parse_operation(json.as_bytes()).unwrap_or_else(|| panic!("not understood: {json}"))
    }

    #[test]
    fn readiness_follows_the_documented_offer_statuses() {
        assert_eq!(readiness("WaitingForPublisherReview"), Readiness::Ready);
        assert_eq!(readiness("waitingForPublisherReview"), Readiness::Ready);
        assert_eq!(readiness("succeeded"), Readiness::Live);
        for not in ["NeverPublished", "NotStarted", "Running", "Canceled", "Failed", "odd"] {
            assert!(matches!(readiness(not), Readiness::Not(_)), "{not}");
        }
    }

    #[test]
    fn a_running_operation_is_found_in_either_list_shape() {
        // docs, "Retrieve operations", GET operations sample.
        let documented = serde_json::json!([{"id": "5a63deb5-925b-4ee0-938b-7c86fbf287c5",
            "submissionType": "publish", "submissionState": "running", "slot": "staging"}]);
        assert_eq!(
            running_operation(&documented).as_deref(),
            Some("5a63deb5-925b-4ee0-938b-7c86fbf287c5")
        );
        let wrapped = serde_json::json!({"value": [{"id": "x", "status": "Running"}]});
        assert_eq!(running_operation(&wrapped).as_deref(), Some("x"));
        assert_eq!(running_operation(&serde_json::json!([])), None);
        let done = serde_json::json!([{"id": "y", "submissionState": "completed"}]);
        assert_eq!(running_operation(&done), None);
    }

    #[test]
    fn golive_url_keeps_a_base_path_and_adds_the_api_version() {
        let url = |text: &str| Url::parse(text).unwrap();
        let target = Target {
            publisher: Some("contoso".into()),
            offer: Some("contoso-vm".into()),
            product: None,
        };
        let cpp = |base: &str| {
            Cpp::new(&Setup {
                target: Some(&target),
                base_url: &url(base),
                version: None,
            })
        };
        assert_eq!(
            cpp("https://cloudpartner.azure.com")
                .golive_url("contoso", "contoso-vm")
                .as_str(),
            "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm/golive?api-version=2017-10-31"
        );
        assert_eq!(
            cpp("http://127.0.0.1:8/prefix/")
                .golive_url("p", "o")
                .as_str(),
            "http://127.0.0.1:8/prefix/api/publishers/p/offers/o/golive?api-version=2017-10-31"
        );
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
                .is_some_and(|s| s.len() < operation::NAME_CAP + 100)
        );
        assert!(operation.messages[0].len() < operation::MESSAGE_CAP + 100);
        assert_eq!(operation.steps.len(), MAX_STEPS);
        assert!(
            operation
                .steps
                .iter()
                .all(|s| s.name.len() < operation::NAME_CAP + 100)
        );
    }
}
