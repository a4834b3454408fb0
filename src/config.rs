//! The validated configuration of one run: typed values built from `RawInputs`, no I/O.
//!
//! Every problem found here is a `Failure::Input` (exit 2) that names the input and shows
//! a good value; a run whose inputs do not validate sends nothing.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::auth::{App, Assertion, Credential, Identity, Secret};
use crate::error::Failure;
use crate::inputs::{RawInputs, example, where_set};

/// What the run does first: trigger go-live, or attach to an operation already running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Cloud Partner Portal go-live.
    Trigger {
        publisher: String,
        offer: String,
    },
    /// Partner Center product-ingestion: the offer's external id and/or its product id.
    Ingest {
        offer: Option<String>,
        product: Option<String>,
    },
    Resume {
        operation: Url,
    },
}

impl Config {
    /// The offer as a person names it: `publisher/offer` for cpp, the offer's external id
    /// (or product id) for product-ingestion; `None` when only an operation URL is known.
    pub fn subject(&self) -> Option<String> {
        match &self.start {
            Start::Trigger { publisher, offer } => Some(format!("{publisher}/{offer}")),
            Start::Ingest {
                offer: Some(offer), ..
            } => Some(offer.clone()),
            Start::Ingest {
                offer: None,
                product: Some(product),
            } => Some(format!("product/{product}")),
            Start::Ingest { .. } | Start::Resume { .. } => None,
        }
    }
}

/// Which API takes the offer live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The Cloud Partner Portal API (offers onboarded before Partner Center).
    Cpp,
    /// Partner Center's product-ingestion API (Microsoft Graph).
    Ingestion,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cpp => "cpp",
            Backend::Ingestion => "product-ingestion",
        }
    }

    /// What tokens are asked for (scope `{resource}/.default`).
    pub fn resource(self) -> &'static str {
        match self {
            Backend::Cpp => "https://cloudpartner.azure.com",
            Backend::Ingestion => "https://graph.microsoft.com",
        }
    }

    fn default_base_url(self) -> &'static str {
        match self {
            Backend::Cpp => "https://cloudpartner.azure.com",
            Backend::Ingestion => "https://graph.microsoft.com/rp/product-ingestion",
        }
    }

    /// Partner Center asks for no more than one poll a minute.
    fn default_poll_interval(self) -> Duration {
        match self {
            Backend::Cpp => Duration::from_secs(30),
            Backend::Ingestion => Duration::from_secs(60),
        }
    }
}

/// A product-ingestion job status URL ends in `…/configure/{jobId}/status`: the job id.
pub fn ingestion_job_id(url: &Url) -> Option<&str> {
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [.., "configure", job, "status"] => Some(*job),
        _ => None,
    }
}

/// The backend: from the operation URL when resuming (an explicit `api` must agree),
/// else from `api` (default cpp).
fn backend(api: Option<&str>, location: Option<&str>) -> Result<Backend, Failure> {
    let explicit = match api {
        None => None,
        Some("cpp") => Some(Backend::Cpp),
        Some("product-ingestion") => Some(Backend::Ingestion),
        Some(other) => return Err(invalid("api", other, "is not cpp or product-ingestion")),
    };
    let detected = location.map(|location| {
        // Only the path matters here; any base resolves a relative location.
        let probe = Url::parse("https://example.invalid/")
            .ok()
            .and_then(|base| base.join(location).ok());
        if probe.as_ref().and_then(ingestion_job_id).is_some() {
            Backend::Ingestion
        } else {
            Backend::Cpp
        }
    });
    match (explicit, detected) {
        (Some(explicit), Some(detected)) if explicit != detected => Err(Failure::Input(format!(
            "{} is {} but operation-location is a {} operation URL: leave api unset when resuming, \
             the URL tells them apart",
            where_set("api"),
            explicit.name(),
            detected.name()
        ))),
        (explicit, detected) => Ok(detected.or(explicit).unwrap_or(Backend::Cpp)),
    }
}

fn required(name: &str) -> Failure {
    let hint = if name == "publisher-id" {
        ". An offer created in Partner Center (every offer since 2020) goes live with \
         api: product-ingestion and its offer-id, and needs no publisher-id"
    } else {
        ""
    };
    Failure::Input(format!(
        "{} is required (or operation-location, to resume an operation): set it, e.g. {name}: {}{hint}",
        where_set(name),
        example(name)
    ))
}

