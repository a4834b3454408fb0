//! golive's integration tests, one test binary: each module runs the built `golive` the
//! way a CI runner does (`support` starts the local servers and reads back what a run
//! left). `image` holds the tests of the static binary in an empty root, run by .ci/run.

// All of this crate is test code, helpers included: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod cli;
mod dryrun;
mod faults;
mod hostile;
mod image;
mod ingestion;
mod many;
mod native;
mod platforms;
mod properties;
mod support;
