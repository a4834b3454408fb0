//! Partner Center's product-ingestion API, for every offer created in Partner Center
//! (since 2020): from an offer's external id to a running go-live job, and the job's
//! status read as an `Operation`.
//!
//! The flow (Microsoft Learn, "Product Ingestion API for the commercial marketplace":
//! Method 3 query parameters, "Querying your submissions", "Publishing to live", "Check
//! the status of a request"): product lookup, the submissions check (in flight, no
//! preview, already live), the configure POST that targets the preview submission to
//! live, then the job. Everything the service returns is untrusted.

use std::time::Duration;

use reqwest::Url;
use serde_json::{Value, json};

use super::{Backend, Boxed, Id, Kind, Ready, Setup, Started, Target, under};
use crate::client::{Client, Explain};
use crate::error::Failure;
use crate::http::retry::floored;
use crate::http::{Call, join_url, with_param};
use crate::operation::{self, Operation, Phase};
use crate::text;

pub static KIND: Kind = Kind {
    name: "product-ingestion",
    resource: "https://graph.microsoft.com",
    base_url: "https://graph.microsoft.com/rp/product-ingestion",
    // Partner Center asks for no more than one poll a minute.
    poll_interval: Duration::from_secs(60),
    owns: |url| job_id(url).is_some(),
    missing: |target| (target.offer.is_none() && target.product.is_none()).then_some(Id::Offer),
    subject: |target| match (&target.offer, &target.product) {
        (Some(offer), _) => Some(offer.clone()),
        (None, Some(product)) => Some(format!("product/{product}")),
        (None, None) => None,
    },
    open: |setup| Box::new(Ingestion::new(&setup)),
};

/// A job status URL ends in `…/configure/{jobId}/status`: the job id.
pub fn job_id(url: &Url) -> Option<&str> {
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [.., "configure", job, "status"] => Some(*job),
        _ => None,
    }
}

const CHECK_RUNNING: &str = "Before running again, check the product's submissions in Partner Center (a go-live may be in flight), \
     and follow a running job with operation-location";

/// Partner Center at work for one run.
pub struct Ingestion {
    base_url: Url,
    /// An explicit `$version` for every call; otherwise each call's documented one.
    version: Option<String>,
    target: Option<Target>,
    /// The product and the preview submission the job takes live, to confirm after.
    taken_live: Option<(String, String)>,
}

impl Ingestion {
    fn new(setup: &Setup<'_>) -> Self {
        Ingestion {
            base_url: setup.base_url.clone(),
            version: setup.version.map(str::to_owned),
            target: setup.target.cloned(),
            taken_live: None,
        }
    }

    /// The version for a call: the explicit one, else the documented one.
    fn version<'a>(&'a self, documented: &'a str) -> &'a str {
        self.version.as_deref().unwrap_or(documented)
    }
}

impl Explain for Ingestion {
    fn hint(&self, status: u16) -> Option<String> {
        match status {
            403 => Some(
                "add the app in Partner Center (Account settings, User management, Microsoft Entra applications) \
                 with the Manager role"
                    .to_owned(),
            ),
            404 => {
                let target = self.target.as_ref()?;
                let what = match (&target.offer, &target.product) {
                    (_, Some(product)) => format!("product/{product} (product-id)"),
                    (Some(offer), None) => format!("the offer '{offer}' (offer-id)"),
                    (None, None) => "the offer".to_owned(),
                };
                Some(format!(
                    "{what} is not in Partner Center (or not visible to this identity)"
                ))
            }
            _ => None,
        }
    }

    fn check_running(&self) -> String {
        CHECK_RUNNING.to_owned()
    }
}

