//! The validated configuration of one run: typed values built from `RawInputs`, no I/O.
//!
//! Every problem found here is a `Failure::Input` (exit 2) that names the input and shows
//! a good value; a run whose inputs do not validate sends nothing.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use reqwest::Url;

use super::inputs::{Input, RawInputs, where_set};
use crate::auth::{App, Assertion, Credential, Identity};
use crate::backend::{Id, Kind, Target};
use crate::error::Failure;
use crate::http::tls::TrustRoots;
use crate::http::{Proxies, join_url, parse_url};
use crate::report::CiTargets;
use crate::secret::Secret;
use crate::text;

/// What the run does first: take offers live, or attach to operations already running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Take these targets live through the config's API: one per offer, in input order.
    Trigger(Vec<Target>),
    /// Attach to these operations, in input order.
    Resume { operations: Vec<Url> },
}

/// One offer's part of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Trigger(Target),
    Resume(Url),
}

impl Config {
    /// Each offer's part, in input order.
    pub fn units(&self) -> Vec<Unit> {
        match &self.start {
            Start::Trigger(targets) => targets.iter().cloned().map(Unit::Trigger).collect(),
            Start::Resume { operations } => operations.iter().cloned().map(Unit::Resume).collect(),
        }
    }

    /// The offer as a person names it (`publisher/offer` for cpp, the external id or
    /// product id for product-ingestion); `None` when only an operation URL is known.
    pub fn subject(&self, unit: &Unit) -> Option<String> {
        match unit {
            Unit::Trigger(target) => (self.kind.subject)(target),
            Unit::Resume(_) => None,
        }
    }
}

/// Several values in one input: separated by commas, spaces or line breaks.
fn list(value: &str) -> Vec<&str> {
    value
        .split([',', ' ', '\t', '\n', '\r'])
        .filter(|item| !item.is_empty())
        .collect()
}

/// The offer ids: one or several, each an id, none twice.
fn parse_offer_ids(value: &str) -> Result<Vec<String>, Failure> {
    let mut ids: Vec<String> = Vec::new();
    for item in list(value) {
        let id = parse_id(Input::OfferId, item)?;
        if ids.contains(&id) {
            return Err(invalid(
                Input::OfferId,
                value,
                &format!("names '{id}' twice (each offer goes live once per run)"),
            ));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// How many offers are in flight at once: a whole number from 1 to 256.
fn parse_max_parallel(value: &str) -> Result<usize, Failure> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_PARALLEL_CAP).contains(n))
        .ok_or_else(|| {
            invalid(
                Input::MaxParallel,
                value,
                "is not a whole number from 1 to 256",
            )
        })
}

/// The most offers in flight at once that `max-parallel` may ask for.
const MAX_PARALLEL_CAP: usize = 256;
/// How many offers are in flight at once by default.
const MAX_PARALLEL: usize = 4;

/// The API: from the operation URL when resuming (an explicit `api` must agree), else
/// from `api` (default: the first of `backend::KINDS`).
fn kind(api: Option<&str>, location: Option<&str>) -> Result<&'static Kind, Failure> {
    let explicit = match api {
        None => None,
        Some(name) => Some(
            Kind::named(name)
                .ok_or_else(|| invalid(Input::Api, name, &format!("is not {}", Kind::names())))?,
        ),
    };
    let detected = match location {
        None => None,
        Some(location) => {
            // Only the path matters here; any base resolves a relative location.
            let url = Url::parse("https://example.invalid/")
                .ok()
                .and_then(|base| join_url(&base, location));
            Some(url.as_ref().and_then(Kind::owning).ok_or_else(|| {
                invalid(
                    Input::OperationLocation,
                    location,
                    "is not an operation URL of a known API (…/operations/<id> for cpp, \
                     …/configure/<jobId>/status for product-ingestion)",
                )
            })?)
        }
    };
    match (explicit, detected) {
        (Some(explicit), Some(detected)) if explicit != detected => Err(Failure::Input(format!(
            "{} is {} but operation-location is a {} operation URL: leave api unset when resuming, \
             the URL tells them apart",
            where_set(Input::Api),
            explicit.name,
            detected.name
        ))),
        (explicit, detected) => Ok(detected.or(explicit).unwrap_or(crate::backend::KINDS[0])),
    }
}

fn required(input: Input) -> Failure {
    let hint = if input == Input::PublisherId {
        ". An offer created in Partner Center (every offer since 2020) goes live with \
         api: product-ingestion and its offer-id, and needs no publisher-id"
    } else {
        ""
    };
    Failure::Input(format!(
        "{} is required (or operation-location, to resume an operation): set it, e.g. {}: {}{hint}",
        where_set(input),
        input.name(),
        input.example()
    ))
}

