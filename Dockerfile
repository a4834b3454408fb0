# golive images, built from this repository.
#
#   docker build -t golive .                  # FROM scratch: the static binary + CA bundle
#   docker build --target shell -t golive:shell .   # adds only busybox's POSIX shell
#
# The build stage runs on the target platform (docker buildx --platform linux/arm64 …),
# where Alpine's own musl target is the default; TARGET overrides the Rust target triple.

ARG RUST_VERSION=1.95
ARG BUSYBOX_VERSION=1.37

FROM rust:${RUST_VERSION}-alpine AS build
ARG TARGET=""
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
# Alpine's packages move with the image; the Rust image tag pins the toolchain.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN target="${TARGET:-$(rustc -vV | sed -n 's/^host: //p')}" \
 && cargo build --release --locked --bin golive --target "$target" \
 && cp "target/$target/release/golive" /golive \
 && /golive --version

# For CI systems that run a job script inside the image (GitLab's docker executor):
# busybox's sh, with golive on PATH and no entrypoint.
FROM busybox:${BUSYBOX_VERSION}-musl AS shell
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /golive /usr/local/bin/golive

# The default image: nothing but the binary and the CA bundle at the path rustls reads.
# It runs as root because GitHub's container actions must (they write $GITHUB_OUTPUT).
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /golive /golive
ENTRYPOINT ["/golive"]
