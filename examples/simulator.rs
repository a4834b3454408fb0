//! A simulated Cloud Partner Portal API on loopback, for benchmarks (bench/run): go-live
//! answers 202 every time, and the operation reads `running` for the first N polls,
//! then `succeeded`. Prints its base URL, then serves until stdin closes.
//!
//!     cargo run --release --example simulator -- 1000 [--keep-alive] [--tls CA.pem]
//!
//! `--keep-alive` keeps connections open between requests; `--tls` serves HTTPS with a
//! fresh self-signed certificate, written to CA.pem for the clients to trust.

// The tests' scripted server: a loopback port it cannot bind is a crash of the simulator.
#[allow(clippy::expect_used)]
#[path = "../tests/it/support/server.rs"]
mod server;

use server::{Reply, Server};

fn main() {
    let mut polls = 0;
    let mut keep_alive = false;
    let mut tls = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--keep-alive" => keep_alive = true,
            "--tls" => tls = args.next(),
            number => polls = number.parse().unwrap_or(0),
        }
    }
    let api = match &tls {
        Some(path) => {
            let (server, pem) = Server::start_tls();
            if let Err(e) = std::fs::write(path, pem) {
                eprintln!("simulator: cannot write {path}: {e}");
                std::process::exit(1);
            }
            server
        }
        None => Server::start(),
    };
    if keep_alive {
        api.keep_alive();
    }
    let offers = "/api/publishers/contoso/offers/contoso-offer";
    // The check for a running operation before each go-live: none runs.
    api.route(
        "GET",
        &format!("{offers}/submissions"),
        vec![Reply::json(200, "[]")],
    );
    api.route(
        "POST",
        &format!("{offers}/golive"),
        vec![Reply::status(202).header(
            "Operation-Location",
            &format!("{}{offers}/operations/op-1", api.url()),
        )],
    );
    let mut readings = vec![
        Reply::json(
            200,
            r#"{"status":"running","steps":[{"stepName":"Certification","status":"inProgress","progressPercentage":50}]}"#
        );
        polls
    ];
    readings.push(Reply::json(200, r#"{"status":"succeeded"}"#));
    api.route("GET", &format!("{offers}/operations/op-1"), readings);
    println!("{}", api.url());
    // Serve until whoever started us closes our stdin.
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
}
