//! Credentials: where a bearer token comes from, and the cache that hands it out.
//!
//! A `Credential` is a source of tokens; a `TokenCache` asks it for one when it has none
//! (or when the one it has was refused with a 401 and the source can renew). Today the
//! only source is a ready token (`token` input); service principals, federation and
//! managed identity slot in as further `Credential` variants whose `fetch` talks to an
//! identity provider.

use std::fmt;

use crate::error::Failure;

/// A secret string: `Debug` and `Display` print `***`; only `expose` gives the value,
/// and that is called where the `Authorization` header is built.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A ready bearer token; it cannot be renewed.
    Static(Secret),
}

impl Credential {
    /// How the log names the source (never its value).
    pub fn describe(&self) -> &'static str {
        match self {
            Credential::Static(_) => "the token input",
        }
    }

    /// Whether asking again can yield a different, fresh token.
    pub fn renewable(&self) -> bool {
        match self {
            Credential::Static(_) => false,
        }
    }

    async fn fetch(&self) -> Result<Secret, Failure> {
        match self {
            Credential::Static(token) => Ok(token.clone()),
        }
    }
}

/// Hands out the current token and renews it when the source allows.
#[derive(Debug)]
pub struct TokenCache {
    credential: Credential,
    current: Option<Secret>,
}

impl TokenCache {
    pub fn new(credential: Credential) -> Self {
        TokenCache {
            credential,
            current: None,
        }
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The token to send now, fetched on first use.
    pub async fn token(&mut self) -> Result<Secret, Failure> {
        if let Some(token) = &self.current {
            return Ok(token.clone());
        }
        let token = self.credential.fetch().await?;
        self.current = Some(token.clone());
        Ok(token)
    }

    /// After a 401: drop the token so the next `token()` fetches a fresh one. Returns
    /// false when the source cannot renew (a static token), so the caller fails instead.
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
    fn secrets_never_print_their_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        let credential = Credential::Static(secret);
        assert!(!format!("{credential:?}").contains("hunter2"));
    }

    #[test]
    fn a_static_token_cannot_be_renewed() {
        let mut cache = TokenCache::new(Credential::Static(Secret::new("t")));
        assert!(!cache.invalidate());
    }
}
