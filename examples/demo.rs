//! The demo: golive's real run, end to end, against a simulated Cloud Partner Portal API
//! on loopback. No credentials, no network.
//!
//!     cargo run --example demo              # as a GitHub Actions step
//!     cargo run --example demo -- gitlab    # as a GitLab CI job (golive.env)
//!     cargo run --example demo -- azure     # as an Azure Pipelines step (##vso lines)
//!     cargo run --example demo -- shell     # in a plain shell
//!
//! The simulated operation moves through the steps of a real go-live to success. The
//! simulator lives in tests/support and is not part of the golive binary.

#[path = "../tests/support/server.rs"]
mod server;

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

fn main() {
    let ci = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "github".to_owned());
    if !["github", "gitlab", "azure", "shell"].contains(&ci.as_str()) {
        eprintln!("usage: cargo run --example demo -- [github|gitlab|azure|shell]");
        std::process::exit(2);
    }
    let api = Server::start();
    let golive_path = format!("/api/publishers/{PUBLISHER}/offers/{OFFER}/golive");
    let operation_path =
        format!("/api/publishers/{PUBLISHER}/offers/{OFFER}/operations/{OPERATION}");
    // 2020+ deployments answer with a relative Location.
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
        ("INPUT_BASE-URL".into(), api.url()),
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
        "azure" => env.push(("TF_BUILD".into(), "True".into())),
        _ => {}
    }
    if ci == "gitlab" {
        // golive writes golive.env in the working directory, as GitLab expects.
        if let Err(e) = std::env::set_current_dir(dir.path()) {
            eprintln!("demo: cannot enter {}: {e}", dir.path().display());
            std::process::exit(1);
        }
    }

    println!(
        "== simulated Cloud Partner Portal API at {} (loopback only)",
        api.url()
    );
    println!("== golive's log, as the {ci} runner receives it");
    let code = golive::run(&env, &[]);
    println!("== golive exited with {code}");

    let show = |title: &str, path: &std::path::Path| {
        println!("== {title}");
        match std::fs::read_to_string(path) {
            Ok(text) => print!("{text}"),
            Err(e) => println!("(not written: {e})"),
        }
    };
    match ci.as_str() {
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
            &dir.path().join("golive.env"),
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
    std::process::exit(i32::from(code));
}
