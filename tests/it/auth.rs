//! Every credential source against local mock identity providers, running the built
//! binary: what the providers received, what token reached the API, renewal, refusals,
//! and that no secret is printed.

use std::time::Duration;

use crate::support::{
    GOLIVE_PATH, OIDC_PATH, OP_PATH, Outcome, Reply, Server, TENANT, TOKEN_PATH, accepted,
    assert_code, assert_contains, azure_pipelines_oidc, form, golive, query,
};

const CLIENT: &str = "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const SECRET: &str = "client-secret-9f8e7d";
const SCOPE: &str = "https://cloudpartner.azure.com/.default";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn token_reply(token: &str, lifetime: u64) -> Reply {
    Reply::json(
        200,
        &format!(r#"{{"token_type":"Bearer","expires_in":{lifetime},"access_token":"{token}"}}"#),
    )
}

/// The API and an identity provider, with golive set up for the app.
fn setup() -> (Server, Server) {
    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    let idp = Server::start();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![token_reply("acquired-token-1", 3599)],
    );
    (api, idp)
}

fn golive_app(api: &Server, idp: &Server) -> crate::support::Golive {
    golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_BASE-URL", &api.url())
        .env("INPUT_POLL-INTERVAL", "50ms")
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_AUTHORITY_HOST", &idp.url())
}

/// Each secret appears in the log only inside its own mask command, and nowhere else
/// (outputs, summary).
fn assert_only_masked(outcome: &Outcome, secrets: &[&str]) {
    let log = outcome.log();
    for secret in secrets {
        for line in log.lines().filter(|l| l.contains(secret)) {
            assert_eq!(
                line,
                format!("::add-mask::{secret}"),
                "{secret} printed outside a mask"
            );
        }
        assert!(
            log.contains(&format!("::add-mask::{secret}")),
            "{secret} was not masked"
        );
        assert!(
            !outcome.summary.contains(secret)
                && !outcome.outputs.values().any(|v| v.contains(secret))
        );
    }
}

