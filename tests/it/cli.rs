//! The golive binary against a scripted API on loopback: exit codes, outputs as the
//! runner parses them, what reached the server, and what was printed.

use std::time::Duration;

use crate::support::{
    GOLIVE_PATH, OP_PATH, Reply, Server, TOKEN, accepted, assert_code, assert_contains, golive,
    golive_on, operation, signal_when,
};

// ---- triggering ---------------------------------------------------------------------

#[test]
fn trigger_without_wait_posts_once_and_hands_on_the_operation() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let outcome = golive_on(&server).run();
    assert_code(&outcome, 0);
    let location = format!("{}{OP_PATH}", server.url());
    assert_eq!(
        outcome.output("operation-location"),
        Some(location.as_str())
    );
    assert_eq!(outcome.output("operation-id"), Some("op-1"));
    assert_eq!(outcome.output("status"), Some("accepted"));
    let posts = server.hits("POST", GOLIVE_PATH);
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!(post.target, format!("{GOLIVE_PATH}?api-version=2017-10-31"));
    assert_eq!(
        post.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert!(
        post.header("user-agent")
            .is_some_and(|ua| ua.starts_with("golive/"))
    );
    assert!(post.body.is_empty());
    let lengths: Vec<&str> = post
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        lengths,
        ["0"],
        "exactly one Content-Length: 0 (some front ends refuse a body-less POST without it)"
    );
    assert!(
        server.hits("GET", OP_PATH).is_empty(),
        "no poll without wait"
    );
    assert_eq!(server.hits("POST", GOLIVE_PATH).len(), 1);
    assert_contains(&outcome.stdout, "operation op-1 accepted");
}

#[test]
fn wait_follows_the_operation_through_its_steps_to_success() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, &operation("notStarted", "notStarted", 0)),
            Reply::json(200, &operation("running", "inProgress", 40)),
            Reply::json(200, &operation("running", "inProgress", 40)),
            Reply::json(200, &operation("completed", "completed", 100)),
        ],
    );
    let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("status"), Some("succeeded"));
    let polls = server.hits("GET", OP_PATH);
    assert_eq!(polls.len(), 4, "one poll per reading until the end");
    assert!(
        polls
            .iter()
            .all(|p| p.target.ends_with("?api-version=2017-10-31"))
    );
    assert!(
        polls
            .iter()
            .all(|p| p.header("authorization") == Some(&format!("Bearer {TOKEN}")))
    );
    for line in [
        "operation: running",
        "Certification: inProgress 40% (est. < 1 day)",
        "operation: completed",
    ] {
        assert!(
            outcome.stdout.contains(line),
            "missing {line:?} in\n{}",
            outcome.stdout
        );
    }
    assert_eq!(
        outcome
            .stdout
            .matches("Certification: inProgress 40%")
            .count(),
        1,
        "a line per change only"
    );
    for piece in [
        "contoso-offer",
        "op-1",
        "**succeeded**",
        "| Certification | completed | 100% |",
    ] {
        assert!(
            outcome.summary.contains(piece),
            "summary lacks {piece:?}:\n{}",
            outcome.summary
        );
    }
}

