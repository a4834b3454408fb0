//! Behaving like a native of each CI, run as that CI would run golive (its variables, its
//! files, its signals): job limits, signals, Azure Pipelines' own variables and summary,
//! output files checked before anything is sent, unreachable hosts and proxies, debug
//! logging and request ids, log groups, look-alike variables, `--help` and `--version`.

use std::time::{Duration, SystemTime};

use crate::support::raw::RawServer;
use crate::support::{
    GOLIVE_PATH, OIDC_PATH, OP_PATH, Reply, Server, TENANT, TOKEN, accepted, assert_code,
    assert_contains, azure_pipelines_oidc, golive, golive_on, identity_platform,
};

/// An RFC 3339 time `ago` before now, as GitLab writes `CI_JOB_STARTED_AT`.
fn started_ago(ago: Duration) -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - ago.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn running(server: &Server) {
    server.route("POST", GOLIVE_PATH, vec![accepted(server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, r#"{"status":"running"}"#)],
    );
}

/// Waits until the server saw `path`, then sends `signal` to the child.
fn signal_after(server: &Server, path: &str, child: &std::process::Child, signal: &str) {
    crate::support::signal_when(|| !server.hits("GET", path).is_empty(), child, signal);
}

#[test]
fn on_gitlab_the_default_timeout_ends_a_minute_before_the_job_and_a_longer_one_warns() {
    // The job has 3 minutes left: golive's default (5h with wait) becomes 2 minutes.
    let server = Server::start();
    running(&server);
    let (child, dir) = golive_on(&server)
        .outside_github()
        .env("GITLAB_CI", "true")
        .env("CI_JOB_TIMEOUT", "3600")
        .env("CI_JOB_STARTED_AT", &started_ago(Duration::from_secs(3420)))
        .env("INPUT_WAIT", "true")
        .spawn();
    signal_after(&server, OP_PATH, &child, "-TERM");
    let outcome = crate::support::finish(child, dir);
    assert_code(&outcome, 143);
    // Two minutes, less the time golive took to start (seconds under qemu-user).
    let bound = (50..=59)
        .map(|s| format!("for up to 1m{s}s"))
        .chain(["for up to 2m0s".to_owned()]);
    assert!(
        bound.into_iter().any(|b| outcome.stdout.contains(&b)),
        "{}",
        outcome.stdout
    );

    // An explicit timeout past the job's limit: a warning that says why.
    let server = Server::start();
    running(&server);
    let outcome = golive_on(&server)
        .outside_github()
        .env("GITLAB_CI", "true")
        .env("CI_JOB_TIMEOUT", "600")
        .env("CI_JOB_STARTED_AT", &started_ago(Duration::ZERO))
        .env("INPUT_TIMEOUT", "1h")
        .run();
    assert_code(&outcome, 0);
    assert_contains(
        &outcome.stderr,
        "timeout 1h reaches past this GitLab job's limit",
    );
}

#[test]
fn a_signal_writes_the_outputs_known_so_far_with_status_interrupted() {
    let server = Server::start();
    running(&server);
    let (child, dir) = golive_on(&server)
        .outside_github()
        .env("GITLAB_CI", "true")
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "60s")
        .spawn();
    signal_after(&server, OP_PATH, &child, "-INT");
    let outcome = crate::support::finish(child, dir);
    assert_code(&outcome, 130);
    let dotenv = outcome.dotenv.clone().unwrap_or_default();
    assert!(dotenv.contains("GOLIVE_STATUS=interrupted"), "{dotenv}");
    assert!(dotenv.contains("GOLIVE_OPERATION_ID=op-1"), "{dotenv}");

    let server = Server::start();
    running(&server);
    let (child, dir) = golive_on(&server)
        .env("INPUT_WAIT", "true")
        .env("INPUT_TIMEOUT", "60s")
        .spawn();
    signal_after(&server, OP_PATH, &child, "-TERM");
    let outcome = crate::support::finish(child, dir);
    assert_code(&outcome, 143);
    assert_eq!(outcome.output("status"), Some("interrupted"));
    assert_contains(&outcome.summary, "**interrupted**");
}

#[test]
fn azure_pipelines_own_variables_suffice_and_it_gets_a_summary() {
    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    let idp = identity_platform();
    let ado = azure_pipelines_oidc();
    let temp = tempfile::tempdir().unwrap();
    // What AzureCLI@2 and the SDKs read: no golive-specific credential input at all.
    let outcome = golive()
        .outside_github()
        .env("TF_BUILD", "True")
        .env("AGENT_TEMPDIRECTORY", &temp.path().display().to_string())
        .env("GOLIVE_PUBLISHER_ID", "contoso")
        .env("GOLIVE_OFFER_ID", "contoso-offer")
        .env("GOLIVE_BASE_URL", &api.url())
        .env("AZURE_AUTHORITY_HOST", &idp.url())
        .env("AZURESUBSCRIPTION_TENANT_ID", TENANT)
        .env(
            "AZURESUBSCRIPTION_CLIENT_ID",
            "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        )
        .env(
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
            "3f2a1b4c-0000-4000-8000-000000000000",
        )
        .env(
            "SYSTEM_OIDCREQUESTURI",
            &format!("{}{OIDC_PATH}", ado.url()),
        )
        .env("SYSTEM_ACCESSTOKEN", "system-access-token")
        .run();
    assert_code(&outcome, 0);
    assert_eq!(ado.hits("POST", OIDC_PATH).len(), 1);
    let summary = temp.path().join("golive-summary.md");
    let upload = format!("##vso[task.uploadsummary]{}", summary.display());
    assert!(
        outcome.stdout.lines().any(|l| l == upload),
        "{}",
        outcome.stdout
    );
    let markdown = std::fs::read_to_string(&summary).unwrap_or_default();
    assert!(
        markdown.contains("### golive") && markdown.contains("**accepted**"),
        "{markdown}"
    );
}

#[test]
fn an_output_file_that_cannot_be_written_is_found_before_anything_is_sent() {
    let server = Server::start();
    running(&server);
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("output");
    let outcome = golive_on(&server)
        .env("GITHUB_OUTPUT", &missing.display().to_string())
        .run();
    assert_code(&outcome, 2);
    assert!(server.requests().is_empty(), "nothing may be sent");
    let errors = outcome
        .github_commands()
        .iter()
        .filter(|c| *c == "error")
        .count();
    assert_eq!(errors, 1, "{}", outcome.log());
    assert_contains(&outcome.log(), "GITHUB_OUTPUT");

    // A directory where the summary file should be: the same, before the POST.
    let outcome = golive_on(&server)
        .env("GITHUB_STEP_SUMMARY", &dir.path().display().to_string())
        .run();
    assert_code(&outcome, 2);
    assert!(server.requests().is_empty());
    assert_contains(&outcome.log(), "GITHUB_STEP_SUMMARY");
}

/// A proxy that refuses everything: `403` to a `CONNECT` and to any request.
fn refusing_proxy() -> RawServer {
    RawServer::start(|_, mut stream| {
        let _ = std::io::Write::write_all(
            &mut stream,
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    })
}

#[test]
fn a_host_that_cannot_be_reached_ends_the_run_after_a_few_tries_naming_host_and_proxy() {
    let proxy = refusing_proxy();
    let outcome = golive()
        .outside_github()
        .env("GOLIVE_PUBLISHER_ID", "contoso")
        .env("GOLIVE_OFFER_ID", "contoso-offer")
        .env("GOLIVE_TOKEN", TOKEN)
        .env("GOLIVE_BASE_URL", "https://127.0.0.1:9")
        .env("GOLIVE_POLL_INTERVAL", "20ms")
        .env("GOLIVE_TIMEOUT", "10m")
        .env("HTTPS_PROXY", &proxy.url())
        .run();
    assert_code(&outcome, 1);
    assert!(
        outcome.stderr.contains("cannot reach 127.0.0.1")
            && outcome.stderr.contains("the proxy refused the tunnel")
            && outcome.stderr.contains(&format!("proxy {}", proxy.url()))
            && outcome.stderr.contains("Tried 6 times"),
        "{}",
        outcome.stderr
    );
    // The check for a running operation (refused too; the run goes ahead without it),
    // then six tries of the POST.
    assert_eq!(proxy.connections(), 7);
}

#[test]
fn the_managed_identity_endpoint_is_never_sent_through_a_proxy() {
    let proxy = refusing_proxy();
    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    let identity = Server::start_at("127.0.0.2");
    identity.route(
        "GET",
        "/msi/token",
        vec![Reply::json(
            200,
            r#"{"access_token":"mi-token-1","expires_on":"4102444800","resource":"https://cloudpartner.azure.com"}"#,
        )],
    );
    let outcome = golive()
        .outside_github()
        .env("GOLIVE_PUBLISHER_ID", "contoso")
        .env("GOLIVE_OFFER_ID", "contoso-offer")
        .env("GOLIVE_BASE_URL", &api.url())
        .env("GOLIVE_MANAGED_IDENTITY", "true")
        .env(
            "IDENTITY_ENDPOINT",
            &format!("{}/msi/token", identity.url()),
        )
        .env("IDENTITY_HEADER", "identity-header-secret")
        // Everything but the API would go through the proxy that refuses it.
        .env("HTTP_PROXY", &proxy.url())
        .env("NO_PROXY", "127.0.0.1")
        .run();
    assert_code(&outcome, 0);
    assert_eq!(identity.hits("GET", "/msi/token").len(), 1);
    assert_eq!(proxy.connections(), 0, "the proxy saw the identity request");
}

#[test]
fn debug_logs_each_request_and_errors_name_the_request_id() {
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![accepted(&server).header("x-ms-request-id", "req-202-abc")],
    );
    for switch in [
        ("RUNNER_DEBUG", "1"),
        ("ACTIONS_STEP_DEBUG", "true"),
        ("SYSTEM_DEBUG", "true"),
    ] {
        let outcome = golive_on(&server).env(switch.0, switch.1).run();
        assert_code(&outcome, 0);
        let line = outcome
            .stdout
            .lines()
            .find(|l| l.starts_with("debug: POST "))
            .unwrap_or_else(|| panic!("{switch:?}: no request line:\n{}", outcome.stdout));
        assert!(
            line.contains(&format!(
                "{}{GOLIVE_PATH}?api-version=2017-10-31",
                server.url()
            )) && line.contains("HTTP 202 (request id req-202-abc)")
                && line.contains("ms"),
            "{line}"
        );
        assert!(!line.contains(TOKEN), "{line}");
    }
    let outcome = golive_on(&server).arg("--verbose").outside_github().run();
    assert_contains(&outcome.stdout, "debug: POST ");
    let quiet = golive_on(&server).outside_github().run();
    assert!(!quiet.stdout.contains("debug:"), "{}", quiet.stdout);

    // Without debug, a failure still names the request id Microsoft support asks for.
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![
            Reply::json(400, r#"{"error":{"code":"BadRequest","message":"no"}}"#)
                .header("x-ms-request-id", "req-400-def"),
        ],
    );
    let outcome = golive_on(&server).outside_github().run();
    assert_code(&outcome, 3);
    assert_contains(&outcome.stderr, "(request id req-400-def)");
}

#[test]
fn token_acquisition_and_the_wait_are_log_groups_on_every_ci() {
    let done = |server: &Server| {
        server.route("POST", GOLIVE_PATH, vec![accepted(server)]);
        server.route(
            "GET",
            OP_PATH,
            vec![Reply::json(200, r#"{"status":"succeeded"}"#)],
        );
    };
    let server = Server::start();
    done(&server);
    let github = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&github, 0);
    let commands = github.github_commands();
    assert_eq!(
        commands
            .iter()
            .filter(|c| ["group", "endgroup"].contains(&c.as_str()))
            .collect::<Vec<_>>(),
        ["group", "endgroup", "group", "endgroup"],
        "{}",
        github.stdout
    );
    assert!(github.stdout.contains("::group::Getting an access token"));
    assert!(
        github
            .stdout
            .contains("::group::Waiting for operation op-1")
    );

    let azure = golive_on(&server)
        .outside_github()
        .env("TF_BUILD", "True")
        .env("INPUT_WAIT", "true")
        .run();
    assert_eq!(
        azure.stdout.matches("##[group]").count(),
        2,
        "{}",
        azure.stdout
    );
    assert_eq!(azure.stdout.matches("##[endgroup]").count(), 2);

    let gitlab = golive_on(&server)
        .outside_github()
        .env("GITLAB_CI", "true")
        .env("INPUT_WAIT", "true")
        .run();
    assert_eq!(
        gitlab.stdout.matches("section_start:").count(),
        2,
        "{}",
        gitlab.stdout
    );
    assert_eq!(gitlab.stdout.matches("section_end:").count(), 2);
    assert!(
        gitlab
            .stdout
            .contains("[collapsed=true]\r\u{1b}[0KGetting an access token")
    );
}

#[test]
fn look_alike_variables_warn_and_odd_values_are_input_errors() {
    let server = Server::start();
    running(&server);
    let outcome = golive_on(&server)
        .env("GOLIVE_OFFERID", "another-offer")
        .run();
    assert_code(&outcome, 0);
    assert_contains(
        &outcome.stdout,
        "GOLIVE_OFFERID is no golive input and is ignored: did you mean GOLIVE_OFFER_ID?",
    );

    for (name, value, says) in [
        ("INPUT_MANAGED-IDENTITY", "yes", "'managed-identity'"),
        (
            "INPUT_OPERATION-LOCATION",
            "/api/publishers/contoso",
            "'operation-location'",
        ),
    ] {
        let server = Server::start();
        let outcome = golive_on(&server)
            .without("INPUT_TOKEN")
            .env(name, value)
            .outside_github()
            .run();
        assert_code(&outcome, 2);
        assert_contains(&outcome.stderr, says);
        assert!(server.requests().is_empty());
    }
}

#[test]
fn help_fits_100_columns_and_version_names_target_and_commit() {
    let help = golive().arg("--help").outside_github().run();
    assert_code(&help, 0);
    let widest = help.stdout.lines().map(|l| l.chars().count()).max();
    assert!(widest.is_some_and(|w| w <= 100), "{widest:?}");
    for words in [
        "HTTPS_PROXY",
        "SSL_CERT_FILE",
        "golive.env",
        "status=interrupted",
    ] {
        assert!(help.stdout.contains(words), "{words}");
    }
    let version = golive().arg("--version").outside_github().run();
    assert_code(&version, 0);
    let line = version.stdout.trim();
    // `golive 0.1.0 (x86_64-unknown-linux-musl, commit 6e1fed5d48ba)`: a target triple.
    let target = line
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(','))
        .map(|(target, _)| target);
    assert!(
        line.starts_with(&format!("golive {} (", env!("CARGO_PKG_VERSION")))
            && target.is_some_and(|t| t.matches('-').count() >= 2)
            && line.contains("commit "),
        "{line}"
    );
}
