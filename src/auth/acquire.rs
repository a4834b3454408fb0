//! Getting one access token from a credential: the Entra token endpoint (client secret or
//! client assertion), the assertion sources (GitHub OIDC, a token file, Azure Pipelines),
//! and the managed identity endpoints. Every answer is read as untrusted and capped.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Url;
use serde_json::Value;

use super::{App, Assertion, Credential, Identity, Secret, Token};
use crate::error::Failure;
use crate::http::retry::{Attempt, Class, classify};
use crate::http::{Call, Http, Reply, SendError, service_text};
use crate::report::Reporter;
use crate::text;

/// Why no token came back this time.
#[derive(Debug)]
pub enum Problem {
    /// Worth another try: no answer, 408/429/5xx, a host not reached (`attempt`).
    Transient {
        attempt: Attempt,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// A refusal or a misconfiguration; the run ends with it.
    Fatal(Failure),
}

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const GITHUB_AUDIENCE: &str = "api://AzureADTokenExchange";

pub async fn acquire(
    credential: &Credential,
    resource: &str,
    api: &Http,
    report: &Reporter,
    timeout: Duration,
) -> Result<Token, Problem> {
    match credential {
        Credential::Static(token) => Ok(Token {
            value: token.clone(),
            lifetime: None,
        }),
        Credential::ClientSecret { app, secret } => {
            let form = [("client_secret", secret.expose())];
            token_endpoint(api, app, resource, &form, "the client secret", timeout).await
        }
        Credential::Federated { app, assertion } => {
            let jwt = fetch_assertion(assertion, api, timeout).await?;
            // The assertion is a credential too: masked before anything could print it.
            report.mask(&jwt);
            let form = [
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", jwt.expose()),
            ];
            token_endpoint(api, app, resource, &form, "the federated token", timeout).await
        }
        Credential::ManagedIdentity {
            client_id,
            identity,
        } => managed_identity(api, resource, client_id.as_deref(), identity, timeout).await,
    }
}

/// Sends a call (see `judge`).
async fn send(api: &Http, call: &Call, timeout: Duration, what: &str) -> Result<Reply, Problem> {
    judge(api.send(call, timeout).await, what)
}

/// An untrusted certificate is fatal; no answer or a transient status (408/429/5xx) is
/// `Problem::Transient`; any other answer is the caller's to read.
fn judge(sent: Result<Reply, SendError>, what: &str) -> Result<Reply, Problem> {
    let reply = sent.map_err(|e| match e.attempt {
        Attempt::Untrusted => auth(format!("{what}: {}", e.detail)),
        attempt => Problem::Transient {
            attempt,
            detail: format!("{what}: {}", e.detail),
            retry_after: None,
        },
    })?;
    if !reply.is_success() && classify(Attempt::Status(reply.status)) == Class::Transient {
        return Err(Problem::Transient {
            attempt: Attempt::Status(reply.status),
            detail: format!("{what}: HTTP {}", reply.status),
            retry_after: reply.retry_after(),
        });
    }
    Ok(reply)
}

fn json(reply: &Reply) -> Option<Value> {
    serde_json::from_slice(&reply.body).ok()
}

fn auth(message: String) -> Problem {
    Problem::Fatal(Failure::Auth(message))
}

/// `POST {authority}/{tenant}/oauth2/v2.0/token`, client credentials grant.
async fn token_endpoint(
    api: &Http,
    app: &App,
    resource: &str,
    proof: &[(&str, &str)],
    proof_name: &str,
    timeout: Duration,
) -> Result<Token, Problem> {
    let mut url = app.authority.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend([app.tenant.as_str(), "oauth2", "v2.0", "token"]);
    }
    let scope = format!("{resource}/.default");
    let mut form = vec![
        ("client_id", app.client.as_str()),
        ("scope", scope.as_str()),
        ("grant_type", "client_credentials"),
    ];
    form.extend_from_slice(proof);
    let call = Call::post(&url).form(&form);
    let reply = send(api, &call, timeout, "the token endpoint").await?;
    let body = json(&reply);
    if reply.is_success() {
        return access_token(body.as_ref(), "the token endpoint");
    }
    let field = |name: &str| {
        body.as_ref()
            .and_then(|b| b.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let code = field("error").unwrap_or_else(|| format!("HTTP {}", reply.status));
    let description = field("error_description").map_or_else(
        || service_text(&reply),
        |d| d.lines().next().unwrap_or_default().trim().to_owned(),
    );
    let hint = aadsts_hint(&description);
    // The hint starts its own sentence: a description's closing period is not doubled.
    let description = text::cap(&description, 1000);
    let description = if hint.is_empty() {
        description.as_str()
    } else {
        description.trim_end_matches('.')
    };
    Err(auth(format!(
        "Entra ID refused {proof_name} of app {} in tenant {} ({code}): {description}{hint}",
        app.client, app.tenant,
    )))
}

/// What to do about the usual `AADSTS` codes.
fn aadsts_hint(description: &str) -> &'static str {
    let code = description
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|word| word.starts_with("AADSTS"))
        .unwrap_or_default();
    match code {
        "AADSTS7000215" => {
            ". The client secret is wrong: use the secret's Value, not its Secret ID"
        }
        "AADSTS7000222" => ". The client secret has expired: create a new one for the app",
        "AADSTS700016" => {
            ". No app with this client-id in this tenant: check client-id and tenant-id"
        }
        "AADSTS90002" | "AADSTS900023" | "AADSTS90013" => ". Check tenant-id (the directory id)",
        "AADSTS70021" | "AADSTS700213" | "AADSTS700212" | "AADSTS700211" => {
            ". No federated credential of the app matches the token: its issuer must be the CI's \
             (GitHub: https://token.actions.githubusercontent.com), its audience api://AzureADTokenExchange, \
             and its subject exactly the token's (GitHub: repo:OWNER/REPO:ref:refs/heads/main, \
             repo:OWNER/REPO:environment:NAME or repo:OWNER/REPO:pull_request)"
        }
        "AADSTS700024" => {
            ". The federated token has expired or is not yet valid: check the machine's clock"
        }
        "AADSTS500011" => ". The Cloud Partner Portal is not known in this tenant: check tenant-id",
        _ => "",
    }
}

