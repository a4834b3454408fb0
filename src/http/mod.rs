//! The only module that touches reqwest: one `Client`, calls described as data, answers
//! with their bodies read up to a cap, and the service's error text read from them.
//! `retry` holds the one table of what is worth another try.
//!
//! The client follows no redirects (a 3xx is an unexpected answer: following it could
//! carry the token elsewhere), asks for no compression (nothing is decompressed behind
//! our back) and verifies TLS against the system CA bundle.

pub mod retry;
pub mod tls;

use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, Method, Url, redirect};
use serde_json::Value;

use crate::secret::Secret;
use crate::text;
use retry::{Attempt, parse_retry_after};

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

    /// The service's id for this request, as Microsoft support asks for it: the first of
    /// `x-ms-request-id`, `request-id`, `x-ms-correlation-id`, `client-request-id`.
    pub fn request_id(&self) -> Option<String> {
        [
            "x-ms-request-id",
            "request-id",
            "x-ms-correlation-id",
            "client-request-id",
        ]
        .iter()
        .find_map(|name| self.header(name))
        .filter(|id| !id.is_empty())
        .map(|id| text::cap(&text::plain(id), 100))
    }
}

/// A request that got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub attempt: Attempt,
    /// What happened, for a person (no URL credentials, no token).
    pub detail: String,
}

/// The proxies a run uses, as the environment names them (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY`, `NO_PROXY`, read once by `cli`); reqwest is told them explicitly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    pub https: Option<Url>,
    pub http: Option<Url>,
    pub no_proxy: Option<String>,
}

impl Proxies {
    /// The proxy a URL goes through, without credentials, for messages: `none` if none.
    pub fn describe_for(&self, url: &Url) -> String {
        let bypassed = self
            .no_proxy
            .as_deref()
            .is_some_and(|list| no_proxy_matches(list, url));
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            _ => self.http.as_ref(),
        };
        match proxy {
            Some(proxy) if !bypassed => {
                let mut shown = proxy.clone();
                let _ = shown.set_username("");
                let _ = shown.set_password(None);
                format!("proxy {}", shown.as_str().trim_end_matches('/'))
            }
            _ => "no proxy".to_owned(),
        }
    }
}

/// Whether `NO_PROXY` (comma-separated hosts, domains with or without a leading dot,
/// `*`) names the URL's host.
fn no_proxy_matches(list: &str, url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.');
        entry == "*"
            || host.eq_ignore_ascii_case(entry)
            || host
                .to_ascii_lowercase()
                .ends_with(&format!(".{}", entry.to_ascii_lowercase()))
    })
}

/// A client through the configured proxies, and one that never uses a proxy (the
/// managed identity endpoint is on this machine or its host).
#[derive(Debug, Clone)]
struct Clients {
    through: Client,
    direct: Client,
}

impl Clients {
    /// Both clients, with one TLS configuration (`None`: the platform's verifier).
    fn new(proxies: &Proxies, tls: Option<&rustls::ClientConfig>) -> Result<Self, reqwest::Error> {
        let builder = || {
            let builder = Client::builder()
                .user_agent(concat!("golive/", env!("CARGO_PKG_VERSION")))
                .redirect(redirect::Policy::none())
                .connect_timeout(CONNECT_TIMEOUT)
                // Only the proxies named here: reqwest reads no environment of its own.
                .no_proxy();
            match tls {
                // The root store is built once and shared by both clients.
                Some(config) => builder.tls_backend_preconfigured(config.clone()),
                None => builder,
            }
        };
        let no_proxy = || {
            proxies
                .no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string)
        };
        let mut through = builder();
        if let Some(url) = &proxies.https {
            through = through.proxy(reqwest::Proxy::https(url.as_str())?.no_proxy(no_proxy()));
        }
        if let Some(url) = &proxies.http {
            through = through.proxy(reqwest::Proxy::http(url.as_str())?.no_proxy(no_proxy()));
        }
        Ok(Clients {
            through: through.build()?,
            direct: builder().build()?,
        })
    }
}

