#!/usr/bin/env bash
# The container image, built for real without a Docker engine: Debian's podman builds the
# Dockerfile (`podman build --isolation chroot`), on base images made from Debian packages since
# no image registry is reachable, and the built image's root filesystem is run with chroot as uid
# 10001 (containers cannot be started here: crun refuses this kernel's hybrid cgroups).
#
#   1. Base images: `mmdebstrap --variant=minbase bookworm` tarballs, cached in IMAGE_CHECK_DIR,
#      made like Docker's official images (merged /usr as debootstrap does it, apt's docker-clean),
#      imported as docker.io/library/debian:12 and, with the documentation dpkg leaves out of
#      Docker's slim images (path-exclude /usr/share/doc, man, info, locale, ...), debian:12-slim.
#      An import is redone only when its tarball is newer, so a rerun keeps podman's layer cache.
#   2. `podman build --isolation chroot --pull=never` of the Dockerfile as sqs2pg:image-check
#      (compiles sqs2pg inside: 10-20 minutes on 2 shared cores, much less when cached).
#   3. The image's size and configuration (user, entrypoint, command, stop signal).
#   4. `podman image mount` (read-only), with /proc, /dev, a tmpfs /tmp and a tmpfs /run added;
#      then, as uid 10001 through `chroot --userspec`, with a clean environment: `id -u`,
#      `sqs2pg --version`, `ldd` (no library missing), `sqs2pg produce` (500 events, 2 %
#      malformed), `sqs2pg check` and `sqs2pg drain` against a throwaway PostgreSQL and the fauxqs
#      SQS emulator on loopback (the chroot shares the host's network); every message must end up
#      a row or a reject.
#
# Usage: scripts/image-check.sh [--preflight]   (`make image-check`; not part of `make test`)
#   --preflight  only checks that the tools are there and the Dockerfile's FROM lines are the tags
#                this script makes (exit 0), or says what is missing (exit 77 for a missing tool,
#                1 for a wrong FROM); tests/deploy/check.sh runs it.
# Needs root (mmdebstrap, chroot and mounts); installs podman and mmdebstrap with apt if missing.
# Environment:
#   IMAGE_CHECK_DIR      cache of the base tarballs and the logs (default build-image/)
#   IMAGE_CHECK_REFRESH  1: make the base tarballs again (new Debian point release, security fixes)
#   IMAGE_CHECK_TAG      the image built (default localhost/sqs2pg:image-check)
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
root=$SERVICES_ROOT
cache=${IMAGE_CHECK_DIR:-$root/build-image}
tag=${IMAGE_CHECK_TAG:-localhost/sqs2pg:image-check}
uid=10001
events=500

