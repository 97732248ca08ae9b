#!/usr/bin/env bash
# Validates the deployment artefacts (Dockerfile, docker-compose.yml, deploy/k8s, deploy/systemd)
# with whatever this machine has, and says which checks it could not run. No network, no Docker
# engine, no cluster needed: where a tool is missing its step is SKIPPED, never silently passed.
#
#   bash tests/deploy/check.sh
#
# Steps: YAML parsing and structural checks (tests/deploy/check_manifests.py, mandatory);
# `kubectl kustomize` / `kustomize build`; kubeconform; `docker compose config`; hadolint;
# Dockerfile checks against scripts/deps.sh and the built binary's libraries; systemd-analyze
# verify and security; where podman is installed, `scripts/image-check.sh --preflight` (the
# tools and the FROM tags; the build itself is `make image-check`). Exit status 1 if any step failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sqs2pg-deploy-check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $1"; }
have() { command -v "$1" >/dev/null 2>&1; }
indent() { sed 's/^/  /'; }

# ---- YAML + structure -----------------------------------------------------------------------
# Prefer Debian's interpreter: python3-yaml and python3-kubernetes install there, while a
# pyenv/venv python3 earlier on PATH may lack them.
python=
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import yaml' >/dev/null 2>&1; then
    python=$candidate
    break
  fi
done
if [[ -z $python ]]; then
  fail "yaml: no python3 with PyYAML (apt-get install python3-yaml)"
elif out=$("$python" tests/deploy/check_manifests.py 2>&1); then
  pass "manifests: ${out##*$'\n'}"
else
  grep -v '^check_manifests:' <<<"$out" | indent
  fail "manifests: ${out##*$'\n'}"
fi

# ---- kustomize ------------------------------------------------------------------------------
kustomize_cmd=()
if have kubectl && kubectl kustomize --help >/dev/null 2>&1; then
  kustomize_cmd=(kubectl kustomize)
elif have kustomize; then
  kustomize_cmd=(kustomize build)