#[test]
fn outputs_are_written_before_the_wait() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, &operation("running", "inProgress", 5))],
    );
    let (child, dir) = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "30s")
        .spawn();
    let output = dir.path().join("output");
    let started = std::time::Instant::now();
    while server.hits("GET", OP_PATH).is_empty() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let written =
        crate::support::parse_github_output(&std::fs::read_to_string(&output).unwrap_or_default());
    assert_eq!(
        written.get("operation-id").map(String::as_str),
        Some("op-1")
    );
    assert!(!written.contains_key("status"));
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_relative_location_in_either_form_resolves_against_base_url() {
    for (location, path, id) in [
        (
            "/api/publishers/contoso/offers/contoso-offer/operations/56615b67?api-version=2017-10-31",
            "/api/publishers/contoso/offers/contoso-offer/operations/56615b67",
            "56615b67",
        ),
        (
            "/api/operations/contoso$contoso-offer$2$preview?api-version=2017-10-31",
            "/api/operations/contoso$contoso-offer$2$preview",
            "contoso$contoso-offer$2$preview",
        ),
    ] {
        let server = Server::start();
        server.route(
            "POST",
            GOLIVE_PATH,
            vec![Reply::status(202).header("Location", location)],
        );
        server.route(
            "GET",
            path,
            vec![Reply::json(200, r#"{"status":"succeeded"}"#)],
        );
        let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
        assert_code(&outcome, 0);
        assert_eq!(
            outcome.output("operation-location"),
            Some(format!("{}{location}", server.url()).as_str())
        );
        assert_eq!(outcome.output("operation-id"), Some(id));
        let polls = server.hits("GET", path);
        assert_eq!(polls.len(), 1);
        assert_eq!(polls[0].target, location, "api-version not added twice");
    }
}

#[test]
fn operation_location_wins_over_location() {
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![accepted(&server).header("Location", "/api/operations/other")],
    );
    let outcome = golive_on(&server).run();
    assert_eq!(outcome.output("operation-id"), Some("op-1"));
}

#[test]
fn a_one_element_array_body_is_read_like_an_object() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(
                200,
                &format!("[{}]", operation("running", "inProgress", 50)),
            ),
            Reply::json(
                200,
                &format!("[{}]", operation("complete", "complete", 100)),
            ),
        ],
    );
    let outcome = golive_on(&server).env("INPUT_WAIT", "TRUE").run();
    assert_code(&outcome, 0);
    assert_eq!(server.hits("GET", OP_PATH).len(), 2);
    assert_contains(&outcome.stdout, "Certification: inProgress 50%");
}

#[test]
fn every_status_spelling_ends_the_wait_the_right_way() {
    let table = [
        ("complete", 0, "succeeded"),
        ("Completed", 0, "succeeded"),
        ("succeeded", 0, "succeeded"),
        ("SUCCESS", 0, "succeeded"),
        ("failed", 6, "failed"),
        ("Failure", 6, "failed"),
        ("canceled", 6, "canceled"),
        ("Cancelled", 6, "canceled"),
    ];
    for (word, code, status) in table {
        let server = Server::start();
        server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
        server.route(
            "GET",
            OP_PATH,
            vec![
                Reply::json(200, r#"{"status":"not started"}"#),
                Reply::json(200, r#"{"status":"Queued"}"#),
                Reply::json(200, r#"{"status":"paused"}"#),
                Reply::json(200, &format!(r#"{{"status":"{word}"}}"#)),
            ],
        );
        let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
        assert_eq!(outcome.code, Some(code), "{word}: {}", outcome.log());
        assert_eq!(outcome.output("status"), Some(status), "{word}");
        assert_eq!(
            server.hits("GET", OP_PATH).len(),
            4,
            "{word}: waiting words and unknown words keep waiting"
        );
        assert!(
            outcome
                .log()
                .contains("unknown operation status \"paused\""),
            "{word}"
        );
    }
}

// ---- inputs -------------------------------------------------------------------------

#[test]
fn hyphen_underscore_and_golive_input_names_all_work() {
    for (publisher, offer) in [
        ("INPUT_PUBLISHER-ID", "INPUT_OFFER-ID"),
        ("INPUT_PUBLISHER_ID", "INPUT_OFFER_ID"),
        ("GOLIVE_PUBLISHER_ID", "GOLIVE_OFFER_ID"),
    ] {
        let server = Server::start();
        server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
        let outcome = golive()
            .env(publisher, "contoso")
            .env(offer, "contoso-offer")
            .env("GOLIVE_TOKEN", TOKEN)
            .env("INPUT_BASE_URL", &server.url())
            .run();
        assert_code(&outcome, 0);
        assert_eq!(server.hits("POST", GOLIVE_PATH).len(), 1, "{publisher}");
    }
}

#[test]
fn empty_inputs_take_their_defaults() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let mut run = golive_on(&server);
    for name in [
        "INPUT_WAIT",
        "INPUT_TIMEOUT",
        "INPUT_POLL-INTERVAL",
        "INPUT_API-VERSION",
        "INPUT_OPERATION-LOCATION",
    ] {
        run = run.env(name, "");
    }
    let outcome = run.run();
    assert_code(&outcome, 0);
    assert_eq!(
        outcome.output("status"),
        Some("accepted"),
        "wait defaults to false"
    );
    assert_eq!(
        server.hits("POST", GOLIVE_PATH)[0].target,
        format!("{GOLIVE_PATH}?api-version=2017-10-31")
    );
}

#[test]
fn a_flag_overrides_the_environment() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "POST",
        "/api/publishers/contoso/offers/other/golive",
        vec![accepted(&server)],
    );
    let outcome = golive_on(&server).arg("--offer-id").arg("other").run();
    assert_code(&outcome, 0);
    assert_eq!(
        server
            .hits("POST", "/api/publishers/contoso/offers/other/golive")
            .len(),
        1
    );
    assert!(server.hits("POST", GOLIVE_PATH).is_empty());
}

#[test]
fn resuming_from_operation_location_polls_at_once_without_posting() {
    let server = Server::start();
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, &operation("succeeded", "complete", 100))],
    );
    let outcome = golive()
        .env(
            "INPUT_OPERATION-LOCATION",
            &format!("{}{OP_PATH}", server.url()),
        )
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &server.url())
        .env("INPUT_WAIT", "true")
        .env("INPUT_POLL-INTERVAL", "1h")
        .run();
    assert_code(&outcome, 0);
    assert!(
        server.hits("POST", GOLIVE_PATH).is_empty(),
        "no second go-live"
    );
    assert_eq!(server.hits("GET", OP_PATH).len(), 1);
    assert_eq!(outcome.output("operation-id"), Some("op-1"));
    assert_eq!(outcome.output("status"), Some("succeeded"));
}

