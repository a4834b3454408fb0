//! Several offers in one run: each goes through the whole run on its own, one token for
//! all, at most `max-parallel` in flight, a throttle slowing them all, and outputs,
//! `results`, summary and exit code that tell them apart.
//!
//! Canned Cloud Partner Portal answers follow cpp-api.md as the other tests do: the 202
//! with an absolute `Operation-Location`, the one documented error body
//! (`{"error":{"code":…,"message":…}}`) for the 404 and the 429 (with `Retry-After`), the
//! "Retrieve operations" list (empty: nothing running) and an operation body of
//! `support::operation` (the docs' fields; `succeeded`/`canceled` as the public clients
//! compare). The token answers are the Microsoft identity platform's client-credentials
//! sample (`token_type`, `expires_in`, `access_token`) and its error response
//! (`error`, `error_description` with the AADSTS code, `error_codes`).

use std::time::Duration;

use serde_json::Value;

use crate::support::{
    Golive, Outcome, Reply, Server, TENANT, TOKEN, TOKEN_PATH, assert_code, assert_contains,
    golive, operation, signal_when,
};

fn offer_path(offer: &str) -> String {
    format!("/api/publishers/contoso/offers/{offer}")
}

fn golive_path(offer: &str) -> String {
    format!("{}/golive", offer_path(offer))
}

fn op_path(offer: &str) -> String {
    format!("{}/operations/op-{offer}", offer_path(offer))
}

fn op_url(server: &Server, offer: &str) -> String {
    format!("{}{}?api-version=2017-10-31", server.url(), op_path(offer))
}

/// Nothing running before each go-live, and a 202 naming the offer's own operation.
fn route_offer(server: &Server, offer: &str, post: Reply) {
    server.route(
        "GET",
        &format!("{}/submissions", offer_path(offer)),
        vec![Reply::json(200, "[]")],
    );
    server.route("POST", &golive_path(offer), vec![post]);
}

fn accepted_for(server: &Server, offer: &str) -> Reply {
    Reply::status(202).header("Operation-Location", &op_url(server, offer))
}

/// A go-live accepted, and an operation that never ends.
fn accepted_and_running(server: &Server, offer: &str) {
    route_offer(server, offer, accepted_for(server, offer));
    server.route(
        "GET",
        &op_path(offer),
        vec![Reply::json(200, &operation("running", "inProgress", 40))],
    );
}

fn succeeded_after(polls: usize) -> Vec<Reply> {
    let mut replies = vec![Reply::json(200, &operation("running", "inProgress", 40)); polls];
    replies.push(Reply::json(200, &operation("succeeded", "complete", 100)));
    replies
}

fn golive_many(server: &Server, offers: &str) -> Golive {
    golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", offers)
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &server.url())
        .env("INPUT_POLL-INTERVAL", "20ms")
}

/// Signed in as an app with a client secret, tokens from `idp`.
fn as_app(golive: Golive, idp: &Server) -> Golive {
    golive
        .without("INPUT_TOKEN")
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f")
        .env("AZURE_CLIENT_SECRET", "client-secret-9f8e7d")
        .env("AZURE_AUTHORITY_HOST", &idp.url())
}

/// The `::error` annotations of a run.
fn error_lines(outcome: &Outcome) -> Vec<&str> {
    outcome
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect()
}

fn results(outcome: &Outcome) -> Vec<Value> {
    let text = outcome.output("results").expect("a results output");
    serde_json::from_str(text).expect("results is JSON")
}