/// The HTTP client of one run. `http://` calls (loopback only: tests, the demo) never
/// read a certificate; the clients for `https://` are built at the first such call, with
/// the trust roots read once (`tls::load`).
#[derive(Debug, Clone)]
pub struct Http {
    plain: Clients,
    secure: std::cell::OnceCell<Result<(Clients, String), String>>,
    roots: tls::TrustRoots,
    proxies: Proxies,
    /// Write a line per request into `log` (the caller prints them).
    verbose: bool,
    log: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

/// Parses a URL golive did not write (an input, a variable, a header, a link in a body).
/// Only ASCII text with a plain host is read (`plain_host`): golive's `idna` back end
/// knows ASCII host names only (a Unicode host has an `xn--` form), and every URL golive
/// follows is plain ASCII. Anything else is `None`, as is text that is no URL.
pub fn parse_url(text: &str) -> Option<Url> {
    plain_host(text).then(|| Url::parse(text).ok()).flatten()
}

/// `text` resolved against `base`, on the terms of `parse_url`.
pub fn join_url(base: &Url, text: &str) -> Option<Url> {
    plain_host(text).then(|| base.join(text).ok()).flatten()
}

/// Whether `text` is ASCII and names no host, or a host without percent-escapes (which
/// the URL parser would decode into bytes the ASCII-only `idna` back end never expects).
/// The authority is found as the URL parser finds it: tabs and line breaks removed,
/// `\` read as `/`, and after `scheme:` with or without slashes. It errs on the side of
/// refusing: a `%` in user information is refused too.
fn plain_host(text: &str) -> bool {
    if !text.is_ascii() {
        return false;
    }
    let cleaned: String = text
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    let scheme_end = cleaned.find(':').filter(|&end| {
        let scheme = &cleaned[..end];
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let authority = match scheme_end {
        Some(end) => cleaned[end + 1..].trim_start_matches('/'),
        None => match cleaned.strip_prefix("//") {
            Some(rest) => rest.trim_start_matches('/'),
            None => return true,
        },
    };
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    !authority.contains('%')
}

/// `url` with `name=value` added to its query, unless it has a `name` already (an
/// operation URL from the service keeps the version it came with).
pub fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let mut url = url.clone();
    if !url.query_pairs().any(|(key, _)| key == name) {
        url.query_pairs_mut().append_pair(name, value);
    }
    url
}

impl Http {
    pub fn new(proxies: &Proxies, roots: &tls::TrustRoots, verbose: bool) -> Result<Self, String> {
        // Another caller in this process (the demo, a test) may have installed one already.
        let _ = tls::provider().install_default();
        // No roots at all: an `https` call never goes through these.
        let no_roots = tls::config(rustls::RootCertStore::empty()).map_err(|e| e.to_string())?;
        Ok(Http {
            plain: Clients::new(proxies, Some(&no_roots)).map_err(|e| e.to_string())?,
            secure: std::cell::OnceCell::new(),
            roots: roots.clone(),
            proxies: proxies.clone(),
            verbose,
            log: std::rc::Rc::default(),
        })
    }

    /// The clients for a URL: the plain ones for `http`, else the TLS ones (built, with
    /// the roots read, on first use) and where their roots came from.
    fn clients(&self, url: &Url) -> Result<(&Clients, Option<&str>), String> {
        if url.scheme() != "https" {
            return Ok((&self.plain, None));
        }
        let secure = self.secure.get_or_init(|| {
            let loaded = tls::load(&self.roots)?;
            let config = loaded
                .roots
                .map(tls::config)
                .transpose()
                .map_err(|e| format!("could not set up TLS: {e}"))?;
            Clients::new(&self.proxies, config.as_ref())
                .map(|clients| (clients, loaded.source))
                .map_err(|e| format!("could not set up TLS: {e}"))
        });
        match secure {
            Ok((clients, source)) => Ok((clients, Some(source.as_str()))),
            Err(problem) => Err(problem.clone()),
        }
    }

    /// The lines logged since the last call (empty unless verbose).
    pub fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.borrow_mut())
    }