#[test]
fn operation_location_without_wait_checks_the_status_once() {
    for (body, code, status) in [
        (r#"{"status":"running"}"#, 0, "accepted"),
        (r#"{"status":"succeeded"}"#, 0, "succeeded"),
        (
            r#"{"status":"failed","messages":[{"messageHtml":"bad image"}]}"#,
            6,
            "failed",
        ),
    ] {
        let server = Server::start();
        server.route("GET", OP_PATH, vec![Reply::json(200, body)]);
        let outcome = golive()
            .env("GOLIVE_OPERATION_LOCATION", OP_PATH)
            .env("GOLIVE_TOKEN", TOKEN)
            .env("GOLIVE_BASE_URL", &server.url())
            .run();
        assert_eq!(outcome.code, Some(code), "{body}: {}", outcome.log());
        assert_eq!(outcome.output("status"), Some(status), "{body}");
        assert_eq!(server.requests().len(), 1, "one GET, no POST");
    }
}

#[test]
fn invalid_inputs_exit_2_name_the_input_and_send_nothing() {
    let cases: [(&str, &str, &str); 9] = [
        ("INPUT_OFFER-ID", "../../x", "'offer-id'"),
        ("INPUT_PUBLISHER-ID", "a/b", "'publisher-id'"),
        ("INPUT_WAIT", "yes", "'wait'"),
        ("INPUT_TIMEOUT", "soon", "'timeout'"),
        ("INPUT_TIMEOUT", "0s", "'timeout'"),
        ("INPUT_POLL-INTERVAL", "-5", "'poll-interval'"),
        (
            "INPUT_BASE-URL",
            "http://cloudpartner.azure.com",
            "'base-url'",
        ),
        ("INPUT_BASE-URL", "http://10.1.2.3:8080", "'base-url'"),
        (
            "INPUT_OPERATION-LOCATION",
            "https://elsewhere.example/api/operations/x",
            "'operation-location'",
        ),
    ];
    for (name, value, named) in cases {
        let server = Server::start();
        let outcome = golive_on(&server).env(name, value).run();
        assert_eq!(outcome.code, Some(2), "{name}={value}: {}", outcome.log());
        assert!(
            outcome.log().contains(named),
            "{name}={value} not named:\n{}",
            outcome.log()
        );
        assert!(
            outcome.log().contains("e.g."),
            "{name}={value}: no example:\n{}",
            outcome.log()
        );
        assert!(
            outcome.log().contains("::error title="),
            "an annotation on GitHub"
        );
        assert!(
            server.requests().is_empty(),
            "{name}={value}: a request was sent"
        );
        assert!(outcome.outputs.is_empty());
    }
}

#[test]
fn missing_ids_or_credentials_exit_2_and_say_what_to_set() {
    let server = Server::start();
    let outcome = golive_on(&server)
        .without("INPUT_OFFER-ID")
        .outside_github()
        .run();
    assert_code(&outcome, 2);
    assert!(
        outcome.stderr.contains("'offer-id'") && outcome.stderr.contains("GOLIVE_OFFER_ID"),
        "{}",
        outcome.stderr
    );
    let outcome = golive_on(&server)
        .without("INPUT_TOKEN")
        .outside_github()
        .run();
    assert_code(&outcome, 2);
    assert!(
        [
            "no credentials",
            "token:",
            "client-secret",
            "id-token: write",
            "managed-identity"
        ]
        .iter()
        .all(|way| outcome.stderr.contains(way)),
        "{}",
        outcome.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn help_and_version() {
    let outcome = golive().arg("--help").run();
    assert_code(&outcome, 0);
    for piece in [
        "--publisher-id",
        "INPUT_PUBLISHER-ID",
        "GOLIVE_POLL_INTERVAL",
        "default: 30s",
        "EXIT CODES",
    ] {
        assert!(outcome.stdout.contains(piece), "{piece}");
    }
    let outcome = golive().arg("--version").run();
    assert!(
        outcome
            .stdout
            .trim()
            .starts_with(&format!("golive {} (", env!("CARGO_PKG_VERSION"))),
        "{}",
        outcome.stdout
    );
    // Another target's binary under test (.ci/run's arm64 pass): prove it is the one that ran.
    if let Ok(target) = std::env::var("GOLIVE_TEST_TARGET") {
        assert_contains(&outcome.stdout, format!("({target}, "));
    }
    let outcome = golive().arg("--bogus").run();
    assert_code(&outcome, 2);
}

// ---- the API says no ----------------------------------------------------------------

#[test]
fn a_400_shows_the_service_message_as_an_annotation_and_exits_3() {
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![Reply::json(400, r#"{"error":{"code":"InvalidOffer","message":"Plan 'gen2' has no technical configuration"}}"#)],
    );
    let outcome = golive_on(&server).run();
    assert_code(&outcome, 3);
    let annotation = outcome
        .stdout
        .lines()
        .find(|l| l.starts_with("::error title="))
        .unwrap_or_default();
    assert!(
        annotation.contains("InvalidOffer: Plan 'gen2' has no technical configuration"),
        "{}",
        outcome.stdout
    );
    assert_eq!(outcome.output("status"), Some("error"));
    assert_eq!(server.hits("POST", GOLIVE_PATH).len(), 1, "never retried");
    assert!(outcome.summary.contains("InvalidOffer"));
}

#[test]
fn a_404_names_publisher_and_offer_and_exits_4() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![Reply::status(404)]);
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 4);
    assert_contains(
        &outcome.stderr,
        "publisher 'contoso' or offer 'contoso-offer'",
    );
}

#[test]
fn a_cpp_404_or_a_missing_publisher_id_points_at_product_ingestion() {
    // A Partner Center offer is not in the Cloud Partner Portal: the 404 says which API
    // it needs, in the log and in the job summary.
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![Reply::status(404)]);
    let outcome = golive_on(&server).run();
    assert_code(&outcome, 4);
    for place in [&outcome.stdout, &outcome.summary] {
        assert!(place.contains("api: product-ingestion"), "{place}");
    }

    // No publisher-id: the input error says product-ingestion needs none; nothing is sent.
    let server = Server::start();
    let outcome = golive_on(&server)
        .without("INPUT_PUBLISHER-ID")
        .outside_github()
        .run();
    assert_code(&outcome, 2);
    assert!(
        outcome.stderr.contains("'publisher-id'")
            && outcome.stderr.contains(
                "goes live with api: product-ingestion and its offer-id, and needs no publisher-id"
            ),
        "{}",
        outcome.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_409_says_another_operation_is_running_and_exits_3() {
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![Reply::json(
            409,
            r#"{"error":{"code":"Conflict","message":"busy"}}"#,
        )],
    );
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert_contains(&outcome.stderr, "another operation");
}

#[test]
fn a_401_and_a_403_exit_5_with_their_usual_cause() {
    for (status, cause) in [(401, "expired"), (403, "add the app to the publisher")] {
        let server = Server::start();
        server.route("POST", GOLIVE_PATH, vec![Reply::status(status)]);
        let outcome = golive_on(&server).outside_github().run();
        assert_code(&outcome, 5);
        assert!(
            outcome.stderr.contains(&status.to_string()) && outcome.stderr.contains(cause),
            "{}",
            outcome.stderr
        );
        assert_eq!(server.hits("POST", GOLIVE_PATH).len(), 1);
    }
}

#[test]
fn html_error_bodies_are_shown_as_text() {
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![
            Reply::status(500)
                .header("Content-Type", "text/html")
                .body(b"<html><body><h1>Internal   error</h1><p>ref &amp; 42</p></body></html>"),
        ],
    );
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 1);
    assert_contains(&outcome.stderr, "Internal error ref & 42");
    assert!(!outcome.stderr.contains("<h1>"));
    assert!(
        outcome.stderr.contains("submissions?status=running"),
        "says how to check: {}",
        outcome.stderr
    );
    assert_eq!(
        server.hits("POST", GOLIVE_PATH).len(),
        1,
        "a 500 on the POST is not retried"
    );
}

