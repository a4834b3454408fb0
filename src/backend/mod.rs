//! The APIs golive takes offers live through, one file each, behind one interface.
//!
//! A `Kind` is what the inputs need to know about an API before anything is sent (its
//! name, token resource, defaults, which ids it needs, whether an operation URL is one of
//! its own); a `Backend` is the API at work in a run: it starts the operation, says where
//! to poll and how to read a reading, and explains what its answers mean. Adding an API
//! is a file here (with a `pub static KIND: Kind`) and its name in the `backends!` line.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use reqwest::Url;

use crate::client::{Client, Explain};
use crate::error::Failure;
use crate::operation::Operation;

/// Declares each backend's module and lists its `KIND` in `KINDS`, in order.
macro_rules! backends {
    ($($name:ident),+) => {
        $(pub mod $name;)+
        /// Every API golive knows, the default first.
        pub const KINDS: &[&Kind] = &[$(&$name::KIND),+];
    };
}

// The one place backends are listed: the default first.
backends!(cpp, ingestion);

/// What the inputs need to know of an API.
pub struct Kind {
    /// The `api` input's word for it.
    pub name: &'static str,
    /// What tokens are asked for (scope `{resource}/.default`).
    pub resource: &'static str,
    pub base_url: &'static str,
    pub poll_interval: Duration,
    /// Whether an operation URL is one of this API's (so resuming needs no `api`).
    pub owns: fn(&Url) -> bool,
    /// The first id this API needs that the target lacks.
    pub missing: fn(&Target) -> Option<Id>,
    /// The offer as a person names it (`publisher/offer`, an external id).
    pub subject: fn(&Target) -> Option<String>,
    /// The API at work for one run.
    pub open: fn(Setup<'_>) -> Box<dyn Backend>,
}

impl Kind {
    /// The kind named `name` (the `api` input).
    pub fn named(name: &str) -> Option<&'static Kind> {
        KINDS.iter().copied().find(|kind| kind.name == name)
    }

    /// The kind whose operation URL this is, if any claims it.
    pub fn owning(url: &Url) -> Option<&'static Kind> {
        KINDS.iter().copied().find(|kind| (kind.owns)(url))
    }

    /// The `api` words, for messages: `cpp or product-ingestion`.
    pub fn names() -> String {
        let names: Vec<&str> = KINDS.iter().map(|kind| kind.name).collect();
        names.join(" or ")
    }
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Kind {}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// What the inputs name to take live; each API needs some of it (`Kind::missing`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub publisher: Option<String>,
    pub offer: Option<String>,
    /// A product-ingestion product's guid.
    pub product: Option<String>,
}

/// An id a target may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    Publisher,
    Offer,
}

/// What a backend is opened with for one run.
pub struct Setup<'a> {
    /// What to take live; `None` when resuming an operation.
    pub target: Option<&'a Target>,
    pub base_url: &'a Url,
    /// An explicit api-version; otherwise each call uses its documented one.
    pub version: Option<&'a str>,
}

/// A future a backend returns (boxed, so that backends can stand behind `dyn`).
pub type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// What starting found.
pub enum Started {
    /// An operation is running there; poll it after `first_delay`.
    Operation { url: Url, first_delay: Duration },
    /// Nothing to do: the offer is already live.
    AlreadyLive,
}

/// What a dry run found.
pub enum Ready {
    /// Going live would be accepted: this would be sent.
    Ready(String),
    /// Nothing to do: the offer is already live.
    AlreadyLive,
}

/// An API at work in one run.
pub trait Backend: Explain {
    /// Looks up what it needs and starts going live.
    fn start<'a>(&'a mut self, client: &'a mut Client<'_>) -> Boxed<'a, Result<Started, Failure>>;

    /// A dry run: everything up to the change (lookups, readiness), nothing that
    /// changes anything. Not ready is an `Err` saying why (exit 3).
    fn check<'a>(&'a mut self, client: &'a mut Client<'_>) -> Boxed<'a, Result<Ready, Failure>>;

    /// The URL an operation is polled at (its version parameter added when absent).
    fn poll_url(&self, operation: &Url) -> Url;

    /// Reads a poll body; `None` when it is not understood (a transient failure).
    fn read(&self, body: &[u8]) -> Option<Operation>;

    /// The operation's id: by default the last non-empty path segment.
    fn operation_id(&self, url: &Url) -> Option<String> {
        url.path_segments()?
            .rfind(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// After the operation succeeded: any check the API's clients make.
    fn after_success<'a>(&'a self, _client: &'a mut Client<'_>) -> Boxed<'a, ()> {
        Box::pin(async {})
    }
}

/// `url` with its path extended by `segments` (each encoded; a base path is kept).
pub fn under(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn kinds_are_found_by_name_and_by_their_operation_urls() {
        assert_eq!(Kind::named("cpp"), Some(&cpp::KIND));
        assert_eq!(Kind::named("product-ingestion"), Some(&ingestion::KIND));
        assert_eq!(Kind::named("nope"), None);
        let job = url("https://graph.microsoft.com/rp/product-ingestion/configure/0b1c/status");
        assert_eq!(Kind::owning(&job), Some(&ingestion::KIND));
        let operation = url("https://cloudpartner.azure.com/api/operations/a$b$2$preview");
        assert_eq!(Kind::owning(&operation), Some(&cpp::KIND));
        assert_eq!(
            Kind::owning(&url("https://cloudpartner.azure.com/api/x")),
            None
        );
        assert_eq!(Kind::names(), "cpp or product-ingestion");
    }

    #[test]
    fn under_keeps_a_base_path() {
        assert_eq!(
            under(&url("http://127.0.0.1:8/prefix/"), &["a", "b c"]).as_str(),
            "http://127.0.0.1:8/prefix/a/b%20c"
        );
    }
}