/// `{"access_token": "...", "expires_in": 3599}` (a number or a string), or a managed
/// identity's `expires_on` (seconds since the epoch).
fn access_token(body: Option<&Value>, from: &str) -> Result<Token, Problem> {
    let token = body
        .and_then(|b| b.get("access_token"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| auth(format!("{from} answered without a usable access_token")))?;
    let number = |name: &str| {
        body.and_then(|b| b.get(name)).and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
    };
    let lifetime = number("expires_in").map(Duration::from_secs).or_else(|| {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        number("expires_on").map(|on| Duration::from_secs(on.saturating_sub(now)))
    });
    Ok(Token {
        value: Secret::new(token),
        lifetime,
    })
}

/// A fresh client assertion: fetched anew for every token (GitHub's last minutes).
async fn fetch_assertion(
    assertion: &Assertion,
    api: &Http,
    timeout: Duration,
) -> Result<Secret, Problem> {
    let (reply, field, what) = match assertion {
        Assertion::File(path) => {
            // A JWT is a few KiB; a FIFO or a device here must not hang or fill memory.
            let text = crate::files::read_capped(path, 64 * 1024).map_err(|e| {
                auth(format!(
                    "cannot read the federated token file AZURE_FEDERATED_TOKEN_FILE={}: {e}",
                    path.display()
                ))
            })?;
            let token = text.trim();
            if token.is_empty() {
                return Err(auth(format!(
                    "the federated token file {} is empty",
                    path.display()
                )));
            }
            return Ok(Secret::new(token));
        }
        Assertion::GitHub { url, request_token } => {
            let mut url = url.clone();
            url.query_pairs_mut()
                .append_pair("audience", GITHUB_AUDIENCE);
            let call = Call::get(&url).bearer(request_token);
            let reply = send(api, &call, timeout, "GitHub's OIDC token endpoint").await?;
            if !reply.is_success() {
                return Err(auth(format!(
                    "GitHub refused the OIDC token request (HTTP {}): the job needs `permissions: id-token: write`. Service said: {}",
                    reply.status,
                    service_text(&reply)
                )));
            }
            (reply, "value", "GitHub's OIDC token endpoint")
        }
        Assertion::AzurePipelines {
            url,
            connection,
            access_token,
        } => {
            let mut url = url.clone();
            url.query_pairs_mut()
                .append_pair("api-version", "7.1")
                .append_pair("serviceConnectionId", connection);
            let call = Call::post(&url).bearer(access_token);
            let reply = send(api, &call, timeout, "the Azure Pipelines OIDC endpoint").await?;
            if !reply.is_success() || reply.status == 203 {
                return Err(auth(format!(
                    "Azure Pipelines refused the OIDC token request for service connection {connection} (HTTP {}): \
                     map SYSTEM_ACCESSTOKEN: $(System.AccessToken) into the step's env, and check that the \
                     connection uses workload identity federation and is authorized for this pipeline. Service said: {}",
                    reply.status,
                    service_text(&reply)
                )));
            }
            (reply, "oidcToken", "the Azure Pipelines OIDC endpoint")
        }
    };
    json(&reply)
        .as_ref()
        .and_then(|b| b.get(field))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(Secret::new)
        .ok_or_else(|| auth(format!("{what} answered without a token (no \"{field}\")")))
}

async fn managed_identity(
    api: &Http,
    resource: &str,
    client_id: Option<&str>,
    identity: &Identity,
    timeout: Duration,
) -> Result<Token, Problem> {
    let (call, what) = match identity {
        Identity::Imds { endpoint } => {
            let mut url = endpoint.clone();
            url.set_path("/metadata/identity/oauth2/token");
            add_identity_query(&mut url, "2018-02-01", resource, client_id);
            let call = Call::get(&url)
                .header("metadata", Secret::new("true"))
                .direct();
            (call, "the instance metadata service")
        }
        Identity::Local { endpoint, header } => {
            let mut url = endpoint.clone();
            add_identity_query(&mut url, "2019-08-01", resource, client_id);
            let call = Call::get(&url)
                .header("x-identity-header", header.clone())
                .direct();
            (call, "IDENTITY_ENDPOINT")
        }
    };
    let reply = match api.send(&call, timeout).await {
        Err(error) if error.attempt == Attempt::ConnectFailed => {
            // Retrying cannot conjure an identity: say so at once.
            return Err(auth(format!(
                "cannot reach {what} ({}): this machine has no managed identity \
                 (a GitHub-hosted runner never has one); unset managed-identity or run on an Azure machine that has one",
                error.detail
            )));
        }
        sent => judge(sent, what)?,
    };
    // IMDS also answers 410 while it updates.
    if reply.status == 410 {
        return Err(Problem::Transient {
            attempt: Attempt::Status(reply.status),
            detail: format!("{what}: HTTP {}", reply.status),
            retry_after: reply.retry_after(),
        });
    }
    if !reply.is_success() {
        let which = client_id.map_or_else(
            || "the system-assigned identity".to_owned(),
            |id| format!("the user-assigned identity {id}"),
        );
        return Err(auth(format!(
            "{what} gave no token for {which} (HTTP {}): is it assigned to this machine? Service said: {}",
            reply.status,
            service_text(&reply)
        )));
    }
    access_token(json(&reply).as_ref(), what)
}

fn add_identity_query(url: &mut Url, version: &str, resource: &str, client_id: Option<&str>) {
    let mut query = url.query_pairs_mut();
    query
        .append_pair("api-version", version)
        .append_pair("resource", resource);
    if let Some(id) = client_id {
        query.append_pair("client_id", id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aadsts_codes_get_their_hint() {
        assert!(aadsts_hint("AADSTS7000215: Invalid client secret provided.").contains("Value"));
        assert!(
            aadsts_hint("AADSTS70021: No matching federated identity record found")
                .contains("repo:OWNER/REPO")
        );
        assert_eq!(aadsts_hint("AADSTS1: something else"), "");
        assert_eq!(aadsts_hint("no code"), "");
    }

    #[test]
    fn access_tokens_with_numeric_or_string_lifetimes() {
        let body: Value = serde_json::json!({"access_token": "abc", "expires_in": "3599"});
        let token = access_token(Some(&body), "x").ok().map(|t| t.lifetime);
        assert_eq!(token, Some(Some(Duration::from_secs(3599))));
        let body: Value = serde_json::json!({"access_token": "abc", "expires_in": 60});
        assert_eq!(
            access_token(Some(&body), "x").ok().and_then(|t| t.lifetime),
            Some(Duration::from_secs(60))
        );
        let body: Value = serde_json::json!({"access_token": "has space"});
        assert!(access_token(Some(&body), "x").is_err());
        assert!(access_token(None, "x").is_err());
    }
}