#[test]
fn three_offers_one_missing_each_judged_on_its_own_and_the_first_failure_decides() {
    let server = Server::start();
    route_offer(&server, "alpha", accepted_for(&server, "alpha"));
    route_offer(
        &server,
        "beta",
        Reply::json(
            404,
            r#"{"error":{"code":"NotFound","message":"Offer beta was not found."}}"#,
        ),
    );
    route_offer(&server, "gamma", accepted_for(&server, "gamma"));
    server.route("GET", &op_path("alpha"), succeeded_after(2));
    server.route("GET", &op_path("gamma"), succeeded_after(1));
    let idp = Server::start();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![Reply::json(
            200,
            r#"{"token_type":"Bearer","expires_in":3599,"access_token":"shared-token-1"}"#,
        )],
    );
    let outcome = as_app(golive_many(&server, "alpha, beta\ngamma"), &idp)
        .env("INPUT_WAIT", "true")
        .run();

    // beta's 404 decides the exit code; alpha and gamma still went live.
    assert_code(&outcome, 4);
    assert_eq!(outcome.output("status"), Some("error"));
    let results = results(&outcome);
    let summary: Vec<(&str, &str, i64)> = results
        .iter()
        .map(|r| {
            (
                r["offer-id"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["exit-code"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("alpha", "succeeded", 0),
            ("beta", "error", 4),
            ("gamma", "succeeded", 0)
        ]
    );
    assert_eq!(results[0]["operation-location"], op_url(&server, "alpha"));
    assert!(results[1].get("operation-location").is_none());
    // The lists hold the operations that started, in input order, one per line.
    assert_eq!(
        outcome.output("operation-location"),
        Some(format!("{}\n{}", op_url(&server, "alpha"), op_url(&server, "gamma")).as_str())
    );
    assert_eq!(outcome.output("operation-id"), Some("op-alpha\nop-gamma"));

    // One token for the three offers, sent with every call.
    assert_eq!(idp.hits("POST", TOKEN_PATH).len(), 1);
    for request in server.requests() {
        assert_eq!(
            request.header("authorization"),
            Some("Bearer shared-token-1")
        );
    }
    for offer in ["alpha", "beta", "gamma"] {
        assert_eq!(server.hits("POST", &golive_path(offer)).len(), 1, "{offer}");
    }

    // Each offer's lines say which offer they are about; the error names beta.
    assert!(
        outcome.stdout.contains("[alpha] ") && outcome.stdout.contains("[gamma] "),
        "{}",
        outcome.stdout
    );
    let errors = error_lines(&outcome);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("[beta]") && errors[0].contains("Offer beta was not found"),
        "{errors:?}"
    );
    assert_contains(&outcome.stdout, "golive: 3 offers: 2 succeeded, 1 error");
    // One summary row per offer.
    for offer in ["alpha", "beta", "gamma"] {
        assert!(
            outcome.summary.contains(&format!("\n| contoso/{offer} | ")),
            "{offer}: {}",
            outcome.summary
        );
    }
}

#[test]
fn no_more_than_max_parallel_offers_are_in_flight() {
    // Each go-live takes a while to answer: how many were sent before the first answer
    // shows how many were in flight at once.
    let slow = Duration::from_millis(400);
    let server = Server::start();
    let offers = ["o1", "o2", "o3", "o4", "o5"];
    for offer in offers {
        route_offer(&server, offer, accepted_for(&server, offer).after(slow));
    }
    let outcome = golive_many(&server, &offers.join(" "))
        .env("INPUT_MAX-PARALLEL", "2")
        .run();
    assert_code(&outcome, 0);
    let mut posts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.at)
        .collect();
    posts.sort();
    assert_eq!(posts.len(), offers.len());
    // A POST sent while two others were unanswered would break the limit. A slow machine
    // only spreads the POSTs further apart, so this cannot pass by luck.
    for (i, at) in posts.iter().enumerate() {
        let in_flight = posts[..i].iter().filter(|&&p| *at < p + slow).count() + 1;
        assert!(
            in_flight <= 2,
            "{in_flight} in flight at POST {i}: {posts:?}"
        );
    }
    // And the limit is used: the second offer does not wait for the first.
    assert!(posts[1] < posts[0] + slow, "{posts:?}");
    assert_eq!(
        results(&outcome)
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["accepted"; 5]
    );
}

