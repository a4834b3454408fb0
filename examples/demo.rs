//! The demo: golive's real run, end to end, against a simulated marketplace API on
//! loopback. No credentials, no network.
//!
//!     cargo run --example demo              # as a GitHub Actions step
//!     cargo run --example demo -- gitlab    # as a GitLab CI job (golive.env)
//!     cargo run --example demo -- azure     # as an Azure Pipelines step (##vso lines)
//!     cargo run --example demo -- shell     # in a plain shell
//!     cargo run --example demo -- product-ingestion   # Partner Center's API instead of CPP
//!                                                     # (combines with a CI name)
//!     cargo run --example demo -- several   # three CPP offers, two at once, one fails (exit 6)
//!     cargo run --example demo -- dry-run   # check readiness only, send nothing (exit 0)
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
/// `several`: the offers and the operation each gets, the last one failing.
const SEVERAL: [(&str, &str); 3] = [
    (OFFER, OPERATION),
    (
        "contoso-second-offer",
        "7b1e0c52-3a9d-4f6e-8c21-5d4f3e2a1b09",
    ),
    (
        "contoso-third-offer",
        "c3d2e1f0-9a8b-4c7d-a6e5-f4d3c2b1a098",
    ),
];

fn step(id: &str, name: &str, status: &str, progress: u32, estimate: &str) -> String {
    format!(
        r#"{{"id":"{id}","stepName":"{name}","status":"{status}","progressPercentage":{progress},"estimatedTimeFrame":"{estimate}","messages":[]}}"#
    )
}

/// The operation as the service reports it at each poll: (status, [progress of the steps]);
/// `fails` ends it in certification with a message.
fn readings(operation: &str, fails: bool) -> Vec<String> {
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
    let plan: &[(&str, [u32; 4])] = if fails {
        &[
            ("notStarted", [0, 0, 0, 0]),
            ("running", [50, 0, 0, 0]),
            ("running", [100, 30, 0, 0]),
            ("failed", [100, 30, 0, 0]),
        ]
    } else {
        &plan
    };
    plan.iter()
        .map(|(status, progress)| {
            let steps: Vec<String> = names
                .iter()
                .zip(progress)
                .map(|((id, name, estimate), p)| {
                    let word = match p {
                        _ if *status == "failed" && *p > 0 && *p < 100 => "failed",
                        0 => "notStarted",
                        100 => "completed",
                        _ => "inProgress",
                    };
                    step(id, name, word, *p, estimate)
                })
                .collect();
            // The docs' `messages[]` shape: `{"messageHtml", "level"}`.
            let messages = if *status == "failed" {
                r#"[{"messageHtml":"Certification failed: the VM image did not boot (see the certification report).","level":"error"}]"#
            } else {
                "[]"
            };
            format!(
                r#"{{"id":"{operation}","submissionType":"Publish/GoLive","status":"{status}","messages":{messages},"steps":[{}]}}"#,
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
/// an operation that moves through its steps (and, with `fails`, ends failed).
fn simulate_cpp(api: &Server, offer: &str, operation: &str, fails: bool) -> String {
    let offer_path = format!("/api/publishers/{PUBLISHER}/offers/{offer}");
    let operation_path = format!("{offer_path}/operations/{operation}");
    // The check for a running operation before the go-live: none runs (docs, "Retrieve
    // operations": an array of operations, here empty).
    api.route(
        "GET",
        &format!("{offer_path}/submissions"),
        vec![Reply::json(200, "[]")],
    );
    // A dry run's readiness check (docs, "Retrieve offer status"): the preview waits for
    // the publisher's sign-off.
    api.route(
        "GET",
        &format!("{offer_path}/status"),
        vec![Reply::json(
            200,
            r#"{"status":"waitingForPublisherReview","messages":[],"steps":[{"estimatedTimeFrame":"< 1 hour","id":"publisher-signoff","stepName":"Publisher signoff","description":"Offer is available to preview. Ensure that everything looks good before making your offer live.","status":"notStarted","messages":[],"progressPercentage":0}],"previewLinks":[],"liveLinks":[],"notificationEmails":"jdoe@contoso.com"}"#,
        )],
    );
    api.route(
        "POST",
        &format!("{offer_path}/golive"),
        vec![Reply::status(202).header(
            "Location",
            &format!("{operation_path}?api-version=2017-10-31"),
        )],
    );
    api.route(
        "GET",
        &operation_path,
        readings(operation, fails)
            .iter()
            .map(|body| Reply::json(200, body))
            .collect(),
    );
    api.url()
}

/// The demo's choices, from its arguments.
struct Choice {
    ci: String,
    ingestion: bool,
    several: bool,
    dry_run: bool,
}

fn choice() -> Choice {
    let mut choice = Choice {
        ci: "github".to_owned(),
        ingestion: false,
        several: false,
        dry_run: false,
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "github" | "gitlab" | "azure" | "shell" => choice.ci = arg,
            "product-ingestion" => choice.ingestion = true,
            "cpp" => choice.ingestion = false,
            "several" => choice.several = true,
            "dry-run" => choice.dry_run = true,
            _ => {
                eprintln!(
                    "usage: cargo run --example demo -- [github|gitlab|azure|shell] [cpp|product-ingestion] \
                     [several] [dry-run]"
                );
                std::process::exit(2);
            }
        }
    }
    if choice.several && choice.ingestion {
        eprintln!(
            "demo: several offers are shown on the Cloud Partner Portal API (leave out product-ingestion)"
        );
        std::process::exit(2);
    }
    choice
}

fn main() {
    let Choice {
        ci,
        ingestion,
        several,
        dry_run,
    } = choice();
    let api = Server::start();
    let base_url = if ingestion {
        simulate_partner_center(&api)
    } else if several {
        let mut url = String::new();
        for (i, (offer, operation)) in SEVERAL.iter().enumerate() {
            url = simulate_cpp(&api, offer, operation, i == SEVERAL.len() - 1);
        }
        url
    } else {
        simulate_cpp(&api, OFFER, OPERATION, false)
    };
    let offers = if several {
        SEVERAL.map(|(offer, _)| offer).join("\n")
    } else {
        OFFER.to_owned()
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
        ("INPUT_OFFER-ID".into(), offers),
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
        ("INPUT_MAX-PARALLEL".into(), "2".into()),
        ("INPUT_DRY-RUN".into(), dry_run.to_string()),
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
