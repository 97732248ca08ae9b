#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, the demo and the benchmark: trust auth for the user
# "postgres", listening on 127.0.0.1:PORT only, its Unix socket in DIR (no need for a writable
# /var/run/postgresql).
#
# Usage: pg-throwaway.sh start DIR PORT [--fast]   create the cluster in DIR if needed, start it
#                                                   and wait until it accepts connections
#        pg-throwaway.sh stop DIR                   stop it (DIR is left for the caller to remove)
#
# --fast turns durability off (fsync, synchronous_commit, full_page_writes): fine for tests, but
# never for the benchmark, whose figures must be those of a real, durable server.
set -euo pipefail

die() {
  echo "pg-throwaway: $*" >&2
  exit 1
}

# pg_bin: where the server binaries are.
# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"

# PostgreSQL refuses to run as root: then the cluster belongs to the postgres OS user.
as_owner() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 port=$2 fast=$3 bin out opts
  [[ $port =~ ^[0-9]+$ ]] || die "bad PORT: $port"
  # The directory goes into pg_ctl's -o string, which a shell splits: keep quoting simple.
  [[ $dir != *"'"* ]] || die "DIR must not contain a single quote"
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd) # absolute: it is also the socket directory
  if ((EUID == 0)); then
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "user postgres cannot reach $dir: make its parent directories traversable"
  fi

  if [[ ! -f $dir/PG_VERSION ]]; then
    # --no-sync: a throwaway cluster does not need its initial files flushed to disk.
    out=$(as_owner "$bin/initdb" -D "$dir" -A trust -U postgres -E UTF8 --locale=C --no-sync 2>&1) ||
      die "initdb failed:"$'\n'"$out"
  fi

  opts="-p $port -k '$dir' -c listen_addresses=127.0.0.1"
  if [[ $fast == yes ]]; then
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  if ! as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/postgres.log" -o "$opts" -w -t 60 start >/dev/null; then
    tail -n 20 "$dir/postgres.log" >&2 || true
    die "could not start PostgreSQL in $dir on port $port"
  fi
}

stop() {
  local dir=$1
  [[ -f $dir/postmaster.pid ]] || return 0 # not running: nothing to do
  as_owner "$(pg_bin)/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
}

case "${1:-}" in
  start)
    (($# == 3 || $# == 4)) || die "usage: $0 start DIR PORT [--fast]"
    fast=no
    if (($# == 4)); then
      [[ $4 == --fast ]] || die "unknown option: $4"
      fast=yes
    fi
    start "$2" "$3" "$fast"
    ;;
  stop)
    (($# == 2)) || die "usage: $0 stop DIR"
    stop "$2"
    ;;
  *)
    die "usage: $0 start DIR PORT [--fast] | stop DIR"
    ;;
esac
