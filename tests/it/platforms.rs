//! The ways golive reaches each platform, each run as the platform runs it: the GitHub
//! Action's step script (`scripts/action-run`: fetch the release binary, check its sum,
//! run it) and the Azure DevOps task's Node handler (`azure-devops/golive`, run with the
//! variables an agent sets). The GitLab component's script runs in the shell image, in
//! `scripts/check-images`.
use std::path::{Path, PathBuf};

use crate::support::{
    GOLIVE_PATH, OIDC_PATH, OP_PATH, Outcome, Reply, Server, TENANT, TOKEN_PATH, accepted,
    assert_code, assert_contains, azure_commands, azure_pipelines_oidc, finish, form, golive,
    identity_platform, operation, query, signal_when,
};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The runner this test machine is, as `RUNNER_OS`/`RUNNER_ARCH` name it, and the release
/// file the action fetches for it.
fn runner() -> (&'static str, &'static str, String) {
    let (os, system) = if cfg!(target_os = "macos") {
        ("macOS", "apple-darwin")
    } else {
        ("Linux", "unknown-linux-musl")
    };
    let (arch, cpu) = if cfg!(target_arch = "aarch64") {
        ("ARM64", "aarch64")
    } else {
        ("X64", "x86_64")
    };
    (os, arch, format!("golive-{VERSION}-{cpu}-{system}"))
}

fn sha256(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A release download site holding this build of golive under its release name.
fn releases() -> (Server, String) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_golive"));
    let (_, _, name) = runner();
    let site = Server::start();
    site.route(
        "GET",
        &format!("/v{VERSION}/{name}"),
        vec![Reply::status(200).body(&std::fs::read(&binary).unwrap())],
    );
    (site, format!("{}  {name}\n", sha256(&binary)))
}

/// The action's step, as action.yml runs it: its env (the inputs as INPUT_*, the version
/// and the recorded sums) on a runner of this machine's kind.
fn action_step(api: &Server, site: &Server, sums: &str, cache: &Path) -> crate::support::Golive {
    let (os, arch, _) = runner();
    let script = repository().join("scripts/action-run");
    golive()
        .through(&["bash", script.to_str().unwrap()])
        .env("RUNNER_OS", os)
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TOOL_CACHE", &cache.display().to_string())
        .env("GOLIVE_VERSION", VERSION)
        .env("GOLIVE_SHA256SUMS", sums)
        .env("GOLIVE_DOWNLOAD_URL", &site.url())
        .env("INPUT_PUBLISHER_ID", "contoso")
        .env("INPUT_OFFER_ID", "contoso-offer")
        .env("INPUT_TOKEN", "action-test-token")
        .env("INPUT_BASE_URL", &api.url())
        .env("INPUT_WAIT", "false")
}

fn downloads(site: &Server) -> usize {
    let (_, _, name) = runner();
    site.hits("GET", &format!("/v{VERSION}/{name}")).len()
}

#[test]
fn the_action_runs_the_release_binary_whose_sum_it_records_and_keeps_it_cached() {
    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api), accepted(&api)]);
    let (site, sums) = releases();
    let cache = tempfile::tempdir().unwrap();

    let first = action_step(&api, &site, &sums, cache.path()).run();
    assert_code(&first, 0);
    assert_eq!(first.output("status"), Some("accepted"));
    assert!(
        first
            .output("operation-location")
            .is_some_and(|l| l.ends_with("/operations/op-1"))
    );
    assert_eq!(downloads(&site), 1);
    // The action's own variables never reach golive (no "is no golive input" warning).
    assert!(!first.log().contains("no golive input"), "{}", first.log());

    // A second step (or job on a self-hosted runner) takes the checked, cached binary.
    let second = action_step(&api, &site, &sums, cache.path()).run();
    assert_code(&second, 0);
    assert_eq!(downloads(&site), 1, "downloaded again");
    assert_eq!(api.hits("POST", GOLIVE_PATH).len(), 2);
}

