//! The validated configuration of one run: typed values built from `RawInputs`, no I/O.
//!
//! Every problem found here is a `Failure::Input` (exit 2) that names the input and shows
//! a good value; a run whose inputs do not validate sends nothing.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::auth::{Credential, Secret};
use crate::error::Failure;
use crate::inputs::{RawInputs, example, where_set};

/// What the run does first: trigger go-live, or attach to an operation already running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    Trigger { publisher: String, offer: String },
    Resume { operation: Url },
}

/// Where results go, detected from the environment (all that apply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiTargets {
    /// `GITHUB_ACTIONS=true`: the output and summary files (either may be unset).
    pub github: Option<GitHubFiles>,
    /// `GITLAB_CI=true`: write `golive.env` in the working directory.
    pub gitlab: bool,
    /// `TF_BUILD=True`: `##vso[…]` logging commands.
    pub azure: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitHubFiles {
    pub output: Option<PathBuf>,
    pub summary: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub start: Start,
    /// Known from the inputs even when resuming, for messages.
    pub publisher: Option<String>,
    pub offer: Option<String>,
    pub wait: bool,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub credential: Credential,
    pub base_url: Url,
    pub api_version: String,
    pub ci: CiTargets,
}

const WAIT_TIMEOUT: Duration = Duration::from_secs(5 * 3600);
const TRIGGER_TIMEOUT: Duration = Duration::from_secs(10 * 60);

impl TryFrom<&RawInputs> for Config {
    type Error = Failure;

    fn try_from(raw: &RawInputs) -> Result<Self, Failure> {
        let wait = match raw.get("wait") {
            Some(value) => parse_bool("wait", value)?,
            None => false,
        };
        let timeout = match raw.get("timeout") {
            Some(value) => parse_duration("timeout", value)?,
            None if wait => WAIT_TIMEOUT,
            None => TRIGGER_TIMEOUT,
        };
        let poll_interval = match raw.get("poll-interval") {
            Some(value) => parse_duration("poll-interval", value)?,
            None => Duration::from_secs(30),
        };
        let base_url = parse_base_url(
            raw.get("base-url")
                .unwrap_or("https://cloudpartner.azure.com"),
        )?;
        let api_version = raw.get("api-version").unwrap_or("2017-10-31");
        if !api_version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(invalid("api-version", api_version, "is not an api-version"));
        }
        let publisher = raw
            .get("publisher-id")
            .map(|v| parse_id("publisher-id", v))
            .transpose()?;
        let offer = raw
            .get("offer-id")
            .map(|v| parse_id("offer-id", v))
            .transpose()?;
        let start = match (raw.get("operation-location"), &publisher, &offer) {
            (Some(location), _, _) => Start::Resume {
                operation: parse_operation_location(location, &base_url)?,
            },
            (None, Some(publisher), Some(offer)) => Start::Trigger {
                publisher: publisher.clone(),
                offer: offer.clone(),
            },
            (None, publisher, _) => {
                let name = if publisher.is_none() {
                    "publisher-id"
                } else {
                    "offer-id"
                };
                return Err(Failure::Input(format!(
                    "{} is required (or operation-location, to resume an operation): set it, e.g. {name}: {}",
                    where_set(name),
                    example(name)
                )));
            }
        };
        let credential = match raw.get("token") {
            Some(token) => Credential::Static(parse_token(token)?),
            None => return Err(no_credentials()),
        };
        Ok(Config {
            start,
            publisher,
            offer,
            wait,
            timeout,
            poll_interval,
            credential,
            base_url,
            api_version: api_version.to_owned(),
            ci: ci_targets(raw),
        })
    }
}

fn invalid(name: &str, value: &str, problem: &str) -> Failure {
    Failure::Input(format!(
        "{} is invalid: {value:?} {problem}; use e.g. {name}: {}",
        where_set(name),
        example(name)
    ))
}

fn no_credentials() -> Failure {
    Failure::Input(format!(
        "no credentials: set {} to a bearer token for https://cloudpartner.azure.com, \
         e.g. from `az account get-access-token --resource https://cloudpartner.azure.com --query accessToken -o tsv`",
        where_set("token")
    ))
}

/// `true/True/TRUE/false/False/FALSE`, as `@actions/core` `getBooleanInput` accepts.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, Failure> {
    match value {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(invalid(
            name,
            value,
            "is not a boolean (true/True/TRUE or false/False/FALSE)",
        )),
    }
}

