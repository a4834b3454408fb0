//! A simulated Cloud Partner Portal API on loopback, for benchmarks (bench/run): go-live
//! answers 202 every time, and the operation reads `running` for the first N polls,
//! then `succeeded`. Prints its base URL, then serves until stdin closes.
//!
//!     cargo run --release --example simulator -- 1000

// The tests' scripted server: a loopback port it cannot bind is a crash of the demo.
#[allow(clippy::expect_used)]
#[path = "../tests/it/support/server.rs"]
mod server;

use server::{Reply, Server};

fn main() {
    let polls: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let api = Server::start();
    let offers = "/api/publishers/contoso/offers/contoso-offer";
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
