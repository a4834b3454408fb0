//! Credentials: where a bearer token comes from, and the cache that hands it out.
//!
//! A `Credential` is a source of tokens (a ready token, a client secret, a federated
//! assertion, a managed identity). The `TokenCache` asks it for a token when it has none,
//! when the one it has is close to expiry (less than the smaller of 5 minutes and half its
//! lifetime left), or once after a 401 where the source can renew. Every token and
//! assertion is masked the moment it is obtained. `acquire` holds the HTTP side.

mod acquire;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use tokio::time::Instant;

use crate::error::Failure;
use crate::http::retry::{Backoff, give_up_if_unreachable};
use crate::http::{self, Http};
use crate::report::Reporter;
pub use crate::secret::Secret;
use crate::text::human;

/// An app registration in a tenant, and the Entra host that issues its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub tenant: String,
    pub client: String,
    pub authority: Url,
}

/// Where a federated login's client assertion comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assertion {
    /// GitHub Actions OIDC (`permissions: id-token: write`).
    GitHub { url: Url, request_token: Secret },
    /// A file holding the token, read afresh each time (Kubernetes workload identity,
    /// GitLab `id_tokens` written to a file).
    File(PathBuf),
    /// Azure Pipelines workload identity federation through a service connection.
    AzurePipelines {
        url: Url,
        connection: String,
        access_token: Secret,
    },
}

/// The managed identity endpoint of the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The instance metadata service (VMs, scale sets, self-hosted runners on Azure).
    Imds { endpoint: Url },
    /// `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` (App Service, Container Apps, Functions).
    Local { endpoint: Url, header: Secret },
}

/// Where tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A ready bearer token; it cannot be renewed.
    Static(Secret),
    ClientSecret {
        app: App,
        secret: Secret,
    },
    Federated {
        app: App,
        assertion: Assertion,
    },
    ManagedIdentity {
        /// The client id of a user-assigned identity; `None` for the system-assigned one.
        client_id: Option<String>,
        identity: Identity,
    },
}

impl Credential {
    /// How the log names the source (never its value).
    pub fn describe(&self) -> String {
        let app = |app: &App| format!("app {} in tenant {}", app.client, app.tenant);
        match self {
            Credential::Static(_) => "the token input".to_owned(),
            Credential::ClientSecret { app: a, .. } => format!("client secret of {}", app(a)),
            Credential::Federated { app: a, assertion } => {
                let source = match assertion {
                    Assertion::GitHub { .. } => "GitHub Actions OIDC".to_owned(),
                    Assertion::File(path) => format!("the token file {}", path.display()),
                    Assertion::AzurePipelines { connection, .. } => {
                        format!("Azure Pipelines service connection {connection}")
                    }
                };
                format!("federated login of {} with {source}", app(a))
            }
            Credential::ManagedIdentity {
                client_id,
                identity,
            } => {
                let which = client_id.as_ref().map_or_else(
                    || "system-assigned managed identity".to_owned(),
                    |id| format!("user-assigned managed identity {id}"),
                );
                let via = match identity {
                    Identity::Imds { .. } => "the instance metadata service",
                    Identity::Local { .. } => "IDENTITY_ENDPOINT",
                };
                format!("{which} via {via}")
            }
        }
    }

    /// Whether asking again can yield a different, fresh token.
    pub fn renewable(&self) -> bool {
        !matches!(self, Credential::Static(_))
    }

    /// The secrets configured for this source, to be masked before anything is printed.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Credential::Static(token) => vec![token],
            Credential::ClientSecret { secret, .. } => vec![secret],
            Credential::Federated { assertion, .. } => match assertion {
                Assertion::GitHub { request_token, .. } => vec![request_token],
                Assertion::File(_) => Vec::new(),
                Assertion::AzurePipelines { access_token, .. } => vec![access_token],
            },
            Credential::ManagedIdentity { identity, .. } => match identity {
                Identity::Imds { .. } => Vec::new(),
                Identity::Local { header, .. } => vec![header],
            },
        }
    }
}

/// An access token and when it stops working (unknown for a ready token).
#[derive(Debug, Clone)]
pub struct Token {
    pub value: Secret,
    pub lifetime: Option<Duration>,
}

#[derive(Debug)]
struct Held {
    value: Secret,
    obtained: Instant,
    lifetime: Option<Duration>,
}