/// `product/<guid>` or the bare guid; kept as the bare guid.
fn parse_product_id(value: &str) -> Result<String, Failure> {
    let guid = value.strip_prefix("product/").unwrap_or(value);
    let ok = guid.len() == 36
        && guid.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(guid.to_ascii_lowercase())
    } else {
        Err(invalid(
            "product-id",
            value,
            "is not product/<guid> or a guid",
        ))
    }
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
    pub wait: bool,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub credential: Credential,
    pub base_url: Url,
    /// Set explicitly; otherwise each backend uses its documented version(s).
    pub api_version: Option<String>,
    pub backend: Backend,
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
        let location = raw.get("operation-location");
        let backend = backend(raw.get("api"), location)?;
        let poll_interval = match raw.get("poll-interval") {
            Some(value) => parse_duration("poll-interval", value)?,
            None => backend.default_poll_interval(),
        };
        let base_url = parse_root_url(
            "base-url",
            raw.get("base-url").unwrap_or(backend.default_base_url()),
        )?;
        let api_version = raw.get("api-version");
        if let Some(version) = api_version
            && !version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(invalid("api-version", version, "is not an api-version"));
        }
        let publisher = raw
            .get("publisher-id")
            .map(|v| parse_id("publisher-id", v))
            .transpose()?;
        let offer = raw
            .get("offer-id")
            .map(|v| parse_id("offer-id", v))
            .transpose()?;
        let product = raw.get("product-id").map(parse_product_id).transpose()?;
        let start = match (location, backend) {
            (Some(location), _) => Start::Resume {
                operation: parse_operation_location(location, &base_url)?,
            },
            (None, Backend::Cpp) => match (&publisher, &offer) {
                (Some(publisher), Some(offer)) => Start::Trigger {
                    publisher: publisher.clone(),
                    offer: offer.clone(),
                },
                (publisher, _) => {
                    let name = if publisher.is_none() {
                        "publisher-id"
                    } else {
                        "offer-id"
                    };
                    return Err(required(name));
                }
            },
            (None, Backend::Ingestion) => match (&offer, &product) {
                (None, None) => return Err(required("offer-id")),
                _ => Start::Ingest {
                    offer: offer.clone(),
                    product: product.clone(),
                },
            },
        };
        let ci = ci_targets(raw);
        let credential = credential(raw, &ci)?;
        Ok(Config {
            start,
            wait,
            timeout,
            poll_interval,
            credential,
            base_url,
            api_version: api_version.map(str::to_owned),
            backend,
            ci,
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

/// The credential, in the order of the spec: token, client secret, federation, managed
/// identity (only when asked for). Half a configuration is an error that says what is
/// missing, never a silent fall-through to another source.
fn credential(raw: &RawInputs, ci: &CiTargets) -> Result<Credential, Failure> {
    if let Some(token) = raw.get("token") {
        return Ok(Credential::Static(parse_token(token)?));
    }
    let tenant = raw
        .get("tenant-id")
        .map(|v| parse_directory_id("tenant-id", v))
        .transpose()?;
    let client = raw
        .get("client-id")
        .map(|v| parse_directory_id("client-id", v))
        .transpose()?;
    let managed = raw
        .get("managed-identity")
        .map(parse_managed_identity)
        .transpose()?
        .flatten();
    let app = |authority| -> Result<App, Failure> {
        match (&tenant, &client) {
            (Some(tenant), Some(client)) => Ok(App {
                tenant: tenant.clone(),
                client: client.clone(),
                authority,
            }),
            (None, _) => Err(missing("tenant-id", "client-id")),
            (_, None) => Err(missing("client-id", "tenant-id")),
        }
    };
    if let Some(secret) = raw.get("client-secret") {
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
        if managed.is_none() {
            return Err(federation_missing(raw, ci));
        }
    }
    if let Some(client_id) = managed {
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

fn missing(name: &str, with: &str) -> Failure {
    Failure::Input(format!(
        "{} is required with {with} for service-principal or federated login: set it, e.g. {name}: {}",
        where_set(name),
        example(name)
    ))
}

fn authority(raw: &RawInputs) -> Result<Url, Failure> {
    parse_root_url(
        "authority-host",
        raw.get("authority-host").unwrap_or(DEFAULT_AUTHORITY),
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
        let Some(connection) = raw.get("service-connection-id") else {
            return Err(missing(
                "service-connection-id",
                "Azure Pipelines (SYSTEM_OIDCREQUESTURI is set): the id of an Azure Resource Manager \
                 service connection that uses workload identity federation,",
            ));
        };
        let connection = parse_directory_id("service-connection-id", connection)?;
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
    Url::parse(value)
        .ok()
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
    crate::report::text::cap(&crate::report::text::plain(value), 200)
}

/// `true/True/TRUE` → the system-assigned identity (`Some(None)`), `false/…` → not used
/// (`None`), anything else is the client id of a user-assigned identity.
fn parse_managed_identity(value: &str) -> Result<Option<Option<String>>, Failure> {
    if let Ok(flag) = parse_bool("managed-identity", value) {
        return Ok(flag.then_some(None));
    }
    parse_directory_id("managed-identity", value).map(|id| Some(Some(id)))
}

/// A tenant, client or connection id: a GUID, or for a tenant its domain
/// (`contoso.onmicrosoft.com`); nothing that could change a URL path.
fn parse_directory_id(name: &str, value: &str) -> Result<String, Failure> {
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
            name,
            value,
            "is not an id (a GUID, or for a tenant its domain)",
        ))
    }
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

/// The longest duration any input takes: far past any CI job's life, and far from the
/// clock's limits (a deadline is `now + timeout`).
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 86_400);

/// `250ms`, `90s`, `5m`, `1h30m`, `2d`; a bare number is seconds. Zero is refused, and so
/// is anything over `MAX_DURATION` (30 days).
pub fn parse_duration(name: &str, value: &str) -> Result<Duration, Failure> {
    let bad = || {
        invalid(
            name,
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

/// An API or identity root: https, or plain http to a loopback host only (a token or a
/// secret travels there).
fn parse_root_url(name: &str, value: &str) -> Result<Url, Failure> {
    let url = Url::parse(value).map_err(|_| invalid(name, value, "is not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                name,
                value,
                "uses plain http to a host that is not loopback (the token would travel unencrypted)",
            ));
        }
        _ => return Err(invalid(name, value, "is not an http(s) URL")),
    }
    if url.host().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(invalid(
            name,
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
            "18446744073709551615",
            "31d",
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
        };
        assert_eq!(ci.ok(), Some(expected));
        assert_eq!(with(&[]).map(|c| c.ci).ok(), Some(CiTargets::default()));
    }
}