/// `8f2a6b1c-0d3e-4f5a-9b7c-1d2e3f4a5b6c`: 36 characters, hex digits and four hyphens.
fn is_guid(value: &str) -> bool {
    value.len() == 36
        && value.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `product/<guid>` or the bare guid; kept as the bare guid.
fn parse_product_id(value: &str) -> Result<String, Failure> {
    let guid = value.strip_prefix("product/").unwrap_or(value);
    if is_guid(guid) {
        Ok(guid.to_ascii_lowercase())
    } else {
        Err(invalid(
            Input::ProductId,
            value,
            "is not product/<guid> or a guid",
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub start: Start,
    /// With several offers: how many are in flight at once.
    pub max_parallel: usize,
    pub wait: bool,
    /// Check readiness and stop before anything that changes anything.
    pub dry_run: bool,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub credential: Credential,
    pub base_url: Url,
    /// Set explicitly; otherwise each backend uses its documented version(s).
    pub api_version: Option<String>,
    /// Which API takes the offer live.
    pub kind: &'static Kind,
    pub ci: CiTargets,
    /// Log every request.
    pub verbose: bool,
    /// The proxies requests go through (the managed identity endpoint never does).
    pub proxies: Proxies,
    /// Where TLS trust roots come from (`SSL_CERT_FILE`, `SSL_CERT_DIR`, else the system).
    pub trust: TrustRoots,
    /// What the inputs deserve a warning for (a look-alike variable, a timeout past the
    /// CI job's limit), said at the start of the run.
    pub warnings: Vec<String>,
}

const WAIT_TIMEOUT: Duration = Duration::from_secs(5 * 3600);
const TRIGGER_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long before the CI job's end golive's default timeout ends.
const JOB_MARGIN: Duration = Duration::from_secs(60);
/// The shortest default timeout, however little the job has left.
const MIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What is left of the CI job when the CI says its limit: GitLab's `CI_JOB_TIMEOUT`
/// (seconds) from `CI_JOB_STARTED_AT` (RFC 3339). `None` when it does not say.
fn job_left(raw: &RawInputs, now: SystemTime) -> Option<Duration> {
    let limit = Duration::from_secs(raw.env("CI_JOB_TIMEOUT")?.parse().ok()?);
    let started = parse_rfc3339(raw.env("CI_JOB_STARTED_AT")?)?;
    let end = started.checked_add(limit)?;
    Some(end.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `2026-11-30T05:43:40Z` or with an offset (`+01:00`) and fractional seconds: the
/// moment, or `None` when it is not that form.
fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Skip fractional seconds, then read the offset.
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = rest[1..].split_once(':')?;
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm), then seconds.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let seconds = u64::try_from(seconds).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

impl TryFrom<&RawInputs> for Config {
    type Error = Failure;

    fn try_from(raw: &RawInputs) -> Result<Self, Failure> {
        let wait = match raw.get(Input::Wait) {
            Some(value) => parse_bool(Input::Wait, value)?,
            None => false,
        };
        let dry_run = match raw.get(Input::DryRun) {
            Some(value) => parse_bool(Input::DryRun, value)?,
            None => false,
        };
        if dry_run && raw.get(Input::OperationLocation).is_some() {
            return Err(Failure::Input(format!(
                "{} checks a go-live before it starts, and operation-location follows one that has: \
                 use one or the other, e.g. dry-run: true with offer-id: {}",
                where_set(Input::DryRun),
                Input::OfferId.example()
            )));
        }
        let mut warnings = raw.typos.clone();
        let timeout = run_timeout(raw, wait, &mut warnings)?;
        let location = raw.get(Input::OperationLocation);
        // A list of locations resumes operations of one API: the first tells which.
        let kind = kind(
            raw.get(Input::Api),
            location.and_then(|l| list(l).first().copied()),
        )?;
        let poll_interval = match raw.get(Input::PollInterval) {
            Some(value) => parse_duration(Input::PollInterval, value)?,
            None => kind.poll_interval,
        };
        let base_url = parse_root_url(
            Input::BaseUrl,
            raw.get(Input::BaseUrl).unwrap_or(kind.base_url),
        )?;
        let api_version = raw.get(Input::ApiVersion);
        if let Some(version) = api_version
            && !version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(invalid(Input::ApiVersion, version, "is not an api-version"));
        }
        let start = start(raw, kind, &base_url)?;
        let max_parallel = raw
            .get(Input::MaxParallel)
            .map(parse_max_parallel)
            .transpose()?
            .unwrap_or(MAX_PARALLEL);
        let ci = ci_targets(raw);
        let credential = credential(raw, &ci)?;
        Ok(Config {
            start,
            max_parallel,
            wait,
            dry_run,
            timeout,
            poll_interval,
            credential,
            base_url,
            api_version: api_version.map(str::to_owned),
            kind,
            ci,
            verbose: raw.verbose,
            proxies: proxies(raw)?,
            trust: TrustRoots {
                cert_file: raw.env("SSL_CERT_FILE").map(PathBuf::from),
                cert_dir: raw.env("SSL_CERT_DIR").map(PathBuf::from),
            },
            warnings,
        })
    }
}

/// What the run starts from: the operations to follow, or the offers to take live.
fn start(raw: &RawInputs, kind: &'static Kind, base_url: &Url) -> Result<Start, Failure> {
    let publisher = raw
        .get(Input::PublisherId)
        .map(|v| parse_id(Input::PublisherId, v))
        .transpose()?;
    let offers = raw
        .get(Input::OfferId)
        .map(parse_offer_ids)
        .transpose()?
        .unwrap_or_default();
    let product = raw
        .get(Input::ProductId)
        .map(parse_product_id)
        .transpose()?;
    if product.is_some() && offers.len() > 1 {
        return Err(Failure::Input(format!(
            "{} names one product, but offer-id names {} offers: leave product-id unset to go live \
             with several, e.g. offer-id: {}, another-offer",
            where_set(Input::ProductId),
            offers.len(),
            Input::OfferId.example()
        )));
    }
    if let Some(location) = raw.get(Input::OperationLocation) {
        return Ok(Start::Resume {
            operations: list(location)
                .into_iter()
                .map(|one| parse_operation_location(one, base_url, kind))
                .collect::<Result<_, _>>()?,
        });
    }
    let targets: Vec<Target> = if offers.is_empty() {
        vec![Target {
            publisher,
            offer: None,
            product,
        }]
    } else {
        offers
            .into_iter()
            .map(|offer| Target {
                publisher: publisher.clone(),
                offer: Some(offer),
                product: product.clone(),
            })
            .collect()
    };
    match (kind.missing)(&targets[0]) {
        Some(Id::Publisher) => Err(required(Input::PublisherId)),
        Some(Id::Offer) => Err(required(Input::OfferId)),
        None => Ok(Start::Trigger(targets)),
    }
}

/// The run's timeout: the input, else the default for `wait`, never past a minute before
/// the CI job's own limit; an explicit one past that limit gets a warning.
fn run_timeout(
    raw: &RawInputs,
    wait: bool,
    warnings: &mut Vec<String>,
) -> Result<Duration, Failure> {
    let job_left = job_left(raw, SystemTime::now());
    Ok(match (raw.get(Input::Timeout), job_left) {
        (Some(value), left) => {
            let timeout = parse_duration(Input::Timeout, value)?;
            if let Some(left) = left
                && timeout + JOB_MARGIN > left
            {
                warnings.push(format!(
                    "timeout {value} reaches past this GitLab job's limit (about {} left): the job would be \
                     killed before golive can report timed-out and hand on the operation; set timeout below \
                     the job's timeout: (or raise the job's)",
                    text::human(left)
                ));
            }
            timeout
        }
        (None, left) => {
            let default = if wait { WAIT_TIMEOUT } else { TRIGGER_TIMEOUT };
            // At least a minute before the job's end, so that golive reports first.
            left.map_or(default, |left| {
                default.min(left.saturating_sub(JOB_MARGIN).max(MIN_TIMEOUT))
            })
        }
    })
}

fn invalid(input: Input, value: &str, problem: &str) -> Failure {
    Failure::Input(format!(
        "{} is invalid: {value:?} {problem}; use e.g. {}: {}",
        where_set(input),
        input.name(),
        input.example()
    ))
}

fn no_credentials() -> Failure {
    Failure::Input(
        "no credentials: set one of (1) token: a bearer token for https://cloudpartner.azure.com \
         (az account get-access-token --resource https://cloudpartner.azure.com --query accessToken -o tsv); \
         (2) tenant-id, client-id and client-secret of an app added to the publisher; \
         (3) tenant-id and client-id with federation: GitHub OIDC (permissions: id-token: write), \
         AZURE_FEDERATED_TOKEN_FILE, or an Azure Pipelines service connection (service-connection-id); \
         (4) managed-identity: true on an Azure machine. Inputs come as INPUT_<NAME> or GOLIVE_<NAME>, e.g. GOLIVE_TENANT_ID"
            .to_owned(),
    )
}

const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
const DEFAULT_IMDS: &str = "http://169.254.169.254";

/// The credential, in the order the README documents: token, client secret, federation, managed
/// identity (only when asked for). Half a configuration is an error that says what is
/// missing, never a silent fall-through to another source.
fn credential(raw: &RawInputs, ci: &CiTargets) -> Result<Credential, Failure> {
    if let Some(token) = raw.get(Input::Token) {
        return Ok(Credential::Static(parse_token(token)?));
    }
    let tenant = raw
        .get(Input::TenantId)
        .map(|v| parse_directory_id(Input::TenantId, v))
        .transpose()?;
    let client = raw
        .get(Input::ClientId)
        .map(|v| parse_directory_id(Input::ClientId, v))
        .transpose()?;
    let managed = raw
        .get(Input::ManagedIdentity)
        .map(parse_managed_identity)
        .transpose()?
        .unwrap_or(Managed::Unused);
    let app = |authority| -> Result<App, Failure> {
        match (&tenant, &client) {
            (Some(tenant), Some(client)) => Ok(App {
                tenant: tenant.clone(),
                client: client.clone(),
                authority,
            }),
            (None, _) => Err(missing(Input::TenantId, "client-id")),
            (_, None) => Err(missing(Input::ClientId, "tenant-id")),
        }
    };
    if let Some(secret) = raw.get(Input::ClientSecret) {
        return Ok(Credential::ClientSecret {
            app: app(authority(raw)?)?,
            secret: Secret::new(secret),
        });
    }
    if tenant.is_some() && client.is_some() {
        if let Some(assertion) = assertion_source(raw)? {
            return Ok(Credential::Federated {
                app: app(authority(raw)?)?,
                assertion,
            });
        }
        if managed == Managed::Unused {
            return Err(federation_missing(raw, ci));
        }
    }
    let client_id = match managed {
        Managed::Unused => None,
        Managed::System => Some(None),
        Managed::User(id) => Some(Some(id)),
    };
    if let Some(client_id) = client_id {
        return Ok(Credential::ManagedIdentity {
            client_id,
            identity: identity_endpoint(raw)?,
        });
    }
    if tenant.is_some() || client.is_some() {
        return Err(app(authority(raw)?).err().unwrap_or_else(no_credentials));
    }
    Err(no_credentials())
}

fn missing(input: Input, with: &str) -> Failure {
    Failure::Input(format!(
        "{} is required with {with} for service-principal or federated login: set it, e.g. {}: {}",
        where_set(input),
        input.name(),
        input.example()
    ))
}

fn authority(raw: &RawInputs) -> Result<Url, Failure> {
    parse_root_url(
        Input::AuthorityHost,
        raw.get(Input::AuthorityHost).unwrap_or(DEFAULT_AUTHORITY),
    )
}

/// Where the client assertion comes from, if this CI provides one: GitHub OIDC, a token
/// file, Azure Pipelines (in that order).
fn assertion_source(raw: &RawInputs) -> Result<Option<Assertion>, Failure> {
    if let (Some(url), Some(request_token)) = (
        raw.env("ACTIONS_ID_TOKEN_REQUEST_URL"),
        raw.env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    ) {
        let url = env_url("ACTIONS_ID_TOKEN_REQUEST_URL", url)?;
        return Ok(Some(Assertion::GitHub {
            url,
            request_token: Secret::new(request_token),
        }));
    }
    if let Some(path) = raw.env("AZURE_FEDERATED_TOKEN_FILE") {
        return Ok(Some(Assertion::File(PathBuf::from(path))));
    }
    if let Some(url) = raw.env("SYSTEM_OIDCREQUESTURI") {
        let url = env_url("SYSTEM_OIDCREQUESTURI", url)?;
        let Some(connection) = raw.get(Input::ServiceConnectionId) else {
            return Err(missing(
                Input::ServiceConnectionId,
                "Azure Pipelines (SYSTEM_OIDCREQUESTURI is set): the id of an Azure Resource Manager \
                 service connection that uses workload identity federation,",
            ));
        };
        let connection = parse_directory_id(Input::ServiceConnectionId, connection)?;
        let Some(access_token) = raw.env("SYSTEM_ACCESSTOKEN") else {
            return Err(Failure::Input(
                "SYSTEM_ACCESSTOKEN is not set: Azure Pipelines federation needs the job's access token; \
                 add `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the step"
                    .to_owned(),
            ));
        };
        return Ok(Some(Assertion::AzurePipelines {
            url,
            connection,
            access_token: Secret::new(access_token),
        }));
    }
    Ok(None)
}

/// A URL the CI itself provides (its OIDC endpoints): http(s) only.
fn env_url(name: &str, value: &str) -> Result<Url, Failure> {
    parse_url(value)
        .filter(|url| matches!(url.scheme(), "https" | "http"))
        .ok_or_else(|| Failure::Input(format!("{name} is not an http(s) URL: {:?}", shown(value))))
}

fn federation_missing(raw: &RawInputs, ci: &CiTargets) -> Failure {
    let base =
        "tenant-id and client-id are set, but there is no client-secret and no federated token";
    let how = if ci.github.is_some() || raw.env("ACTIONS_ID_TOKEN_REQUEST_URL").is_some() {
        "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the job \
         `permissions: id-token: write` (and `contents: read`) so that GitHub hands golive an OIDC token"
    } else if ci.gitlab {
        "write a GitLab ID token (id_tokens, aud: api://AzureADTokenExchange) to a file and set \
         AZURE_FEDERATED_TOKEN_FILE to its path"
    } else if ci.azure {
        "set service-connection-id and map SYSTEM_ACCESSTOKEN: $(System.AccessToken) into the step's env"
    } else {
        "add client-secret, or provide a federated token (GitHub OIDC, AZURE_FEDERATED_TOKEN_FILE, \
         or an Azure Pipelines service connection)"
    };
    Failure::Input(format!("{base}: {how}"))
}

fn identity_endpoint(raw: &RawInputs) -> Result<Identity, Failure> {
    if let (Some(endpoint), Some(header)) =
        (raw.env("IDENTITY_ENDPOINT"), raw.env("IDENTITY_HEADER"))
    {
        return Ok(Identity::Local {
            endpoint: parse_local_endpoint("IDENTITY_ENDPOINT", endpoint)?,
            header: Secret::new(header),
        });
    }
    let imds = raw
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST")
        .unwrap_or(DEFAULT_IMDS);
    Ok(Identity::Imds {
        endpoint: parse_local_endpoint("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds)?,
    })
}

/// A managed identity endpoint: plain http is its nature, but only to the link-local
/// metadata address or to loopback; anything else must be https.
fn parse_local_endpoint(name: &str, value: &str) -> Result<Url, Failure> {
    let url = env_url(name, value)?;
    let link_local = matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_link_local());
    if url.scheme() == "https" || link_local || is_loopback(&url) {
        Ok(url)
    } else {
        Err(Failure::Input(format!(
            "{name} must be https, or http to 169.254.169.254 or a loopback host: {:?}",
            shown(value)
        )))
    }
}

/// An environment value fit for an error message.
fn shown(value: &str) -> String {
    text::cap(&text::plain(value), 200)
}

/// What `managed-identity` asks for.
#[derive(Debug, PartialEq, Eq)]
enum Managed {
    /// `false/False/FALSE`, or unset: never used.
    Unused,
    /// `true/True/TRUE`: the system-assigned identity.
    System,
    /// The client id of a user-assigned identity.
    User(String),
}

/// `true/True/TRUE`, `false/False/FALSE`, or a user-assigned identity's client id (a
/// GUID): `yes` or a name is an input error, not a client id.
fn parse_managed_identity(value: &str) -> Result<Managed, Failure> {
    match parse_bool(Input::ManagedIdentity, value) {
        Ok(true) => Ok(Managed::System),
        Ok(false) => Ok(Managed::Unused),
        Err(_) if is_guid(value) => Ok(Managed::User(value.to_ascii_lowercase())),
        Err(_) => Err(invalid(
            Input::ManagedIdentity,
            value,
            "is not true, false or the client id (a GUID) of a user-assigned identity",
        )),
    }
}

/// A tenant, client or connection id: a GUID, or for a tenant its domain
/// (`contoso.onmicrosoft.com`); nothing that could change a URL path.
fn parse_directory_id(input: Input, value: &str) -> Result<String, Failure> {
    let ok = value.len() <= 253
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(invalid(
            input,
            value,
            "is not an id (a GUID, or for a tenant its domain)",
        ))
    }
}

/// `true/True/TRUE/false/False/FALSE`, as `@actions/core` `getBooleanInput` accepts.
pub fn parse_bool(input: Input, value: &str) -> Result<bool, Failure> {
    match value {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(invalid(
            input,
            value,
            "is not a boolean (true/True/TRUE or false/False/FALSE)",
        )),
    }
}

/// The longest duration any input takes: far past any CI job's life, and far from the
/// clock's limits (a deadline is `now + timeout`).
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 86_400);

/// `250ms`, `90s`, `5m`, `1h30m`, `2d`; a bare number is seconds. Zero is refused, and so
/// is anything over `MAX_DURATION` (30 days).
pub fn parse_duration(input: Input, value: &str) -> Result<Duration, Failure> {
    let bad = || {
        invalid(
            input,
            value,
            "is not a positive duration of at most 30d (like 90s, 5m, 1h30m, 250ms)",
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
    (!duration.is_zero() && duration <= MAX_DURATION).then_some(duration)
}

/// `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`: nothing that could change the request path.
pub fn parse_id(input: Input, value: &str) -> Result<String, Failure> {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok && value.len() <= 128 {
        Ok(value.to_owned())
    } else {
        Err(invalid(
            input,
            value,
            "is not an id (a letter or digit, then up to 127 letters, digits, '.', '_' or '-')",
        ))
    }
}

/// True for 127.0.0.0/8, `::1` and `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// An API or identity root: https, or plain http to a loopback host only (a token or a
/// secret travels there).
fn parse_root_url(input: Input, value: &str) -> Result<Url, Failure> {
    // golive's URL parser knows ASCII host names only (the `idna` back end it ships).
    let host = value.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or_default()
    });
    if !host.is_ascii() {
        return Err(invalid(
            input,
            value,
            "has a host name that is not ASCII: write it in its xn-- (punycode) form, \
             e.g. https://xn--bcher-kva.example for https://bücher.example",
        ));
    }
    let url = parse_url(value).ok_or_else(|| invalid(input, value, "is not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                input,
                value,
                "uses plain http to a host that is not loopback (the token would travel unencrypted)",
            ));
        }
        _ => return Err(invalid(input, value, "is not an http(s) URL")),
    }
    if url.host().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(invalid(
            input,
            value,
            "must be a plain scheme://host[:port][/path]",
        ));
    }
    Ok(url)
}

