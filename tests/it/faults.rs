//! Servers that misbehave at the socket level, and a long flaky soak. Each case asserts
//! a clear error, the right exit code, an end within the run's timeout (the watchdog in
//! support fails any run that hangs), and that the token is not printed.

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use crate::support::raw::RawServer;
use crate::support::{
    GOLIVE_PATH, OP_PATH, Outcome, Reply, Server, TOKEN, accepted, assert_contains, golive,
};

/// golive outside GitHub, against an API at `url`, with a short timeout.
fn golive_at(url: &str) -> crate::support::Golive {
    golive()
        .outside_github()
        .env("GOLIVE_PUBLISHER_ID", "contoso")
        .env("GOLIVE_OFFER_ID", "contoso-offer")
        .env("GOLIVE_TOKEN", TOKEN)
        .env("GOLIVE_BASE_URL", url)
        .env("GOLIVE_POLL_INTERVAL", "20ms")
        .env("GOLIVE_TIMEOUT", "3s")
}

/// The exit code, and no token in anything printed.
fn assert_clean(outcome: &Outcome, code: i32) {
    crate::support::assert_code(outcome, code);
    assert!(!outcome.log().contains(TOKEN), "the token was printed");
}

fn write(mut stream: &TcpStream, bytes: &[u8]) -> bool {
    stream
        .write_all(bytes)
        .and_then(|()| stream.flush())
        .is_ok()
}

const ACCEPTED: &[u8] = b"HTTP/1.1 202 Accepted\r\nOperation-Location: /api/operations/op-1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const SUCCEEDED: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 22\r\nConnection: close\r\n\r\n{\"status\":\"succeeded\"}";

#[test]
fn a_connection_dropped_mid_body_is_retried() {
    let server = RawServer::start(|index, stream| {
        match index {
            0 => write(&stream, ACCEPTED),
            // Promise 1000 bytes, send 10, hang up.
            1 => write(
                &stream,
                b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"status\":",
            ),
            _ => write(&stream, SUCCEEDED),
        };
    });
    let outcome = golive_at(&server.url()).env("GOLIVE_WAIT", "true").run();
    assert_clean(&outcome, 0);
    assert!(
        outcome
            .stdout
            .contains("polling the operation failed (the response broke off"),
        "{}",
        outcome.stdout
    );
    assert_eq!(server.connections(), 3);
}

#[test]
fn headers_trickled_byte_by_byte_end_at_the_deadline() {
    let server = RawServer::start(|_, stream| {
        for byte in b"HTTP/1.1 202 Accepted\r\nX-Slow: "
            .iter()
            .chain(std::iter::repeat(&b'a'))
        {
            if !write(&stream, &[*byte]) {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let outcome = golive_at(&server.url()).env("GOLIVE_TIMEOUT", "1s").run();
    assert_clean(&outcome, 7);
    assert_contains(
        &outcome.stderr,
        "timed out after 1s before the go-live request was answered",
    );
}

#[test]
fn an_endless_chunked_error_body_is_read_only_up_to_the_cap() {
    let server = RawServer::start(|_, stream| {
        write(&stream, b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = format!("1000\r\n{}\r\n", "x".repeat(4096));
        while write(&stream, chunk.as_bytes()) {}
    });
    let outcome = golive_at(&server.url()).run();
    assert_clean(&outcome, 3);
    assert!(
        outcome.stderr.contains("(body cut at 64 KiB)"),
        "{}",
        &outcome.stderr[..outcome.stderr.len().min(300)]
    );
    assert!(outcome.log().len() < 16 * 1024);
}

#[test]
fn a_location_that_is_not_text_is_a_clear_error() {
    let server = RawServer::start(|_, stream| {
        write(&stream, b"HTTP/1.1 202 Accepted\r\nOperation-Location: /api/operations/\xff\xfe\r\nContent-Length: 0\r\n\r\n");
    });
    let outcome = golive_at(&server.url()).run();
    assert_clean(&outcome, 1);
    assert_contains(
        &outcome.stderr,
        "without a usable Operation-Location or Location header",
    );
}

#[test]
fn oversized_headers_are_refused_and_not_retried() {
    let server = RawServer::start(|_, stream| {
        let mut head = b"HTTP/1.1 202 Accepted\r\n".to_vec();
        for i in 0..20_000 {
            head.extend_from_slice(format!("X-Padding-{i}: {}\r\n", "y".repeat(50)).as_bytes());
        }
        head.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        write(&stream, &head);
    });
    let outcome = golive_at(&server.url()).run();
    assert_clean(&outcome, 1);
    assert_contains(&outcome.stderr, "no complete answer");
    assert_eq!(
        server.connections(),
        1,
        "an answer that may have started an operation is not retried"
    );
}

#[test]
fn a_gzip_bomb_is_not_decompressed() {
    let bomb = {
        let mut gzip = std::process::Command::new("gzip")
            .arg("-c")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("gzip");
        let mut stdin = gzip.stdin.take().unwrap_or_else(|| panic!("stdin"));
        let writer = thread::spawn(move || {
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..64 {
                let _ = stdin.write_all(&zeros);
            }
        });
        let output = gzip.wait_with_output().unwrap();
        let _ = writer.join();
        output.stdout
    };
    assert!(
        bomb.len() < 200 * 1024,
        "64 MiB of zeros compress to {} bytes",
        bomb.len()
    );
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::status(200)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .body(&bomb),
            Reply::json(200, r#"{"status":"succeeded"}"#),
        ],
    );
    let outcome = golive_at(&server.url()).env("GOLIVE_WAIT", "true").run();
    assert_clean(&outcome, 0);
    assert_contains(&outcome.stdout, "whose body is not an operation");
    let polls = server.hits("GET", OP_PATH);
    assert!(
        polls.iter().all(|p| p.header("accept-encoding").is_none()),
        "golive asked for compression"
    );
}

#[test]
fn a_soak_of_a_thousand_polls_with_ten_percent_server_errors_ends_correctly() {
    let server = Server::start();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    // A fixed pseudo-random 10% of the polls fail (the same every run).
    let failing: Vec<bool> = (0..1000u64)
        .map(|i| (i * 2_654_435_761) % 100 < 10)
        .collect();
    let mut replies: Vec<Reply> = failing
        .iter()
        .map(|&fail| {
            if fail {
                Reply::status(503)
            } else {
                Reply::json(200, r#"{"status":"running"}"#)
            }
        })
        .collect();
    replies.push(Reply::json(200, r#"{"status":"succeeded"}"#));
    server.route("GET", OP_PATH, replies);
    let outcome = golive_at(&server.url())
        .env("GOLIVE_POLL_INTERVAL", "1ms")
        .env("GOLIVE_WAIT", "true")
        .env("GOLIVE_TIMEOUT", "80s")
        .run();
    assert_clean(&outcome, 0);
    assert_eq!(server.hits("GET", OP_PATH).len(), 1001);
    let failures = failing.iter().filter(|&&f| f).count();
    assert!((80..=120).contains(&failures), "{failures}");
    assert_eq!(
        outcome
            .stdout
            .matches("polling the operation failed")
            .count(),
        failures
    );
}
