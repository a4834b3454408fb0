//! Hostile servers, hostile identity providers and hostile set-ups, run against the built
//! binary: secrets echoed in any encoding, terminal escapes, planted symlinks and FIFOs,
//! unbounded text, links, a body that never ends, inputs that would overflow or abort,
//! unreadable inputs, and a signal while the go-live request is unanswered.

use std::ffi::OsString;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::support::raw::RawServer;
use crate::support::{
    GOLIVE_PATH, OP_PATH, Reply, Server, TOKEN, accepted, assert_code, assert_contains, golive,
    golive_on, signal_when,
};

/// The log without golive's own mask commands, which carry each secret by design.
fn log_without_masks(log: &str) -> String {
    log.lines()
        .filter(|l| !l.starts_with("::add-mask::") && !l.starts_with("##vso[task.setsecret]"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_token_echoed_by_the_api_is_redacted_in_the_summary_too() {
    // `_` is what Markdown escaping changes (`\_`): redaction must come first.
    let token = "secret_token_with_underscores_9f8e7d";
    let server = Server::start();
    server.route(
        "POST",
        GOLIVE_PATH,
        vec![Reply::json(
            400,
            &format!(r#"{{"error":{{"code":"BadRequest","message":"bearer {token} is not valid here"}}}}"#),
        )],
    );
    let outcome = golive_on(&server).env("INPUT_TOKEN", token).run();
    assert_code(&outcome, 3);
    let log = log_without_masks(&outcome.log());
    for (place, text) in [("log", &log), ("summary", &outcome.summary)] {
        assert!(!text.contains("9f8e7d"), "{place}:\n{text}");
    }
    assert!(log.contains("bearer ***"), "{log}");
    assert_contains(&outcome.summary, r"bearer \*\*\*");
}

#[test]
fn a_client_secret_echoed_encoded_by_the_identity_provider_reaches_no_output() {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let token_path = format!("/{tenant}/oauth2/v2.0/token");
    let secret = r#"Zq8~ti"lde\back/sl+plus"#;
    // As sent in the form body, and as a JSON string.
    let form: String = "Zq8%7Eti%22lde%5Cback%2Fsl%2Bplus".to_owned();
    let json = r#"Zq8~ti\"lde\\back/sl+plus"#;
    let forms = [secret, form.as_str(), &form.to_ascii_lowercase(), json];
    let bodies = [
        // Entra's error shape, the description echoing the form-encoded secret.
        Reply::json(
            401,
            &format!(
                r#"{{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Received {form}"}}"#
            ),
        ),
        // A raw body echoing the request as JSON.
        Reply::status(401)
            .header("Content-Type", "text/plain")
            .body(format!(r#"bad request {{"client_secret":"{json}"}}"#).as_bytes()),
    ];
    for body in bodies {
        for gitlab in [false, true] {
            let server = Server::start();
            let idp = Server::start();
            idp.route("POST", &token_path, vec![body.clone()]);
            let mut run = golive_on(&server)
                .without("INPUT_TOKEN")
                .env("AZURE_TENANT_ID", tenant)
                .env("AZURE_CLIENT_ID", "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f")
                .env("AZURE_CLIENT_SECRET", secret)
                .env("AZURE_AUTHORITY_HOST", &idp.url());
            if gitlab {
                run = run.outside_github().env("GITLAB_CI", "true");
            }
            let outcome = run.run();
            assert_code(&outcome, 5);
            let log = log_without_masks(&outcome.log());
            for (place, text) in [("log", &log), ("summary", &outcome.summary)] {
                for form in forms {
                    assert!(!text.contains(form), "{place} holds {form}:\n{text}");
                }
            }
            assert!(log.contains("***"), "{log}");
            assert!(server.requests().is_empty());
        }
    }
}

#[test]
fn terminal_escapes_and_invisible_characters_never_reach_an_annotation_or_issue() {
    let hostile = "\u{1b}[31mred\u{1b}[0m \u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{1b}\\ \
                   \u{1b}]52;c;ZXZpbA==\u{7} \u{1b}]0;owned title\u{7} \u{9b}2J \u{9d}0;t\u{9c} \
                   nel\u{85}bidi\u{202e}txt zero\u{200b}width line\u{2028}sep bell\u{7} end";
    let body = serde_json::json!({"error": {"code": "BadRequest", "message": hostile}}).to_string();
    for azure in [false, true] {
        let server = Server::start();
        server.route("POST", GOLIVE_PATH, vec![Reply::json(400, &body)]);
        let mut run = golive_on(&server);
        if azure {
            run = run.outside_github().env("TF_BUILD", "True");
        }
        let outcome = run.run();
        assert_code(&outcome, 3);
        let log = outcome.log();
        let issue = log
            .lines()
            .find(|l| l.starts_with("::error ") || l.starts_with("##vso[task.logissue"))
            .unwrap_or_else(|| panic!("no annotation or issue:\n{log}"));
        for line in log.lines().chain(outcome.summary.lines()) {
            assert!(
                !line
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '\u{202e}' | '\u{200b}' | '\u{2028}')),
                "{line:?}"
            );
            for left in ["]8;;", "52;c;", "]0;owned", "[31m"] {
                assert!(!line.contains(left), "{left} in {line:?}");
            }
        }
        assert!(issue.contains("red") && issue.contains("click") && issue.contains("end"));
    }
}

#[test]
fn a_symlink_planted_as_golive_env_is_replaced_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link_to = target.clone();
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let outcome = golive_on(&server)
        .outside_github()
        .env("GITLAB_CI", "true")
        .prepare(move |dir| {
            std::os::unix::fs::symlink(&link_to, dir.join("golive.env")).unwrap();
        })
        .run();
    assert_code(&outcome, 0);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap_or_default(),
        "keep me"
    );
    assert!(
        outcome
            .dotenv
            .as_deref()
            .is_some_and(|d| d.contains("GOLIVE_STATUS=accepted")),
        "{:?}",
        outcome.dotenv
    );
}

fn fifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
}

#[test]
fn a_fifo_as_an_output_or_summary_file_never_hangs_the_run() {
    let fifos = tempfile::tempdir().unwrap();
    let (output, summary) = (fifos.path().join("output"), fifos.path().join("summary"));
    fifo(&output);
    fifo(&summary);

    // GITHUB_OUTPUT is a FIFO nobody reads: a clear error naming it, not a hang.
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let outcome = golive_on(&server)
        .env("GITHUB_OUTPUT", &output.display().to_string())
        .env("INPUT_TIMEOUT", "30s")
        .run();
    assert!(
        matches!(outcome.code, Some(1 | 2)),
        "exit {:?}:\n{}",
        outcome.code,
        outcome.log()
    );
    assert!(
        outcome.log().contains("GITHUB_OUTPUT") && outcome.log().contains("not a regular file"),
        "{}",
        outcome.log()
    );

    // The summary a FIFO: found before anything is sent (exit 2), not a hang.
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let outcome = golive_on(&server)
        .env("GITHUB_STEP_SUMMARY", &summary.display().to_string())
        .env("INPUT_TIMEOUT", "30s")
        .run();
    assert_code(&outcome, 2);
    assert!(
        outcome.log().contains("GITHUB_STEP_SUMMARY")
            && outcome.log().contains("not a regular file"),
        "{}",
        outcome.log()
    );
    assert!(server.requests().is_empty());

    // The federated token file a FIFO nobody writes: refused at once, nothing sent.
    let server = Server::start();
    let outcome = golive_on(&server)
        .without("INPUT_TOKEN")
        .env("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47")
        .env("AZURE_CLIENT_ID", "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f")
        .env("AZURE_AUTHORITY_HOST", &server.url())
        .env("AZURE_FEDERATED_TOKEN_FILE", &summary.display().to_string())
        .env("INPUT_TIMEOUT", "30s")
        .run();
    assert_code(&outcome, 5);
    assert_contains(&outcome.log(), "not a regular file");
    assert!(server.requests().is_empty());
}

#[test]
fn megabytes_of_server_text_are_capped_in_the_log_and_the_summary() {
    let huge = "word ".repeat(600_000); // 3 MB
    let messages: Vec<serde_json::Value> = (0..1500)
        .map(|i| serde_json::json!({"messageHtml": format!("message {i}"), "level": "error"}))
        .chain(std::iter::once(serde_json::json!({"messageHtml": huge})))
        .collect();
    let body = serde_json::json!({"status": "failed", "messages": messages}).to_string();
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route("GET", OP_PATH, vec![Reply::json(200, &body)]);
    let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 6);
    let longest = outcome.log().lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 8 * 1024, "a log line of {longest} bytes");
    assert!(
        outcome.log().contains("more lines not shown"),
        "{}",
        outcome.log().len()
    );
    assert!(
        outcome.summary.len() < 300 * 1024,
        "summary of {} bytes",
        outcome.summary.len()
    );
    assert!(outcome.summary.contains("not shown"));
}