impl Backend for Ingestion {
    fn start<'a>(&'a mut self, client: &'a mut Client<'_>) -> Boxed<'a, Result<Started, Failure>> {
        Box::pin(async move {
            let target = self.target.clone().unwrap_or_default();
            match trigger(
                self,
                client,
                target.offer.as_deref(),
                target.product.as_deref(),
            )
            .await?
            {
                Triggered::AlreadyLive => Ok(Started::AlreadyLive),
                Triggered::Job {
                    url,
                    id,
                    first_delay,
                    product,
                    submission,
                } => {
                    client
                        .report
                        .info(&format!("go-live job {id} started: {url}"));
                    self.taken_live = Some((product, submission));
                    Ok(Started::Operation { url, first_delay })
                }
            }
        })
    }

    fn check<'a>(&'a mut self, client: &'a mut Client<'_>) -> Boxed<'a, Result<Ready, Failure>> {
        Box::pin(async move {
            let target = self.target.clone().unwrap_or_default();
            match prepare(self, client, target.offer.as_deref(), target.product.as_deref()).await? {
                Prepared::AlreadyLive => Ok(Ready::AlreadyLive),
                Prepared::Publish {
                    product,
                    submission,
                } => Ok(Ready::Ready(format!(
                    "POST {} taking submission {submission} of product/{product} live",
                    endpoint(self, &["configure"], JOB_VERSION)
                ))),
            }
        })
    }

    fn poll_url(&self, operation: &Url) -> Url {
        with_param(operation, "$version", self.version(JOB_VERSION))
    }

    fn read(&self, body: &[u8]) -> Option<Operation> {
        parse_job(body)
    }

    fn operation_id(&self, url: &Url) -> Option<String> {
        job_id(url).map(str::to_owned)
    }

    fn after_success<'a>(&'a self, client: &'a mut Client<'_>) -> Boxed<'a, ()> {
        Box::pin(async move {
            if let Some((product, submission)) = &self.taken_live {
                confirm_live(self, client, product, submission).await;
            }
        })
    }
}

/// `$version` of the product lookup, as documented.
pub const PRODUCT_VERSION: &str = "2022-03-01-preview3";
/// `$version` of submissions, configure and the job status, as documented.
pub const JOB_VERSION: &str = "2022-03-01-preview2";
const CONFIGURE_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2";
const SUBMISSION_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2";

/// One submission of a product (ids and words as the service sent them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: String,
    pub target: String,
    pub status: String,
    pub created: String,
}

/// What the submissions say about going live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A publish is running: going live now would collide with it.
    InFlight(Submission),
    /// Nothing has been published to preview: nothing to take live.
    NoPreview,
    /// The preview submission is the live one.
    AlreadyLive(String),
    /// Take this preview submission live.
    Publish(String),
}

