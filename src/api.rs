//! The only module that touches reqwest: one `Client`, the go-live POST and the
//! operation GET, with bodies read up to a cap.
//!
//! The client follows no redirects (a 3xx is an unexpected answer: following it could
//! carry the token elsewhere), asks for no compression (nothing is decompressed behind
//! our back) and verifies TLS against the system CA bundle.

use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, Method, Url, redirect};

use crate::auth::Secret;
use crate::retry::{Attempt, parse_retry_after};

/// How much of an error body is read (the rest is dropped with the connection).
pub const ERROR_BODY_CAP: usize = 64 * 1024;
/// How much of an operation body is read; larger is "not understood".
pub const OPERATION_BODY_CAP: usize = 4 * 1024 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A request's own timeout reaches this far past the run's deadline, so that at the
/// deadline the run ends as timed out (exit 7), not as a request that timed out just before.
const PAST_DEADLINE: Duration = Duration::from_secs(1);

/// The timeout for one request made before `deadline`: at most `cap`, and never the
/// reason a run ends at its deadline.
pub fn request_timeout(deadline: tokio::time::Instant, cap: Duration) -> Duration {
    (deadline.saturating_duration_since(tokio::time::Instant::now()) + PAST_DEADLINE).min(cap)
}

/// An HTTP answer with its body read up to a cap.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body was longer than the cap.
    pub truncated: bool,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request that got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub attempt: Attempt,
    /// What happened, for a person (no URL credentials, no token).
    pub detail: String,
}

/// The API client of one run.
#[derive(Debug, Clone)]
pub struct Api {
    client: Client,
    /// An explicit api-version; otherwise each call uses its documented version.
    version: Option<String>,
}

/// The Cloud Partner Portal's api-version.
pub const CPP_VERSION: &str = "2017-10-31";

impl Api {
    pub fn new(version: Option<&str>) -> anyhow::Result<Self> {
        // Another caller in this process (the demo, a test) may have installed it already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder()
            .user_agent(concat!("golive/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .build()?;
        Ok(Api {
            client,
            version: version.map(str::to_owned),
        })
    }

    /// The version for a call: the explicit one, else the documented default.
    pub fn version<'a>(&'a self, documented: &'a str) -> &'a str {
        self.version.as_deref().unwrap_or(documented)
    }

    /// The go-live URL for an offer under `base`.
    pub fn golive_url(&self, base: &Url, publisher: &str, offer: &str) -> Url {
        let mut url = base.clone();
        // Ids are validated to [A-Za-z0-9._-], so they need no escaping and cannot
        // change the path; push_segments encodes anyway.
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend([
                "api",
                "publishers",
                publisher,
                "offers",
                offer,
                "golive",
            ]);
        }
        url.query_pairs_mut()
            .append_pair("api-version", self.version(CPP_VERSION));
        url
    }

    /// The operation URL as polled: with its version parameter (`api-version`, or
    /// `$version` for product-ingestion) added when it has none.
    pub fn poll_url(&self, operation: &Url, parameter: &str, documented: &str) -> Url {
        let mut url = operation.clone();
        if !url.query_pairs().any(|(key, _)| key == parameter) {
            url.query_pairs_mut()
                .append_pair(parameter, self.version(documented));
        }
        url
    }

    /// Sends a call; the body is read up to the cap (the error cap for non-2xx answers).
    pub async fn send(&self, call: &Call, timeout: Duration) -> Result<Reply, SendError> {
        let mut request = self
            .client
            .request(call.method.clone(), call.url.clone())
            .header(ACCEPT, "application/json")
            .timeout(timeout);
        for (name, value) in &call.headers {
            let mut value = HeaderValue::try_from(value.expose()).map_err(|_| SendError {
                attempt: Attempt::ConnectFailed,
                detail: format!("the {name} header cannot hold its value"),
            })?;
            // Never shown by reqwest's Debug, never logged.
            value.set_sensitive(true);
            request = request.header(*name, value);
        }
        request = match &call.body {
            Some((content_type, body)) => request
                .header(CONTENT_TYPE, *content_type)
                .body(body.expose().to_owned()),
            None if call.method == Method::POST => request
                .header(CONTENT_TYPE, "application/json")
                .header(CONTENT_LENGTH, "0"),
            None => request.header(CONTENT_TYPE, "application/json"),
        };
        let mut response = request.send().await.map_err(send_error)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        if call.headers_suffice && (200..300).contains(&status) {
            // The answer is in the status and headers; a body that never ends must not
            // lose it. The connection is dropped unread.
            return Ok(Reply {
                status,
                headers,
                body: Vec::new(),
                truncated: false,
            });
        }
        let cap = if (200..300).contains(&status) {
            call.success_cap
        } else {
            ERROR_BODY_CAP
        };
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await.map_err(send_error)? {
            let room = cap - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            headers,
            body,
            truncated,
        })
    }
}

