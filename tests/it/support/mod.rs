//! Running the built `golive` binary the way a CI runner does, and reading back what it
//! left: the exit code, stdout/stderr, `$GITHUB_OUTPUT` parsed with the runner's
//! algorithm, the job summary, `golive.env`, and the workflow commands a runner would act on.

#![allow(dead_code)]

pub mod partner_center;
pub mod raw;
pub mod server;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use server::{Reply, Server};

pub const TOKEN: &str = "test-token-6f1c2e9a";
pub const GOLIVE_PATH: &str = "/api/publishers/contoso/offers/contoso-offer/golive";
pub const OP_PATH: &str = "/api/publishers/contoso/offers/contoso-offer/operations/op-1";
/// The tenant of the tests' app sign-ins, and its token endpoint on the identity platform.
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub const TOKEN_PATH: &str = "/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token";

/// No run of golive in these tests may take longer than this; past it, the test fails.
const WATCHDOG: Duration = Duration::from_secs(90);

/// What a run left behind.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// `$GITHUB_OUTPUT` as the runner reads it (last value of a name wins).
    pub outputs: BTreeMap<String, String>,
    pub summary: String,
    pub dotenv: Option<String>,
    pub elapsed: Duration,
    _dir: tempfile::TempDir,
}

impl Outcome {
    pub fn output(&self, name: &str) -> Option<&str> {
        self.outputs.get(name).map(String::as_str)
    }

    /// stdout and stderr, as a runner's log shows them.
    pub fn log(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The workflow commands a GitHub runner would act on.
    pub fn github_commands(&self) -> Vec<String> {
        github_commands(&self.log())
    }
}

/// Fails with the whole log when the run did not exit with `code`.
pub fn assert_code(outcome: &Outcome, code: i32) {
    assert_eq!(
        outcome.code,
        Some(code),
        "exit code; log:\n{}",
        outcome.log()
    );
}

/// A run being set up: environment of a GitHub container action by default.
pub struct Golive {
    env: Vec<(String, OsString)>,
    args: Vec<OsString>,
    github: bool,
    /// Run in the working directory before golive starts (plant files there).
    prepare: Vec<Setup>,
    /// A program that runs golive itself (the GitHub Action's script, the Azure DevOps
    /// task's handler), started instead of golive, with this `PATH`.
    wrapper: Option<Vec<OsString>>,
}

/// Something done in the working directory before golive starts.
type Setup = Box<dyn FnOnce(&Path)>;

pub fn golive() -> Golive {
    Golive {
        env: Vec::new(),
        args: Vec::new(),
        github: true,
        prepare: Vec::new(),
        wrapper: None,
    }
}

/// The usual inputs for go-live on `server` with the test token.
pub fn golive_on(server: &Server) -> Golive {
    golive()
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", &server.url())
        .env("INPUT_POLL-INTERVAL", "20ms")
}

impl Golive {
    pub fn env(self, name: &str, value: &str) -> Golive {
        self.env_os(name, OsString::from(value))
    }