say() { echo "image-check: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# The tags the Dockerfile builds FROM must be the ones made below.
from_tags_ok() {
  local tags
  tags=$(awk '/^FROM / {print $2}' "$root/Dockerfile" | sort -u | tr '\n' ' ')
  if [[ $tags != "debian:12 debian:12-slim " ]]; then
    say "the Dockerfile builds FROM '$tags'; this script makes debian:12 and debian:12-slim only"
    return 1
  fi
}

if [[ ${1:-} == --preflight ]]; then
  missing=()
  for tool in podman mmdebstrap; do have "$tool" || missing+=("$tool"); done
  if ((${#missing[@]} > 0)); then
    say "not installed: ${missing[*]} (apt-get install --no-install-recommends podman mmdebstrap)"
    exit 77
  fi
  from_tags_ok || exit 1
  if ! podman info >/dev/null 2>&1; then
    say "podman info fails: $(podman info 2>&1 | tail -n1)"
    exit 1
  fi
  echo "podman $(podman version --format '{{.Client.Version}}'), mmdebstrap" \
    "$(mmdebstrap --version | awk '{print $2}'), FROM tags debian:12 and debian:12-slim;" \
    "make image-check builds and runs the image"
  exit 0
fi

if ((EUID != 0)); then
  say "needs root (mmdebstrap, chroot and mounts): sudo make image-check"
  exit 1
fi
from_tags_ok
if ! have podman || ! have mmdebstrap; then
  say "installing podman and mmdebstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman mmdebstrap >&2
fi
mkdir -p "$cache"

# ---- 1. base images -------------------------------------------------------------------------
# Made as Docker's official images are (debuerreotype): merged /usr by directory symlinks as
# debootstrap does (mmdebstrap would otherwise install the usrmerge package, which pulls in perl:
# +50 MB), and apt told to delete the downloaded .debs and its caches after each install
# (docker-clean) and to fetch no translations, as the official images' /etc/apt/apt.conf.d/docker-*
# do; without docker-clean the runtime stage would keep 84 MB of .debs in /var/cache/apt.
cat >"$cache/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
echo 'Acquire::Languages "none";' >"$cache/docker-no-languages"
like_docker=(
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --customize-hook="upload $cache/docker-clean /etc/apt/apt.conf.d/docker-clean"
  --customize-hook="upload $cache/docker-no-languages /etc/apt/apt.conf.d/docker-no-languages"
  # With Dir::Cache::pkgcache "" mmdebstrap's own clean-up no longer finds apt's caches (74 MB).
  --customize-hook='rm -f "$1"/var/cache/apt/*.bin'
)
# What Docker's debian:*-slim images leave out (debuerreotype's slimify list); the options stay in
# the image's /etc/dpkg/dpkg.cfg.d/, so packages installed later in the image follow them too.
slim_excludes=(
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/groff/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
)
base_image() { # NAME TAG [MMDEBSTRAP OPTIONS...]
  local name=$1 image=docker.io/library/debian:$2 tarball=$cache/$1.tar stamp=$cache/$1.imported
  shift 2
  if [[ ! -s $tarball || ${IMAGE_CHECK_REFRESH:-0} == 1 ]]; then
    say "making $tarball (mmdebstrap --variant=minbase bookworm, as Docker's debian images)"
    if ! mmdebstrap --variant=minbase --format=tar "${like_docker[@]}" "$@" bookworm \
      "$tarball.part" >"$cache/$name.log" 2>&1; then
      tail -n 30 "$cache/$name.log" >&2
      say "FAILED: mmdebstrap (log: ${cache#"$root"/}/$name.log)"
      exit 1
    fi
    mv "$tarball.part" "$tarball"
  fi
  if ! podman image exists "$image" || [[ ! -e $stamp || $tarball -nt $stamp ]]; then
    say "importing $tarball as $image"
    podman import --quiet "$tarball" "$image" >/dev/null
    touch "$stamp"
  fi
}
base_image debian-12-minbase 12
base_image debian-12-slim 12-slim "${slim_excludes[@]}"

# ---- 2. build -------------------------------------------------------------------------------
say "podman build --isolation chroot -t $tag (log: ${cache#"$root"/}/build.log)"
build_start=$(date +%s)
if ! podman build --isolation chroot --pull=never -t "$tag" -f "$root/Dockerfile" "$root" \
  >"$cache/build.log" 2>&1; then
  tail -n 40 "$cache/build.log" >&2
  say "FAILED: podman build"
  exit 1
fi
build_seconds=$(($(date +%s) - build_start))

# ---- 3. size and configuration --------------------------------------------------------------
size_of() { podman image inspect --format '{{.Size}}' "$1"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
size=$(size_of "$tag")
slim_size=$(size_of docker.io/library/debian:12-slim)
config=$(podman image inspect --format \
  'user {{.Config.User}}, entrypoint {{.Config.Entrypoint}}, cmd {{.Config.Cmd}}, stop signal {{.Config.StopSignal}}' \
  "$tag")
say "image $tag: $(mb "$size") ($(mb $((size - slim_size))) over debian:12-slim's $(mb "$slim_size")); $config"
[[ $config == "user $uid:$uid, entrypoint [sqs2pg], cmd [run], stop signal SIGTERM" ]] || {
  say "FAILED: unexpected image configuration"
  exit 1
}

# ---- 4. run the image's root filesystem as uid 10001 ----------------------------------------
mnt='' mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}" 2>/dev/null || true; done
  if [[ -n $mnt ]]; then podman image unmount "$tag" >/dev/null 2>&1 || true; fi
  services_stop
}
services_init
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mnt=$(podman image mount "$tag")
add_mount() { # WHERE MOUNT-ARGS...
  local where=$mnt$1
  shift
  mount "$@" "$where"
  mounts+=("$where")
}
add_mount /proc -t proc proc
add_mount /dev --bind /dev
add_mount /tmp -t tmpfs -o mode=1777,size=16m tmpfs
add_mount /run -t tmpfs -o mode=755,size=4m tmpfs

pg_start fast
sqs_start
pg_create_user_logins
queue=$(sqs_create_queue image-check)
mkdir -p "$mnt/run/secrets"
(umask 077 && openssl rand -hex 32 >"$mnt/run/secrets/mask.key")
chown "$uid:$uid" "$mnt/run/secrets/mask.key"

# As a container would run it: uid 10001 in the image's root, only the environment given.
in_image() {
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
    SQS2PG_QUEUE_URL="$queue" AWS_ENDPOINT_URL="$SQS_ENDPOINT" DATABASE_URL="$DATABASE_URL" \
    SQS2PG_MASK_KEY_FILE=/run/secrets/mask.key \
    chroot --userspec="$uid:$uid" "$mnt" "$@"
}
[[ $(in_image id -u) == "$uid" ]] || {
  say "FAILED: not running as uid $uid"
  exit 1
}
version=$(in_image sqs2pg --version)
say "as uid $uid in the image: sqs2pg --version: $version"
if in_image ldd /usr/local/bin/sqs2pg | grep 'not found' >&2; then
  say "FAILED: a library is missing from the image"
  exit 1
fi
in_image sqs2pg produce --count "$events" --malformed-share 0.02 --log-level warn
in_image sqs2pg check >"$cache/check.log" 2>&1 || {
  cat "$cache/check.log" >&2
  say "FAILED: sqs2pg check"
  exit 1
}
in_image sqs2pg drain >"$cache/drain.log" 2>&1 || {
  tail -n 30 "$cache/drain.log" >&2
  say "FAILED: sqs2pg drain"
  exit 1
}
read -r rows rejects < <(pg_sql -At -F ' ' -c \
  'SELECT (SELECT count(*) FROM user_logins), (SELECT count(*) FROM sqs2pg_rejects)')
if ((rows + rejects != events || rows == 0)); then
  say "FAILED: $rows rows and $rejects rejects for $events events"
  exit 1
fi

summary="image-check: PASS: $tag $(mb "$size") (debian:12-slim $(mb "$slim_size")), built in \
$((build_seconds / 60)) min $((build_seconds % 60)) s; as uid $uid in its root filesystem: \
$version, no library missing, produce $events, check ok, drain $rows rows + $rejects rejects"
echo "$summary" | tee "$cache/image-check.txt"
