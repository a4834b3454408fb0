//! Raw inputs: strings exactly as CI passes them, before any validation.
//!
//! One table (`INPUTS`) names every input; it drives the lookup, `--help` and the docs.
//! Each input is looked up, first non-empty (trimmed) value wins, in this order:
//! `--name` flag, `INPUT_NAME-WITH-HYPHENS` (what the GitHub runner sets for a container
//! action), `INPUT_NAME_WITH_UNDERSCORES` (what golive's own action step and Azure DevOps
//! task set, or by hand), `GOLIVE_NAME_WITH_UNDERSCORES`.
//! An empty value means "not set": the runner passes every declared input, unset ones
//! as "". (A table lookup rather than `envy`: every input has three spellings plus a
//! flag, and the same table must also produce `--help`.)

use std::collections::BTreeMap;

use crate::error::Failure;

/// Every input of the contract; `INPUTS` describes each, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    Api,
    PublisherId,
    OfferId,
    ProductId,
    OperationLocation,
    Wait,
    DryRun,
    MaxParallel,
    Timeout,
    PollInterval,
    Token,
    TenantId,
    ClientId,
    ClientSecret,
    ServiceConnectionId,
    ManagedIdentity,
    AuthorityHost,
    BaseUrl,
    ApiVersion,
}

impl Input {
    /// Its row of the table.
    pub fn spec(self) -> &'static InputSpec {
        &INPUTS[self as usize]
    }

    /// The input's name (`offer-id`), as in action.yml and the README.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// A good value, for error messages.
    pub fn example(self) -> &'static str {
        self.spec().example
    }
}

/// One input of the contract.
#[derive(Debug)]
pub struct InputSpec {
    pub input: Input,
    pub name: &'static str,
    /// A good value, for error messages.
    pub example: &'static str,
    /// The default as a person reads it ("" when there is none).
    pub default: &'static str,
    pub help: &'static str,
    /// A variable read last, where the wider ecosystem already has one (`AZURE_TENANT_ID`).
    /// Variables read last, in order, where the wider ecosystem already has one
    /// (`AZURE_TENANT_ID`, then Azure Pipelines' `AZURESUBSCRIPTION_TENANT_ID`).
    pub fallbacks: &'static [&'static str],
}