#[test]
fn a_20_mb_error_body_is_neither_read_whole_nor_printed() {
    let server = Server::start();
    let body = vec![b'A'; 20 * 1024 * 1024];
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![
            Reply::status(400)
                .header("Content-Type", "text/plain")
                .body(&body),
        ],
    );
    let outcome = golive_on(&server).run();
    assert_code(&outcome, 3);
    assert!(
        outcome.log().len() < 16 * 1024,
        "printed {} bytes",
        outcome.log().len()
    );
    assert!(
        outcome.log().contains("more characters not shown"),
        "{}",
        &outcome.log()[..500.min(outcome.log().len())]
    );
}

#[test]
fn a_redirect_is_not_followed() {
    let server = Server::start();
    let other = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![Reply::status(307).header("Location", &format!("{}{GOLIVE_PATH}", other.url()))],
    );
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 1);
    assert_contains(&outcome.stderr, "redirect 307");
    assert!(
        other.requests().is_empty(),
        "the token went to the redirect target"
    );
}

// ---- retries ------------------------------------------------------------------------

#[test]
fn a_429_with_retry_after_is_retried_after_that_long() {
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![
            Reply::status(429).header("Retry-After", "1"),
            accepted(&server),
        ],
    );
    let outcome = golive_on(&server).run();
    assert_code(&outcome, 0);
    let posts = server.hits("POST", GOLIVE_PATH);
    assert_eq!(posts.len(), 2);
    assert!(
        posts[1].at.duration_since(posts[0].at) >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    assert!(
        outcome.stdout.contains("HTTP 429"),
        "the retry is logged with its cause"
    );
}