fi
if ((${#kustomize_cmd[@]} == 0)); then
  skip "kustomize: neither kubectl nor kustomize is installed"
elif ! "${kustomize_cmd[@]}" deploy/k8s >"$TMP/k8s.yaml" 2>"$TMP/k8s.err"; then
  indent <"$TMP/k8s.err"
  fail "kustomize: ${kustomize_cmd[*]} deploy/k8s"
elif [[ -n $python ]] && ! "$python" - "$TMP/k8s.yaml" deploy/k8s/kustomization.yaml <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kust = yaml.safe_load(open(sys.argv[2]))
want = {f"{i['newName']}:{i['newTag']}" for i in kust.get("images", [])}
kinds = sorted(d["kind"] for d in docs)
assert kinds == ["Deployment", "NetworkPolicy", "ScaledObject", "Service", "ServiceAccount",
                 "TriggerAuthentication"], kinds
images = {c["image"] for d in docs if d["kind"] == "Deployment"
          for c in d["spec"]["template"]["spec"]["containers"]}
assert images <= want, f"image not rewritten: {images} vs {want}"
PY
then
  fail "kustomize: the built output lacks an object or the image rewrite"
else
  pass "kustomize: ${kustomize_cmd[*]} deploy/k8s builds $(grep -c '^kind:' "$TMP/k8s.yaml") objects"
fi

# ---- kubeconform (schemas; KEDA's CRDs have none built in) ----------------------------------
if ! have kubeconform; then
  skip "kubeconform: not installed (no offline Kubernetes schema validation)"
elif [[ ! -s $TMP/k8s.yaml ]]; then
  fail "kubeconform: no kustomize output to validate"
elif kubeconform -strict -summary -ignore-missing-schemas "$TMP/k8s.yaml" deploy/k8s/secret.example.yaml; then
  pass "kubeconform"
else
  fail "kubeconform"
fi

# ---- docker compose -------------------------------------------------------------------------
if have docker && docker compose version >/dev/null 2>&1; then
  for profile in "" current; do
    args=(compose -f docker-compose.yml)
    [[ -n $profile ]] && args+=(--profile "$profile")
    if docker "${args[@]}" config --quiet 2>"$TMP/compose.err"; then
      pass "docker compose config${profile:+ (profile $profile)}"
    else
      indent <"$TMP/compose.err"
      fail "docker compose config${profile:+ (profile $profile)}"
    fi
  done
else
  skip "docker compose: the compose plugin is not installed (structure checked above instead)"
fi

# ---- Dockerfile -----------------------------------------------------------------------------
if have hadolint; then
  if hadolint Dockerfile; then pass "hadolint"; else fail "hadolint"; fi
else
  skip "hadolint: not installed (the project's own Dockerfile checks follow)"
fi

dockerfile_checks() {
  local froms last_user problems=()
  froms=$(grep -cE '^FROM ' Dockerfile)
  ((froms >= 2)) || problems+=("not multi-stage ($froms FROM)")
  grep -qE '^FROM debian:12 AS build$' Dockerfile || problems+=("build stage is not FROM debian:12 AS build")
  [[ $(grep -E '^FROM ' Dockerfile | tail -n1) == "FROM debian:12-slim" ]] ||
    problems+=("the final stage is not FROM debian:12-slim")
  last_user=$(grep -E '^USER ' Dockerfile | tail -n1 | awk '{print $2}')
  [[ $last_user =~ ^[1-9][0-9]*(:[0-9]+)?$ ]] ||
    problems+=("the final USER '${last_user:-none}' is not a numeric non-root uid")
  grep -qxF 'ENTRYPOINT ["sqs2pg"]' Dockerfile || problems+=('no ENTRYPOINT ["sqs2pg"]')
  grep -qxF 'CMD ["run"]' Dockerfile || problems+=('no CMD ["run"]')
  grep -qxF 'STOPSIGNAL SIGTERM' Dockerfile || problems+=("no STOPSIGNAL SIGTERM")
  (($(grep -c -- '--no-install-recommends' Dockerfile) >= 2)) ||
    problems+=("an apt-get install without --no-install-recommends")
  (($(grep -c 'rm -rf /var/lib/apt/lists' Dockerfile) >= 2)) ||
    problems+=("apt lists left in a layer")
  grep -qE -- '--target sqs2pg' Dockerfile || problems+=("builds more than the sqs2pg target")
  for pattern in .git build node_modules; do
    grep -qE "^(\*\*/)?${pattern}\b" .dockerignore 2>/dev/null ||
      problems+=(".dockerignore does not exclude $pattern")
  done
  if ((${#problems[@]} > 0)); then
    printf '  %s\n' "${problems[@]}"
    return 1
  fi
}
if dockerfile_checks; then
  pass "Dockerfile: multi-stage, slim runtime, numeric non-root USER, entrypoint, stop signal"
else
  fail "Dockerfile"
fi

# The build stage installs exactly scripts/deps.sh's -dev packages, less Google Benchmark (an
# optional find that this image does not build).
deps_dev=$(sed 's/#.*//' scripts/deps.sh | grep -oE '\blib[a-z0-9+.-]+-dev\b' | grep -vxE 'libclang-rt-dev|libbenchmark-dev' | sort -u)
build_stage=$(awk '/^FROM .* AS build/{on=1; next} /^FROM /{on=0} on' Dockerfile)
docker_dev=$(grep -oE '\blib[a-z0-9+.-]+-dev\b' <<<"$build_stage" | sort -u)
if [[ $deps_dev == "$docker_dev" ]]; then
  pass "Dockerfile: build stage installs scripts/deps.sh's -dev packages ($(wc -w <<<"$docker_dev"))"
else
  diff <(echo "$deps_dev") <(echo "$docker_dev") | indent
  fail "Dockerfile: build-stage -dev packages differ from scripts/deps.sh (< deps.sh, > Dockerfile)"
fi

# Every library the built binary needs is installed by the runtime stage or is in the slim base.
bin=${SQS2PG_BIN:-build/sqs2pg}
if [[ ! -x $bin ]] || ! have readelf || ! have dpkg-query || ! have ldd; then
  skip "Dockerfile: runtime libraries (needs a built $bin, readelf, ldd and dpkg)"
else
  runtime_stage=$(awk '/^FROM /{last=NR} {line[NR]=$0} END {for (i=last; i<=NR; i++) print line[i]}' Dockerfile)
  missing=()
  while read -r soname; do
    path=$(ldd "$bin" | awk -v s="$soname" '$1 == s {print $3}')
    pkg=$(dpkg-query -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1)
    [[ -z $pkg ]] && pkg=$(dpkg-query -S "$path" 2>/dev/null | head -n1 | cut -d: -f1)
    case $pkg in
      libc6 | libstdc++6 | libgcc-s1) ;; # in debian:12-slim already
      "") missing+=("$soname (no Debian package owns it)") ;;
      *) grep -qE "(^|[[:space:]])${pkg//+/\\+}([[:space:]]|$)" <<<"$runtime_stage" ||
        missing+=("$soname from $pkg") ;;
    esac
  done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  if ((${#missing[@]} == 0)); then
    pass "Dockerfile: the runtime stage provides every library $bin needs"
  else
    printf '  not installed by the runtime stage: %s\n' "${missing[@]}"
    fail "Dockerfile: runtime libraries"
  fi
fi

# ---- the image, built for real (`make image-check`, not run here: it compiles everything) ----
if ! have podman; then
  skip "image: podman is not installed (make image-check builds the image with it and runs it)"
else
  status=0
  out=$(bash scripts/image-check.sh --preflight 2>&1) || status=$?
  case $status in
    0) pass "image: ${out##*$'\n'}" ;;
    77) skip "image: ${out##*image-check: }" ;;
    *)
      indent <<<"$out"
      fail "image: scripts/image-check.sh --preflight"
      ;;
  esac
fi

# ---- systemd --------------------------------------------------------------------------------
unit=deploy/systemd/sqs2pg.service
if ! have systemd-analyze; then
  skip "systemd: systemd-analyze is not installed"
else
  # verify insists that ExecStart's binary exists; check a copy that points at one that does.
  exe=$(readlink -f "${SQS2PG_BIN:-build/sqs2pg}" 2>/dev/null)
  [[ -x $exe ]] || exe=$(command -v true)
  sed "s#^ExecStart=/usr/local/bin/sqs2pg#ExecStart=$exe#" "$unit" >"$TMP/sqs2pg.service"
  if out=$(systemd-analyze verify "$TMP/sqs2pg.service" 2>&1) && [[ -z $out ]]; then
    pass "systemd-analyze verify (ExecStart pointed at $exe)"
  else
    indent <<<"$out"
    fail "systemd-analyze verify"
  fi
  # The hardening's exposure score, printed 0.0 (best) to 10.0; --threshold takes it times ten,
  # so 20 fails above 2.0 (the unit scores 1.4 with systemd 252).
  if systemd-analyze security --help 2>/dev/null | grep -q -- '--threshold'; then
    if out=$(systemd-analyze security --offline=yes --threshold=20 "$TMP/sqs2pg.service" 2>&1); then
      pass "systemd-analyze security: $(echo "$out" | grep -o 'exposure level.*' | tail -n1)"
    else
      grep -E '^✗|exposure' <<<"$out" | indent
      fail "systemd-analyze security: exposure above 2.0"
    fi
  else
    skip "systemd-analyze security: this systemd has no --offline/--threshold"
  fi
fi

echo "deploy checks: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
