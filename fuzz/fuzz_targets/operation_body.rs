//! Operation bodies from either API: read, tracked and summarised without a panic.
#![no_main]

use std::time::Duration;

use golive::ingestion::parse_job;
use golive::wait::{Tracker, parse_operation};
use libfuzzer_sys::fuzz_target;
use tokio::time::Instant;

fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let mut tracker = Tracker::new(start, Duration::from_secs(1));
    for reading in [parse_operation(data), parse_job(data)].into_iter().flatten() {
        let _ = tracker.observe(&reading, start + Duration::from_secs(2), Duration::from_secs(2));
        let _ = reading.all_messages();
    }
});
