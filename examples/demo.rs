//! The demo: golive's real run, end to end, against a simulated marketplace API on
//! loopback. No credentials, no network.
//!
//!     cargo run --example demo              # as a GitHub Actions step
//!     cargo run --example demo -- gitlab    # as a GitLab CI job (golive.env)
//!     cargo run --example demo -- azure     # as an Azure Pipelines step (##vso lines)
//!     cargo run --example demo -- shell     # in a plain shell
//!     cargo run --example demo -- product-ingestion   # Partner Center's API instead of CPP
//!                                                     # (combines with a CI name)
//!
//! The simulated operation moves through the steps of a real go-live to success (for
//! product-ingestion: product lookup, submissions, configure, then the job). The simulator
//! lives in tests/support and is not part of the golive binary.

#[path = "../tests/it/support/partner_center.rs"]
mod partner_center;
// The tests' scripted server: a loopback port it cannot bind is a crash of the demo.
#[allow(clippy::expect_used)]
#[path = "../tests/it/support/server.rs"]
mod server;

use partner_center as pc;
use server::{Reply, Server};

const PUBLISHER: &str = "contoso";
const OFFER: &str = "contoso-demo-offer";
const OPERATION: &str = "56615b67-2185-49fe-80d2-c4ddf77bb2e8";

fn step(id: &str, name: &str, status: &str, progress: u32, estimate: &str) -> String {
    format!(
        r#"{{"id":"{id}","stepName":"{name}","status":"{status}","progressPercentage":{progress},"estimatedTimeFrame":"{estimate}","messages":[]}}"#
    )
}

/// The operation as the service reports it at each poll: (status, [progress of the steps]).
fn readings() -> Vec<String> {
    let names = [
        ("displaydummycertify", "Validate Pre-Requisites", "< 15 min"),
        ("displaycertify", "Certification", "< 5 days"),
        ("displayprovision", "Provisioning", "< 1 day"),
        ("live", "Live", "~2-5 days"),
    ];
    let plan: [(&str, [u32; 4]); 7] = [
        ("notStarted", [0, 0, 0, 0]),
        ("running", [50, 0, 0, 0]),
        ("running", [100, 30, 0, 0]),
        ("running", [100, 100, 60, 0]),
        ("running", [100, 100, 100, 40]),
        ("running", [100, 100, 100, 90]),
        ("completed", [100, 100, 100, 100]),
    ];
    plan.iter()
        .map(|(status, progress)| {
            let steps: Vec<String> = names
                .iter()
                .zip(progress)
                .map(|((id, name, estimate), p)| {
                    let word = match p {
                        0 => "notStarted",
                        100 => "completed",
                        _ => "inProgress",
                    };
                    step(id, name, word, *p, estimate)
                })
                .collect();
            format!(
                r#"{{"id":"{OPERATION}","submissionType":"Publish/GoLive","status":"{status}","messages":[],"steps":[{}]}}"#,
                steps.join(",")
            )
        })
        .collect()
}

/// Partner Center's product-ingestion API: a product with a preview submission to take
/// live, and a job that runs to success. Every answer is one of the documented samples in
/// `tests/it/support/partner_center.rs` (each names its source); the submissions list holds
/// the draft reference, as the real service's always does.
fn simulate_partner_center(api: &Server) -> String {
    let base = "/rp/product-ingestion";
    let product = "8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c";
    let live = format!("submission/{product}/1152921515689847470");
    let preview = format!("submission/{product}/1152921515689848683");
    let job = "9d8c7b6a-5f4e-3d2c-1b0a-0123456789ab";
    let ok = |body: &serde_json::Value| Reply::json(200, &body.to_string());
    api.route(
        "GET",
        &format!("{base}/product"),
        vec![ok(&pc::page(
            &[pc::product(product, "externalId", OFFER)],
            None,
        ))],
    );
    let before = pc::page(&pc::before_go_live(product, &live, &preview), None);
    println!("== the submissions list the simulated service answers (the docs' sample):");
    for item in before["value"].as_array().into_iter().flatten() {
        println!(
            "   {} target={} status={}",
            item["id"].as_str().unwrap_or_default(),
            item["target"]["targetType"].as_str().unwrap_or_default(),
            item["status"]
                .as_str()
                .unwrap_or("(none: the draft reference)")
        );
    }
    api.route(
        "GET",
        &format!("{base}/submission/{product}"),
        vec![
            ok(&before),
            ok(&pc::page(&pc::after_go_live(product, &preview), None)),
        ],
    );
    api.route(
        "POST",
        &format!("{base}/configure"),
        vec![Reply::json(202, &pc::configure_accepted(job).to_string())],
    );
    let status = |s: &str, r: &str| ok(&pc::job_status(job, s, r, &serde_json::json!([])));
    api.route(
        "GET",
        &format!("{base}/configure/{job}/status"),
        vec![
            status("notStarted", "pending"),
            status("running", "pending"),
            status("running", "pending"),
            status("completed", "succeeded"),
        ],
    );
    format!("{}{base}", api.url())
}