#[test]
fn a_503_on_the_post_is_retried_and_a_502_is_not() {
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![Reply::status(503), accepted(&server)],
    );
    assert_code(&golive_on(&server).run(), 0);
    assert_eq!(server.hits("POST", GOLIVE_PATH).len(), 2);

    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![Reply::status(502), accepted(&server)],
    );
    assert_code(&golive_on(&server).run(), 1);
    assert_eq!(
        server.hits("POST", GOLIVE_PATH).len(),
        1,
        "a 502 may have started an operation"
    );
}

#[test]
fn server_errors_and_bodies_not_understood_during_polling_are_retried() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::status(500),
            Reply::status(502).body(b"<html>bad gateway</html>"),
            Reply::status(200).body(b"not json"),
            Reply::json(200, "[]"),
            Reply::status(200),
            Reply::status(503).header("Retry-After", "0"),
            Reply::json(200, r#"{"status":"succeeded"}"#),
        ],
    );
    let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    assert_eq!(server.hits("GET", OP_PATH).len(), 7);
    assert_eq!(
        outcome
            .stdout
            .matches("polling the operation failed")
            .count(),
        6,
        "{}",
        outcome.stdout
    );
}

#[test]
fn retry_after_on_a_poll_stretches_the_interval() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, r#"{"status":"running"}"#).header("Retry-After", "1"),
            Reply::json(200, r#"{"status":"succeeded"}"#),
        ],
    );
    let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 0);
    let polls = server.hits("GET", OP_PATH);
    assert!(polls[1].at.duration_since(polls[0].at) >= Duration::from_millis(950));
}

// ---- the operation ends badly -------------------------------------------------------

#[test]
fn a_failed_or_canceled_operation_exits_6_with_every_message() {
    for (word, status) in [("failed", "failed"), ("canceled", "canceled")] {
        let server = Server::start();
        server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
        let body = format!(
            r#"{{"status":"{word}","messages":[{{"messageHtml":"<p>Offer <b>rejected</b> &amp; stopped</p>","level":"error"}}],
                "steps":[{{"stepName":"Certification","status":"failed","progressPercentage":60,
                          "messages":[{{"messageHtml":"VHD is not generalized","level":"error"}}]}}]}}"#
        );
        server.route("GET", OP_PATH, vec![Reply::json(200, &body)]);
        let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
        assert_code(&outcome, 6);
        assert_eq!(outcome.output("status"), Some(status));
        assert_contains(&outcome.stdout, "| Offer rejected & stopped");
        assert_contains(&outcome.stdout, "| Certification: VHD is not generalized");
        assert!(outcome.summary.contains("VHD is not generalized"));
        assert!(outcome.github_commands().contains(&"error".to_owned()));
    }
}

