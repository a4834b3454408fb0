#!/bin/sh
# The README's two commands (scripts/check-snippets; .ci/run runs both; shellcheck checks it).
cargo run --example demo     # the whole run, end to end, against a simulated API on loopback
cargo test                   # unit tests, and the built binary against a scripted local server
