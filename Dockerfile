# golive images, built from this repository.
#
#   docker build -t golive .                  # FROM scratch: the static binary + CA bundle
#   docker build --target shell -t golive:shell .   # adds only busybox's POSIX shell
#   --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD)   # labels, --version
#   --build-arg BINARY=dist   # the release: dist/<amd64|arm64>/golive, built and attested
#                             # by release.yml's binaries job, instead of compiling here
#
# The build stage runs on the target platform (docker buildx --platform linux/arm64 …),
# where Alpine's own musl target is the default; TARGET overrides the Rust target triple.

# Base images by full name and digest: the multi-platform index of each tag, so one
# reference serves amd64 and arm64 (change the tag and the digest together). Release and
# local builds use these; CI here, which cannot pull, supplies local stand-ins under the
# same ARGs (scripts/check-images).
ARG RUST_IMAGE=docker.io/library/rust:1.95.0-alpine@sha256:606fd313a0f49743ee2a7bd49a0914bab7deedb12791f3a846a34a4711db7ed2
ARG BUSYBOX_IMAGE=docker.io/library/busybox:1.37.0-musl@sha256:5cec3fc171c87218698e85a52af7087de727372aae264a787b8112901a5b0092
# Where /golive comes from: `build` compiles it here, `dist` takes the release's binary.
ARG BINARY=build
# What the release says the image is (release.yml passes them; the labels below).
ARG VERSION=dev
ARG REVISION=unknown

FROM ${RUST_IMAGE} AS build
ARG TARGET=""
ARG REVISION
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
# Alpine's packages move with the image; the Rust image tag pins the toolchain.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo ./.cargo
COPY src ./src
# No build paths in the binary; --version names the commit (there is no .git here).
# (--config adds to .cargo/config.toml's rustflags; RUSTFLAGS would replace them.)
RUN target="${TARGET:-$(rustc -vV | sed -n 's/^host: //p')}" \
 && remap="[\"--remap-path-prefix=/src=.\", \"--remap-path-prefix=${CARGO_HOME:-/usr/local/cargo}=cargo\"]" \
 && GOLIVE_COMMIT="$(printf %.12s "${REVISION:-unknown}")" \
    cargo build --release --locked --bin golive --target "$target" --config "target.$target.rustflags=$remap" \
 && cp "target/$target/release/golive" /golive \
 && /golive --version

# The release's own binary for this platform (release.yml's binaries job, attested there),
# with the CA bundle of the same pinned Alpine-based image: the image holds exactly the
# binary the release publishes.
FROM ${RUST_IMAGE} AS dist
ARG TARGETARCH
COPY dist/${TARGETARCH}/golive /golive

# `build` or `dist`, as BINARY says.
# hadolint ignore=DL3006
FROM ${BINARY} AS binary

# For CI systems that run a job script inside the image (GitLab's docker executor):
# busybox's sh, with golive on PATH and no entrypoint.
FROM ${BUSYBOX_IMAGE} AS shell
ARG VERSION
ARG REVISION
LABEL org.opencontainers.image.title="golive (with a shell)" \
      org.opencontainers.image.description="Take Azure Marketplace offers live from CI" \
      org.opencontainers.image.source="https://github.com/golive-dev/golive" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=binary /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=binary /golive /usr/local/bin/golive

# The default image: nothing but the binary and the CA bundle at the path rustls reads.
# It runs as root because GitHub's container actions must (they write $GITHUB_OUTPUT).
FROM scratch AS image
ARG VERSION
ARG REVISION
LABEL org.opencontainers.image.title="golive" \
      org.opencontainers.image.description="Take Azure Marketplace offers live from CI" \
      org.opencontainers.image.source="https://github.com/golive-dev/golive" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=binary /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=binary /golive /golive
# Runs with nothing else in the image: proof that the binary is static.
RUN ["/golive", "--version"]
ENTRYPOINT ["/golive"]