    /// Sends a call (see `exchange`), noting it in the log when verbose.
    pub async fn send(&self, call: &Call, timeout: Duration) -> Result<Reply, SendError> {
        let started = std::time::Instant::now();
        let result = self.exchange(call, timeout).await;
        if self.verbose {
            let mut url = call.url.clone();
            url.set_fragment(None);
            let outcome = match &result {
                Ok(reply) => match reply.request_id() {
                    Some(id) => format!("HTTP {} (request id {id})", reply.status),
                    None => format!("HTTP {}", reply.status),
                },
                Err(error) => error.detail.clone(),
            };
            self.log.borrow_mut().push(format!(
                "{} {url}: {outcome} in {}ms",
                call.method,
                started.elapsed().as_millis()
            ));
        }
        result
    }

    /// Sends a call; the body is read up to the cap (the error cap for non-2xx answers).
    async fn exchange(&self, call: &Call, timeout: Duration) -> Result<Reply, SendError> {
        let (clients, roots) = self.clients(&call.url).map_err(|problem| SendError {
            attempt: Attempt::Untrusted,
            detail: format!("no certificates to trust: {problem}"),
        })?;
        let client = if call.direct {
            &clients.direct
        } else {
            &clients.through
        };
        let mut request = client
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
        let proxy = || {
            if call.direct {
                "no proxy".to_owned()
            } else {
                self.proxies.describe_for(&call.url)
            }
        };
        let mut response = request
            .send()
            .await
            .map_err(|e| send_error(&e, &call.url, &proxy(), roots))?;
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
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| send_error(&e, &call.url, &proxy(), roots))?
        {
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
#[must_use]
pub struct Call {
    method: Method,
    url: Url,
    headers: Vec<(&'static str, Secret)>,
    body: Option<(&'static str, Secret)>,
    success_cap: usize,
    /// A 2xx answer is complete with its status and headers: its body is not read.
    headers_suffice: bool,
    /// Never through a proxy (the managed identity endpoint).
    direct: bool,
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
            direct: false,
        }
    }

    /// A call that never goes through a proxy: the managed identity endpoint is on this
    /// machine (IMDS, `IDENTITY_ENDPOINT`), and a proxy's answer would read as its own.
    pub fn direct(mut self) -> Call {
        self.direct = true;
        self
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

fn send_error(err: &reqwest::Error, url: &Url, proxy: &str, roots: Option<&str>) -> SendError {
    if let Some(tls) = tls_error(err) {
        return SendError {
            attempt: Attempt::Untrusted,
            detail: format!(
                "the server's TLS certificate is not trusted ({tls}); golive verifies it against the certificates \
                 of {} (SSL_CERT_FILE or SSL_CERT_DIR choose others) and never falls back to an unverified connection",
                roots.unwrap_or("the system")
            ),
        };
    }
    let detail = describe(err);
    let host = url.host_str().unwrap_or("the host");
    if err.is_connect()
        && let Some(why) = unreachable(&detail)
    {
        return SendError {
            attempt: Attempt::Unreachable,
            detail: format!("cannot reach {host} ({why}; {proxy}): {detail}"),
        };
    }
    let attempt = if err.is_connect() {
        Attempt::ConnectFailed
    } else {
        Attempt::NoAnswer
    };
    SendError { attempt, detail }
}

/// Why a connect failure means the host cannot be reached from here at all: its name is
/// not known (getaddrinfo's words on Linux, macOS and Windows), or the proxy refused the
/// tunnel. `None` for anything trying again may cure (refused, reset, timed out).
pub fn unreachable(detail: &str) -> Option<&'static str> {
    let lower = detail.to_ascii_lowercase();
    if [
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "nodename nor servname",
        "no such host is known",
        "temporary failure in name resolution",
    ]
    .iter()
    .any(|words| lower.contains(words))
    {
        Some("its name is not known")
    } else if lower.contains("tunnel") {
        Some("the proxy refused the tunnel")
    } else {
        None
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
/// "invalid peer certificate: `UnknownIssuer`"); the layers between only repeat it.
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

/// How much of the service's error text is shown.
const SHOWN_ERROR_CHARS: usize = 4096;

/// `{"code","message"}` as `code: message` (either alone if the other is missing), or a
/// plain string: how the services describe an error.
pub fn error_text(value: Option<&Value>) -> Option<String> {
    let field = |value: &Value, name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        object @ Value::Object(_) => match (field(object, "code"), field(object, "message")) {
            (Some(code), Some(message)) => Some(format!("{code}: {message}")),
            (Some(one), None) | (None, Some(one)) => Some(one),
            (None, None) => None,
        },
        _ => None,
    }
}

/// The service's error text from a body: `{"error":{"code","message"}}`, HTML as text, or
/// the raw body; one line, capped. Untrusted: printed only through the reporter.
pub fn service_text(reply: &Reply) -> String {
    let raw = String::from_utf8_lossy(&reply.body);
    let structured = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .filter(Value::is_object)
        .and_then(|json| error_text(Some(json.get("error").unwrap_or(&json))));
    let is_html = reply
        .header("content-type")
        .is_some_and(|t| t.contains("html"))
        || raw.trim_start().starts_with('<');
    let text = match structured {
        Some(text) => text,
        None if is_html => text::html_to_text(&raw),
        None => raw.into_owned(),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown = if one_line.is_empty() {
        "(empty body)".to_owned()
    } else {
        text::cap(&one_line, SHOWN_ERROR_CHARS)
    };
    if reply.truncated {
        shown.push_str(" (body cut at 64 KiB)");
    }
    shown
}

/// A body that was not understood, for a log line: empty, too large, or its start.
pub fn describe_body(body: &[u8], truncated: bool) -> String {
    if truncated {
        return "larger than golive reads".to_owned();
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return "empty".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    text::cap(&text.split_whitespace().collect::<Vec<_>>().join(" "), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn urls_from_outside_are_read_only_as_ascii() {
        assert!(parse_url("https://xn--bcher-kva.example/a").is_some());
        // Upper case and a non-ASCII letter in one host: the ASCII-only idna back end
        // asserts on it in debug builds; golive never hands it over.
        assert!(parse_url("https://B\u{fc}CHER.example/").is_none());
        assert!(join_url(&url("https://h/"), "//orOPERATION\u{fffd}\u{1}").is_none());
        // Percent-escapes in a host decode to non-ASCII: refused, however written.
        for host in [
            "//o+ddE%dd%E8%9Bddd",
            "https:o%E8%9BE",
            "https:\\\\E%E8%9B",
            "/\t/E%E8%9B",
        ] {
            assert!(join_url(&url("https://h/"), host).is_none(), "{host:?}");
        }
        // Escapes in a path or query are fine.
        assert!(join_url(&url("https://h/"), "/rp/configure/x/status?%24version=1").is_some());
        assert!(parse_url("http://127.0.0.1:8/api/operations/a%24b").is_some());
        assert_eq!(
            join_url(&url("https://h/a/"), "b?c=1").map(|u| u.to_string()),
            Some("https://h/a/b?c=1".to_owned())
        );
    }

    #[test]
    fn a_parameter_is_added_only_when_absent() {
        assert_eq!(
            with_param(
                &url("https://h/api/operations/x"),
                "api-version",
                "2017-10-31"
            )
            .as_str(),
            "https://h/api/operations/x?api-version=2017-10-31"
        );
        assert_eq!(
            with_param(
                &url("https://h/api/operations/x?api-version=2020-01-01"),
                "api-version",
                "2017-10-31"
            )
            .as_str(),
            "https://h/api/operations/x?api-version=2020-01-01"
        );
    }

    fn reply(status: u16, content_type: &str, body: &[u8], truncated: bool) -> Reply {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = content_type.parse() {
            headers.insert("content-type", value);
        }
        Reply {
            status,
            headers,
            body: body.to_vec(),
            truncated,
        }
    }

    #[test]
    fn service_text_reads_the_error_shape_html_and_raw_bodies() {
        let json = reply(
            400,
            "application/json",
            br#"{"error":{"code":"BadRequest","message":"Offer has no plans"}}"#,
            false,
        );
        assert_eq!(service_text(&json), "BadRequest: Offer has no plans");
        let html = reply(
            502,
            "text/html",
            b"<html><body><h1>Bad   Gateway</h1></body></html>",
            false,
        );
        assert_eq!(service_text(&html), "Bad Gateway");
        assert_eq!(service_text(&reply(500, "", b"", false)), "(empty body)");
        let big = reply(500, "text/plain", &vec![b'x'; 64 * 1024], true);
        let shown = service_text(&big);
        assert!(
            shown.len() < 4200 && shown.ends_with("(body cut at 64 KiB)"),
            "{}",
            shown.len()
        );
    }
}
