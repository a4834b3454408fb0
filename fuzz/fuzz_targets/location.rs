//! Operation locations and error bodies from the service: resolved, identified and
//! described without a panic; a resolved location keeps a scheme golive can use.
#![no_main]

use golive::backend::{KINDS, Setup};
use golive::http::{Reply, join_url, service_text};
use libfuzzer_sys::fuzz_target;
use reqwest::Url;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(base) = Url::parse("https://cloudpartner.azure.com/") {
        // As golive reads a location: ASCII only (see http::parse_url).
        if let Some(url) = join_url(&base, &text) {
            assert!(!url.as_str().contains(['\n', '\r']), "a line break survived in {url}");
            for kind in KINDS {
                let _ = (kind.owns)(&url);
                let backend = (kind.open)(Setup { target: None, base_url: &base, version: None });
                let _ = backend.operation_id(&url);
                let _ = backend.poll_url(&url);
            }
        }
    }
    let reply = Reply { status: 400, headers: Default::default(), body: data.to_vec(), truncated: false };
    let shown = service_text(&reply);
    assert!(shown.chars().count() < 4200, "{} characters shown", shown.chars().count());
});