#[test]
fn the_action_never_runs_a_binary_whose_sum_differs_from_the_recorded_one() {
    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    let (site, sums) = releases();
    let forged = format!("{}{}", "0".repeat(64), &sums[64..]);
    let cache = tempfile::tempdir().unwrap();
    let outcome = action_step(&api, &site, &forged, cache.path()).run();
    assert_code(&outcome, 1);
    assert_contains(&outcome.stdout, "::error title=golive::");
    assert_contains(&outcome.stdout, "not run");
    assert!(api.requests().is_empty(), "golive ran");

    // A planted binary in the cache is checked too: it is replaced by the real one.
    let (_, _, name) = runner();
    let cached = cache.path().join(format!(
        "golive/{VERSION}/{}",
        name.trim_start_matches(&format!("golive-{VERSION}-"))
    ));
    std::fs::create_dir_all(&cached).unwrap();
    std::fs::write(cached.join("golive"), "#!/bin/sh\necho planted\n").unwrap();
    let outcome = action_step(&api, &site, &sums, cache.path()).run();
    assert_code(&outcome, 0);
    assert!(!outcome.log().contains("planted"), "{}", outcome.log());
    assert_eq!(api.hits("POST", GOLIVE_PATH).len(), 1);
}

#[test]
fn the_action_says_what_to_use_on_a_branch_or_an_unknown_runner_and_fetches_nothing() {
    let api = Server::start();
    let (site, sums) = releases();
    let cache = tempfile::tempdir().unwrap();
    let branch = action_step(&api, &site, "", cache.path()).run();
    assert_code(&branch, 1);
    assert_contains(&branch.stdout, "records no SHA-256");
    assert_contains(&branch.stdout, "golive-dev/golive@v0");

    let freebsd = action_step(&api, &site, &sums, cache.path())
        .env("RUNNER_OS", "FreeBSD")
        .run();
    assert_code(&freebsd, 2);
    assert_contains(&freebsd.stdout, "no golive binary for a FreeBSD X64 runner");
    assert_eq!(downloads(&site), 0);
    assert!(api.requests().is_empty());
}

const CONNECTION: &str = "3f2a1b4c-0000-4000-8000-000000000000";
const CLIENT: &str = "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

/// The task as the agent lays it out (`index.js`, `node_modules`, `bin/<target>/golive`), run by
/// `node` with what the agent sets for a task: each input as `INPUT_<NAME>`, the service
/// connection as `ENDPOINT_AUTH_*`, `TF_BUILD`, the temp directory.
fn task_step(api: &Server, idp: &Server, task: &Path) -> crate::support::Golive {
    let source = repository().join("azure-devops/golive");
    assert!(
        source
            .join("node_modules/azure-pipelines-task-lib")
            .is_dir(),
        "npm ci --prefix azure-devops/golive first (.ci/run does)"
    );
    let (_, _, name) = runner();
    let target = name
        .trim_start_matches(&format!("golive-{VERSION}-"))
        .to_owned();
    std::fs::create_dir_all(task.join("bin").join(&target)).unwrap();
    std::fs::copy(source.join("index.js"), task.join("index.js")).unwrap();
    std::fs::copy(source.join("task.json"), task.join("task.json")).unwrap();
    std::os::unix::fs::symlink(source.join("node_modules"), task.join("node_modules")).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_golive"),
        task.join("bin").join(&target).join("golive"),
    )
    .unwrap();
    let script = task.join("index.js");
    golive()
        .through(&["node", script.to_str().unwrap()])
        .outside_github()
        .env("TF_BUILD", "True")
        .env("AGENT_TEMPDIRECTORY", &task.display().to_string())
        .env("INPUT_PUBLISHERID", "contoso")
        .env("INPUT_OFFERID", "contoso-offer")
        .env("INPUT_BASEURL", &api.url())
        .env("INPUT_AUTHORITYHOST", &idp.url())
        .env("INPUT_WAIT", "false")
        .env("INPUT_DRYRUN", "false")
        .env("INPUT_MAXPARALLEL", "4")
        .env("INPUT_MANAGEDIDENTITY", "false")
        // The agent sets every input of task.json, an empty one too.
        .env("INPUT_PRODUCTID", "")
        .env("INPUT_TOKEN", "")
        .env("INPUT_AZURESUBSCRIPTION", CONNECTION)
        .env(
            &format!("ENDPOINT_AUTH_PARAMETER_{CONNECTION}_TENANTID"),
            TENANT,
        )
        .env(
            &format!("ENDPOINT_AUTH_PARAMETER_{CONNECTION}_SERVICEPRINCIPALID"),
            CLIENT,
        )
}

