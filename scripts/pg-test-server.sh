#!/usr/bin/env bash
# A private PostgreSQL server for the shared-store tests: its data directory and unix socket
# live in DIR, it listens on 127.0.0.1:PORT only, local connections are trusted (no password),
# and fsync stays on so that the tests see the durability a clinic would get.
#
#   pg-test-server.sh start DIR PORT   prints postgresql://postgres@127.0.0.1:PORT/postgres
#   pg-test-server.sh stop DIR [PORT]
#
# Idempotent: starting a running server prints its URL again; stopping a stopped one is fine.
# initdb refuses to run as root, so a root run hands DIR to the `postgres` OS user.
# PG_BINDIR overrides where initdb and pg_ctl are looked for.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR [PORT]" >&2
  exit 2
}

find_bindir() {
  if [[ -n ${PG_BINDIR:-} ]]; then
    if [[ -x $PG_BINDIR/initdb && -x $PG_BINDIR/pg_ctl ]]; then
      echo "$PG_BINDIR"
      return
    fi
    echo "pg-test-server: no initdb and pg_ctl in PG_BINDIR=$PG_BINDIR" >&2
    exit 3
  fi
  local dir candidates=(/usr/lib/postgresql/*/bin)
  # The newest installed major version first.
  for dir in $(printf '%s\n' "${candidates[@]}" | sort -t/ -k5 -V -r); do
    if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
      echo "$dir"
      return
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    return
  fi
  echo "pg-test-server: PostgreSQL server binaries (initdb, pg_ctl) not found;" \
    "install the Debian package 'postgresql' (scripts/install-deps.sh)" >&2
  exit 3
}

# Runs a server binary as the owner of the data directory.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

[[ $# -ge 2 ]] || usage
action=$1
dir=$2
port=${3:-}

case $action in
  start)
    [[ -n $port ]] || usage
    bindir=$(find_bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    data=$dir/data
    if [[ $(id -u) -eq 0 ]]; then
      if ! id postgres >/dev/null 2>&1; then
        echo "pg-test-server: running as root needs the 'postgres' OS user" >&2
        exit 3
      fi
      chown postgres: "$dir"
      chmod 0700 "$dir"
    fi
    if [[ ! -f $data/PG_VERSION ]]; then
      as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-instructions --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
      }
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      # -w waits until the server accepts connections (or fails to start).
      as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" \
        start >/dev/null || {
        cat "$dir/server.log" >&2 || true
        exit 1
      }
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bindir=$(find_bindir)
    data=$dir/data
    [[ -f $data/PG_VERSION ]] || exit 0
    if as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null ||
        as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null
    fi
    ;;
  *)
    usage
    ;;
esac