fn bearer(request: &crate::support::server::Request) -> String {
    request
        .header("authorization")
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_client_secret_logs_in_and_the_api_gets_the_acquired_token() {
    let (api, idp) = setup();
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .run();
    assert_code(&outcome, 0);
    let logins = idp.hits("POST", TOKEN_PATH);
    assert_eq!(logins.len(), 1);
    assert_eq!(
        logins[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let sent = form(&logins[0].body);
    assert_eq!(sent.get("client_id").map(String::as_str), Some(CLIENT));
    assert_eq!(sent.get("client_secret").map(String::as_str), Some(SECRET));
    assert_eq!(sent.get("scope").map(String::as_str), Some(SCOPE));
    assert_eq!(
        sent.get("grant_type").map(String::as_str),
        Some("client_credentials")
    );
    assert_eq!(
        bearer(&api.hits("POST", GOLIVE_PATH)[0]),
        "Bearer acquired-token-1"
    );
    assert!(outcome.stdout.contains(&format!(
        "credential: client secret of app {CLIENT} in tenant {TENANT}"
    )));
    assert_only_masked(&outcome, &[SECRET, "acquired-token-1"]);
}

#[test]
fn github_oidc_federates_without_any_secret() {
    let (api, idp) = setup();
    let github = Server::start();
    github.route(
        "GET",
        "/idtoken",
        vec![Reply::json(200, r#"{"count":1,"value":"github-jwt-1"}"#)],
    );
    let outcome = golive_app(&api, &idp)
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            &format!("{}/idtoken?api-version=2.0", github.url()),
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-request-token")
        .run();
    assert_code(&outcome, 0);
    let asked = github.hits("GET", "/idtoken");
    assert_eq!(asked.len(), 1);
    let asked_for = query(&asked[0].target);
    assert_eq!(
        asked_for.get("audience").map(String::as_str),
        Some("api://AzureADTokenExchange")
    );
    assert_eq!(
        asked_for.get("api-version").map(String::as_str),
        Some("2.0")
    );
    assert_eq!(bearer(&asked[0]), "Bearer runner-request-token");
    let sent = form(&idp.hits("POST", TOKEN_PATH)[0].body);
    assert_eq!(
        sent.get("client_assertion").map(String::as_str),
        Some("github-jwt-1")
    );
    assert_eq!(
        sent.get("client_assertion_type").map(String::as_str),
        Some(ASSERTION_TYPE)
    );
    assert!(
        !sent.contains_key("client_secret"),
        "no secret in a federated login"
    );
    assert_eq!(
        bearer(&api.hits("POST", GOLIVE_PATH)[0]),
        "Bearer acquired-token-1"
    );
    assert!(outcome.stdout.contains("with GitHub Actions OIDC"));
    assert_only_masked(
        &outcome,
        &["runner-request-token", "github-jwt-1", "acquired-token-1"],
    );
}

#[test]
fn a_federated_token_file_is_read_afresh_for_every_token() {
    let (api, idp) = setup();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![
            token_reply("file-token-1", 2),
            token_reply("file-token-2", 3600),
        ],
    );
    api.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, r#"{"status":"running"}"#)],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "first-jwt\n").unwrap();
    let (child, run_dir) = golive_app(&api, &idp)
        .env("AZURE_FEDERATED_TOKEN_FILE", &file.display().to_string())
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "4s")
        .spawn();
    // Rotate the file after the first login, as Kubernetes does.
    let started = std::time::Instant::now();
    while idp.hits("POST", TOKEN_PATH).is_empty() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::write(&file, "second-jwt").unwrap();
    let outcome = crate::support::finish(child, run_dir);
    assert_code(&outcome, 7);
    let assertions: Vec<String> = idp
        .hits("POST", TOKEN_PATH)
        .iter()
        .filter_map(|r| form(&r.body).get("client_assertion").cloned())
        .collect();
    assert_eq!(assertions.first().map(String::as_str), Some("first-jwt"));
    assert_eq!(
        assertions.get(1).map(String::as_str),
        Some("second-jwt"),
        "{assertions:?}"
    );
}

#[test]
fn azure_pipelines_federates_through_the_service_connection() {
    let (api, idp) = setup();
    let ado = azure_pipelines_oidc();
    let outcome = golive_app(&api, &idp)
        .outside_github()
        .env("TF_BUILD", "True")
        .env(
            "SYSTEM_OIDCREQUESTURI",
            &format!("{}{OIDC_PATH}", ado.url()),
        )
        .env(
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
            "3f2a1b4c-0000-4000-8000-000000000000",
        )
        .env("SYSTEM_ACCESSTOKEN", "system-access-token")
        .run();
    assert_code(&outcome, 0);
    let asked = ado.hits("POST", OIDC_PATH);
    assert_eq!(asked.len(), 1);
    let asked_for = query(&asked[0].target);
    assert_eq!(
        asked_for.get("api-version").map(String::as_str),
        Some("7.1")
    );
    assert_eq!(
        asked_for.get("serviceConnectionId").map(String::as_str),
        Some("3f2a1b4c-0000-4000-8000-000000000000")
    );
    assert_eq!(bearer(&asked[0]), "Bearer system-access-token");
    let sent = form(&idp.hits("POST", TOKEN_PATH)[0].body);
    assert_eq!(
        sent.get("client_assertion").map(String::as_str),
        Some("ado-jwt-1")
    );
    assert!(!sent.contains_key("client_secret"));
    let log = outcome.log();
    for secret in ["system-access-token", "ado-jwt-1", "acquired-token-1"] {
        let lines: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
        assert_eq!(
            lines,
            [format!("##vso[task.setsecret]{secret}")],
            "{secret}"
        );
    }
}

#[test]
fn managed_identity_through_imds_and_through_identity_endpoint() {
    let in_an_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 3600)
        .unwrap_or_default();
    let answer = format!(
        r#"{{"access_token":"mi-token-1","expires_on":"{in_an_hour}","resource":"https://cloudpartner.azure.com"}}"#
    );

    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    let imds = Server::start();
    imds.route(
        "GET",
        "/metadata/identity/oauth2/token",
        vec![Reply::json(200, &answer)],
    );
    let outcome = golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_BASE-URL", &api.url())
        .env(
            "INPUT_MANAGED-IDENTITY",
            "9a8b7c6d-0000-4000-8000-000000000000",
        )
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &imds.url())
        .run();
    assert_code(&outcome, 0);
    let asked = imds.hits("GET", "/metadata/identity/oauth2/token");
    assert_eq!(asked[0].header("metadata"), Some("true"));
    let asked_for = query(&asked[0].target);
    assert_eq!(
        asked_for.get("resource").map(String::as_str),
        Some("https://cloudpartner.azure.com")
    );
    assert_eq!(
        asked_for.get("client_id").map(String::as_str),
        Some("9a8b7c6d-0000-4000-8000-000000000000")
    );
    assert_eq!(
        bearer(&api.hits("POST", GOLIVE_PATH)[0]),
        "Bearer mi-token-1"
    );
    assert!(
        outcome.stdout.contains("valid for 59m") || outcome.stdout.contains("valid for 1h0m0s"),
        "{}",
        outcome.stdout
    );

    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    let local = Server::start();
    local.route("GET", "/msi/token", vec![Reply::json(200, &answer)]);
    let outcome = golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_BASE-URL", &api.url())
        .env("INPUT_MANAGED-IDENTITY", "true")
        .env("IDENTITY_ENDPOINT", &format!("{}/msi/token", local.url()))
        .env("IDENTITY_HEADER", "identity-header-secret")
        .run();
    assert_code(&outcome, 0);
    let asked = local.hits("GET", "/msi/token");
    assert_eq!(
        asked[0].header("x-identity-header"),
        Some("identity-header-secret")
    );
    let asked_for = query(&asked[0].target);
    assert_eq!(
        asked_for.get("api-version").map(String::as_str),
        Some("2019-08-01")
    );
    assert!(
        !asked_for.contains_key("client_id"),
        "system-assigned names no client"
    );
    assert_only_masked(&outcome, &["identity-header-secret", "mi-token-1"]);
}

#[test]
fn a_managed_identity_that_is_not_there_is_exit_5_at_once() {
    let api = Server::start();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(9, |a| a.port());
    let outcome = golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_BASE-URL", &api.url())
        .env("INPUT_MANAGED-IDENTITY", "true")
        .env(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            &format!("http://127.0.0.1:{port}"),
        )
        .outside_github()
        .run();
    assert_code(&outcome, 5);
    assert_contains(&outcome.stderr, "no managed identity");
    assert!(api.requests().is_empty());
}

#[test]
fn a_ready_token_wins_and_no_identity_provider_is_asked() {
    let (api, idp) = setup();
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env("INPUT_TOKEN", "ready-token")
        .run();
    assert_code(&outcome, 0);
    assert!(idp.requests().is_empty());
    assert_eq!(
        bearer(&api.hits("POST", GOLIVE_PATH)[0]),
        "Bearer ready-token"
    );
}

#[test]
fn a_short_lived_token_is_renewed_during_a_longer_wait() {
    let (api, idp) = setup();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![
            token_reply("short-1", 2),
            token_reply("short-2", 2),
            token_reply("short-3", 2),
            token_reply("short-4", 2),
        ],
    );
    let mut readings = vec![Reply::json(200, r#"{"status":"running"}"#); 40];
    readings.push(Reply::json(200, r#"{"status":"succeeded"}"#));
    api.route("GET", OP_PATH, readings);
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env("INPUT_WAIT", "true")
        .env("INPUT_POLL-INTERVAL", "75ms")
        .run();
    assert_code(&outcome, 0);
    let logins = idp.hits("POST", TOKEN_PATH).len();
    assert!(
        logins >= 2,
        "{logins} logins in a ~3 s wait with 2-second tokens"
    );
    let tokens: std::collections::BTreeSet<String> =
        api.hits("GET", OP_PATH).iter().map(bearer).collect();
    assert!(tokens.len() >= 2, "polls used {tokens:?}");
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.header("authorization").is_none())
    );
    assert!(
        outcome
            .stdout
            .contains("renewing the access token ahead of its expiry")
    );
}

#[test]
fn a_401_mid_wait_renews_once_then_exit_5_if_it_persists() {
    // Renewed once, and the poll succeeds with the new token.
    let (api, idp) = setup();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![token_reply("first", 3600), token_reply("second", 3600)],
    );
    api.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, r#"{"status":"running"}"#),
            Reply::status(401),
            Reply::json(200, r#"{"status":"succeeded"}"#),
        ],
    );
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 0);
    let polls: Vec<String> = api.hits("GET", OP_PATH).iter().map(bearer).collect();
    assert_eq!(polls, ["Bearer first", "Bearer first", "Bearer second"]);

    // Still refused after the renewal: exit 5, outputs kept.
    let (api, idp) = setup();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![token_reply("first", 3600), token_reply("second", 3600)],
    );
    api.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, r#"{"status":"running"}"#),
            Reply::status(401),
        ],
    );
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env("INPUT_WAIT", "true")
        .run();
    assert_code(&outcome, 5);
    assert_eq!(outcome.output("status"), Some("error"));
    assert_eq!(outcome.output("operation-id"), Some("op-1"));
    assert_eq!(idp.hits("POST", TOKEN_PATH).len(), 2, "one renewal only");
}

