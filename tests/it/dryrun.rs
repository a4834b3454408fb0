//! Dry runs on both APIs, the Cloud Partner Portal's check for a running operation
//! before every go-live, and the `results` output on every CI.
//!
//! Canned Cloud Partner Portal answers follow Microsoft's CPP API pages (azure-docs,
//! articles/marketplace/cloud-partner-portal-orig): "Retrieve offer status" (its sample
//! body and the Offer status table: `NeverPublished`, `NotStarted`,
//! `WaitingForPublisherReview`, `Running`, `Succeeded`, `Canceled`, `Failed`) and
//! "Retrieve operations" (the GET operations sample: an array of
//! `{id, submissionType, submissionState, slot, …}`). Product-ingestion answers come from
//! `support::partner_center`, which names its sources.

use serde_json::{Value, json};

use crate::support::partner_center as pc;
use crate::support::{
    GOLIVE_PATH, Reply, Server, TOKEN, accepted, assert_code, assert_contains, azure_commands,
    golive, golive_on,
};

const OFFER: &str = "/api/publishers/contoso/offers/contoso-offer";

fn status_path() -> String {
    format!("{OFFER}/status")
}

fn submissions_path() -> String {
    format!("{OFFER}/submissions")
}

/// "Retrieve offer status" sample body, with the status word of the test.
fn offer_status(word: &str) -> Reply {
    Reply::json(
        200,
        &json!({
            "status": word,
            "messages": [],
            "steps": [
                {"estimatedTimeFrame": "< 15 min", "id": "displaydummycertify", "stepName": "Validate Pre-Requisites",
                 "description": "Offer settings provided are validated.", "status": "complete",
                 "messages": [{"messageHtml": "Step completed.", "level": "information", "timestamp": "2018-03-16T17:50:45.7215661Z"}],
                 "progressPercentage": 100},
                {"estimatedTimeFrame": "< 1 hour", "id": "publisher-signoff", "stepName": "Publisher signoff",
                 "description": "Offer is available to preview. Ensure that everything looks good before making your offer live.",
                 "status": "notStarted", "messages": [], "progressPercentage": 0}
            ],
            "previewLinks": [],
            "liveLinks": [],
            "notificationEmails": "jdoe@contoso.com"
        })
        .to_string(),
    )
}

/// "Retrieve operations", GET operations sample (a running publish).
fn running_operation() -> Reply {
    Reply::json(
        200,
        &json!([{
            "id": "5a63deb5-925b-4ee0-938b-7c86fbf287c5",
            "offerId": "56615b67-2185-49fe-80d2-c4ddf77bb2e8",
            "offerVersion": 1,
            "offerTypeId": "microsoft-azure-virtualmachines",
            "publisherId": "contoso",
            "submissionType": "publish",
            "submissionState": "running",
            "publishingVersion": 2,
            "slot": "staging",
            "version": 636_576_975_611_768_314_u64,
            "definition": {"metadata": {"emails": "jdoe@contoso.com"}},
            "changedTime": "2018-03-26T21:46:01.179948Z"
        }])
        .to_string(),
    )
}

/// The same list with nothing in it: no operation runs.
fn none_running() -> Reply {
    Reply::json(200, "[]")
}

fn cpp(status: &str, running: Reply) -> Server {
    let server = Server::start();
    server.route("GET", &status_path(), vec![offer_status(status)]);
    server.route("GET", &submissions_path(), vec![running]);
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server
}

fn results(outcome: &crate::support::Outcome) -> Value {
    serde_json::from_str(outcome.output("results").unwrap_or("null")).unwrap()
}

#[test]
fn a_cpp_dry_run_checks_readiness_and_sends_nothing_that_changes_anything() {
    let server = cpp("WaitingForPublisherReview", none_running());
    let outcome = golive_on(&server).env("INPUT_DRY-RUN", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("status"), Some("ready"));
    assert!(
        server.hits("POST", GOLIVE_PATH).is_empty(),
        "nothing posted"
    );
    assert_eq!(server.hits("GET", &status_path()).len(), 1);
    assert_contains(
        &outcome.stdout,
        format!("golive would send POST {}{GOLIVE_PATH}", server.url()),
    );
    assert_contains(&outcome.summary, "nothing was sent");
    assert_eq!(results(&outcome)[0]["status"], "ready");

    // Not ready, for each documented reason: exit 3 saying why, nothing posted.
    for word in [
        "NeverPublished",
        "NotStarted",
        "Running",
        "Canceled",
        "Failed",
    ] {
        let server = cpp(word, none_running());
        let outcome = golive_on(&server)
            .env("INPUT_DRY-RUN", "true")
            .outside_github()
            .run();
        assert_code(&outcome, 3);
        assert!(
            outcome.stderr.contains("not ready to go live") && outcome.stderr.contains(word),
            "{word}: {}",
            outcome.stderr
        );
        assert!(server.hits("POST", GOLIVE_PATH).is_empty());
    }

    // Live already: exit 0 with status=succeeded, as without dry-run.
    let server = cpp("succeeded", none_running());
    let outcome = golive_on(&server).env("INPUT_DRY-RUN", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("status"), Some("succeeded"));

    // Another operation running: not ready, naming it.
    let server = cpp("WaitingForPublisherReview", running_operation());
    let outcome = golive_on(&server)
        .env("INPUT_DRY-RUN", "true")
        .outside_github()
        .run();
    assert_code(&outcome, 3);
    assert_contains(
        &outcome.stderr,
        "operation 5a63deb5-925b-4ee0-938b-7c86fbf287c5 is already running",
    );
}