#[test]
fn a_throttled_answer_slows_every_offer_not_only_its_own() {
    let server = Server::start();
    // alpha is throttled once for a second; beta is mid-wait, polling every 20 ms.
    route_offer(&server, "alpha", accepted_for(&server, "alpha"));
    server.route(
        "POST",
        &golive_path("alpha"),
        vec![
            Reply::json(
                429,
                r#"{"error":{"code":"TooManyRequests","message":"Rate limit exceeded."}}"#,
            )
            .header("Retry-After", "1")
            .after(Duration::from_millis(150)),
            accepted_for(&server, "alpha"),
        ],
    );
    route_offer(&server, "beta", accepted_for(&server, "beta"));
    server.route("GET", &op_path("alpha"), succeeded_after(0));
    server.route("GET", &op_path("beta"), succeeded_after(30));
    let outcome = golive_many(&server, "alpha beta")
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 0);
    let requests = server.requests();
    let throttled = requests
        .iter()
        .find(|r| r.path == golive_path("alpha"))
        .map(|r| r.at + Duration::from_millis(150))
        .unwrap();
    // Requests already on their way when the 429 came may arrive just after it; none
    // starts within the second the service asked for (a slow machine only delays more).
    let quiet_from = throttled + Duration::from_millis(100);
    let quiet_to = throttled + Duration::from_millis(900);
    let during: Vec<_> = requests
        .iter()
        .filter(|r| r.at > quiet_from && r.at < quiet_to)
        .map(|r| &r.target)
        .collect();
    assert!(during.is_empty(), "sent while throttled: {during:?}");
    assert!(
        server.hits("GET", &op_path("beta")).len() > 1,
        "beta kept polling"
    );
}

#[test]
fn a_list_of_operations_resumes_them_all() {
    let server = Server::start();
    server.route("GET", &op_path("alpha"), succeeded_after(1));
    server.route(
        "GET",
        &op_path("beta"),
        vec![Reply::json(200, &operation("canceled", "canceled", 10))],
    );
    let locations = format!("{}\n{}", op_url(&server, "alpha"), op_url(&server, "beta"));
    let outcome = golive()
        .env("INPUT_OPERATION-LOCATION", &locations)
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &server.url())
        .env("INPUT_POLL-INTERVAL", "20ms")
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 6);
    assert_eq!(outcome.output("status"), Some("canceled"));
    let statuses: Vec<_> = results(&outcome)
        .iter()
        .map(|r| (r["operation-id"].clone(), r["status"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("op-alpha".into(), "succeeded".into()),
            ("op-beta".into(), "canceled".into())
        ]
    );
    assert_eq!(
        outcome.output("operation-location"),
        Some(locations.as_str())
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn gitlab_and_azure_get_the_lists_in_their_own_forms() {
    let server = Server::start();
    route_offer(&server, "alpha", accepted_for(&server, "alpha"));
    route_offer(&server, "beta", accepted_for(&server, "beta"));
    let gitlab = golive_many(&server, "alpha,beta")
        .outside_github()
        .env("GITLAB_CI", "true")
        .run();
    assert_code(&gitlab, 0);
    // A dotenv value is one line: space-separated.
    let dotenv = gitlab.dotenv.as_deref().expect("golive.env written");
    assert!(
        dotenv.contains("GOLIVE_OPERATION_ID=op-alpha op-beta\n"),
        "{dotenv}"
    );

    let azure = golive_many(&server, "alpha,beta")
        .outside_github()
        .env("TF_BUILD", "True")
        .run();
    assert_code(&azure, 0);
    assert_contains(
        &azure.stdout,
        "##vso[task.setvariable variable=operationId;isOutput=true]op-alpha%0Aop-beta",
    );
}

#[test]
fn several_offers_refuse_a_product_id_and_a_bad_max_parallel_before_any_request() {
    let server = Server::start();
    for (name, value, names) in [
        (
            "INPUT_PRODUCT-ID",
            "11111111-2222-3333-4444-555555555555",
            "product-id",
        ),
        ("INPUT_MAX-PARALLEL", "0", "max-parallel"),
        ("INPUT_MAX-PARALLEL", "lots", "max-parallel"),
    ] {
        let outcome = golive_many(&server, "alpha beta")
            .env("INPUT_API", "product-ingestion")
            .env(name, value)
            .run();
        assert_code(&outcome, 2);
        assert_contains(&outcome.stdout, names);
    }
    let outcome = golive_many(&server, "alpha beta alpha").run();
    assert_code(&outcome, 2);
    assert_contains(&outcome.stdout, "names 'alpha' twice");
    assert!(server.requests().is_empty());
}

#[test]
fn the_run_deadline_ends_every_offer_and_hands_every_operation_on() {
    let server = Server::start();
    for offer in ["alpha", "beta"] {
        accepted_and_running(&server, offer);
    }
    let outcome = golive_many(&server, "alpha beta")
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "500ms")
        .run();
    assert_code(&outcome, 7);
    assert_eq!(outcome.output("status"), Some("timed-out"));
    let statuses: Vec<_> = results(&outcome)
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["timed-out", "timed-out"]);
    assert_eq!(
        outcome
            .output("operation-id")
            .map(|ids| ids.lines().count()),
        Some(2)
    );
    // Said once for the run, not once per offer.
    assert_eq!(error_lines(&outcome).len(), 1, "{}", outcome.stdout);
}

