//! The product-ingestion backend against a local mock of Partner Center's API, running
//! the built binary: the calls it makes and their bodies, every decision the submissions
//! drive, the job's end states, retries, timeout, resume, and the Graph token scope.

use crate::support::partner_center as pc;
use crate::support::{Reply, Server, TOKEN, assert_code, assert_contains, form, golive, query};
use serde_json::{Value, json};

const BASE: &str = "/rp/product-ingestion";
const PRODUCT: &str = "8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c";
const LIVE: &str = "submission/8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c/1152921515689847470";
const PREVIEW: &str = "submission/8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c/1152921515689848683";
const JOB: &str = "9d8c7b6a-5f4e-3d2c-1b0a-0123456789ab";

fn path(rest: &str) -> String {
    format!("{BASE}{rest}")
}

fn product_path() -> String {
    path("/product")
}

fn submissions_path() -> String {
    path(&format!("/submission/{PRODUCT}"))
}

fn status_path() -> String {
    path(&format!("/configure/{JOB}/status"))
}

fn ok(body: &Value) -> Reply {
    Reply::json(200, &body.to_string())
}

fn submissions(items: &[Value]) -> Reply {
    ok(&pc::page(items, None))
}

fn job(status: &str, result: &str) -> Reply {
    ok(&pc::job_status(JOB, status, result, &json!([])))
}

/// Partner Center as its docs show it: the product, the submissions list with its draft
/// reference (then the live entry sharing the preview's id), and a job that runs to
/// success. Every body comes from `crate::support::partner_center`, which names its sources.
fn partner_center() -> Server {
    let server = Server::start();
    server.route(
        "GET",
        &product_path(),
        vec![ok(&pc::page(
            &[pc::product(PRODUCT, "externalId", "contoso-offer")],
            None,
        ))],
    );
    server.route(
        "GET",
        &submissions_path(),
        vec![
            submissions(&pc::before_go_live(PRODUCT, LIVE, PREVIEW)),
            submissions(&pc::after_go_live(PRODUCT, PREVIEW)),
        ],
    );
    server.route(
        "POST",
        &path("/configure"),
        vec![Reply::json(202, &pc::configure_accepted(JOB).to_string())],
    );
    server.route(
        "GET",
        &status_path(),
        vec![
            job("notStarted", "pending"),
            job("running", "pending"),
            job("completed", "succeeded"),
        ],
    );
    server
}

fn golive_pc(server: &Server) -> crate::support::Golive {
    golive()
        .env("INPUT_API", "product-ingestion")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &format!("{}{BASE}", server.url()))
        .env("INPUT_POLL-INTERVAL", "20ms")
}

fn version(request: &crate::support::server::Request) -> String {
    query(&request.target)
        .get("$version")
        .cloned()
        .unwrap_or_default()
}

#[test]
fn going_live_makes_the_documented_calls_with_the_exact_configure_body() {
    let server = partner_center();
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    let calls: Vec<(String, String)> = server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let expected = [
        ("GET", product_path()),
        ("GET", submissions_path()),
        ("POST", path("/configure")),
        ("GET", status_path()),
        ("GET", status_path()),
        ("GET", status_path()),
        ("GET", submissions_path()),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(m, p)| ((*m).to_owned(), p.clone()))
        .collect();
    assert_eq!(calls, expected);

    let requests = server.requests();
    let lookup = query(&requests[0].target);
    assert_eq!(
        lookup.get("externalID").map(String::as_str),
        Some("contoso-offer")
    );
    assert_eq!(version(&requests[0]), "2022-03-01-preview3");
    assert!(
        requests[1..]
            .iter()
            .all(|r| version(r) == "2022-03-01-preview2"),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("accept") == Some("application/json"))
    );

    let configure = &requests[2];
    assert_eq!(configure.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&configure.body).unwrap();
    assert_eq!(
        body,
        json!({
            "$schema": "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2",
            "resources": [{
                "$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
                "id": PREVIEW,
                "product": format!("product/{PRODUCT}"),
                "target": {"targetType": "live"}
            }]
        })
    );
    assert!(!String::from_utf8_lossy(&configure.body).contains("lifecycleState"));

    let location = format!(
        "{}{}?%24version=2022-03-01-preview2",
        server.url(),
        status_path()
    );
    assert_eq!(
        outcome.output("operation-location"),
        Some(location.as_str())
    );
    assert_eq!(outcome.output("operation-id"), Some(JOB));
    assert_eq!(outcome.output("status"), Some("succeeded"));
    for line in [
        "operation: running (pending)",
        "operation: completed (succeeded)",
        &format!("confirmed: submission {PREVIEW} is live"),
    ] {
        assert!(
            outcome.stdout.contains(line),
            "missing {line:?}:\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn the_job_id_may_be_spelled_job_id_with_capitals() {
    let server = partner_center();
    server.route(
        "POST",
        &path("/configure"),
        // [PI] "Status of a pending request" names the field "jobID".
        vec![Reply::json(
            202,
            &json!({"jobID": JOB, "jobStatus": "notStarted", "jobResult": "pending", "errors": []})
                .to_string(),
        )],
    );
    let outcome = golive_pc(&server).run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("operation-id"), Some(JOB));
    assert_eq!(outcome.output("status"), Some("accepted"));
}