/// Every input golive reads, in the order `--help` lists them.
pub const INPUTS: &[InputSpec] = &[
    InputSpec {
        input: Input::Api,
        name: "api",
        example: "product-ingestion",
        default: "cpp, or what operation-location's URL says",
        help: "Which API takes the offer live: cpp (Cloud Partner Portal, offers onboarded before Partner Center) or product-ingestion (Partner Center, every newer offer). With operation-location, the URL tells them apart.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::PublisherId,
        name: "publisher-id",
        example: "contoso",
        default: "",
        help: "Publisher id in the portal, e.g. contoso. Required with api cpp unless operation-location is set.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::OfferId,
        name: "offer-id",
        example: "contoso-virtualmachineoffer",
        default: "",
        help: "Offer id, e.g. contoso-virtualmachineoffer (with product-ingestion: the offer's external id). Several, separated by commas, spaces or line breaks, go live in one run. Required unless operation-location is set.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::ProductId,
        name: "product-id",
        example: "product/8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c",
        default: "",
        help: "product-ingestion only: the product id (product/<guid> or the bare guid); skips the lookup by offer-id.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::OperationLocation,
        name: "operation-location",
        example: "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-virtualmachineoffer/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8",
        default: "",
        help: "Attach to this existing operation instead of triggering go-live (resume a wait in a later job). Absolute on the base-url origin, or relative to it. Several, separated by commas, spaces or line breaks, resume them all. Without wait, one poll reports where it stands.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::Wait,
        name: "wait",
        example: "true",
        default: "false",
        help: "Block until the operation ends: true/True/TRUE or false/False/FALSE.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::DryRun,
        name: "dry-run",
        example: "true",
        default: "false",
        help: "Do everything up to the change (token, lookups, readiness checks), report what would be sent, and send nothing that changes anything: exit 0 with status ready, or exit 3 saying why not.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::MaxParallel,
        name: "max-parallel",
        example: "4",
        default: "4",
        help: "With several offers in offer-id (or several operation-locations): how many are in flight at once (an offer waiting counts), 1 to 256.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::Timeout,
        name: "timeout",
        example: "5h",
        default: "5h when waiting, 10m otherwise; on GitLab, never past a minute before the job's limit",
        help: "Bound on the whole run (token, request, every poll), e.g. 90s, 5m, 1h30m; a bare number is seconds. At the deadline the run ends with status timed-out (exit 7); the operation keeps running.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::PollInterval,
        name: "poll-interval",
        example: "30s",
        default: "30s (cpp), 60s (product-ingestion)",
        help: "Time between polls while waiting; a Retry-After from the service is a floor. Partner Center asks for no more than one poll a minute.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::Token,
        name: "token",
        example: "eyJ0eXAi… (from az account get-access-token --resource https://cloudpartner.azure.com)",
        default: "",
        help: "A ready bearer token for the API: https://cloudpartner.azure.com (cpp) or https://graph.microsoft.com (product-ingestion), e.g. from az account get-access-token --resource <that URL>.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::TenantId,
        name: "tenant-id",
        example: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        default: "AZURE_TENANT_ID, then AZURESUBSCRIPTION_TENANT_ID",
        help: "Entra tenant (directory) id for service-principal or federated login.",
        fallbacks: &["AZURE_TENANT_ID", "AZURESUBSCRIPTION_TENANT_ID"],
    },
    InputSpec {
        input: Input::ClientId,
        name: "client-id",
        example: "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        default: "AZURE_CLIENT_ID, then AZURESUBSCRIPTION_CLIENT_ID",
        help: "App (client) id for service-principal or federated login.",
        fallbacks: &["AZURE_CLIENT_ID", "AZURESUBSCRIPTION_CLIENT_ID"],
    },
    InputSpec {
        input: Input::ClientSecret,
        name: "client-secret",
        example: "the secret's Value from the app's Certificates & secrets page",
        default: "AZURE_CLIENT_SECRET",
        help: "Client secret of the app. Without it, tenant-id and client-id log in by federation (GitHub OIDC, AZURE_FEDERATED_TOKEN_FILE, Azure Pipelines).",
        fallbacks: &["AZURE_CLIENT_SECRET"],
    },
    InputSpec {
        input: Input::ServiceConnectionId,
        name: "service-connection-id",
        example: "$(serviceConnectionId) of an Azure Resource Manager connection using workload identity federation",
        default: "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
        help: "Azure Pipelines service connection for workload identity federation (with SYSTEM_ACCESSTOKEN: $(System.AccessToken) in the step's env).",
        fallbacks: &["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"],
    },
    InputSpec {
        input: Input::ManagedIdentity,
        name: "managed-identity",
        example: "true",
        default: "false",
        help: "true for the system-assigned managed identity, or the client id (a GUID) of a user-assigned one. Never used unless set.",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::AuthorityHost,
        name: "authority-host",
        example: "https://login.microsoftonline.com",
        default: "AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com",
        help: "Entra host; tokens come from {authority-host}/{tenant-id}/oauth2/v2.0/token. Plain http:// only for loopback hosts.",
        fallbacks: &["AZURE_AUTHORITY_HOST"],
    },
    InputSpec {
        input: Input::BaseUrl,
        name: "base-url",
        example: "https://cloudpartner.azure.com",
        default: "https://cloudpartner.azure.com (cpp), https://graph.microsoft.com/rp/product-ingestion (product-ingestion)",
        help: "API root. Plain http:// only for loopback hosts (tests, demo).",
        fallbacks: &[],
    },
    InputSpec {
        input: Input::ApiVersion,
        name: "api-version",
        example: "2017-10-31",
        default: "2017-10-31 (cpp); for product-ingestion, the documented $version of each call",
        help: "api-version query parameter on every cpp call; for product-ingestion, it replaces the $version of every call.",
        fallbacks: &[],
    },
];

/// The environment names an input is read from, in order of precedence.
pub fn env_names(name: &str) -> [String; 3] {
    let upper = name.to_ascii_uppercase();
    let underscored = upper.replace('-', "_");
    [
        format!("INPUT_{upper}"),
        format!("INPUT_{underscored}"),
        format!("GOLIVE_{underscored}"),
    ]
}