#[test]
fn links_from_the_server_are_never_clickable_in_the_summary() {
    let body = serde_json::json!({
        "status": "failed",
        "messages": [{"messageHtml": "see https://evil.example/fix or www.evil.example, mail help@evil.example"}],
        "steps": [{"stepName": "Open http://evil.example/step", "status": "failed"}]
    })
    .to_string();
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route("GET", OP_PATH, vec![Reply::json(200, &body)]);
    let outcome = golive_on(&server).env("INPUT_WAIT", "true").run();
    assert_code(&outcome, 6);
    for autolink in ["://evil", "www.evil", "help@evil"] {
        assert!(
            !outcome.summary.contains(autolink),
            "{autolink}:\n{}",
            outcome.summary
        );
    }
    assert_contains(&outcome.summary, "evil");
}

#[test]
fn an_accepted_post_whose_body_never_ends_still_hands_on_the_operation() {
    let api = RawServer::start(|_, mut stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 202 Accepted\r\nOperation-Location: /api/publishers/contoso/offers/contoso-offer/operations/op-1\r\nContent-Length: 100000\r\n\r\n{\"status\":",
        );
        let _ = stream.flush();
        std::thread::sleep(Duration::from_secs(60));
    });
    let outcome = golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &api.url())
        .env("INPUT_TIMEOUT", "5s")
        .run();
    assert_code(&outcome, 0);
    assert_eq!(outcome.output("operation-id"), Some("op-1"));
    assert_eq!(outcome.output("status"), Some("accepted"));
}