#[test]
fn a_product_id_skips_the_lookup() {
    let server = partner_center();
    let outcome = golive_pc(&server)
        .without("INPUT_OFFER-ID")
        .env("INPUT_PRODUCT-ID", &format!("product/{PRODUCT}"))
        .run();
    assert_code(&outcome, 0);
    assert!(server.hits("GET", &product_path()).is_empty());
    assert_eq!(server.hits("POST", &path("/configure")).len(), 1);
}

#[test]
fn an_unknown_offer_is_exit_4_and_nothing_is_posted() {
    let server = partner_center();
    server.route("GET", &product_path(), vec![ok(&pc::page(&[], None))]);
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 4);
    assert_contains(
        &outcome.stderr,
        "no product with the external id 'contoso-offer'",
    );
    // The reverse of the cpp 404 hint: an older offer needs the other API.
    assert_contains(
        &outcome.stderr,
        "goes live with api: cpp and its publisher-id",
    );
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn no_preview_submission_says_to_publish_to_preview_first() {
    let server = partner_center();
    server.route(
        "GET",
        &submissions_path(),
        vec![submissions(&[
            pc::draft_reference(PRODUCT),
            pc::submission(PRODUCT, LIVE, "live", "completed", "2022-01-25T07:13:06Z"),
        ])],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert_contains(&outcome.stderr, "publish the offer to preview first");
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn a_submission_in_flight_is_exit_3_naming_it() {
    let server = partner_center();
    server.route(
        "GET",
        &submissions_path(),
        vec![submissions(&pc::during_go_live(PRODUCT, LIVE, PREVIEW))],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert_contains(
        &outcome.stderr,
        format!("in flight: {PREVIEW} (target live, status running)"),
    );
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn a_preview_publish_under_way_is_in_flight_but_the_draft_reference_never_is() {
    // A preview submission still running: exit 3, nothing posted.
    let server = partner_center();
    let mut list = pc::before_go_live(PRODUCT, LIVE, PREVIEW);
    list.push(pc::submission(
        PRODUCT,
        &format!("submission/{PRODUCT}/9"),
        "preview",
        "running",
        "2022-02-06T10:00:00Z",
    ));
    server.route("GET", &submissions_path(), vec![submissions(&list)]);
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert_contains(&outcome.stderr, "target preview, status running");
    assert!(server.hits("POST", &path("/configure")).is_empty());

    // A draft reference that carries a status (or none) never blocks the go-live.
    let server = partner_center();
    let mut list = pc::before_go_live(PRODUCT, LIVE, PREVIEW);
    list[0]["status"] = json!("notStarted");
    server.route("GET", &submissions_path(), vec![submissions(&list)]);
    let outcome = golive_pc(&server).run();
    assert_code(&outcome, 0);
    assert_eq!(server.hits("POST", &path("/configure")).len(), 1);
}

#[test]
fn an_offer_already_live_succeeds_without_posting() {
    let server = partner_center();
    server.route(
        "GET",
        &submissions_path(),
        vec![submissions(&pc::after_go_live(PRODUCT, PREVIEW))],
    );
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("status"), Some("succeeded"));
    assert_contains(&outcome.stdout, "already live");
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn a_failed_job_shows_every_error_with_its_details() {
    let server = partner_center();
    server.route(
        "GET",
        &status_path(),
        // The shape of [cloudpub]'s nested `errors` (with the spec's `resourceId`), the
        // texts chosen to test hygiene.
        vec![ok(&pc::job_status(
            JOB,
            "completed",
            "failed",
            &json!([
                {"code": "invalidState", "message": "Certification failed", "resourceId": "plan/gen2",
                 "details": [{"code": "vhdNotGeneralized", "message": "The VHD ::error::x is not generalized", "details": []}]},
                {"code": "businessValidationError", "message": "Missing <b>privacy</b> policy link"}
            ]),
        ))],
    );
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 6);
    assert_eq!(outcome.output("status"), Some("failed"));
    for line in [
        "| invalidState: Certification failed (resource plan/gen2)",
        "|   vhdNotGeneralized: The VHD ::error::x is not generalized",
        "| businessValidationError: Missing <b>privacy</b> policy link",
    ] {
        assert!(
            outcome.stdout.contains(line),
            "missing {line:?}:\n{}",
            outcome.stdout
        );
    }
    assert!(
        outcome.summary.contains("vhdNotGeneralized") && outcome.summary.contains("&lt;b&gt;"),
        "{}",
        outcome.summary
    );
    let commands = outcome.github_commands();
    assert_eq!(
        commands.iter().filter(|c| *c == "error").count(),
        1,
        "{commands:?}"
    );
}

#[test]
fn a_cancelled_job_is_exit_6_canceled() {
    let server = partner_center();
    server.route("GET", &status_path(), vec![job("completed", "cancelled")]);
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 6);
    assert_eq!(outcome.output("status"), Some("canceled"));
}

#[test]
fn server_errors_and_throttling_during_polling_are_retried() {
    let server = partner_center();
    server.route(
        "GET",
        &status_path(),
        vec![
            Reply::status(500),
            Reply::status(429).header("Retry-After", "0"),
            Reply::status(503),
            job("completed", "succeeded"),
        ],
    );
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(server.hits("GET", &status_path()).len(), 4);
    assert_eq!(
        outcome
            .stdout
            .matches("polling the operation failed")
            .count(),
        3,
        "{}",
        outcome.stdout
    );
}

#[test]
fn a_timeout_is_exit_7_with_the_job_to_resume() {
    let server = partner_center();
    server.route("GET", &status_path(), vec![job("running", "pending")]);
    let outcome = golive_pc(&server)
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "1s")
        .run();
    assert_code(&outcome, 7);
    assert_eq!(outcome.output("status"), Some("timed-out"));
    assert_eq!(outcome.output("operation-id"), Some(JOB));
}

#[test]
fn resuming_from_a_job_url_needs_no_api_input_and_posts_nothing() {
    let server = partner_center();
    server.route("GET", &status_path(), vec![job("completed", "succeeded")]);
    let location = format!(
        "{}{}?$version=2022-03-01-preview2",
        server.url(),
        status_path()
    );
    let outcome = golive()
        .env("INPUT_OPERATION-LOCATION", &location)
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &format!("{}{BASE}", server.url()))
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 0);
    assert_contains(&outcome.stdout, "api: product-ingestion");
    assert_eq!(server.requests().len(), 1, "one poll, nothing else");
    assert_eq!(outcome.output("operation-id"), Some(JOB));

    let outcome = golive()
        .env("INPUT_OPERATION-LOCATION", &location)
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &format!("{}{BASE}", server.url()))
        .env("INPUT_API", "cpp")
        .run();
    assert_code(&outcome, 2);
    assert_contains(&outcome.log(), "leave api unset when resuming");
}