#[test]
fn a_timeout_exits_7_with_the_outputs_to_resume() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, &operation("running", "inProgress", 10))],
    );
    let outcome = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "2s")
        .env("INPUT_POLL-INTERVAL", "100ms")
        .run();
    assert_code(&outcome, 7);
    assert_eq!(outcome.output("status"), Some("timed-out"));
    let location = format!("{}{OP_PATH}", server.url());
    assert_eq!(
        outcome.output("operation-location"),
        Some(location.as_str())
    );
    assert!(
        outcome.log().contains("still running") && outcome.log().contains(&location),
        "{}",
        outcome.log()
    );
    assert!(
        outcome.stdout.contains("still running after"),
        "a heartbeat within ten polls: {}",
        outcome.stdout
    );
}

#[test]
fn a_server_that_never_answers_is_bounded_by_timeout() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![Reply::Hang]);
    let outcome = golive_on(&server).env("INPUT_TIMEOUT", "1s").run();
    assert_code(&outcome, 7);
    assert_eq!(outcome.output("status"), Some("timed-out"));
    assert_contains(&outcome.log(), "before the go-live request was answered");

    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route("GET", OP_PATH, vec![Reply::Hang]);
    let outcome = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "1s")
        .run();
    assert_code(&outcome, 7);
    assert_eq!(outcome.output("operation-id"), Some("op-1"));
}

#[test]
fn a_static_token_refused_mid_wait_exits_5_with_outputs() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, r#"{"status":"running"}"#),
            Reply::status(401),
        ],
    );
    let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 5);
    assert_eq!(outcome.output("status"), Some("error"));
    assert_eq!(outcome.output("operation-id"), Some("op-1"));
    assert_eq!(
        server.hits("GET", OP_PATH).len(),
        2,
        "a static token is not retried"
    );
}

// ---- where the operation is -------------------------------------------------------

#[test]
fn a_2xx_without_any_location_header_exits_1_naming_them() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![Reply::status(202)]);
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 1);
    assert!(
        outcome.stderr.contains("Operation-Location") && outcome.stderr.contains("Location header"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn an_operation_on_a_foreign_origin_is_refused_and_gets_no_token() {
    let server = Server::start();
    let foreign = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![
            Reply::status(202).header("Operation-Location", &format!("{}{OP_PATH}", foreign.url())),
        ],
    );
    let outcome = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .outside_github()
        .run();
    assert_code(&outcome, 1);
    assert!(
        outcome.stderr.contains(&foreign.url()) && outcome.stderr.contains(&server.url()),
        "{}",
        outcome.stderr
    );
    assert!(
        foreign.requests().is_empty(),
        "the foreign origin was contacted"
    );
}

// ---- secrets and untrusted text -----------------------------------------------------

#[test]
fn the_token_appears_only_in_the_mask_command() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, &operation("running", "x", 1)),
            Reply::status(401).body(TOKEN.as_bytes()),
        ],
    );
    let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 5);
    let log = outcome.log();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(TOKEN)).collect();
    assert_eq!(
        lines,
        [format!("::add-mask::{TOKEN}")],
        "the token was printed"
    );
    assert!(
        log.find("::add-mask::") < log.find("POST "),
        "masked before anything else"
    );
    assert!(
        !outcome.summary.contains(TOKEN) && !outcome.outputs.values().any(|v| v.contains(TOKEN))
    );

    assert!(
        log.contains("Service said: ***"),
        "the echoed token is redacted: {log}"
    );

    // Outside GitHub there is no mask command, so the token appears nowhere.
    let outcome = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .outside_github()
        .env("GITLAB_CI", "true")
        .run();
    assert_code(&outcome, 5);
    assert!(
        !outcome.log().contains(TOKEN)
            && !outcome.dotenv.clone().unwrap_or_default().contains(TOKEN),
        "{}",
        outcome.log()
    );
}

