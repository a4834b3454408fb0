#!/bin/sh
# The README's any-shell install (scripts/check-snippets; shellcheck checks it).
set -eu
version=0.1.0
target=x86_64-unknown-linux-musl   # or aarch64-unknown-linux-musl, x86_64-apple-darwin, …
base=https://github.com/golive-dev/golive/releases/download/v$version
curl -fsSLO "$base/golive-$version-$target"
curl -fsSL "$base/SHA256SUMS" | grep " golive-$version-$target\$" | sha256sum -c -
install -m 0755 "golive-$version-$target" /usr/local/bin/golive
golive --version