    /// A variable whose value may be anything the OS allows (not UTF-8, say).
    pub fn env_os(mut self, name: &str, value: OsString) -> Golive {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_owned(), value));
        self
    }

    /// Runs `setup` in the working directory golive will start in, before it starts.
    pub fn prepare(mut self, setup: impl FnOnce(&Path) + 'static) -> Golive {
        self.prepare.push(Box::new(setup));
        self
    }

    pub fn without(mut self, name: &str) -> Golive {
        self.env.retain(|(n, _)| n != name);
        self
    }

    pub fn arg(mut self, arg: &str) -> Golive {
        self.args.push(OsString::from(arg));
        self
    }

    /// An argument that may be anything the OS allows.
    pub fn arg_os(mut self, arg: OsString) -> Golive {
        self.args.push(arg);
        self
    }

    /// Starts `program` (which runs golive in its turn) instead of golive, with `PATH`.
    pub fn through(mut self, program: &[&str]) -> Golive {
        self.wrapper = Some(program.iter().map(OsString::from).collect());
        self
    }

    /// Not on GitHub: no GITHUB_* variables (GitLab, Azure Pipelines, a shell).
    pub fn outside_github(mut self) -> Golive {
        self.github = false;
        self
    }

    pub fn run(self) -> Outcome {
        let (child, dir) = self.spawn();
        finish(child, dir)
    }

    /// Starts the binary with piped output; `finish` collects it.
    pub fn spawn(self) -> (Child, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        for setup in self.prepare {
            setup(dir.path());
        }
        let mut command = match &self.wrapper {
            Some(program) => {
                let mut command = Command::new(&program[0]);
                command.args(&program[1..]);
                command
            }
            None => golive_command(),
        };
        command.env_clear();
        if self.wrapper.is_some() {
            command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        }
        command
            .current_dir(dir.path())
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.github {
            command
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_OUTPUT", dir.path().join("output"))
                .env("GITHUB_STEP_SUMMARY", dir.path().join("summary"));
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let child = command.spawn().expect("spawn golive");
        (child, dir)
    }
}

/// Waits for the run (failing the test past the watchdog) and reads what it left.
pub fn finish(mut child: Child, dir: tempfile::TempDir) -> Outcome {
    let started = Instant::now();
    // Drain the pipes on threads so a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = std::thread::spawn(move || read_all(stdout.as_mut()));
    let err = std::thread::spawn(move || read_all(stderr.as_mut()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            panic!("golive did not exit within {WATCHDOG:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let path = |name: &str| -> PathBuf { dir.path().join(name) };
    let outputs = std::fs::read_to_string(path("output"))
        .map(|text| parse_github_output(&text))
        .unwrap_or_default();
    Outcome {
        code: status.code(),
        stdout,
        stderr,
        outputs,
        summary: std::fs::read_to_string(path("summary")).unwrap_or_default(),
        dotenv: std::fs::read_to_string(path("golive.env")).ok(),
        elapsed,
        _dir: dir,
    }
}

fn read_all(pipe: Option<&mut impl std::io::Read>) -> String {
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        let _ = pipe.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The runner's file-command parser (actions/runner `SetOutputFileCommand`): `NAME=VALUE`
/// or `NAME<<DELIM` … `DELIM`, whichever marker comes first. Panics where the runner
/// would fail the step.
pub fn parse_github_output(text: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                values.insert(line[..e].to_owned(), line[e + 1..].to_owned());
            }
            (_, Some(h)) => {
                let name = &line[..h];
                let delimiter = &line[h + 2..];
                assert!(
                    !name.is_empty() && !delimiter.is_empty(),
                    "invalid output line {line:?}"
                );
                let mut value = Vec::new();
                loop {
                    let next = lines
                        .next()
                        .unwrap_or_else(|| panic!("unterminated heredoc for {name}"));
                    if next == delimiter {
                        break;
                    }
                    value.push(next);
                }
                values.insert(name.to_owned(), value.join("\n"));
            }
            _ => panic!("invalid output line {line:?}"),
        }
    }
    values
}

/// The commands a GitHub runner acts on in a log: `::name ...::data` at the start of a
/// (trimmed) line and legacy `##[name]` anywhere, except between `::stop-commands::T`
/// and `::T::`.
pub fn github_commands(log: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut stopped: Option<String> = None;
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some(token) = &stopped {
            if trimmed == format!("::{token}::") {
                stopped = None;
            }
            continue;
        }
        if let Some(token) = trimmed.strip_prefix("::stop-commands::") {
            stopped = Some(token.to_owned());
            commands.push("stop-commands".to_owned());
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("::")
            && let Some(end) = rest.find("::")
        {
            let name = rest[..end].split(' ').next().unwrap_or_default();
            commands.push(name.to_owned());
            continue;
        }
        if let Some(start) = line.find("##[") {
            let rest = &line[start + 3..];
            let name = rest.split([']', ' ', ';']).next().unwrap_or_default();
            commands.push(format!("##[{name}"));
        }
    }
    commands
}

/// The logging commands an Azure Pipelines agent acts on: `##vso[` anywhere in a line,
/// case-insensitively. Returns each command's `area.action` and properties and data.
pub fn azure_commands(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| {
            let lower = line.to_ascii_lowercase();
            lower
                .find("##vso[")
                .map(|start| line[start + 6..].to_owned())
        })
        .collect()
}