/// The submissions among the items of a `value[]` list; items without an id are skipped.
pub fn submissions(items: &[Value]) -> Vec<Submission> {
    let field = |item: &Value, name: &str| {
        item.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    items
        .iter()
        .filter_map(|item| {
            let id = item.get("id")?.as_str()?.to_owned();
            let target = item
                .get("target")
                .and_then(|t| t.get("targetType"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            Some(Submission {
                id,
                target,
                status: field(item, "status"),
                created: field(item, "created"),
            })
        })
        .collect()
}

/// Whether a submission is a publish under way: a `preview` or `live` submission whose
/// `status` is present and not `completed`. The draft reference (docs, "Querying your
/// submissions": `targetType: draft`, usually without `status`) never is; cloudpub's
/// `ensure_can_publish` reads it the same way.
fn in_flight(submission: &Submission) -> bool {
    let target = &submission.target;
    (target.eq_ignore_ascii_case("preview") || target.eq_ignore_ascii_case("live"))
        && !submission.status.is_empty()
        && !submission.status.eq_ignore_ascii_case("completed")
}

/// The submissions decision, in order (Microsoft Learn, "Querying your submissions";
/// cloudpub's `ensure_can_publish`): a preview or live publish under way is in flight; no
/// preview means nothing to take live; the preview's id on a live submission means
/// already live.
pub fn decide(all: &[Submission]) -> Decision {
    if let Some(running) = all.iter().find(|s| in_flight(s)) {
        return Decision::InFlight(running.clone());
    }
    let targeting = |target: &'static str| {
        all.iter()
            .filter(move |s| s.target.eq_ignore_ascii_case(target))
    };
    // The newest preview (ISO timestamps compare as text; the list order breaks ties).
    let Some(preview) = targeting("preview").max_by(|a, b| a.created.cmp(&b.created)) else {
        return Decision::NoPreview;
    };
    if targeting("live").any(|live| live.id == preview.id) {
        Decision::AlreadyLive(preview.id.clone())
    } else {
        Decision::Publish(preview.id.clone())
    }
}

/// The exact configure body: the preview submission, targeted to live. Never a
/// `lifecycleState` (a live submission marked deprecated deprecates the product).
pub fn configure_body(product: &str, submission: &str) -> Value {
    json!({
        "$schema": CONFIGURE_SCHEMA,
        "resources": [{
            "$schema": SUBMISSION_SCHEMA,
            "id": submission,
            "product": format!("product/{product}"),
            "target": { "targetType": "live" }
        }]
    })
}

/// Reads a job status body as an `Operation`: `jobStatus`/`jobResult` onto the phases,
/// `errors[]` (with their nested `details`) as messages.
pub fn parse_job(body: &[u8]) -> Option<Operation> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let word = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .map(operation::name)
    };
    let status = word("jobStatus");
    let result = word("jobResult");
    if status.is_none() && result.is_none() {
        return None;
    }
    let lower = |w: &Option<String>| w.as_deref().unwrap_or_default().to_ascii_lowercase();
    let (status_word, result_word) = (lower(&status), lower(&result));
    let shown = match (&status, &result) {
        (Some(status), Some(result)) => format!("{status} ({result})"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => String::new(),
    };
    let known = matches!(
        status_word.as_str(),
        "" | "notstarted" | "running" | "completed"
    ) && matches!(
        result_word.as_str(),
        "" | "pending" | "succeeded" | "failed" | "cancelled" | "canceled"
    );
    let phase = match result_word.as_str() {
        "succeeded" => Phase::Succeeded,
        "failed" => Phase::Failed,
        "cancelled" | "canceled" => Phase::Canceled,
        _ if !known => Phase::Unknown(shown.clone()),
        _ => Phase::Waiting,
    };
    let mut messages = Vec::new();
    if let Some(errors) = object.get("errors").and_then(Value::as_array) {
        for error in errors {
            flatten_error(error, 0, &mut messages);
        }
    }
    // However many errors a server nests, a reading keeps a bounded part of them.
    messages.truncate(MAX_ERROR_LINES);
    Some(Operation {
        status: Some(shown),
        phase,
        steps: Vec::new(),
        messages,
    })
}

/// The most error lines one job reading keeps, and the longest one.
const MAX_ERROR_LINES: usize = 500;
const ERROR_LINE_CAP: usize = 4000;

/// `code: message (resource …)`, then its `details` indented below it.
fn flatten_error(error: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > 8 || out.len() >= MAX_ERROR_LINES {
        return;
    }
    let field = |name: &str| error.get(name).and_then(Value::as_str).map(str::trim);
    let mut line = "  ".repeat(depth);
    match (field("code"), field("message")) {
        (Some(code), Some(message)) => line.push_str(&format!("{code}: {message}")),
        (Some(one), None) | (None, Some(one)) => line.push_str(one),
        (None, None) => line.push_str(&text::cap(&error.to_string(), 500)),
    }
    if let Some(resource) = field("resourceId") {
        line.push_str(&format!(" (resource {resource})"));
    }
    out.push(text::cap(&line, ERROR_LINE_CAP));
    if let Some(details) = error.get("details").and_then(Value::as_array) {
        for detail in details {
            flatten_error(detail, depth + 1, out);
        }
    }
}

/// A URL under the base: the path segments, then `$version`.
fn endpoint(pi: &Ingestion, segments: &[&str], documented: &str) -> Url {
    let mut url = under(&pi.base_url, segments);
    url.query_pairs_mut()
        .append_pair("$version", pi.version(documented));
    url
}

/// The job status URL for a job id.
fn job_url(pi: &Ingestion, job: &str) -> Url {
    endpoint(pi, &["configure", job, "status"], JOB_VERSION)
}

/// What triggering found.
enum Triggered {
    /// A go-live job is running.
    Job {
        url: Url,
        id: String,
        first_delay: Duration,
        product: String,
        submission: String,
    },
    /// Nothing to do: the preview submission is already live.
    AlreadyLive,
}

/// What the lookups found: the product and the preview submission to take live, or
/// nothing to do.
enum Prepared {
    Publish { product: String, submission: String },
    AlreadyLive,
}

/// Everything up to the change: the product lookup and the submissions decision.
async fn prepare(
    pi: &Ingestion,
    client: &mut Client<'_>,
    offer: Option<&str>,
    product: Option<&str>,
) -> Result<Prepared, Failure> {
    let product = match product {
        Some(product) => product.to_owned(),
        None => lookup(pi, client, offer.unwrap_or_default()).await?,
    };
    let all = all_submissions(pi, client, &product, "listing the product's submissions").await?;
    let submission = match decide(&all) {
        Decision::InFlight(running) => {
            return Err(Failure::Rejected(format!(
                "a submission of product/{product} is in flight: {} (target {}, status {}); \
                 going live now would collide with it: wait for it to complete, then run again",
                text::plain(&running.id),
                text::plain(&running.target),
                text::plain(&running.status)
            )));
        }
        Decision::NoPreview => {
            return Err(Failure::Rejected(format!(
                "product/{product} has no preview submission, so there is nothing to take live: \
                 publish the offer to preview first (Partner Center, Review and publish)"
            )));
        }
        Decision::AlreadyLive(id) => {
            client.report.info(&format!(
                "product/{product} is already live: its preview submission {id} is the live one; nothing to do"
            ));
            return Ok(Prepared::AlreadyLive);
        }
        Decision::Publish(id) => id,
    };
    Ok(Prepared::Publish {
        product,
        submission,
    })
}

/// Looks up the product, checks the submissions, and starts the go-live job.
async fn trigger(
    pi: &Ingestion,
    client: &mut Client<'_>,
    offer: Option<&str>,
    product: Option<&str>,
) -> Result<Triggered, Failure> {
    let (product, submission) = match prepare(pi, client, offer, product).await? {
        Prepared::AlreadyLive => return Ok(Triggered::AlreadyLive),
        Prepared::Publish {
            product,
            submission,
        } => (product, submission),
    };
    client.report.info(&format!(
        "taking submission {submission} of product/{product} live"
    ));
    let url = endpoint(pi, &["configure"], JOB_VERSION);
    let reply = client
        .post_once(
            Call::post(&url).json(&configure_body(&product, &submission)),
            "the go-live configure request",
            pi,
        )
        .await?;
    let answer: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let job = answer
        .as_ref()
        .and_then(|a| a.get("jobId").or_else(|| a.get("jobID")))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            Failure::Unexpected(format!(
                "the configure request was accepted (HTTP {}) but named no jobId, so there is no job to follow; \
                 check the offer in Partner Center before running again",
                reply.status
            ))
        })?
        .to_owned();
    let first_delay = floored(client.poll_interval(), reply.retry_after());
    Ok(Triggered::Job {
        url: job_url(pi, &job),
        id: job,
        first_delay,
        product,
        submission,
    })
}