#[test]
fn a_running_operation_found_before_the_post_is_exit_3_not_a_409() {
    let server = cpp("Running", running_operation());
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert!(
        server.hits("POST", GOLIVE_PATH).is_empty(),
        "no second go-live"
    );
    assert_contains(
        &outcome.stderr,
        format!(
            "operation-location: {}{OFFER}/operations/5a63deb5-925b-4ee0-938b-7c86fbf287c5?api-version=2017-10-31",
            server.url()
        ),
    );

    // The check itself failing: said in the log, and the POST decides.
    let server = cpp("WaitingForPublisherReview", Reply::status(500));
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 0);
    assert!(
        outcome
            .stdout
            .contains("could not check for a running operation (HTTP 500"),
        "{}",
        outcome.stdout
    );
    assert_eq!(server.hits("POST", GOLIVE_PATH).len(), 1);
    assert_eq!(
        server.hits("GET", &submissions_path()).len(),
        1,
        "not retried"
    );
}

#[test]
fn a_product_ingestion_dry_run_is_the_submissions_decision_without_the_configure() {
    let product = "8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c";
    let live = format!("submission/{product}/1152921515689847470");
    let preview = format!("submission/{product}/1152921515689848683");
    let base = "/rp/product-ingestion";
    let server = Server::start();
    server.route(
        "GET",
        &format!("{base}/product"),
        vec![Reply::json(
            200,
            &pc::page(&[pc::product(product, "externalId", "contoso-offer")], None).to_string(),
        )],
    );
    let list = |items: Vec<Value>| Reply::json(200, &pc::page(&items, None).to_string());
    server.route(
        "GET",
        &format!("{base}/submission/{product}"),
        vec![
            list(pc::before_go_live(product, &live, &preview)),
            list(pc::during_go_live(product, &live, &preview)),
        ],
    );
    let run = || {
        golive()
            .env("INPUT_API", "product-ingestion")
            .env("INPUT_OFFER-ID", "contoso-offer")
            .env("INPUT_TOKEN", TOKEN)
            .env("INPUT_BASE-URL", &format!("{}{base}", server.url()))
            .env("INPUT_DRY-RUN", "true")
            .run()
    };
    let ready = run();
    assert_code(&ready, 0);
    assert_eq!(ready.output("status"), Some("ready"));
    assert_contains(&ready.stdout, format!("taking submission {preview}"));
    let in_flight = run();
    assert_code(&in_flight, 3);
    assert!(server.hits("POST", &format!("{base}/configure")).is_empty());
}

#[test]
fn results_reach_every_ci_as_json_and_dry_run_never_resumes() {
    let server = cpp("WaitingForPublisherReview", none_running());
    let github = golive_on(&server).run();
    assert_code(&github, 0);
    let expected = json!([{
        "offer-id": "contoso-offer",
        "operation-location": format!("{}/api/publishers/contoso/offers/contoso-offer/operations/op-1", server.url()),
        "operation-id": "op-1",
        "status": "accepted",
        "exit-code": 0
    }]);
    assert_eq!(results(&github), expected);

    let gitlab = golive_on(&server)
        .outside_github()
        .env("GITLAB_CI", "true")
        .run();
    let line = gitlab
        .dotenv
        .clone()
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("GOLIVE_RESULTS=").map(str::to_owned))
        .unwrap_or_default();
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap(), expected);

    let azure = golive_on(&server)
        .outside_github()
        .env("TF_BUILD", "True")
        .run();
    let command = azure_commands(&azure.stdout)
        .into_iter()
        .find(|c| c.starts_with("task.setvariable variable=results;isOutput=true]"))
        .unwrap_or_default();
    let data = command.split_once(']').map_or("", |(_, d)| d);
    let unescaped = data
        .replace("%3B", ";")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%5D", "]")
        .replace("%AZP25", "%");
    assert_eq!(serde_json::from_str::<Value>(&unescaped).unwrap(), expected);

    let outcome = golive_on(&server)
        .env("INPUT_DRY-RUN", "true")
        .env("INPUT_OPERATION-LOCATION", "/api/operations/x")
        .outside_github()
        .run();
    assert_code(&outcome, 2);
    assert_contains(&outcome.stderr, "'dry-run'");
}