/// The golive under test: the one cargo built, or `GOLIVE_TEST_BINARY` (another
/// target's build) run through `GOLIVE_TEST_RUNNER` where set (`qemu-aarch64-static`):
/// how .ci/run puts the arm64 binary through every test.
fn golive_command() -> Command {
    let binary = std::env::var_os("GOLIVE_TEST_BINARY").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_golive")),
        PathBuf::from,
    );
    match std::env::var_os("GOLIVE_TEST_RUNNER") {
        Some(runner) => {
            let mut command = Command::new(runner);
            command.arg(binary);
            command
        }
        None => Command::new(binary),
    }
}

/// The identity platform, answering the tenant's token endpoint once with its documented
/// success shape (`token_type`, `expires_in`, `access_token`): `acquired-token-1`.
pub fn identity_platform() -> Server {
    let idp = Server::start();
    idp.route(
        "POST",
        TOKEN_PATH,
        vec![Reply::json(
            200,
            r#"{"token_type":"Bearer","expires_in":3599,"access_token":"acquired-token-1"}"#,
        )],
    );
    idp
}

/// Where `SYSTEM_OIDCREQUESTURI` points in a job: Azure DevOps REST API "Oidctoken -
/// Create" (`POST {organization}/_apis/distributedtask/hubs/{hub}/plans/{planId}/jobs/
/// {jobId}/oidctoken`), which AzureCLI@2 and the Azure SDKs call too.
pub const OIDC_PATH: &str = "/org/_apis/distributedtask/hubs/build/plans/1/jobs/2/oidctoken";

/// The Azure Pipelines OIDC endpoint, answering once with the documented response of
/// "Oidctoken - Create" (`{"oidcToken": …}`): `ado-jwt-1`. Its URL is the server's plus
/// `OIDC_PATH`.
pub fn azure_pipelines_oidc() -> Server {
    let ado = Server::start();
    ado.route(
        "POST",
        OIDC_PATH,
        vec![Reply::json(200, r#"{"oidcToken":"ado-jwt-1"}"#)],
    );
    ado
}

/// Fails, showing all of `text` (a log, a summary), unless it contains `part`.
#[track_caller]
pub fn assert_contains(text: &str, part: impl AsRef<str>) {
    let part = part.as_ref();
    assert!(text.contains(part), "expected {part:?} in:\n{text}");
}

/// Waits (up to 30 s) until `ready` holds, then sends `signal` (`-TERM`, `-INT`) to the
/// running golive.
pub fn signal_when(ready: impl Fn() -> bool, child: &Child, signal: &str) {
    let started = Instant::now();
    while !ready() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|s| s.success()), "kill {signal}");
}

/// The operation body for a status, with one step.
pub fn operation(status: &str, step_status: &str, progress: u32) -> String {
    format!(
        r#"{{"id":"op-1","submissionType":"Publish/GoLive","status":"{status}","messages":[],
            "steps":[{{"id":"displaycertify","stepName":"Certification","status":"{step_status}",
                       "progressPercentage":{progress},"estimatedTimeFrame":"< 1 day","messages":[]}}]}}"#
    )
}

/// A 202 with an absolute Operation-Location on `server`.
pub fn accepted(server: &Server) -> Reply {
    Reply::status(202).header("Operation-Location", &format!("{}{OP_PATH}", server.url()))
}

/// An `application/x-www-form-urlencoded` body (or query) as pairs, decoded.
pub fn form(body: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query of a request target, decoded.
pub fn query(target: &str) -> BTreeMap<String, String> {
    form(target.split_once('?').map_or("", |(_, q)| q).as_bytes())
}