#[test]
fn a_signal_stops_every_offer_and_hands_on_what_started() {
    let server = Server::start();
    accepted_and_running(&server, "alpha");
    // beta's go-live is still unanswered when the signal comes.
    route_offer(&server, "beta", Reply::Hang);
    let (child, dir) = golive_many(&server, "alpha beta")
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "60s")
        .spawn();
    let polling_alpha_and_beta_sent = || {
        !server.hits("GET", &op_path("alpha")).is_empty()
            && !server.hits("POST", &golive_path("beta")).is_empty()
    };
    signal_when(polling_alpha_and_beta_sent, &child, "-TERM");
    let outcome = crate::support::finish(child, dir);
    assert_code(&outcome, 143);
    assert_eq!(outcome.output("status"), Some("interrupted"));
    assert_eq!(outcome.output("operation-id"), Some("op-alpha"));
    let statuses: Vec<_> = results(&outcome)
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["interrupted", "interrupted"]);
    // beta's POST was sent and never answered: the log says it may have started.
    assert_contains(&outcome.log(), "may have started");
}

#[test]
fn a_refused_credential_ends_every_offer_and_is_said_once() {
    let server = Server::start();
    route_offer(&server, "alpha", accepted_for(&server, "alpha"));
    route_offer(&server, "beta", accepted_for(&server, "beta"));
    let idp = Server::start();
    // The Microsoft identity platform's error response for a wrong client secret.
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![Reply::json(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.","error_codes":[7000215]}"#,
        )],
    );
    let outcome = as_app(golive_many(&server, "alpha beta"), &idp).run();
    assert_code(&outcome, 5);
    let errors = error_lines(&outcome);
    assert_eq!(errors.len(), 1, "{errors:?}");
    // One sentence end, not two, before the hint.
    assert_contains(
        errors[0],
        "the client secret value. The client secret is wrong",
    );
    let codes: Vec<_> = results(&outcome)
        .iter()
        .map(|r| r["exit-code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [5, 5]);
    assert!(server.requests().is_empty(), "nothing reached the API");
}

#[test]
fn an_offer_failing_mid_wait_is_said_once_in_its_own_words() {
    let server = Server::start();
    for offer in ["alpha", "beta"] {
        accepted_and_running(&server, offer);
    }
    let idp = Server::start();
    // A token that must be renewed within a second, then a refused renewal.
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![
            Reply::json(
                200,
                r#"{"token_type":"Bearer","expires_in":2,"access_token":"short-token-1"}"#,
            ),
            Reply::json(
                401,
                r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#,
            ),
        ],
    );
    let outcome = as_app(golive_many(&server, "alpha beta"), &idp)
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 5);
    // One error line per offer, each prefixed; none repeated at the end.
    let errors = error_lines(&outcome);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("[alpha]")) && errors.iter().any(|e| e.contains("[beta]")),
        "{errors:?}"
    );
    assert_eq!(outcome.output("operation-id"), Some("op-alpha\nop-beta"));
}