/// Where a person sets an input, for error messages: `INPUT_TIMEOUT / GOLIVE_TIMEOUT`.
pub fn where_set(input: Input) -> String {
    let name = input.name();
    let [hyphen, _, golive] = env_names(name);
    match input.spec().fallbacks {
        [] => format!("input '{name}' ({hyphen} or {golive})"),
        fallbacks => format!(
            "input '{name}' ({hyphen}, {golive} or {})",
            fallbacks.join(" or ")
        ),
    }
}

/// What the command line asked for besides inputs.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(RawInputs),
    Help,
    Version,
}

/// Non-empty, trimmed input values by input name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RawInputs {
    values: BTreeMap<Input, String>,
    /// Everything else of the environment that later stages need (CI detection, paths).
    env: BTreeMap<String, String>,
    /// Log every request (`--verbose`, or the CI's own debug switch).
    pub verbose: bool,
    /// Variables that look like inputs but are none, each with the closest input name.
    pub typos: Vec<String>,
}

impl RawInputs {
    /// The value of an input, if set (non-empty after trimming).
    pub fn get(&self, input: Input) -> Option<&str> {
        self.values.get(&input).map(String::as_str)
    }

    /// A plain environment variable (not an input), empty counts as unset.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// The plain variables later stages read: CI detection, where outputs go, and what each
/// CI or platform provides for keyless login.
const PASSED_ENV: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITLAB_CI",
    "TF_BUILD",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "AZURE_FEDERATED_TOKEN_FILE",
    "SYSTEM_OIDCREQUESTURI",
    "SYSTEM_ACCESSTOKEN",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CI_JOB_TIMEOUT",
    "CI_JOB_STARTED_AT",
    "AGENT_TEMPDIRECTORY",
    "RUNNER_DEBUG",
    "ACTIONS_STEP_DEBUG",
    "SYSTEM_DEBUG",
];

/// What an environment variable is to golive: the input it spells (`Some(name)` for
/// `INPUT_OFFER-ID`, `GOLIVE_OFFER_ID`, `AZURE_TENANT_ID` …), or `Some(variable)` for a
/// plain variable a later stage reads (`GITHUB_OUTPUT`); `None` when golive never reads it.
pub fn reads(variable: &str) -> Option<String> {
    INPUTS
        .iter()
        .find(|spec| {
            env_names(spec.name).iter().any(|n| n == variable) || spec.fallbacks.contains(&variable)
        })
        .map(|spec| format!("input '{}' ({variable})", spec.name))
        .or_else(|| PASSED_ENV.contains(&variable).then(|| variable.to_owned()))
}

/// Variables and arguments that are not text (not UTF-8): an input error when golive
/// would read one, naming it, for skipping it would let another spelling of the same
/// input win unseen; others are no concern of golive's.
pub fn unreadable(variables: &[String], arguments: usize) -> Result<(), Failure> {
    if arguments > 0 {
        return Err(Failure::Input(format!(
            "{arguments} command-line argument(s) are not UTF-8 text: pass inputs as plain text, \
             e.g. --offer-id {}",
            Input::OfferId.example()
        )));
    }
    match variables.iter().find_map(|v| reads(v)) {
        Some(what) => Err(Failure::Input(format!(
            "{what} is set, but its value is not UTF-8 text, so golive cannot read it (and will not \
             fall back to another spelling): set it to plain text or unset it"
        ))),
        None => Ok(()),
    }
}

/// Reads the inputs from environment pairs and command-line arguments (without the
/// program name). Unknown flags and flags without a value are input errors.
pub fn parse(env: &[(String, String)], args: &[String]) -> Result<Command, Failure> {
    let env_map: BTreeMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let flags = parse_flags(args)?;
    let flags = match flags {
        Flags::Help => return Ok(Command::Help),
        Flags::Version => return Ok(Command::Version),
        Flags::Values(values, verbose) => (values, verbose),
    };
    let (flags, verbose) = flags;
    let mut inputs = RawInputs::default();
    for spec in INPUTS {
        let from_flag = flags.get(&spec.input).map(String::as_str);
        let [hyphen, underscore, golive] = env_names(spec.name);
        let from_env = [hyphen, underscore, golive]
            .into_iter()
            .chain(spec.fallbacks.iter().map(|f| (*f).to_owned()))
            .map(|key| env_map.get(key.as_str()).copied());
        let value = std::iter::once(from_flag)
            .chain(from_env)
            .flatten()
            .map(str::trim)
            .find(|v| !v.is_empty());
        if let Some(value) = value {
            inputs.values.insert(spec.input, value.to_owned());
        }
    }
    for key in PASSED_ENV {
        if let Some(value) = env_map.get(key) {
            inputs.env.insert((*key).to_owned(), (*value).to_owned());
        }
    }
    inputs.verbose = verbose
        || inputs.env("RUNNER_DEBUG") == Some("1")
        || ["ACTIONS_STEP_DEBUG", "SYSTEM_DEBUG"].iter().any(|name| {
            inputs
                .env(name)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        });
    inputs.typos = env_map.keys().filter_map(|name| typo(name)).collect();
    Ok(Command::Run(inputs))
}