/// One HTTP request, described as data. Header values and the body are secrets: they
/// carry tokens, assertions and client secrets.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    url: Url,
    headers: Vec<(&'static str, Secret)>,
    body: Option<(&'static str, Secret)>,
    success_cap: usize,
    /// A 2xx answer is complete with its status and headers: its body is not read.
    headers_suffice: bool,
}

impl Call {
    pub fn get(url: &Url) -> Call {
        Call::new(Method::GET, url)
    }

    /// A POST; without a body it goes as `Content-Type: application/json`, length 0.
    pub fn post(url: &Url) -> Call {
        Call::new(Method::POST, url)
    }

    fn new(method: Method, url: &Url) -> Call {
        Call {
            method,
            url: url.clone(),
            headers: Vec::new(),
            body: None,
            success_cap: OPERATION_BODY_CAP,
            headers_suffice: false,
        }
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// A call whose 2xx answer says all in its status and headers (the CPP go-live, whose
    /// operation is in `Operation-Location`/`Location`): the body is never waited for.
    pub fn headers_suffice(mut self) -> Call {
        self.headers_suffice = true;
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &Secret) -> Call {
        self.header(
            "authorization",
            Secret::new(format!("Bearer {}", token.expose())),
        )
    }

    pub fn header(mut self, name: &'static str, value: Secret) -> Call {
        self.headers.push((name, value));
        self
    }

    /// A JSON body.
    pub fn json(mut self, body: &serde_json::Value) -> Call {
        self.body = Some(("application/json", Secret::new(body.to_string())));
        self
    }

    /// An `application/x-www-form-urlencoded` body (it may hold a secret).
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Call {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = Some(("application/x-www-form-urlencoded", Secret::new(body)));
        self
    }
}

fn send_error(err: reqwest::Error) -> SendError {
    if let Some(tls) = tls_error(&err) {
        return SendError {
            attempt: Attempt::Untrusted,
            detail: format!(
                "the server's TLS certificate is not trusted ({tls}); golive verifies it against the CA bundle \
                 in SSL_CERT_FILE or /etc/ssl/certs/ca-certificates.crt and never falls back to an unverified connection"
            ),
        };
    }
    let attempt = if err.is_connect() {
        Attempt::ConnectFailed
    } else {
        Attempt::NoAnswer
    };
    SendError {
        attempt,
        detail: describe(&err),
    }
}

/// A certificate problem anywhere in the chain. rustls' error travels inside `io::Error`s
/// (nested, here two deep), whose `source` skips the wrapped error, hence `get_ref`.
fn tls_error(err: &reqwest::Error) -> Option<String> {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(cause) = source {
        let mut candidate = Some(cause);
        while let Some(error) = candidate {
            if let Some(
                tls @ (rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::UnsupportedNameType),
            ) = error.downcast_ref::<rustls::Error>()
            {
                return Some(tls.to_string());
            }
            candidate = error
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .map(|inner| inner as &dyn std::error::Error);
        }
        source = cause.source();
    }
    None
}

/// What happened, in one line without the URL (said elsewhere): the kind of failure,
/// then the innermost cause, which is the one a person can act on ("Connection refused",
/// "invalid peer certificate: UnknownIssuer"); the layers between only repeat it.
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the response broke off"
    } else {
        "the request failed"
    };
    let mut innermost: Option<&dyn std::error::Error> = None;
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        innermost = Some(cause);
        source = cause.source();
    }
    match innermost.map(ToString::to_string) {
        Some(cause) if !cause.is_empty() && cause != kind => format!("{kind}: {cause}"),
        _ => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> Api {
        Api::new(None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn golive_url_keeps_a_base_path_and_adds_the_api_version() {
        let api = api();
        assert_eq!(
            api.golive_url(
                &url("https://cloudpartner.azure.com"),
                "contoso",
                "contoso-vm"
            )
            .as_str(),
            "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm/golive?api-version=2017-10-31"
        );
        assert_eq!(
            api.golive_url(&url("http://127.0.0.1:8/prefix/"), "p", "o")
                .as_str(),
            "http://127.0.0.1:8/prefix/api/publishers/p/offers/o/golive?api-version=2017-10-31"
        );
    }

    #[test]
    fn poll_url_adds_the_api_version_only_when_absent() {
        let api = api();
        assert_eq!(
            api.poll_url(
                &url("https://h/api/operations/x"),
                "api-version",
                CPP_VERSION
            )
            .as_str(),
            "https://h/api/operations/x?api-version=2017-10-31"
        );
        assert_eq!(
            api.poll_url(
                &url("https://h/api/operations/x?api-version=2020-01-01"),
                "api-version",
                CPP_VERSION
            )
            .as_str(),
            "https://h/api/operations/x?api-version=2020-01-01"
        );
    }
}
