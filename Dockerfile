# syntax=docker/dockerfile:1
#
# sqs2pg container image: built on Debian 12 with Debian's own -dev packages (the same ones
# scripts/deps.sh installs for `make build`), run on debian:12-slim with only the shared libraries
# the binary links. Both stages must stay on the same Debian release: the runtime package names
# below (libsimdjson14, libspdlog1.10, libfmt9, ...) carry the sonames of bookworm's versions.
#
#   docker build -t sqs2pg:0.1.0 .
#   docker run --rm sqs2pg:0.1.0 --help
#
# For reproducible builds, pin both bases by digest (debian:12@sha256:...) once you have them.

# ---------------------------------------------------------------------------------------------
FROM debian:12 AS build

# scripts/deps.sh's -dev packages, less Google Benchmark. GoogleTest/GoogleMock are here although
# no test is built: CMakeLists.txt finds them REQUIRED and declares unit_tests unconditionally, so
# the configure fails without them. Benchmark is a QUIET optional find, and installing it would
# make CMake want bench/ sources that this build does not copy.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libcurl4-openssl-dev libssl-dev libpq-dev libsimdjson-dev libpugixml-dev libcli11-dev \
      libspdlog-dev libfmt-dev libcpp-httplib-dev libgtest-dev libgmock-dev \
      libtomlplusplus-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Sources only: CMakeLists.txt skips the integration tests when tests/ holds none, and the benches
# without Google Benchmark, so copying less keeps the layer cache valid across test-only edits.
COPY CMakeLists.txt ./
COPY src ./src

RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build --target sqs2pg -j"$(nproc)" \
 && strip build/sqs2pg

# ---------------------------------------------------------------------------------------------
FROM debian:12-slim

# The binary's direct NEEDED libraries (readelf -d build/sqs2pg), as bookworm packages; apt pulls
# their own dependencies (nghttp2, krb5, ldap, ...). libstdc++6 and libgcc-s1 are already in the
# slim base. libcpp-httplib0.11 serves --metrics-addr (Debian's cpp-httplib is a shared library,
# not header-only). ca-certificates: the system store that libcurl checks SQS, STS and the container
# credential endpoint against (--ca-bundle / AWS_CA_BUNDLE for a private CA). libpq does not use
# it: for sslmode=verify-full mount the server's CA and set sslrootcert=FILE in DATABASE_URL.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libcurl4 libssl3 libpq5 libsimdjson14 libpugixml1v5 libspdlog1.10 libfmt9 \
      libcpp-httplib0.11 libtomlplusplus3 zlib1g \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid so that Kubernetes' runAsNonRoot can verify it (it rejects a non-numeric USER)
# and so that host files handed in (compose secrets, mounted keys) can be chowned to it.
# No home directory: sqs2pg writes nothing to disk, and the root filesystem may be read-only.
RUN groupadd --gid 10001 sqs2pg \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sqs2pg

COPY --from=build /src/build/sqs2pg /usr/local/bin/sqs2pg

# Fail the image build, not the first deployment, if a shared library is missing.
RUN sqs2pg --version

USER 10001:10001

# `run` finishes the batch in hand on SIGTERM (up to --shutdown-timeout, default 20 s) and hands
# the rest back to the queue: give it that long before a KILL (docker stop -t 30, compose
# stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM

# No HEALTHCHECK: the slim image holds no HTTP client to probe with, and Docker's health status
# drives nothing here. Orchestrators probe --metrics-addr's /healthz and /readyz themselves.

ENTRYPOINT ["sqs2pg"]
CMD ["run"]