/// Variables that start like an input but are golive's outputs (GitLab's dotenv report
/// hands them to later jobs), not inputs.
const OUTPUT_VARIABLES: &[&str] = &["GOLIVE_STATUS", "GOLIVE_OPERATION_ID", "GOLIVE_RESULTS"];

/// A warning for a variable that looks like an input (`INPUT_…`, `GOLIVE_…`) but is none:
/// it names the closest spelling of an input.
fn typo(variable: &str) -> Option<String> {
    let prefix = ["INPUT_", "GOLIVE_"]
        .into_iter()
        .find(|p| variable.starts_with(p))?;
    if reads(variable).is_some() || OUTPUT_VARIABLES.contains(&variable) {
        return None;
    }
    let closest = INPUTS
        .iter()
        .flat_map(|spec| env_names(spec.name))
        .filter(|name| name.starts_with(prefix))
        .min_by_key(|name| distance(variable, name))?;
    Some(format!(
        "{variable} is no golive input and is ignored: did you mean {closest}? (golive --help lists the inputs)"
    ))
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}

enum Flags {
    Help,
    Version,
    Values(BTreeMap<Input, String>, bool),
}

fn parse_flags(args: &[String]) -> Result<Flags, Failure> {
    let mut values = BTreeMap::new();
    let mut verbose = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Flags::Help),
            "-V" | "--version" => return Ok(Flags::Version),
            "-v" | "--verbose" => {
                verbose = true;
                continue;
            }
            _ => {}
        }
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(Failure::Input(format!(
                "unexpected argument '{arg}': golive takes inputs as --name value, e.g. --offer-id contoso-offer (see golive --help)"
            )));
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (flag, None),
        };
        let Some(spec) = INPUTS.iter().find(|spec| spec.name == name) else {
            return Err(Failure::Input(format!(
                "unknown option '--{name}' (see golive --help for the inputs)"
            )));
        };
        let value = match inline {
            Some(value) => value,
            None => args.next().cloned().ok_or_else(|| {
                Failure::Input(format!(
                    "option '--{name}' needs a value, e.g. --{name} {}",
                    spec.example
                ))
            })?,
        };
        values.insert(spec.input, value);
    }
    Ok(Flags::Values(values, verbose))
}

/// The widest line of `--help`.
const HELP_WIDTH: usize = 100;

/// `text` wrapped at `HELP_WIDTH`, each line indented by `indent` spaces.
fn wrapped(text: &str, indent: usize) -> String {
    hanging(text, indent, indent)
}

/// `text` wrapped at `HELP_WIDTH`: the first line indented by `first`, the others by
/// `rest` (so that a wrapped `env:` or `default:` line reads as one).
fn hanging(text: &str, first: usize, rest: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut indent = first;
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > HELP_WIDTH {
            out.push_str(&format!("{:indent$}{line}\n", ""));
            line.clear();
            indent = rest;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{:indent$}{line}\n", ""));
    }
    out
}