/// The output variables the agent would set hold `status` and the operation's location.
fn assert_output_variables(outcome: &Outcome, status: &str) {
    let variables: Vec<(String, String)> = azure_commands(&outcome.stdout)
        .iter()
        .filter_map(|c| c.strip_prefix("task.setvariable variable="))
        .filter_map(|c| c.split_once(";isOutput=true]"))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    assert!(
        variables.contains(&("status".to_owned(), status.to_owned())),
        "{variables:?}"
    );
    assert!(
        variables
            .iter()
            .any(|(n, v)| n == "operationLocation" && v.ends_with("/operations/op-1")),
        "{variables:?}"
    );
}

#[test]
#[ignore = "needs node and azure-devops/golive/node_modules (npm ci); .ci/run runs it"]
fn the_azure_devops_task_federates_through_its_service_connection() {
    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    let idp = identity_platform();
    let ado = azure_pipelines_oidc();
    let task = tempfile::tempdir().unwrap();
    let outcome = task_step(&api, &idp, task.path())
        .env(
            &format!("ENDPOINT_AUTH_SCHEME_{CONNECTION}"),
            "WorkloadIdentityFederation",
        )
        .env(
            "ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN",
            "system-access-token",
        )
        .env(
            "SYSTEM_OIDCREQUESTURI",
            &format!("{}{OIDC_PATH}", ado.url()),
        )
        .run();
    assert_code(&outcome, 0);
    let asked = ado.hits("POST", OIDC_PATH);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        query(&asked[0].target)
            .get("serviceConnectionId")
            .map(String::as_str),
        Some(CONNECTION)
    );
    assert_eq!(
        asked[0].header("authorization"),
        Some("Bearer system-access-token")
    );
    let sent = form(&idp.hits("POST", TOKEN_PATH)[0].body);
    assert_eq!(sent.get("client_id").map(String::as_str), Some(CLIENT));
    assert_eq!(
        sent.get("client_assertion").map(String::as_str),
        Some("ado-jwt-1")
    );
    assert_output_variables(&outcome, "accepted");
    assert_contains(&outcome.stdout, "##vso[task.complete result=Succeeded;]");
    // The agent's own INPUT_<TASKINPUT> names never reach golive as misspelt inputs.
    assert!(
        !outcome.log().contains("no golive input"),
        "{}",
        outcome.log()
    );
    assert_only_masked(
        &outcome,
        &["system-access-token", "ado-jwt-1", "acquired-token-1"],
    );
}

/// Each secret appears only in its own `task.setsecret` command: no debug line of the task
/// library, no output, no message.
fn assert_only_masked(outcome: &Outcome, secrets: &[&str]) {
    for secret in secrets {
        for line in outcome.log().lines().filter(|l| l.contains(secret)) {
            assert_eq!(line, format!("##vso[task.setsecret]{secret}"));
        }
    }
}

#[test]
#[ignore = "needs node and azure-devops/golive/node_modules (npm ci); .ci/run runs it"]
fn the_azure_devops_task_fails_the_step_with_golives_exit_and_a_secret_connection() {
    // A 404 with the API's documented error body (cpp-api.md: `{"error":{"code","message"}}`).
    let api = Server::start();
    api.route(
        "POST",
        GOLIVE_PATH,
        vec![Reply::json(
            404,
            r#"{"error":{"code":"NotFound","message":"Offer not found"}}"#,
        )],
    );
    let idp = identity_platform();
    let task = tempfile::tempdir().unwrap();
    let outcome = task_step(&api, &idp, task.path())
        .env(
            &format!("ENDPOINT_AUTH_SCHEME_{CONNECTION}"),
            "ServicePrincipal",
        )
        .env(
            &format!("ENDPOINT_AUTH_PARAMETER_{CONNECTION}_AUTHENTICATIONTYPE"),
            "spnKey",
        )
        .env(
            &format!("ENDPOINT_AUTH_PARAMETER_{CONNECTION}_SERVICEPRINCIPALKEY"),
            "connection-secret-1",
        )
        .run();
    let sent = form(&idp.hits("POST", TOKEN_PATH)[0].body);
    assert_eq!(
        sent.get("client_secret").map(String::as_str),
        Some("connection-secret-1")
    );
    assert_code(&outcome, 4);
    assert_contains(
        &outcome.stdout,
        "##vso[task.complete result=Failed;]golive exited with code 4",
    );
    assert_contains(&outcome.stdout, "##vso[task.logissue type=error]");
    assert_only_masked(&outcome, &["connection-secret-1", "acquired-token-1"]);
}