/// The Cloud Partner Portal API: go-live answered with a relative Location (2020+), and
/// an operation that moves through its steps.
fn simulate_cpp(api: &Server) -> String {
    let golive_path = format!("/api/publishers/{PUBLISHER}/offers/{OFFER}/golive");
    let operation_path =
        format!("/api/publishers/{PUBLISHER}/offers/{OFFER}/operations/{OPERATION}");
    // The check for a running operation before the go-live: none runs (docs, "Retrieve
    // operations": an array of operations, here empty).
    api.route(
        "GET",
        &format!("/api/publishers/{PUBLISHER}/offers/{OFFER}/submissions"),
        vec![Reply::json(200, "[]")],
    );
    api.route(
        "POST",
        &golive_path,
        vec![Reply::status(202).header(
            "Location",
            &format!("{operation_path}?api-version=2017-10-31"),
        )],
    );
    api.route(
        "GET",
        &operation_path,
        readings()
            .iter()
            .map(|body| Reply::json(200, body))
            .collect(),
    );
    api.url()
}

fn main() {
    let mut ci = "github".to_owned();
    let mut ingestion = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "github" | "gitlab" | "azure" | "shell" => ci = arg,
            "product-ingestion" => ingestion = true,
            "cpp" => ingestion = false,
            _ => {
                eprintln!(
                    "usage: cargo run --example demo -- [github|gitlab|azure|shell] [cpp|product-ingestion]"
                );
                std::process::exit(2);
            }
        }
    }
    let api = Server::start();
    let base_url = if ingestion {
        simulate_partner_center(&api)
    } else {
        simulate_cpp(&api)
    };

    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("demo: cannot make a temporary folder: {e}");
            std::process::exit(1);
        }
    };
    let output = dir.path().join("github_output");
    let summary = dir.path().join("step_summary");
    let mut env: Vec<(String, String)> = vec![
        ("INPUT_PUBLISHER-ID".into(), PUBLISHER.into()),
        ("INPUT_OFFER-ID".into(), OFFER.into()),
        ("INPUT_TOKEN".into(), "demo-token-not-a-secret".into()),
        ("INPUT_BASE-URL".into(), base_url.clone()),
        (
            "INPUT_API".into(),
            if ingestion {
                "product-ingestion"
            } else {
                "cpp"
            }
            .into(),
        ),
        ("INPUT_WAIT".into(), "true".into()),
        ("INPUT_POLL-INTERVAL".into(), "700ms".into()),
        ("INPUT_TIMEOUT".into(), "2m".into()),
    ];
    match ci.as_str() {
        "github" => {
            env.push(("GITHUB_ACTIONS".into(), "true".into()));
            env.push(("GITHUB_OUTPUT".into(), output.display().to_string()));
            env.push(("GITHUB_STEP_SUMMARY".into(), summary.display().to_string()));
        }
        "gitlab" => env.push(("GITLAB_CI".into(), "true".into())),
        "azure" => {
            env.push(("TF_BUILD".into(), "True".into()));
            env.push((
                "AGENT_TEMPDIRECTORY".into(),
                dir.path().display().to_string(),
            ));
        }
        _ => {}
    }
    if ci == "gitlab" {
        // golive writes golive.env in the working directory, as GitLab expects.
        if let Err(e) = std::env::set_current_dir(dir.path()) {
            eprintln!("demo: cannot enter {}: {e}", dir.path().display());
            std::process::exit(1);
        }
    }

    let which = if ingestion {
        "Partner Center product-ingestion"
    } else {
        "Cloud Partner Portal"
    };
    println!("== simulated {which} API at {base_url} (loopback only)");
    println!("== golive's log, as the {ci} runner receives it");
    let code = golive::run(&env, &[]);
    println!("== golive exited with {code}");

    show_what_golive_left(&ci, dir.path(), &api);
    std::process::exit(i32::from(code));
}

/// Prints what the CI would read afterwards, and what the simulated API received.
fn show_what_golive_left(ci: &str, dir: &std::path::Path, api: &Server) {
    let output = dir.join("github_output");
    let summary = dir.join("step_summary");
    let show = |title: &str, path: &std::path::Path| {
        println!("== {title}");
        match std::fs::read_to_string(path) {
            Ok(text) => print!("{text}"),
            Err(e) => println!("(not written: {e})"),
        }
    };
    match ci {
        "github" => {
            show(
                "$GITHUB_OUTPUT (what later steps read as steps.<id>.outputs)",
                &output,
            );
            show(
                "$GITHUB_STEP_SUMMARY (Markdown shown on the run's page)",
                &summary,
            );
        }
        "gitlab" => show(
            "golive.env (artifacts: reports: dotenv)",
            &dir.join("golive.env"),
        ),
        "azure" => show(
            "golive-summary.md (attached to the run with ##vso[task.uploadsummary])",
            &dir.join("golive-summary.md"),
        ),
        _ => {}
    }
    println!("== requests the simulated API received");
    for request in api.requests() {
        let auth = request
            .header("authorization")
            .map_or("none", |_| "Bearer (redacted)");
        println!(
            "{} {}  authorization: {auth}",
            request.method, request.target
        );
    }
}