#[test]
fn server_text_cannot_forge_outputs_or_commands() {
    let server = Server::start();
    let evil = "x\n::set-output name=status::succeeded\n::error::forged\r\n##[error]legacy ##vso[task.setvariable variable=status;isOutput=true]succeeded\nghadelimiter_\n::add-mask::y ![i](http://evil.example/p.png) <img src=x>";
    let evil_json = serde_json_escape(evil);
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, &format!(r#"{{"status":"running\n::warning::w","steps":[{{"stepName":"{evil_json}","status":"{evil_json}"}}]}}"#)),
            Reply::json(200, &format!(r#"{{"status":"failed","messages":[{{"messageHtml":"{evil_json}"}}],"error":{{"code":"E","message":"{evil_json}"}}}}"#)),
        ],
    );
    let outcome = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .env("TF_BUILD", "True")
        .run();
    assert_code(&outcome, 6);
    // GitHub acts only on our own commands; the error annotation carries the text escaped.
    let commands = outcome.github_commands();
    let ours = [
        "add-mask",
        "warning",
        "stop-commands",
        "error",
        "group",
        "endgroup",
        "##[group",
        "##[endgroup",
    ];
    assert!(
        commands.iter().all(|c| ours.contains(&c.as_str())),
        "{commands:?}\n{}",
        outcome.log()
    );
    assert_eq!(commands.iter().filter(|c| *c == "add-mask").count(), 1);
    assert_eq!(commands.iter().filter(|c| *c == "error").count(), 1);
    // Azure acts on exactly the commands golive meant to send.
    let azure: Vec<String> = crate::support::azure_commands(&outcome.log())
        .into_iter()
        .map(|c| c.split([' ', ']']).next().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<&str> = azure
        .iter()
        .map(String::as_str)
        .filter(|c| {
            [
                "task.setsecret",
                "task.setvariable",
                "task.logissue",
                "task.uploadsummary",
            ]
            .contains(c)
        })
        .collect();
    assert_eq!(azure.len(), expected.len(), "{azure:?}");
    assert_eq!(outcome.output("status"), Some("failed"));
    // operation-location, operation-id, status and results: golive's own.
    assert_eq!(outcome.outputs.len(), 4, "{:?}", outcome.outputs);
    // The text is shown, defanged so that GitHub cannot autolink it.
    assert!(
        outcome.summary.contains(r"http\[:\]//evil.example/p.png"),
        "the text is shown: {}",
        outcome.summary
    );
    assert!(
        !outcome.summary.contains("](http://evil") && !outcome.summary.contains("<img"),
        "{}",
        outcome.summary
    );
}

#[test]
fn a_step_or_status_named_like_a_command_does_not_become_one() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(
            200,
            r#"{"status":"::error::status","steps":[{"stepName":"::add-mask::nothing","status":"::warning::w","progressPercentage":5}]}"#,
        )],
    );
    let outcome = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "1s")
        .run();
    assert_code(&outcome, 7);
    let commands = outcome.github_commands();
    // Ours: the token's mask, the groups around the token and the wait, the warning
    // about the unknown status word, the timeout error.
    assert_eq!(
        commands,
        [
            "add-mask", "group", "endgroup", "group", "warning", "endgroup", "error"
        ],
        "{}",
        outcome.log()
    );
    assert_contains(&outcome.stdout, ": :add-mask::nothing: ::warning::w 5%");
}

fn serde_json_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

// ---- other CI systems ---------------------------------------------------------------

#[test]
fn gitlab_gets_a_dotenv_file() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, r#"{"status":"succeeded"}"#)],
    );
    let outcome = golive_on(&server)
        .outside_github()
        .env("GITLAB_CI", "true")
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 0);
    let dotenv = outcome.dotenv.clone().unwrap_or_default();
    let location = format!("{}{OP_PATH}", server.url());
    assert_eq!(
        dotenv.lines().collect::<Vec<_>>(),
        [
            "GOLIVE_OPERATION_ID=op-1".to_owned(),
            format!("GOLIVE_OPERATION_LOCATION={location}"),
            format!(
                r#"GOLIVE_RESULTS=[{{"exit-code":0,"offer-id":"contoso-offer","operation-id":"op-1","operation-location":"{location}","status":"succeeded"}}]"#
            ),
            "GOLIVE_STATUS=succeeded".to_owned()
        ]
    );
    assert!(outcome.github_commands().is_empty());
}

