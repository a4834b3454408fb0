//! Operation bodies from either API: read, tracked and summarised without a panic.
#![no_main]

use std::time::Duration;

use golive::backend::{KINDS, Setup};
use golive::operation::Tracker;
use libfuzzer_sys::fuzz_target;
use reqwest::Url;
use tokio::time::Instant;

fuzz_target!(|data: &[u8]| {
    let Ok(base) = Url::parse("https://cloudpartner.azure.com/") else { return };
    let start = Instant::now();
    let mut tracker = Tracker::new(start, Duration::from_secs(1));
    for kind in KINDS {
        let backend = (kind.open)(Setup { target: None, base_url: &base, version: None });
        if let Some(reading) = backend.read(data) {
            let _ = tracker.observe(&reading, start + Duration::from_secs(2), Duration::from_secs(2));
            let _ = reading.all_messages();
        }
    }
});