/// One operation URL of `operation-location`: on the base-url origin, and one of this
/// API's (a list resumes operations of one API).
fn parse_operation_location(value: &str, base: &Url, kind: &Kind) -> Result<Url, Failure> {
    let mut url = join_url(base, value).ok_or_else(|| {
        invalid(
            Input::OperationLocation,
            value,
            "is not a URL (of ASCII text; a Unicode host has an xn-- form)",
        )
    })?;
    url.set_fragment(None);
    if url.origin() != base.origin() {
        return Err(Failure::Input(format!(
            "{} is on {} but base-url is {}: the token is only sent to the base-url origin; \
             use the operation-location output of the job that triggered go-live, e.g. {}",
            where_set(Input::OperationLocation),
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization(),
            Input::OperationLocation.example()
        )));
    }
    if !(kind.owns)(&url) {
        return Err(invalid(
            Input::OperationLocation,
            value,
            &format!(
                "is not a {} operation URL (a list resumes operations of one API)",
                kind.name
            ),
        ));
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
            where_set(Input::Token)
        )));
    }
    Ok(Secret::new(token))
}

/// The proxies, from the variables curl and most tools read (upper case first): a proxy
/// for `https` URLs, one for `http` URLs (`ALL_PROXY` for either), and `NO_PROXY`.
fn proxies(raw: &RawInputs) -> Result<Proxies, Failure> {
    fn read<'a>(raw: &'a RawInputs, names: &[&'static str]) -> Option<(&'static str, &'a str)> {
        names
            .iter()
            .find_map(|name| raw.env(name).map(|v| (*name, v)))
    }
    let url = |names: &[&'static str]| -> Result<Option<Url>, Failure> {
        let Some((name, value)) =
            read(raw, names).or_else(|| read(raw, &["ALL_PROXY", "all_proxy"]))
        else {
            return Ok(None);
        };
        // A proxy given as host:port, as many tools accept, is an http proxy.
        let with_scheme = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        parse_url(&with_scheme)
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .map(Some)
            .ok_or_else(|| {
                Failure::Input(format!(
                    "{name} is not a proxy URL (like http://proxy.example:3128); nothing was sent"
                ))
            })
    };
    Ok(Proxies {
        https: url(&["HTTPS_PROXY", "https_proxy"])?,
        http: url(&["HTTP_PROXY", "http_proxy"])?,
        no_proxy: read(raw, &["NO_PROXY", "no_proxy"]).map(|(_, v)| v.to_owned()),
    })
}