impl Held {
    /// Renew when less than the smaller of 5 minutes and half the lifetime remains.
    fn due(&self, now: Instant) -> bool {
        let Some(lifetime) = self.lifetime else {
            return false;
        };
        let margin = (lifetime / 2).min(Duration::from_secs(300));
        now.duration_since(self.obtained) + margin >= lifetime
    }
}

/// Hands out the current token and renews it ahead of expiry.
#[derive(Debug)]
pub struct TokenCache {
    credential: Credential,
    /// What tokens are for: `https://cloudpartner.azure.com` or `https://graph.microsoft.com`.
    resource: &'static str,
    current: Option<Held>,
}

impl TokenCache {
    pub fn new(credential: Credential, resource: &'static str) -> Self {
        TokenCache {
            credential,
            resource,
            current: None,
        }
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// What tokens are for (`https://cloudpartner.azure.com`, `https://graph.microsoft.com`).
    pub fn resource(&self) -> &'static str {
        self.resource
    }

    /// The token to send now: the held one, or a fresh one when there is none or it is
    /// due for renewal. Transient failures of the identity provider are retried (the
    /// run's deadline bounds them); a refusal is `Failure::Auth`.
    pub async fn token(
        &mut self,
        api: &Http,
        report: &Reporter,
        deadline: Instant,
    ) -> Result<Secret, Failure> {
        let now = Instant::now();
        if let Some(held) = &self.current
            && !held.due(now)
        {
            return Ok(held.value.clone());
        }
        if self.current.is_some() {
            report.info("renewing the access token ahead of its expiry");
        }
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        let mut unreachable = 0;
        loop {
            let timeout = http::request_timeout(deadline, Duration::MAX);
            let got = acquire::acquire(&self.credential, self.resource, api, report, timeout).await;
            for line in api.take_log() {
                report.debug(&line);
            }
            match got {
                Ok(token) => {
                    report.mask(&token.value);
                    if let Some(lifetime) = token.lifetime {
                        report.info(&format!(
                            "got an access token valid for {}",
                            human(lifetime)
                        ));
                    }
                    self.current = Some(Held {
                        value: token.value.clone(),
                        obtained: Instant::now(),
                        lifetime: token.lifetime,
                    });
                    return Ok(token.value);
                }
                Err(acquire::Problem::Fatal(failure)) => return Err(failure),
                Err(acquire::Problem::Transient {
                    attempt,
                    detail,
                    retry_after,
                }) => {
                    give_up_if_unreachable(attempt, &mut unreachable, "getting a token", &detail)?;
                    let pause = backoff.pause(retry_after);
                    report.info(&format!(
                        "getting a token failed ({detail}); retrying in {}",
                        human(pause)
                    ));
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }

    /// After a 401: drop the token so the next `token()` fetches a fresh one. Returns
    /// false when the source cannot renew (a ready token), so the caller fails instead.
    pub fn invalidate(&mut self) -> bool {
        if !self.credential.renewable() {
            return false;
        }
        self.current = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_never_prints_its_secret() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        let credential = Credential::ClientSecret {
            app: App {
                tenant: "t".into(),
                client: "c".into(),
                authority: Url::parse("https://login.microsoftonline.com").unwrap(),
            },
            secret,
        };
        assert!(!format!("{credential:?}").contains("hunter2"));
        assert!(!credential.describe().contains("hunter2"));
    }

    #[test]
    fn a_static_token_cannot_be_renewed() {
        let mut cache = TokenCache::new(Credential::Static(Secret::new("t")), "https://x");
        assert!(!cache.invalidate());
    }

    #[test]
    fn tokens_are_due_ahead_of_expiry() {
        let start = Instant::now();
        let held = |lifetime: u64| Held {
            value: Secret::new("x"),
            obtained: start,
            lifetime: Some(Duration::from_secs(lifetime)),
        };
        let at = |secs: u64| start + Duration::from_secs(secs);
        // An hour-long token: renewed in its last 5 minutes.
        assert!(!held(3600).due(at(3299)));
        assert!(held(3600).due(at(3300)));
        // A 2-second token: renewed at half its life.
        assert!(!held(2).due(start));
        assert!(held(2).due(at(1)));
        // Unknown lifetime: only a 401 renews it.
        let unknown = Held {
            lifetime: None,
            ..held(1)
        };
        assert!(!unknown.due(at(100_000)));
    }
}
