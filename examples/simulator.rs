//! A simulated Cloud Partner Portal API on loopback, for benchmarks (bench/run): go-live
//! answers 202 every time, and the operation reads `running` for the first N polls, its
//! four steps advancing as a real go-live's do, then `succeeded`. Prints its base URL,
//! serves until stdin closes, then prints how many requests it received.
//!
//!     cargo run --release --example simulator -- 1000 [--keep-alive] [--tls CA.pem] [--offers N]
//!
//! `--keep-alive` keeps connections open between requests; `--tls` serves HTTPS with a
//! fresh self-signed certificate, written to CA.pem for the clients to trust; `--offers N`
//! serves offers `offer-1` … `offer-N`, each with its own operation, instead of
//! `contoso-offer`.

// The tests' scripted server: a loopback port it cannot bind is a crash of the simulator.
#[allow(clippy::expect_used)]
#[path = "../tests/it/support/server.rs"]
mod server;

use server::{Reply, Server};

fn main() {
    let mut polls = 0;
    let mut keep_alive = false;
    let mut tls = None;
    let mut many = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--keep-alive" => keep_alive = true,
            "--tls" => tls = args.next(),
            "--offers" => many = args.next().and_then(|n| n.parse::<usize>().ok()),
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
    let offers: Vec<String> = match many {
        Some(n) => (1..=n).map(|i| format!("offer-{i}")).collect(),
        None => vec!["contoso-offer".to_owned()],
    };
    for offer in offers {
        route_offer(
            &api,
            &format!("/api/publishers/contoso/offers/{offer}"),
            polls,
        );
    }
    println!("{}", api.url());
    // Serve until whoever started us closes our stdin.
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
    println!("{}", api.requests().len());
}

/// The operation at poll `poll` of `polls`: its four steps advancing one after another.
/// Fields, step ids, names, status words and estimates are those of the CPP docs'
/// "Retrieve operation" sample (cpp-api.md: `displaydummycertify` … `live`).
fn reading(poll: usize, polls: usize) -> String {
    let steps = [
        ("displaydummycertify", "Validate Pre-Requisites", "< 15 min"),
        ("displaycertify", "Certification", "< 5 days"),
        ("displayprovision", "Provisioning", "< 1 day"),
        ("live", "Live", "~2-5 days"),
    ];
    // Overall progress in hundredths of the four steps.
    let done = (poll * 400) / polls.max(1);
    let steps: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, (id, name, estimate))| {
            let progress = done.saturating_sub(i * 100).min(100);
            let status = match progress {
                0 => "notStarted",
                100 => "completed",
                _ => "inProgress",
            };
            format!(
                r#"{{"id":"{id}","stepName":"{name}","status":"{status}","progressPercentage":{progress},"estimatedTimeFrame":"{estimate}","messages":[]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"id":"op-1","submissionType":"Publish/GoLive","status":"running","messages":[],"steps":[{}]}}"#,
        steps.join(",")
    )
}

/// One offer: nothing running before its go-live, a 202, and an operation that reads
/// `running` for `polls` polls, then `succeeded`.
fn route_offer(api: &Server, offer: &str, polls: usize) {
    // The check for a running operation before each go-live (docs, "Retrieve
    // operations": an array of operations): none runs.
    api.route(
        "GET",
        &format!("{offer}/submissions"),
        vec![Reply::json(200, "[]")],
    );
    api.route(
        "POST",
        &format!("{offer}/golive"),
        vec![Reply::status(202).header(
            "Operation-Location",
            &format!("{}{offer}/operations/op-1", api.url()),
        )],
    );
    let mut readings: Vec<Reply> = (0..polls)
        .map(|poll| Reply::json(200, &reading(poll, polls)))
        .collect();
    // The end as the public clients compare it: `succeeded` (Garden Linux's client; the
    // docs' word is `completed`, which golive accepts too).
    readings.push(Reply::json(
        200,
        r#"{"id":"op-1","submissionType":"Publish/GoLive","status":"succeeded","messages":[],"steps":[]}"#,
    ));
    api.route("GET", &format!("{offer}/operations/op-1"), readings);
}
