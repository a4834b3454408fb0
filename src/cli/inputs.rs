//! Raw inputs: strings exactly as CI passes them, before any validation.
//!
//! One table (`INPUTS`) names every input; it drives the lookup, `--help` and the docs.
//! Each input is looked up, first non-empty (trimmed) value wins, in this order:
//! `--name` flag, `INPUT_NAME-WITH-HYPHENS` (what the GitHub runner sets),
//! `INPUT_NAME_WITH_UNDERSCORES` (written by hand), `GOLIVE_NAME_WITH_UNDERSCORES`.
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
    pub fallback: Option<&'static str>,
}

/// Every input golive reads, in the order `--help` lists them.
pub const INPUTS: &[InputSpec] = &[
    InputSpec {
        input: Input::Api,
        name: "api",
        example: "product-ingestion",
        default: "cpp, or what operation-location's URL says",
        help: "Which API takes the offer live: cpp (Cloud Partner Portal, offers onboarded before Partner Center) or product-ingestion (Partner Center, every newer offer). With operation-location, the URL tells them apart.",
        fallback: None,
    },
    InputSpec {
        input: Input::PublisherId,
        name: "publisher-id",
        example: "contoso",
        default: "",
        help: "Publisher id in the portal, e.g. contoso. Required with api cpp unless operation-location is set.",
        fallback: None,
    },
    InputSpec {
        input: Input::OfferId,
        name: "offer-id",
        example: "contoso-virtualmachineoffer",
        default: "",
        help: "Offer id, e.g. contoso-virtualmachineoffer (with product-ingestion: the offer's external id). Required unless operation-location is set.",
        fallback: None,
    },
    InputSpec {
        input: Input::ProductId,
        name: "product-id",
        example: "product/8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c",
        default: "",
        help: "product-ingestion only: the product id (product/<guid> or the bare guid); skips the lookup by offer-id.",
        fallback: None,
    },
    InputSpec {
        input: Input::OperationLocation,
        name: "operation-location",
        example: "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-virtualmachineoffer/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8",
        default: "",
        help: "Attach to this existing operation instead of triggering go-live (resume a wait in a later job). Absolute on the base-url origin, or relative to it. Without wait, one poll reports where it stands.",
        fallback: None,
    },
    InputSpec {
        input: Input::Wait,
        name: "wait",
        example: "true",
        default: "false",
        help: "Block until the operation ends: true/True/TRUE or false/False/FALSE.",
        fallback: None,
    },
    InputSpec {
        input: Input::Timeout,
        name: "timeout",
        example: "5h",
        default: "5h when waiting, 10m otherwise",
        help: "Bound on the whole run (token, request, every poll), e.g. 90s, 5m, 1h30m; a bare number is seconds. At the deadline the run ends with status timed-out (exit 7); the operation keeps running.",
        fallback: None,
    },
    InputSpec {
        input: Input::PollInterval,
        name: "poll-interval",
        example: "30s",
        default: "30s (cpp), 60s (product-ingestion)",
        help: "Time between polls while waiting; a Retry-After from the service is a floor. Partner Center asks for no more than one poll a minute.",
        fallback: None,
    },
    InputSpec {
        input: Input::Token,
        name: "token",
        example: "eyJ0eXAi… (from az account get-access-token --resource https://cloudpartner.azure.com)",
        default: "",
        help: "A ready bearer token for the API: https://cloudpartner.azure.com (cpp) or https://graph.microsoft.com (product-ingestion), e.g. from az account get-access-token --resource <that URL>.",
        fallback: None,
    },
    InputSpec {
        input: Input::TenantId,
        name: "tenant-id",
        example: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        default: "AZURE_TENANT_ID",
        help: "Entra tenant (directory) id for service-principal or federated login.",
        fallback: Some("AZURE_TENANT_ID"),
    },
    InputSpec {
        input: Input::ClientId,
        name: "client-id",
        example: "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
        default: "AZURE_CLIENT_ID",
        help: "App (client) id for service-principal or federated login.",
        fallback: Some("AZURE_CLIENT_ID"),
    },
    InputSpec {
        input: Input::ClientSecret,
        name: "client-secret",
        example: "the secret's Value from the app's Certificates & secrets page",
        default: "AZURE_CLIENT_SECRET",
        help: "Client secret of the app. Without it, tenant-id and client-id log in by federation (GitHub OIDC, AZURE_FEDERATED_TOKEN_FILE, Azure Pipelines).",
        fallback: Some("AZURE_CLIENT_SECRET"),
    },
    InputSpec {
        input: Input::ServiceConnectionId,
        name: "service-connection-id",
        example: "$(serviceConnectionId) of an Azure Resource Manager connection using workload identity federation",
        default: "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
        help: "Azure Pipelines service connection for workload identity federation (with SYSTEM_ACCESSTOKEN: $(System.AccessToken) in the step's env).",
        fallback: Some("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
    },
    InputSpec {
        input: Input::ManagedIdentity,
        name: "managed-identity",
        example: "true",
        default: "false",
        help: "true for the system-assigned managed identity, or the client id of a user-assigned one. Never used unless set.",
        fallback: None,
    },
    InputSpec {
        input: Input::AuthorityHost,
        name: "authority-host",
        example: "https://login.microsoftonline.com",
        default: "AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com",
        help: "Entra host; tokens come from {authority-host}/{tenant-id}/oauth2/v2.0/token. Plain http:// only for loopback hosts.",
        fallback: Some("AZURE_AUTHORITY_HOST"),
    },
    InputSpec {
        input: Input::BaseUrl,
        name: "base-url",
        example: "https://cloudpartner.azure.com",
        default: "https://cloudpartner.azure.com (cpp), https://graph.microsoft.com/rp/product-ingestion (product-ingestion)",
        help: "API root. Plain http:// only for loopback hosts (tests, demo).",
        fallback: None,
    },
    InputSpec {
        input: Input::ApiVersion,
        name: "api-version",
        example: "2017-10-31",
        default: "2017-10-31 (cpp); for product-ingestion, the documented $version of each call",
        help: "api-version query parameter on every cpp call; for product-ingestion, it replaces the $version of every call.",
        fallback: None,
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
    match input.spec().fallback {
        Some(fallback) => format!("input '{name}' ({hyphen}, {golive} or {fallback})"),
        None => format!("input '{name}' ({hyphen} or {golive})"),
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
];

/// What an environment variable is to golive: the input it spells (`Some(name)` for
/// `INPUT_OFFER-ID`, `GOLIVE_OFFER_ID`, `AZURE_TENANT_ID` …), or `Some(variable)` for a
/// plain variable a later stage reads (`GITHUB_OUTPUT`); `None` when golive never reads it.
pub fn reads(variable: &str) -> Option<String> {
    INPUTS
        .iter()
        .find(|spec| {
            env_names(spec.name).iter().any(|n| n == variable) || spec.fallback == Some(variable)
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
        Flags::Values(values) => values,
    };
    let mut inputs = RawInputs::default();
    for spec in INPUTS {
        let from_flag = flags.get(&spec.input).map(String::as_str);
        let [hyphen, underscore, golive] = env_names(spec.name);
        let from_env = [
            Some(hyphen),
            Some(underscore),
            Some(golive),
            spec.fallback.map(str::to_owned),
        ]
        .into_iter()
        .flatten()
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
    Ok(Command::Run(inputs))
}

enum Flags {
    Help,
    Version,
    Values(BTreeMap<Input, String>),
}

fn parse_flags(args: &[String]) -> Result<Flags, Failure> {
    let mut values = BTreeMap::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Flags::Help),
            "-V" | "--version" => return Ok(Flags::Version),
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
    Ok(Flags::Values(values))
}

/// The text of `golive --help`, made from the input table.
pub fn help_text() -> String {
    let mut out = format!(
        "golive {}: take an Azure Marketplace offer live from CI.\n\n\
         Triggers go-live, writes the operation location to the step outputs at once, and\n\
         with `wait` blocks until the operation ends.\n\n\
         WHICH API:\n\
         \x20   an offer created in Partner Center (every offer since 2020):\n\
         \x20       api: product-ingestion, offer-id (its Offer ID); no publisher-id\n\
         \x20   an offer onboarded to the Cloud Partner Portal before 2020:\n\
         \x20       api: cpp (the default), publisher-id and offer-id\n\n\
         USAGE:\n    golive [--<input> <value>]...\n    golive --help | --version\n\n\
         INPUTS (a flag wins over INPUT_NAME, INPUT_NAME with underscores, GOLIVE_NAME; empty = unset):\n",
        env!("CARGO_PKG_VERSION")
    );
    for spec in INPUTS {
        let [hyphen, underscore, golive] = env_names(spec.name);
        let mut names = if hyphen == underscore {
            format!("{hyphen}, {golive}")
        } else {
            format!("{hyphen}, {underscore}, {golive}")
        };
        if let Some(fallback) = spec.fallback {
            names.push_str(&format!(", then {fallback}"));
        }
        let default = if spec.default.is_empty() {
            "none".to_owned()
        } else {
            spec.default.to_owned()
        };
        out.push_str(&format!(
            "\n  --{}\n      env: {names}\n      default: {default}\n      {}\n",
            spec.name, spec.help
        ));
    }
    out.push_str(
        "\nOUTPUTS:\n  operation-location  absolute URL of the operation\n  operation-id        its id\n  status              accepted (no wait, or still running), succeeded, failed, canceled, timed-out or error\n\
         \nEXIT CODES:\n  0 accepted or succeeded    1 unexpected failure      2 invalid input (nothing sent)\n  3 rejected by the API      4 not found (404)          5 authentication (401/403)\n  6 operation failed/canceled 7 timed out              130/143 SIGINT/SIGTERM\n",
    );
    out
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
    }
}