/// The text of `golive --help`, made from the input table; no line is wider than 100
/// columns.
pub fn help_text() -> String {
    let mut out = format!(
        "golive {}: take an Azure Marketplace offer live from CI.\n\n",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&wrapped(
        "Triggers go-live, writes the operation location to the step outputs at once, and with \
         `wait` blocks until the operation ends.",
        0,
    ));
    out.push_str(
        "\nWHICH API:\n\
         \x20 an offer created in Partner Center (every offer since 2020):\n\
         \x20     api: product-ingestion, offer-id (its Offer ID); no publisher-id\n\
         \x20 an offer onboarded to the Cloud Partner Portal before 2020:\n\
         \x20     api: cpp (the default), publisher-id and offer-id\n\n\
         USAGE:\n\
         \x20 golive [--<input> <value>]... [--verbose]\n\
         \x20 golive --help | --version\n\n\
         INPUTS (a flag wins over INPUT_NAME, INPUT_NAME with underscores, GOLIVE_NAME; empty = unset):\n",
    );
    for spec in INPUTS {
        let [hyphen, underscore, golive] = env_names(spec.name);
        let mut names = if hyphen == underscore {
            format!("{hyphen}, {golive}")
        } else {
            format!("{hyphen}, {underscore}, {golive}")
        };
        for fallback in spec.fallbacks {
            names.push_str(&format!(", then {fallback}"));
        }
        let default = if spec.default.is_empty() {
            "none"
        } else {
            spec.default
        };
        out.push_str(&format!("\n  --{}\n", spec.name));
        out.push_str(&hanging(&format!("env: {names}"), 6, 8));
        out.push_str(&hanging(&format!("default: {default}"), 6, 8));
        out.push_str(&wrapped(spec.help, 6));
    }
    out.push_str(
        "\nOUTPUTS:\n\
         \x20 operation-location  absolute URL of the operation (resume with it); several offers: one\n\
         \x20                     per line (space-separated in golive.env)\n\
         \x20 operation-id        its id (several offers: one per line)\n\
         \x20 status              accepted, succeeded, failed, canceled, timed-out, interrupted, ready\n\
         \x20                     (dry-run) or error\n\
         \x20 results             JSON: per offer, offer-id, operation-location, operation-id, status,\n\
         \x20                     exit-code\n\
         \n\
         \x20 GitHub Actions      $GITHUB_OUTPUT, and a job summary in $GITHUB_STEP_SUMMARY\n\
         \x20 GitLab CI           golive.env (GOLIVE_OPERATION_LOCATION, _ID, _STATUS) for a dotenv report\n\
         \x20 Azure Pipelines     output variables operationLocation, operationId, status; a summary\n\
         \x20 any shell           the last line of the log\n\
         \nEXIT CODES:\n\
         \x20 0  accepted or succeeded        4  not found (404)\n\
         \x20 1  unexpected failure           5  authentication (401/403, token)\n\
         \x20 2  invalid input, nothing sent  6  operation failed or canceled\n\
         \x20 3  rejected by the API          7  timed out (the operation keeps running)\n\
         \x20 130/143  interrupted by SIGINT/SIGTERM (outputs written, status=interrupted)\n\
         \nNETWORK AND DEBUG:\n\
         \x20 HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY  proxies (never for the managed identity)\n\
         \x20 SSL_CERT_FILE, SSL_CERT_DIR                   CA certificates (default: the system's)\n\
         \x20 --verbose, RUNNER_DEBUG=1, ACTIONS_STEP_DEBUG=true, SYSTEM_DEBUG=true\n\
         \x20                                               log every request and its request id\n",
    );
    out
}