#[test]
fn tokens_are_requested_for_microsoft_graph_with_every_source() {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let token_path = format!("/{tenant}/oauth2/v2.0/token");
    let token = Reply::json(200, r#"{"access_token":"graph-token-1","expires_in":3600}"#);

    // Client secret and a federated token file: scope https://graph.microsoft.com/.default.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwt");
    std::fs::write(&file, "federated-jwt").unwrap();
    for (name, value) in [
        ("AZURE_CLIENT_SECRET", "client-secret-value".to_owned()),
        ("AZURE_FEDERATED_TOKEN_FILE", file.display().to_string()),
    ] {
        let server = partner_center();
        let idp = Server::start();
        idp.route("POST", &token_path, vec![token.clone()]);
        let outcome = golive_pc(&server)
            .without("INPUT_TOKEN")
            .env("AZURE_TENANT_ID", tenant)
            .env("AZURE_CLIENT_ID", "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f")
            .env("AZURE_AUTHORITY_HOST", &idp.url())
            .env(name, &value)
            .run();
        assert_code(&outcome, 0);
        let sent = form(&idp.hits("POST", &token_path)[0].body);
        assert_eq!(
            sent.get("scope").map(String::as_str),
            Some("https://graph.microsoft.com/.default"),
            "{name}"
        );
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.header("authorization") == Some("Bearer graph-token-1"))
        );
    }

    // A managed identity: resource https://graph.microsoft.com.
    let server = partner_center();
    let imds = Server::start();
    imds.route("GET", "/metadata/identity/oauth2/token", vec![token]);
    let outcome = golive_pc(&server)
        .without("INPUT_TOKEN")
        .env("INPUT_MANAGED-IDENTITY", "true")
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &imds.url())
        .run();
    assert_code(&outcome, 0);
    let asked = query(&imds.hits("GET", "/metadata/identity/oauth2/token")[0].target);
    assert_eq!(
        asked.get("resource").map(String::as_str),
        Some("https://graph.microsoft.com")
    );
}