#[test]
fn no_input_or_closed_stream_makes_golive_abort() {
    // A timeout past what an Instant can hold: an input error.
    let server = Server::start();
    let outcome = golive_on(&server)
        .env("INPUT_TIMEOUT", "18446744073709551615")
        .outside_github()
        .run();
    assert_code(&outcome, 2);
    assert_contains(&outcome.stderr, "'timeout'");
    assert!(server.requests().is_empty());

    let binary = env!("CARGO_BIN_EXE_golive");
    let run = |args: &[&str], stdout: Stdio, stderr: Stdio| {
        std::process::Command::new(binary)
            .env_clear()
            .args(args)
            .stdout(stdout)
            .stderr(stderr)
            .status()
            .unwrap()
            .code()
    };
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Stdio::from(writer)
    };
    let full = || {
        Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    };
    assert_eq!(run(&["--help"], closed(), Stdio::null()), Some(0));
    assert_eq!(run(&["--version"], full(), Stdio::null()), Some(0));
    assert_eq!(run(&["--no-such-flag"], Stdio::null(), closed()), Some(2));
    assert_eq!(run(&["--no-such-flag"], Stdio::null(), full()), Some(2));
}

#[test]
fn a_very_low_open_files_limit_is_a_clean_error() {
    use std::os::unix::process::CommandExt;
    let server = Server::start();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_golive"));
    command
        .env_clear()
        .env("GOLIVE_PUBLISHER_ID", "contoso")
        .env("GOLIVE_OFFER_ID", "contoso-offer")
        .env("GOLIVE_TOKEN", TOKEN)
        .env("GOLIVE_BASE_URL", server.url())
        .stdin(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe and touches only this child.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 7,
                rlim_max: 7,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raw const limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("open-files limit"), "{stderr}");
    assert!(server.requests().is_empty());
}

#[test]
fn an_input_set_to_text_that_is_not_utf8_is_an_input_error_not_skipped() {
    use std::os::unix::ffi::OsStringExt;
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    // Before: INPUT_OFFER-ID was skipped and GOLIVE_OFFER_ID took another offer live.
    let outcome = golive_on(&server)
        .env_os(
            "INPUT_OFFER-ID",
            OsString::from_vec(b"contoso-\xff".to_vec()),
        )
        .env("GOLIVE_OFFER_ID", "another-offer")
        .outside_github()
        .run();
    assert_code(&outcome, 2);
    assert!(
        outcome.stderr.contains("'offer-id' (INPUT_OFFER-ID)")
            && outcome.stderr.contains("not UTF-8"),
        "{}",
        outcome.stderr
    );
    assert!(server.requests().is_empty());

    // A non-UTF-8 argument too; a variable golive never reads is no concern.
    let outcome = golive_on(&server)
        .arg("--offer-id")
        .arg_os(OsString::from_vec(b"x\xff".to_vec()))
        .env_os("SOME_OTHER_VARIABLE", OsString::from_vec(b"\xff".to_vec()))
        .outside_github()
        .run();
    assert_code(&outcome, 2);
    assert!(server.requests().is_empty());
    let outcome = golive_on(&server)
        .env_os("SOME_OTHER_VARIABLE", OsString::from_vec(b"\xff".to_vec()))
        .outside_github()
        .run();
    assert_code(&outcome, 0);
}

#[test]
fn a_signal_while_the_go_live_request_is_unanswered_says_it_may_have_started() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![Reply::Hang]);
    let (child, dir) = golive_on(&server).env("INPUT_TIMEOUT", "60s").spawn();
    signal_when(
        || !server.hits("POST", GOLIVE_PATH).is_empty(),
        &child,
        "-TERM",
    );
    let outcome = crate::support::finish(child, dir);
    assert_code(&outcome, 143);
    assert!(
        outcome.stdout.contains("an operation may have started")
            && !outcome.stdout.contains("no operation started"),
        "{}",
        outcome.stdout
    );
}