/// `250ms`, `90s`, `5m`, `1h30m`, `2d`; a bare number is seconds. Zero is refused.
pub fn parse_duration(name: &str, value: &str) -> Result<Duration, Failure> {
    let bad = || {
        invalid(
            name,
            value,
            "is not a positive duration (like 90s, 5m, 1h30m, 250ms)",
        )
    };
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds: u64 = value.parse().map_err(|_| bad())?;
        return positive(Duration::from_secs(seconds)).ok_or_else(bad);
    }
    let mut total = Duration::ZERO;
    let mut rest = value;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let millis_per_unit: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        let millis = number.checked_mul(millis_per_unit).ok_or_else(bad)?;
        total = total
            .checked_add(Duration::from_millis(millis))
            .ok_or_else(bad)?;
    }
    positive(total).ok_or_else(bad)
}

fn positive(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

/// `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`: nothing that could change the request path.
pub fn parse_id(name: &str, value: &str) -> Result<String, Failure> {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok && value.len() <= 128 {
        Ok(value.to_owned())
    } else {
        Err(invalid(
            name,
            value,
            "is not an id (a letter or digit, then up to 127 letters, digits, '.', '_' or '-')",
        ))
    }
}

/// True for 127.0.0.0/8, ::1 and `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn parse_base_url(value: &str) -> Result<Url, Failure> {
    let url =
        Url::parse(value).map_err(|_| invalid("base-url", value, "is not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "base-url",
                value,
                "uses plain http to a host that is not loopback (the token would travel unencrypted)",
            ));
        }
        _ => return Err(invalid("base-url", value, "is not an http(s) URL")),
    }
    if url.host().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(invalid(
            "base-url",
            value,
            "must be a plain scheme://host[:port][/path]",
        ));
    }
    Ok(url)
}

fn parse_operation_location(value: &str, base: &Url) -> Result<Url, Failure> {
    let mut url = base
        .join(value)
        .map_err(|_| invalid("operation-location", value, "is not a URL"))?;
    url.set_fragment(None);
    if url.origin() != base.origin() {
        return Err(Failure::Input(format!(
            "{} is on {} but base-url is {}: the token is only sent to the base-url origin; \
             use the operation-location output of the job that triggered go-live, e.g. {}",
            where_set("operation-location"),
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization(),
            example("operation-location")
        )));
    }
    Ok(url)
}

fn parse_token(value: &str) -> Result<Secret, Failure> {
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value)
        .trim();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        // The value is a secret: describe it, never show it.
        return Err(Failure::Input(format!(
            "{} is invalid: a bearer token is printable ASCII without spaces or line breaks; \
             pass only the access token, e.g. from `az account get-access-token --resource https://cloudpartner.azure.com --query accessToken -o tsv`",
            where_set("token")
        )));
    }
    Ok(Secret::new(token))
}