/// The most pages of one list golive reads: a product list or a submissions list is a
/// handful of pages; a server that keeps linking on is not followed forever.
pub const MAX_PAGES: usize = 50;

/// Reads a list answer page by page: each page's `value[]`, following `@nextLink` (the
/// docs' product list sample; `nextLink` as the Azure CLI's Partner Center client reads
/// it) while `more` says the items so far are not enough. A next link may be relative to
/// the API root (as the Azure CLI's recorded links are) but must stay on the base-url
/// origin, where the token goes; it gets the call's `$version` when it has none.
async fn list(
    pi: &Ingestion,
    client: &mut Client<'_>,
    first: Url,
    documented: &str,
    doing: &str,
    more: impl Fn(&[Value]) -> bool,
) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    let mut url = first;
    for _ in 0..MAX_PAGES {
        let body = client.get_json(&url, doing, pi).await?;
        if let Some(page) = body.get("value").and_then(Value::as_array) {
            items.extend(page.iter().cloned());
        }
        let next = body
            .get("@nextLink")
            .or_else(|| body.get("nextLink"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|link| !link.is_empty());
        let Some(next) = next else {
            return Ok(items);
        };
        if !more(&items) {
            return Ok(items);
        }
        url = next_page(pi, next, documented, doing)?;
    }
    Err(Failure::Unexpected(format!(
        "{doing}: the service linked more than {MAX_PAGES} pages; golive stops there. \
         Check the offer in Partner Center"
    )))
}

/// The URL of the next page: resolved against the API root, kept on the base-url origin,
/// with a `$version`.
fn next_page(pi: &Ingestion, link: &str, documented: &str, doing: &str) -> Result<Url, Failure> {
    let base = &pi.base_url;
    let mut root = base.clone();
    if !root.path().ends_with('/') {
        root.set_path(&format!("{}/", root.path()));
    }
    let url = join_url(&root, link).ok_or_else(|| {
        Failure::Unexpected(format!(
            "{doing}: the next page link is not a URL: {:?}",
            text::cap(&text::plain(link), 300)
        ))
    })?;
    if url.origin() != base.origin() {
        return Err(Failure::Unexpected(format!(
            "{doing}: refused to follow the next page at {}: it is not on the base-url origin {} \
             (the token is only sent there)",
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        )));
    }
    Ok(with_param(&url, "$version", pi.version(documented)))
}