#[test]
#[ignore = "needs node and azure-devops/golive/node_modules (npm ci); .ci/run runs it"]
fn cancelling_the_azure_devops_task_stops_golive_with_its_outputs() {
    // An operation that stays `running` (the CPP "Retrieve operation" status word).
    let api = Server::start();
    api.route("POST", GOLIVE_PATH, vec![accepted(&api)]);
    api.route(
        "GET",
        OP_PATH,
        vec![Reply::json(200, &operation("running", "inProgress", 10))],
    );
    let idp = identity_platform();
    let task = tempfile::tempdir().unwrap();
    let (child, dir) = task_step(&api, &idp, task.path())
        .env(
            &format!("ENDPOINT_AUTH_SCHEME_{CONNECTION}"),
            "ServicePrincipal",
        )
        .env(
            &format!("ENDPOINT_AUTH_PARAMETER_{CONNECTION}_SERVICEPRINCIPALKEY"),
            "connection-secret-1",
        )
        .env("INPUT_WAIT", "true")
        .env("INPUT_POLLINTERVAL", "50ms")
        .spawn();
    // The agent cancels a job by signalling the task's process (node), not golive.
    signal_when(|| !api.hits("GET", OP_PATH).is_empty(), &child, "-INT");
    let outcome = finish(child, dir);
    assert_code(&outcome, 130);
    assert_output_variables(&outcome, "interrupted");
    assert_contains(
        &outcome.stdout,
        "##vso[task.complete result=Failed;]golive exited with code 130",
    );
}

#[test]
fn the_action_fetches_the_release_file_named_for_each_runner() {
    // The names release.yml gives its files: golive-VERSION-<target>[.exe].
    let cases = [
        ("Linux", "X64", "x86_64-unknown-linux-musl"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        ("macOS", "X64", "x86_64-apple-darwin"),
        ("macOS", "ARM64", "aarch64-apple-darwin"),
        ("Windows", "X64", "x86_64-pc-windows-gnu.exe"),
        ("Windows", "ARM64", "x86_64-pc-windows-gnu.exe"),
    ];
    for (os, arch, file) in cases {
        let name = format!("golive-{VERSION}-{file}");
        let site = Server::start();
        // Not a program this machine runs: what matters is which file is fetched and kept.
        let body = format!("the release file {name}");
        site.route(
            "GET",
            &format!("/v{VERSION}/{name}"),
            vec![Reply::status(200).body(body.as_bytes())],
        );
        let cache = tempfile::tempdir().unwrap();
        let kept = cache.path().join("file");
        std::fs::write(&kept, &body).unwrap();
        let sums = format!("{}  {name}\n", sha256(&kept));
        let api = Server::start();
        let outcome = action_step(&api, &site, &sums, cache.path())
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .run();
        assert_eq!(
            site.hits("GET", &format!("/v{VERSION}/{name}")).len(),
            1,
            "{os} {arch}: {}",
            outcome.log()
        );
        let (target, exe) = file
            .strip_suffix(".exe")
            .map_or((file, ""), |target| (target, ".exe"));
        let cached = cache
            .path()
            .join(format!("golive/{VERSION}/{target}/golive{exe}"));
        assert_eq!(
            std::fs::read_to_string(&cached).ok().as_deref(),
            Some(body.as_str()),
            "{os} {arch}"
        );
    }
}