pub fn ci_targets(raw: &RawInputs) -> CiTargets {
    let github = (raw.env("GITHUB_ACTIONS") == Some("true")).then(|| GitHubFiles {
        output: raw.env("GITHUB_OUTPUT").map(PathBuf::from),
        summary: raw.env("GITHUB_STEP_SUMMARY").map(PathBuf::from),
    });
    CiTargets {
        github,
        gitlab: raw.env("GITLAB_CI") == Some("true"),
        azure: raw
            .env("TF_BUILD")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{Command, parse};

    fn config(list: &[(&str, &str)]) -> Result<Config, Failure> {
        let env: Vec<(String, String)> = list
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        match parse(&env, &[]) {
            Ok(Command::Run(raw)) => Config::try_from(&raw),
            other => panic!("{other:?}"),
        }
    }

    const BASIC: [(&str, &str); 3] = [
        ("GOLIVE_PUBLISHER_ID", "contoso"),
        ("GOLIVE_OFFER_ID", "contoso-offer"),
        ("GOLIVE_TOKEN", "tok"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Result<Config, Failure> {
        let mut list = BASIC.to_vec();
        list.extend_from_slice(extra);
        config(&list)
    }

    fn input_error(result: Result<Config, Failure>) -> String {
        match result {
            Err(Failure::Input(message)) => message,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn durations_follow_the_grammar() {
        let ok = [
            ("90s", 90_000),
            ("5m", 300_000),
            ("1h30m", 5_400_000),
            ("250ms", 250),
            ("45", 45_000),
            ("2d", 172_800_000),
        ];
        for (text, millis) in ok {
            assert_eq!(
                parse_duration("timeout", text).ok(),
                Some(Duration::from_millis(millis)),
                "{text}"
            );
        }
        for bad in [
            "0",
            "0s",
            "-5s",
            "1.5h",
            "5 m",
            "m",
            "5x",
            "h1",
            "99999999999999999999s",
            "",
        ] {
            let message = match parse_duration("timeout", bad) {
                Err(Failure::Input(message)) => message,
                other => panic!("{bad:?} gave {other:?}"),
            };
            assert!(
                message.contains("'timeout'") && message.contains("5h"),
                "{message}"
            );
        }
    }

    #[test]
    fn booleans_take_the_actions_core_spellings_only() {
        for (text, value) in [
            ("true", true),
            ("True", true),
            ("TRUE", true),
            ("false", false),
            ("False", false),
            ("FALSE", false),
        ] {
            assert_eq!(parse_bool("wait", text).ok(), Some(value));
        }
        for bad in ["yes", "1", "tRUE", "on"] {
            assert!(parse_bool("wait", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_that_could_change_the_path_are_refused() {
        for bad in ["../../x", "a/b", "%2e%2e", ".hidden", "-x", "a b", "é"] {
            let message = input_error(with(&[("GOLIVE_OFFER_ID", bad)]));
            assert!(message.contains("'offer-id'"), "{message}");
        }
        assert!(parse_id("offer-id", &"a".repeat(128)).is_ok());
        assert!(parse_id("offer-id", &"a".repeat(129)).is_err());
    }

    #[test]
    fn defaults_depend_on_wait() {
        let plain = with(&[]).ok().map(|c| (c.wait, c.timeout, c.poll_interval));
        assert_eq!(
            plain,
            Some((false, TRIGGER_TIMEOUT, Duration::from_secs(30)))
        );
        let waiting = with(&[("GOLIVE_WAIT", "True")]).ok().map(|c| c.timeout);
        assert_eq!(waiting, Some(WAIT_TIMEOUT));
    }

    #[test]
    fn plain_http_only_reaches_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:1",
            "http://[::1]:9",
            "https://example.com",
        ] {
            let result = config(&[
                ("GOLIVE_BASE_URL", ok),
                ("GOLIVE_OPERATION_LOCATION", "/api/operations/x"),
                ("GOLIVE_TOKEN", "t"),
            ]);
            assert!(result.is_ok(), "{ok}: {result:?}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://cloudpartner.azure.com",
            "ftp://127.0.0.1",
            "not a url",
            "https://h/?q=1",
        ] {
            let message = input_error(with(&[("GOLIVE_BASE_URL", bad)]));
            assert!(message.contains("'base-url'"), "{message}");
        }
    }

    #[test]
    fn operation_location_resolves_against_base_url_and_keeps_its_origin() {
        let resume = |location: &'static str| {
            config(&[
                ("GOLIVE_BASE_URL", "http://127.0.0.1:9000"),
                ("GOLIVE_OPERATION_LOCATION", location),
                ("GOLIVE_TOKEN", "t"),
            ])
        };
        let start = resume("/api/operations/a$b$2$preview?api-version=2017-10-31").map(|c| c.start);
        assert_eq!(
            start.ok(),
            Some(Start::Resume {
                operation: Url::parse(
                    "http://127.0.0.1:9000/api/operations/a$b$2$preview?api-version=2017-10-31"
                )
                .unwrap_or_else(|e| panic!("{e}")),
            })
        );
        let message = input_error(resume("https://evil.example/api/operations/x"));
        assert!(
            message.contains("https://evil.example") && message.contains("http://127.0.0.1:9000"),
            "{message}"
        );
    }

    #[test]
    fn missing_ids_and_credentials_name_what_to_set() {
        let message = input_error(config(&[("GOLIVE_OFFER_ID", "o"), ("GOLIVE_TOKEN", "t")]));
        assert!(
            message.contains("'publisher-id'") && message.contains("contoso"),
            "{message}"
        );
        let message = input_error(config(&[
            ("GOLIVE_PUBLISHER_ID", "p"),
            ("GOLIVE_OFFER_ID", "o"),
        ]));
        assert!(
            message.contains("'token'") && message.contains("az account get-access-token"),
            "{message}"
        );
    }

    #[test]
    fn a_bad_token_is_described_never_echoed() {
        let message = input_error(with(&[("INPUT_TOKEN", "abc def\nsecretpart")]));
        assert!(
            !message.contains("secretpart") && message.contains("'token'"),
            "{message}"
        );
        let token = with(&[("INPUT_TOKEN", "Bearer abc.def")]).map(|c| c.credential);
        assert_eq!(token.ok(), Some(Credential::Static(Secret::new("abc.def"))));
    }

    #[test]
    fn ci_is_detected_from_the_environment() {
        let ci = with(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", "/o"),
            ("GITLAB_CI", "true"),
            ("TF_BUILD", "True"),
        ])
        .map(|c| c.ci);
        let expected = CiTargets {
            github: Some(GitHubFiles {
                output: Some(PathBuf::from("/o")),
                summary: None,
            }),
            gitlab: true,
            azure: true,
        };
        assert_eq!(ci.ok(), Some(expected));
        assert_eq!(with(&[]).map(|c| c.ci).ok(), Some(CiTargets::default()));
    }
}