#[test]
fn product_ingestion_polls_once_a_minute_by_default() {
    let server = partner_center();
    server.route("GET", &status_path(), vec![job("running", "pending")]);
    let (child, dir) = golive_pc(&server)
        .without("INPUT_POLL-INTERVAL")
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "3s")
        .spawn();
    let outcome = crate::support::finish(child, dir);
    assert_code(&outcome, 7);
    assert_contains(&outcome.stdout, "polling every 1m0s");
    // The first poll comes one interval after the configure POST: none within 3 s.
    assert!(server.hits("GET", &status_path()).is_empty());
}

#[test]
fn the_documented_list_with_its_draft_reference_goes_live_end_to_end() {
    // [PI]'s "Querying your submissions" sample as it stands: draft reference, an older
    // live submission, a newer preview. Before the fix golive called this "in flight".
    let server = partner_center();
    let outcome = golive_pc(&server)
        .env("INPUT_WAIT", "true")
        .outside_github()
        .run();
    assert_code(&outcome, 0);
    let configure = &server.hits("POST", &path("/configure"))[0];
    let body: Value = serde_json::from_slice(&configure.body).unwrap();
    assert_eq!(body["resources"][0]["id"], PREVIEW);
    assert_contains(
        &outcome.stdout,
        format!("confirmed: submission {PREVIEW} is live"),
    );
}

#[test]
fn every_documented_spelling_of_the_job_and_identity_is_understood() {
    // [PO]'s job table capitalises the words (NotStarted, Running, Completed; Pending,
    // Succeeded); the identity may say externalID; the job id may be jobID.
    let server = partner_center();
    server.route(
        "GET",
        &product_path(),
        vec![ok(&pc::page(
            &[pc::product(PRODUCT, "externalID", "contoso-offer")],
            None,
        ))],
    );
    server.route(
        "POST",
        &path("/configure"),
        vec![Reply::json(
            202,
            &json!({"jobID": JOB, "jobStatus": "NotStarted", "jobResult": "Pending", "errors": []})
                .to_string(),
        )],
    );
    server.route(
        "GET",
        &status_path(),
        vec![job("Running", "Pending"), job("Completed", "Succeeded")],
    );
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("status"), Some("succeeded"));
    assert_contains(&outcome.stdout, "operation: Completed (Succeeded)");
    assert!(
        !outcome.log().contains("unknown operation status"),
        "{}",
        outcome.log()
    );

    // [PO]'s failure sample and [cloudpub]'s nested errors, with a capitalised Failed.
    let server = partner_center();
    server.route(
        "GET",
        &status_path(),
        vec![ok(&pc::job_status(
            JOB,
            "Completed",
            "Failed",
            &pc::nested_errors(),
        ))],
    );
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 6);
    for line in [
        "| conflict: Error message",
        "|   invalidResource: Failure for resource",
        "| Conflict: The start date should be defined",
    ] {
        assert!(outcome.stdout.contains(line), "{line}:\n{}", outcome.stdout);
    }
}