/// `golive 0.1.0 (x86_64-unknown-linux-musl, commit 0123abcd)`: what was built, from what.
pub fn version_text() -> String {
    format!(
        "golive {} ({}, commit {})\n",
        env!("CARGO_PKG_VERSION"),
        env!("GOLIVE_TARGET"),
        env!("GOLIVE_COMMIT")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn run(env: &[(&str, &str)], args: &[&str]) -> RawInputs {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        match parse(&pairs(env), &args) {
            Ok(Command::Run(inputs)) => inputs,
            other => panic!("expected inputs, got {other:?}"),
        }
    }

    #[test]
    fn hyphen_underscore_and_golive_spellings_are_all_read() {
        assert_eq!(
            run(&[("INPUT_PUBLISHER-ID", "a")], &[]).get(Input::PublisherId),
            Some("a")
        );
        assert_eq!(
            run(&[("INPUT_PUBLISHER_ID", "b")], &[]).get(Input::PublisherId),
            Some("b")
        );
        assert_eq!(
            run(&[("GOLIVE_PUBLISHER_ID", "c")], &[]).get(Input::PublisherId),
            Some("c")
        );
    }

    #[test]
    fn azure_variables_are_read_last() {
        let inputs = run(&[("AZURE_TENANT_ID", "t1"), ("AZURE_CLIENT_ID", "c1")], &[]);
        assert_eq!(inputs.get(Input::TenantId), Some("t1"));
        let inputs = run(
            &[("AZURE_TENANT_ID", "t1"), ("GOLIVE_TENANT_ID", "t2")],
            &[],
        );
        assert_eq!(inputs.get(Input::TenantId), Some("t2"));
    }

    #[test]
    fn first_non_empty_wins_and_values_are_trimmed() {
        let inputs = run(
            &[
                ("INPUT_OFFER-ID", "  "),
                ("INPUT_OFFER_ID", ""),
                ("GOLIVE_OFFER_ID", "  offer-x \n"),
            ],
            &[],
        );
        assert_eq!(inputs.get(Input::OfferId), Some("offer-x"));
        let inputs = run(
            &[("INPUT_OFFER-ID", "first"), ("GOLIVE_OFFER_ID", "second")],
            &[],
        );
        assert_eq!(inputs.get(Input::OfferId), Some("first"));
    }

    #[test]
    fn a_flag_wins_over_the_environment_in_both_forms() {
        let env = [("INPUT_WAIT", "false")];
        assert_eq!(
            run(&env, &["--wait", "true"]).get(Input::Wait),
            Some("true")
        );
        assert_eq!(run(&env, &["--wait=TRUE"]).get(Input::Wait), Some("TRUE"));
    }

    #[test]
    fn empty_inputs_are_unset() {
        let inputs = run(&[("INPUT_TIMEOUT", ""), ("INPUT_WAIT", "   ")], &[]);
        assert_eq!(inputs.get(Input::Timeout), None);
        assert_eq!(inputs.get(Input::Wait), None);
    }

    #[test]
    fn unknown_flags_and_missing_values_are_input_errors() {
        let args = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        for bad in [&["--nope", "x"][..], &["--offer-id"][..], &["stray"][..]] {
            match parse(&[], &args(bad)) {
                Err(Failure::Input(message)) => assert!(
                    message.contains("--") || message.contains("stray"),
                    "{message}"
                ),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn a_variable_that_is_no_input_gets_the_closest_name() {
        let inputs = run(
            &[
                ("GOLIVE_OFFERID", "x"),
                ("INPUT_TIMOUT", "5m"),
                ("GOLIVE_STATUS", "accepted"),
                ("GOLIVE_OFFER_ID", "o"),
            ],
            &[],
        );
        assert_eq!(inputs.typos.len(), 2, "{:?}", inputs.typos);
        assert!(
            inputs.typos.iter().any(
                |t| t.contains("GOLIVE_OFFERID") && t.contains("did you mean GOLIVE_OFFER_ID?")
            )
        );
        assert!(
            inputs
                .typos
                .iter()
                .any(|t| t.contains("INPUT_TIMOUT") && t.contains("did you mean INPUT_TIMEOUT?"))
        );
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn debug_switches_and_verbose_turn_on_request_logging() {
        assert!(!run(&[], &[]).verbose);
        assert!(run(&[], &["--verbose"]).verbose);
        assert!(run(&[("RUNNER_DEBUG", "1")], &[]).verbose);
        assert!(run(&[("ACTIONS_STEP_DEBUG", "true")], &[]).verbose);
        assert!(run(&[("SYSTEM_DEBUG", "True")], &[]).verbose);
    }

    #[test]
    fn the_table_is_in_the_order_of_the_enum_and_every_input_has_an_example() {
        for (index, spec) in INPUTS.iter().enumerate() {
            assert_eq!(spec.input as usize, index, "{}", spec.name);
            assert_eq!(spec.input.name(), spec.name);
            assert!(!spec.example.is_empty(), "{}", spec.name);
        }
    }

    #[test]
    fn help_lists_every_input_with_its_env_names_and_default() {
        let help = help_text();
        for spec in INPUTS {
            assert!(help.contains(&format!("--{}", spec.name)), "{}", spec.name);
            for name in env_names(spec.name) {
                assert!(help.contains(&name), "{name}");
            }
        }
        assert!(help.contains("default: 30s (cpp), 60s (product-ingestion)"));
        assert!(help.contains("api: product-ingestion, offer-id (its Offer ID); no publisher-id"));
        let widest = help.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= HELP_WIDTH, "a line of {widest} columns");
        for word in [
            "HTTPS_PROXY",
            "NO_PROXY",
            "SSL_CERT_FILE",
            "$GITHUB_OUTPUT",
            "golive.env",
            "operationLocation",
        ] {
            assert!(help.contains(word), "{word}");
        }
    }
}