/// A product's external id: `identity.externalId` (docs), or `externalID` as some
/// clients spell it.
fn external_id(product: &Value) -> Option<&str> {
    let identity = product.get("identity")?;
    identity
        .get("externalId")
        .or_else(|| identity.get("externalID"))
        .and_then(Value::as_str)
}

/// The product whose external id is `offer` (case-insensitively). A lone product that
/// names no external id at all is taken as the answer to the filtered lookup; any other
/// product is never taken, so a service that ignored the filter cannot send another
/// offer live.
fn matching_product<'a>(products: &'a [Value], offer: &str) -> Option<&'a Value> {
    products
        .iter()
        .find(|p| external_id(p).is_some_and(|e| e.eq_ignore_ascii_case(offer)))
        .or_else(|| match products {
            [only] if only.get("identity").is_none() => Some(only),
            _ => None,
        })
}

/// `GET …/product?externalID=…`: the product's guid, or exit 4.
async fn lookup(pi: &Ingestion, client: &mut Client<'_>, offer: &str) -> Result<String, Failure> {
    let mut url = endpoint(pi, &["product"], PRODUCT_VERSION);
    url.query_pairs_mut().append_pair("externalID", offer);
    let products = list(
        pi,
        client,
        url,
        PRODUCT_VERSION,
        "looking up the product",
        |found| matching_product(found, offer).is_none(),
    )
    .await?;
    let id = matching_product(&products, offer)
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Failure::NotFound(format!(
                "no product with the external id '{offer}' in Partner Center: check offer-id (the offer's \
                 \"Offer ID\"), and that the app was added to this Partner Center account. An offer onboarded \
                 to the Cloud Partner Portal before 2020 goes live with api: cpp and its publisher-id"
            ))
        })?;
    let guid = id.strip_prefix("product/").unwrap_or(id);
    // The guid goes into a URL path: only what a guid holds.
    if guid.is_empty() || !guid.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(Failure::Unexpected(format!(
            "the product lookup answered with an id that is not product/<guid>: {:?}",
            text::cap(&text::plain(id), 100)
        )));
    }
    client
        .report
        .info(&format!("offer '{offer}' is product/{guid}"));
    Ok(guid.to_owned())
}

/// Every submission of the product, all pages read.
async fn all_submissions(
    pi: &Ingestion,
    client: &mut Client<'_>,
    product: &str,
    doing: &str,
) -> Result<Vec<Submission>, Failure> {
    let url = endpoint(pi, &["submission", product], JOB_VERSION);
    let items = list(pi, client, url, JOB_VERSION, doing, |_| true).await?;
    Ok(submissions(&items))
}