#[test]
fn a_paged_product_list_is_followed_to_the_offer_and_never_takes_another() {
    let other = "0a0a00aa-00a0-0a00-0a0a-00000a000a00";
    let server = partner_center();
    // Page 1 holds another offer and a relative next link ([PO]: "@nextLink": an opaque
    // URI); page 2, an absolute link on the same origin to page 3, which holds ours.
    server.route(
        "GET",
        &product_path(),
        vec![
            ok(&pc::page(
                &[pc::product(other, "externalId", "another-offer")],
                Some("product?externalID=contoso-offer&$skipToken=page2"),
            )),
            ok(&pc::page(
                &[],
                Some(&format!(
                    "{}{BASE}/product?externalID=contoso-offer&$skipToken=page3&$version=2022-03-01-preview3",
                    server.url()
                )),
            )),
            ok(&pc::page(
                &[pc::product(PRODUCT, "externalId", "contoso-offer")],
                None,
            )),
        ],
    );
    let outcome = golive_pc(&server).run();
    assert_code(&outcome, 0);
    let pages = server.hits("GET", &product_path());
    assert_eq!(pages.len(), 3);
    assert_eq!(
        query(&pages[1].target)
            .get("$skipToken")
            .map(String::as_str),
        Some("page2")
    );
    // The relative link had no $version: golive added the documented one, once.
    assert_eq!(version(&pages[1]), "2022-03-01-preview3");
    assert_eq!(pages[2].target.matches("$version").count(), 1);
    assert!(
        pages
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
    let body: Value =
        serde_json::from_slice(&server.hits("POST", &path("/configure"))[0].body).unwrap();
    assert_eq!(
        body["resources"][0]["product"],
        format!("product/{PRODUCT}")
    );

    // A list that never names the offer (a filter the service ignored): exit 4, and the
    // other offer is not taken live.
    let server = partner_center();
    server.route(
        "GET",
        &product_path(),
        vec![ok(&pc::page(
            &[pc::product(other, "externalId", "another-offer")],
            None,
        ))],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 4);
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn a_paged_submissions_list_is_read_whole_before_deciding() {
    let server = partner_center();
    let [draft, live, preview] = <[Value; 3]>::try_from(pc::before_go_live(PRODUCT, LIVE, PREVIEW))
        .expect("three submissions");
    server.route(
        "GET",
        &submissions_path(),
        vec![
            ok(&pc::page(
                &[draft, live],
                Some(&format!(
                    "submission/{PRODUCT}?$maxpagesize=2&continuationToken=t2"
                )),
            )),
            ok(&pc::page(&[preview], None)),
        ],
    );
    let outcome = golive_pc(&server).run();
    assert_code(&outcome, 0);
    let pages = server.hits("GET", &submissions_path());
    assert_eq!(pages.len(), 2);
    assert_eq!(
        query(&pages[1].target)
            .get("continuationToken")
            .map(String::as_str),
        Some("t2")
    );
    assert_eq!(server.hits("POST", &path("/configure")).len(), 1);
}

#[test]
fn a_next_link_to_another_origin_is_refused_and_gets_no_token() {
    let elsewhere = Server::start();
    let server = partner_center();
    server.route(
        "GET",
        &product_path(),
        vec![ok(&pc::page(
            &[],
            Some(&format!("{}{BASE}/product?$skipToken=x", elsewhere.url())),
        ))],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 1);
    assert!(
        outcome.stderr.contains("refused to follow the next page")
            && outcome.stderr.contains(&elsewhere.url()),
        "{}",
        outcome.stderr
    );
    assert!(elsewhere.requests().is_empty());
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn a_list_that_links_on_forever_stops_after_a_bounded_number_of_pages() {
    let server = partner_center();
    server.route(
        "GET",
        &product_path(),
        vec![ok(&pc::page(&[], Some("product?$skipToken=again")))],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 1);
    assert_contains(&outcome.stderr, "more than 50 pages");
    assert_eq!(server.hits("GET", &product_path()).len(), 50);
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn throttling_without_retry_after_waits_at_least_the_poll_interval() {
    // No Retry-After is documented for Partner Center ([PI]); a 429 or 503 without one
    // must not be answered by polling again at once.
    for throttled in [429, 503] {
        let server = partner_center();
        server.route(
            "GET",
            &status_path(),
            vec![Reply::status(throttled), job("completed", "succeeded")],
        );
        let outcome = golive_pc(&server)
            .env("INPUT_WAIT", "true")
            .env("INPUT_POLL-INTERVAL", "1s")
            .run();
        assert_code(&outcome, 0);
        let polls = server.hits("GET", &status_path());
        assert_eq!(polls.len(), 2);
        let gap = polls[1].at.duration_since(polls[0].at);
        assert!(
            gap >= std::time::Duration::from_secs(1),
            "{throttled}: retried after {gap:?}"
        );
    }

    // The same for the configure POST: throttled, it waits before asking again.
    let server = partner_center();
    server.route(
        "POST",
        &path("/configure"),
        vec![
            Reply::status(429),
            Reply::json(202, &pc::configure_accepted(JOB).to_string()),
        ],
    );
    let outcome = golive_pc(&server).env("INPUT_POLL-INTERVAL", "1s").run();
    assert_code(&outcome, 0);
    let posts = server.hits("POST", &path("/configure"));
    assert_eq!(posts.len(), 2);
    let gap = posts[1].at.duration_since(posts[0].at);
    assert!(gap >= std::time::Duration::from_secs(1), "{gap:?}");
}