/// Where results go, as the environment says.
pub fn ci_targets(raw: &RawInputs) -> CiTargets {
    CiTargets::detect(|name| raw.env(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::inputs::{Command, parse};
    use crate::report::targets::GitHubFiles;

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
                parse_duration(Input::Timeout, text).ok(),
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
            "18446744073709551615",
            "31d",
            "",
        ] {
            let message = match parse_duration(Input::Timeout, bad) {
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
    fn rfc3339_times_are_read_with_offsets_and_fractions() {
        let at = |secs: u64| Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), at(0));
        assert_eq!(parse_rfc3339("2026-11-30T05:43:40Z"), at(1_796_017_420));
        assert_eq!(
            parse_rfc3339("2026-11-30T06:43:40.123+01:00"),
            at(1_796_017_420)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00-00:30"), at(951_784_200));
        for bad in [
            "",
            "2026-11-30",
            "2026-13-01T00:00:00Z",
            "2026-11-30T05:43:40",
            "x026-11-30T05:43:40Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
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
            assert_eq!(parse_bool(Input::Wait, text).ok(), Some(value));
        }
        for bad in ["yes", "1", "tRUE", "on"] {
            assert!(parse_bool(Input::Wait, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_that_could_change_the_path_are_refused() {
        for bad in [
            "../../x", "a/b", "%2e%2e", ".hidden", "-x", "a;b", "é", "ok, a/b",
        ] {
            let message = input_error(with(&[("GOLIVE_OFFER_ID", bad)]));
            assert!(message.contains("'offer-id'"), "{message}");
        }
        assert!(parse_id(Input::OfferId, &"a".repeat(128)).is_ok());
        assert!(parse_id(Input::OfferId, &"a".repeat(129)).is_err());
    }

    #[test]
    fn several_offers_are_a_list_in_input_order() {
        let config = with(&[("GOLIVE_OFFER_ID", "b-offer, a-offer\nc-offer")]);
        let offers: Vec<Option<String>> = match config.map(|c| c.start) {
            Ok(Start::Trigger(targets)) => targets.into_iter().map(|t| t.offer).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            offers,
            ["b-offer", "a-offer", "c-offer"].map(|o| Some(o.to_owned()))
        );
        let twice = input_error(with(&[("GOLIVE_OFFER_ID", "a-offer b-offer a-offer")]));
        assert!(twice.contains("names 'a-offer' twice"), "{twice}");
        let product = input_error(with(&[
            ("GOLIVE_OFFER_ID", "a-offer b-offer"),
            ("GOLIVE_PRODUCT_ID", "11111111-2222-3333-4444-555555555555"),
        ]));
        assert!(product.contains("product-id"), "{product}");
    }

    #[test]
    fn max_parallel_is_a_small_whole_number() {
        assert_eq!(with(&[]).ok().map(|c| c.max_parallel), Some(MAX_PARALLEL));
        let set = with(&[("GOLIVE_MAX_PARALLEL", "12")]).ok();
        assert_eq!(set.map(|c| c.max_parallel), Some(12));
        for bad in ["0", "257", "-1", "two", "1.5"] {
            let message = input_error(with(&[("GOLIVE_MAX_PARALLEL", bad)]));
            assert!(message.contains("'max-parallel'"), "{message}");
        }
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
        let message = input_error(with(&[("GOLIVE_BASE_URL", "https://bücher.example")]));
        assert!(
            message.contains("'base-url'") && message.contains("xn--"),
            "{message}"
        );
        assert!(with(&[("GOLIVE_BASE_URL", "https://xn--bcher-kva.example")]).is_ok());
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
                operations: vec![
                    Url::parse(
                        "http://127.0.0.1:9000/api/operations/a$b$2$preview?api-version=2017-10-31"
                    )
                    .unwrap()
                ],
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
        for way in [
            "token",
            "client-secret",
            "id-token: write",
            "AZURE_FEDERATED_TOKEN_FILE",
            "service-connection-id",
            "managed-identity",
        ] {
            assert!(message.contains(way), "{way} missing from: {message}");
        }
    }

    const APP: [(&str, &str); 4] = [
        ("GOLIVE_PUBLISHER_ID", "p"),
        ("GOLIVE_OFFER_ID", "o"),
        ("AZURE_TENANT_ID", "contoso.onmicrosoft.com"),
        ("AZURE_CLIENT_ID", "0c9d4f5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"),
    ];
    const GITHUB_OIDC: [(&str, &str); 2] = [
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "https://pipelines.actions.githubusercontent.com/x?api-version=2.0",
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "req"),
    ];

    fn credential_with(extra: &[(&'static str, &'static str)]) -> Result<Credential, Failure> {
        let mut list = APP.to_vec();
        list.extend_from_slice(extra);
        config(&list).map(|c| c.credential)
    }

    fn kind(credential: &Result<Credential, Failure>) -> &'static str {
        match credential {
            Ok(Credential::Static(_)) => "static",
            Ok(Credential::ClientSecret { .. }) => "secret",
            Ok(Credential::Federated {
                assertion: Assertion::GitHub { .. },
                ..
            }) => "github",
            Ok(Credential::Federated {
                assertion: Assertion::File(_),
                ..
            }) => "file",
            Ok(Credential::Federated {
                assertion: Assertion::AzurePipelines { .. },
                ..
            }) => "pipelines",
            Ok(Credential::ManagedIdentity {
                client_id: None, ..
            }) => "system-identity",
            Ok(Credential::ManagedIdentity {
                client_id: Some(_), ..
            }) => "user-identity",
            Err(_) => "error",
        }
    }

    #[test]
    fn credentials_are_chosen_in_the_order_of_the_spec() {
        let all = [
            GITHUB_OIDC[0],
            GITHUB_OIDC[1],
            ("AZURE_FEDERATED_TOKEN_FILE", "/t"),
            ("AZURE_CLIENT_SECRET", "s"),
            ("INPUT_TOKEN", "tok"),
        ];
        assert_eq!(kind(&credential_with(&all)), "static");
        assert_eq!(kind(&credential_with(&all[..4])), "secret");
        assert_eq!(kind(&credential_with(&all[..3])), "github");
        assert_eq!(kind(&credential_with(&all[2..3])), "file");
        let pipelines = [
            (
                "SYSTEM_OIDCREQUESTURI",
                "https://dev.azure.com/org/proj/_apis/distributedtask/hubs/build/plans/x/jobs/y/oidctoken",
            ),
            (
                "GOLIVE_SERVICE_CONNECTION_ID",
                "3f2a1b4c-0000-4000-8000-000000000000",
            ),
            ("SYSTEM_ACCESSTOKEN", "sys"),
        ];
        assert_eq!(kind(&credential_with(&pipelines)), "pipelines");
        assert_eq!(
            kind(&credential_with(&[("GOLIVE_MANAGED_IDENTITY", "true")])),
            "system-identity"
        );
        let user = config(&[
            ("GOLIVE_PUBLISHER_ID", "p"),
            ("GOLIVE_OFFER_ID", "o"),
            (
                "GOLIVE_MANAGED_IDENTITY",
                "9a8b7c6d-0000-4000-8000-000000000000",
            ),
        ]);
        assert_eq!(kind(&user.map(|c| c.credential)), "user-identity");
        // managed-identity: false is not a request for one.
        assert_eq!(
            kind(&credential_with(&[("GOLIVE_MANAGED_IDENTITY", "false")])),
            "error"
        );
    }

    #[test]
    fn half_a_configuration_says_what_is_missing() {
        let message = input_error(config(&[
            ("GOLIVE_PUBLISHER_ID", "p"),
            ("GOLIVE_OFFER_ID", "o"),
            ("AZURE_CLIENT_SECRET", "s"),
            ("AZURE_CLIENT_ID", "c"),
        ]));
        assert!(
            message.contains("'tenant-id'") && message.contains("AZURE_TENANT_ID"),
            "{message}"
        );
        let message = input_error(
            credential_with(&[("GITHUB_ACTIONS", "true")]).map(|_| unreachable_config()),
        );
        assert!(message.contains("id-token: write"), "{message}");
        let message = input_error(
            credential_with(&[
                ("SYSTEM_OIDCREQUESTURI", "https://dev.azure.com/x"),
                ("TF_BUILD", "True"),
            ])
            .map(|_| unreachable_config()),
        );
        assert!(message.contains("'service-connection-id'"), "{message}");
        let message = input_error(
            credential_with(&[
                ("SYSTEM_OIDCREQUESTURI", "https://dev.azure.com/x"),
                ("GOLIVE_SERVICE_CONNECTION_ID", "abc"),
            ])
            .map(|_| unreachable_config()),
        );
        assert!(message.contains("$(System.AccessToken)"), "{message}");
        let message = input_error(
            credential_with(&[
                ("AZURE_CLIENT_SECRET", "s"),
                ("AZURE_AUTHORITY_HOST", "http://login.example"),
            ])
            .map(|_| unreachable_config()),
        );
        assert!(message.contains("'authority-host'"), "{message}");
        let message = input_error(
            credential_with(&[("GOLIVE_TENANT_ID", "../x"), ("AZURE_CLIENT_SECRET", "s")])
                .map(|_| unreachable_config()),
        );
        assert!(message.contains("'tenant-id'"), "{message}");
    }

    fn unreachable_config() -> Config {
        panic!("expected an input error")
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
            azure_temp: None,
        };
        assert_eq!(ci.ok(), Some(expected));
        assert_eq!(with(&[]).map(|c| c.ci).ok(), Some(CiTargets::default()));
    }
}