/// After success: a live submission with the preview's id should exist now.
async fn confirm_live(pi: &Ingestion, client: &mut Client<'_>, product: &str, submission: &str) {
    match all_submissions(pi, client, product, "confirming the live submission").await {
        Ok(all) => {
            let live = all
                .into_iter()
                .any(|s| s.target.eq_ignore_ascii_case("live") && s.id == submission);
            if live {
                client
                    .report
                    .info(&format!("confirmed: submission {submission} is live"));
            } else {
                client.report.warn(&format!(
                    "the job succeeded, but no live submission {submission} of product/{product} is listed yet; \
                     check the offer in Partner Center"
                ));
            }
        }
        Err(failure) => client.report.warn(&format!(
            "the job succeeded, but the live submission could not be confirmed: {failure}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, target: &str, status: &str, created: &str) -> Submission {
        Submission {
            id: id.into(),
            target: target.into(),
            status: status.into(),
            created: created.into(),
        }
    }

    #[test]
    fn the_submissions_decide_what_to_do() {
        // The draft reference as the docs show it: no status, no result, no created.
        let draft = sub("submission/p/0", "draft", "", "");
        let preview = sub("submission/p/2", "preview", "completed", "2024-02-01");
        let old_live = sub("submission/p/1", "live", "completed", "2023-01-01");
        assert_eq!(
            decide(&[draft.clone(), old_live.clone(), preview.clone()]),
            Decision::Publish("submission/p/2".into())
        );
        // A draft never blocks, whatever its status says.
        let busy_draft = sub("submission/p/0", "draft", "running", "");
        assert_eq!(
            decide(&[busy_draft, preview.clone()]),
            Decision::Publish("submission/p/2".into())
        );
        assert_eq!(
            decide(&[draft.clone(), old_live.clone()]),
            Decision::NoPreview
        );
        let live = sub("submission/p/2", "live", "completed", "2024-02-02");
        assert_eq!(
            decide(&[draft.clone(), preview.clone(), live]),
            Decision::AlreadyLive("submission/p/2".into())
        );
        for target in ["preview", "Live"] {
            let running = sub("submission/p/3", target, "running", "2024-03-01");
            assert_eq!(
                decide(&[draft.clone(), preview.clone(), running.clone()]),
                Decision::InFlight(running)
            );
        }
        let newer = sub("submission/p/4", "preview", "Completed", "2024-04-01");
        assert_eq!(
            decide(&[newer, preview]),
            Decision::Publish("submission/p/4".into())
        );
    }

    #[test]
    fn only_the_product_named_by_the_offer_is_taken() {
        let product = |id: &str, external: Option<&str>| match external {
            Some(e) => json!({"id": id, "identity": {"externalId": e}}),
            None => json!({"id": id}),
        };
        let list = [
            product("product/a", Some("other")),
            product("product/b", Some("Contoso-Offer")),
        ];
        let found = matching_product(&list, "contoso-offer").map(|p| p["id"].clone());
        assert_eq!(found, Some(json!("product/b")));
        let capital = [json!({"id": "product/c", "identity": {"externalID": "contoso-offer"}})];
        assert!(matching_product(&capital, "contoso-offer").is_some());
        // A service that ignored the filter and listed other offers: none is taken.
        assert!(matching_product(&list[..1], "contoso-offer").is_none());
        // A lone answer without any identity is the filtered lookup's answer.
        assert!(matching_product(&[product("product/d", None)], "x").is_some());
        assert!(
            matching_product(
                &[product("product/d", None), product("product/e", None)],
                "x"
            )
            .is_none()
        );
    }

    #[test]
    fn the_configure_body_targets_the_preview_submission_to_live() {
        let body = configure_body("abc", "submission/abc/7");
        assert_eq!(body["resources"][0]["id"], "submission/abc/7");
        assert_eq!(body["resources"][0]["product"], "product/abc");
        assert_eq!(body["resources"][0]["target"]["targetType"], "live");
        assert!(!body.to_string().contains("lifecycleState"));
    }

    #[test]
    fn job_status_maps_onto_phases_and_nested_errors_are_messages() {
        let read = |json: &str| parse_job(json.as_bytes()).unwrap_or_else(|| panic!("{json}"));
        assert_eq!(
            read(r#"{"jobStatus":"running","jobResult":"pending"}"#).phase,
            Phase::Waiting
        );
        assert_eq!(
            read(r#"{"jobStatus":"completed","jobResult":"succeeded"}"#).phase,
            Phase::Succeeded
        );
        assert_eq!(
            read(r#"{"jobStatus":"completed","jobResult":"cancelled"}"#).phase,
            Phase::Canceled
        );
        let failed = read(
            r#"{"jobStatus":"completed","jobResult":"failed","errors":[{"code":"invalidState","message":"Certification failed",
                "resourceId":"plan/x","details":[{"code":"vhd","message":"VHD not generalized","details":[{"message":"deep"}]}]}]}"#,
        );
        assert_eq!(failed.phase, Phase::Failed);
        assert_eq!(
            failed.messages,
            [
                "invalidState: Certification failed (resource plan/x)",
                "  vhd: VHD not generalized",
                "    deep"
            ]
        );
        assert_eq!(failed.status.as_deref(), Some("completed (failed)"));
        assert!(matches!(
            read(r#"{"jobStatus":"paused","jobResult":"pending"}"#).phase,
            Phase::Unknown(_)
        ));
        assert!(
            parse_job(b"{}").is_none() && parse_job(b"[]").is_none() && parse_job(b"x").is_none()
        );
    }
}
