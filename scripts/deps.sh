#!/usr/bin/env bash
# Makes sure the Debian packages that building, testing, the demo and the benchmark need are
# installed, and that Node.js is new enough for the SQS emulator (fauxqs needs Node >= 20).
# Fast no-op when everything is there: no apt-get update unless something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libssl-dev libpq-dev libsimdjson-dev libpugixml-dev libcli11-dev
  libspdlog-dev libfmt-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev zlib1g-dev
  postgresql postgresql-contrib
  postgresql-15-partman  # PgPartmanTest and deploy/sql/partman_user_logins.sql (Debian 12: PG 15)
  curl ca-certificates openssl clang-format python3
  # tests/deploy/check.sh: YAML parsing and Kubernetes field names of the deploy manifests.
  python3-yaml python3-kubernetes
  prometheus  # promtool: tests/deploy/alerts_check.sh and AlertsTest (deploy/prometheus)
  # `make fuzz`: clang (clang-14) and compiler-rt (libclang-rt-14-dev: libFuzzer and the ASan and
  # UBSan runtimes), which clang-14 does not depend on (libclang-common-14-dev only recommends it).
  clang libclang-rt-dev
)
# NodeSource's nodejs bundles npm (and conflicts with Debian's npm package), so only ask for
# Debian's npm when the command is really missing.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

# One dpkg-query for all (fast): it prints "name:ii " for each installed package, and fails
# for packages it has never heard of, which are then missing too.
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null |
  sed -n 's/:ii *$//p' | tr '\n' ' ' || true)"
missing=()
for pkg in "${packages[@]}"; do
  [[ $installed == *" $pkg "* ]] || missing+=("$pkg")
done

if ((${#missing[@]} > 0)); then
  if ((EUID != 0)); then
    echo "deps: missing Debian packages; install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian 12's own nodejs is 18, too old for fauxqs 1.9.2 (engines: node >= 20), so it is no use
# installing it here: ask for a newer one instead.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "deps: Node.js >= 20 is required for the SQS emulator (found: $(node --version 2>/dev/null ||
    echo none)); install Node.js 20 or newer (e.g. NodeSource's nodejs package)" >&2
  exit 1
fi