#[test]
fn an_identity_provider_refusal_is_exit_5_with_its_aadsts_code_and_a_hint() {
    let (api, idp) = setup();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![Reply::json(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[7000215]}"#,
        )],
    );
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .outside_github()
        .run();
    assert_code(&outcome, 5);
    assert!(
        outcome.stderr.contains("invalid_client") && outcome.stderr.contains("AADSTS7000215"),
        "{}",
        outcome.stderr
    );
    assert_contains(&outcome.stderr, "not its Secret ID");
    assert!(!outcome.log().contains(SECRET));
    assert!(
        api.requests().is_empty(),
        "nothing sent to the API without a token"
    );

    let (api, idp) = setup();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![Reply::json(400, r#"{"error":"invalid_request","error_description":"AADSTS70021: No matching federated identity record found for presented assertion."}"#)],
    );
    let github = Server::start();
    github.route(
        "GET",
        "/idtoken",
        vec![Reply::json(200, r#"{"value":"jwt"}"#)],
    );
    let outcome = golive_app(&api, &idp)
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            &format!("{}/idtoken?api-version=2.0", github.url()),
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "req")
        .run();
    assert_code(&outcome, 5);
    assert!(
        outcome.log().contains("AADSTS70021") && outcome.log().contains("repo:OWNER/REPO"),
        "{}",
        outcome.log()
    );
}

#[test]
fn a_busy_identity_provider_is_retried() {
    let (api, idp) = setup();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![
            Reply::status(503).header("Retry-After", "0"),
            token_reply("after-retry", 3600),
        ],
    );
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .run();
    assert_code(&outcome, 0);
    assert_eq!(idp.hits("POST", TOKEN_PATH).len(), 2);
    assert_contains(
        &outcome.stdout,
        "getting a token failed (the token endpoint: HTTP 503)",
    );
}

#[test]
fn github_without_id_token_permission_is_explained() {
    let (api, idp) = setup();
    let outcome = golive_app(&api, &idp).run();
    assert_code(&outcome, 2);
    assert_contains(&outcome.log(), "permissions: id-token: write");
    assert!(api.requests().is_empty() && idp.requests().is_empty());
}

#[test]
fn a_plain_http_authority_that_is_not_loopback_is_refused() {
    let (api, idp) = setup();
    let outcome = golive_app(&api, &idp)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env("AZURE_AUTHORITY_HOST", "http://login.example.com")
        .run();
    assert_code(&outcome, 2);
    assert_contains(&outcome.log(), "'authority-host'");
}