#[test]
fn azure_pipelines_gets_output_variables_and_logged_issues() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(
            200,
            r#"{"status":"failed","messages":[{"messageHtml":"50% done; broken]"}]}"#,
        )],
    );
    let outcome = golive_on(&server)
        .outside_github()
        .env("TF_BUILD", "True")
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 6);
    let location = format!("{}{OP_PATH}", server.url());
    let commands = crate::support::azure_commands(&outcome.stdout);
    assert!(
        commands.contains(&format!(
            "task.setvariable variable=operationLocation;isOutput=true]{location}"
        )),
        "{commands:?}"
    );
    assert!(
        commands.contains(&"task.setvariable variable=operationId;isOutput=true]op-1".to_owned())
    );
    assert!(commands.contains(&"task.setvariable variable=status;isOutput=true]failed".to_owned()));
    assert!(commands.contains(&format!("task.setsecret]{TOKEN}")));
    let issue = commands
        .iter()
        .find(|c| c.starts_with("task.logissue type=error]"))
        .cloned()
        .unwrap_or_default();
    assert!(issue.contains("50%AZP25 done%3B broken%5D"), "{issue}");
}

// ---- signals ------------------------------------------------------------------------

#[test]
fn sigterm_or_sigint_during_a_wait_stops_at_once_with_outputs_written() {
    for (signal, code, name) in [("-TERM", 143, "SIGTERM"), ("-INT", 130, "SIGINT")] {
        let server = Server::start();
        server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
        server.route(
            "GET",
            OP_PATH,
            vec![Reply::json(200, r#"{"status":"running"}"#)],
        );
        let (child, dir) = golive_on(&server)
            .env("INPUT_WAIT", "true")
            .env("INPUT_TIMEOUT", "60s")
            .spawn();
        signal_when(|| !server.hits("GET", OP_PATH).is_empty(), &child, signal);
        let outcome = crate::support::finish(child, dir);
        assert_code(&outcome, code);
        assert_eq!(outcome.output("operation-id"), Some("op-1"));
        assert!(
            outcome.log().contains(name) && outcome.log().contains("keeps running"),
            "{}",
            outcome.log()
        );
        let cancels = server
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/cancel"))
            .count();
        assert_eq!(cancels, 0, "stopping never cancels the operation");
    }
}

#[test]
fn without_github_output_the_outputs_are_printed_with_a_warning() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let outcome = golive_on(&server)
        .outside_github()
        .env("GITHUB_ACTIONS", "true")
        .run();
    assert_code(&outcome, 0);
    assert_contains(
        &outcome.stdout,
        "::warning title=golive::GITHUB_OUTPUT is not set",
    );
    assert!(
        outcome.stdout.contains("output operation-id=op-1")
            && outcome.stdout.contains("output status=accepted")
    );
}

#[test]
fn a_connection_refused_is_retried_and_then_named_at_the_deadline() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(9, |a| a.port());
    let outcome = golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &format!("http://127.0.0.1:{port}"))
        .env("INPUT_POLL-INTERVAL", "100ms")
        .env("INPUT_TIMEOUT", "2s")
        .outside_github()
        .run();
    assert_code(&outcome, 7);
    assert!(
        outcome.stdout.matches("could not connect").count() >= 2,
        "retried: {}",
        outcome.stdout
    );
    assert_contains(
        &outcome.stderr,
        "last error: could not connect: Connection refused",
    );
}

// ---- TLS ----------------------------------------------------------------------------

#[test]
fn https_works_with_the_ca_bundle_from_ssl_cert_file() {
    let (server, ca) = Server::start_tls();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, r#"{"status":"succeeded"}"#)],
    );
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, &ca).unwrap();
    let outcome = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .env("SSL_CERT_FILE", &bundle.display().to_string())
        .run();
    assert_code(&outcome, 0);
    assert!(server.url().starts_with("https://"));
    assert_eq!(server.hits("GET", OP_PATH).len(), 1);
}

#[test]
fn an_untrusted_certificate_fails_at_once_and_nothing_is_sent() {
    let (server, _) = Server::start_tls();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 1);
    assert!(
        outcome.stderr.contains("TLS certificate is not trusted")
            && outcome.stderr.contains("SSL_CERT_FILE"),
        "{}",
        outcome.stderr
    );
    assert!(
        !outcome.stdout.contains("retrying"),
        "a certificate does not change on retry: {}",
        outcome.stdout
    );
    assert!(
        server.requests().is_empty(),
        "no request got through an untrusted connection"
    );
}
