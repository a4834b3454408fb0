//! The product-ingestion backend against a local mock of Partner Center's API, running
//! the built binary: the calls it makes and their bodies, every decision the submissions
//! drive, the job's end states, retries, timeout, resume, and the Graph token scope.

mod support;

use serde_json::{Value, json};
use support::{Reply, Server, TOKEN, assert_code, form, golive, query};

const BASE: &str = "/rp/product-ingestion";
const PRODUCT: &str = "8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c";
const PREVIEW: &str = "submission/8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c/4";
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

fn submission(id: &str, target: &str, status: &str) -> Value {
    json!({"id": id, "product": format!("product/{PRODUCT}"), "target": {"targetType": target},
           "status": status, "result": "succeeded", "created": "2026-11-01T10:00:00Z"})
}

fn submissions(items: &[Value]) -> Reply {
    Reply::json(200, &json!({ "value": items }).to_string())
}

fn job(status: &str, result: &str) -> Reply {
    Reply::json(
        200,
        &json!({"jobId": JOB, "jobStatus": status, "jobResult": result, "jobStart": "2026-11-27T10:00:00Z", "errors": []}).to_string(),
    )
}

/// A product with a draft, an older live and a preview submission ready to go live.
fn partner_center() -> Server {
    let server = Server::start();
    server.route(
        "GET",
        &product_path(),
        vec![Reply::json(
            200,
            &json!({"value": [{"id": format!("product/{PRODUCT}"), "identity": {"externalId": "contoso-offer"}, "type": "azureVirtualMachine"}]}).to_string(),
        )],
    );
    let before = [
        submission("submission/x/1", "draft", "completed"),
        submission("submission/x/2", "live", "completed"),
        submission(PREVIEW, "preview", "completed"),
    ];
    let after = [
        submission("submission/x/1", "draft", "completed"),
        submission(PREVIEW, "preview", "completed"),
        submission(PREVIEW, "live", "completed"),
    ];
    server.route(
        "GET",
        &submissions_path(),
        vec![submissions(&before), submissions(&after)],
    );
    server.route(
        "POST",
        &path("/configure"),
        vec![Reply::json(
            202,
            &json!({"jobId": JOB, "jobStatus": "notStarted", "jobResult": "pending", "errors": []})
                .to_string(),
        )],
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

fn golive_pc(server: &Server) -> support::Golive {
    golive()
        .env("INPUT_API", "product-ingestion")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &format!("{}{BASE}", server.url()))
        .env("INPUT_POLL-INTERVAL", "20ms")
}

fn version(request: &support::server::Request) -> String {
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
    let body: Value = serde_json::from_slice(&configure.body).unwrap_or_else(|e| panic!("{e}"));
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
        vec![Reply::json(
            202,
            &json!({"jobID": JOB, "jobStatus": "notStarted"}).to_string(),
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
    server.route(
        "GET",
        &product_path(),
        vec![Reply::json(200, r#"{"value":[]}"#)],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 4);
    assert!(
        outcome
            .stderr
            .contains("no product with the external id 'contoso-offer'"),
        "{}",
        outcome.stderr
    );
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn no_preview_submission_says_to_publish_to_preview_first() {
    let server = partner_center();
    server.route(
        "GET",
        &submissions_path(),
        vec![submissions(&[submission(
            "submission/x/2",
            "live",
            "completed",
        )])],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert!(
        outcome
            .stderr
            .contains("publish the offer to preview first"),
        "{}",
        outcome.stderr
    );
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn a_submission_in_flight_is_exit_3_naming_it() {
    let server = partner_center();
    server.route(
        "GET",
        &submissions_path(),
        vec![submissions(&[
            submission(PREVIEW, "preview", "completed"),
            submission("submission/x/5", "live", "running"),
        ])],
    );
    let outcome = golive_pc(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert!(
        outcome
            .stderr
            .contains("in flight: submission/x/5 (target live, status running)"),
        "{}",
        outcome.stderr
    );
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn an_offer_already_live_succeeds_without_posting() {
    let server = partner_center();
    server.route(
        "GET",
        &submissions_path(),
        vec![submissions(&[
            submission(PREVIEW, "preview", "completed"),
            submission(PREVIEW, "live", "completed"),
        ])],
    );
    let outcome = golive_pc(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("status"), Some("succeeded"));
    assert!(
        outcome.stdout.contains("already live"),
        "{}",
        outcome.stdout
    );
    assert!(server.hits("POST", &path("/configure")).is_empty());
}

#[test]
fn a_failed_job_shows_every_error_with_its_details() {
    let server = partner_center();
    server.route(
        "GET",
        &status_path(),
        vec![Reply::json(
            200,
            &json!({"jobId": JOB, "jobStatus": "completed", "jobResult": "failed", "errors": [
                {"code": "invalidState", "message": "Certification failed", "resourceId": "plan/gen2",
                 "details": [{"code": "vhdNotGeneralized", "message": "The VHD ::error::x is not generalized"}]},
                {"code": "businessValidationError", "message": "Missing <b>privacy</b> policy link"}
            ]})
            .to_string(),
        )],
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
    assert!(
        outcome.stdout.contains("api: product-ingestion"),
        "{}",
        outcome.stdout
    );
    assert_eq!(server.requests().len(), 1, "one poll, nothing else");
    assert_eq!(outcome.output("operation-id"), Some(JOB));

    let outcome = golive()
        .env("INPUT_OPERATION-LOCATION", &location)
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &format!("{}{BASE}", server.url()))
        .env("INPUT_API", "cpp")
        .run();
    assert_code(&outcome, 2);
    assert!(
        outcome.log().contains("leave api unset when resuming"),
        "{}",
        outcome.log()
    );
}

#[test]
fn tokens_are_requested_for_microsoft_graph_with_every_source() {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let token_path = format!("/{tenant}/oauth2/v2.0/token");
    let token = Reply::json(200, r#"{"access_token":"graph-token-1","expires_in":3600}"#);

    // Client secret and a federated token file: scope https://graph.microsoft.com/.default.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("jwt");
    std::fs::write(&file, "federated-jwt").unwrap_or_else(|e| panic!("{e}"));
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
    let outcome = support::finish(child, dir);
    assert_code(&outcome, 7);
    assert!(
        outcome.stdout.contains("polling every 1m0s"),
        "{}",
        outcome.stdout
    );
    // The first poll comes one interval after the configure POST: none within 3 s.
    assert!(server.hits("GET", &status_path()).is_empty());
}
