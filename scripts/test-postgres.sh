#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for the tests: it listens on 127.0.0.1 only, keeps its
# data in a temporary folder and trusts local logins, so it needs no set-up and touches no other
# cluster on the machine.
#   scripts/test-postgres.sh start DIR   start a server with its data in DIR (created); prints the
#                                        libpq connection string (for WEIR_TEST_POSTGRES)
#   scripts/test-postgres.sh stop DIR    stop it and remove DIR
# PostgreSQL refuses to run as root, so as root the server runs as the postgres user (created by
# Debian's postgresql package).
set -euo pipefail

command="${1:?usage: $0 start|stop DIR}"
dir="${2:?usage: $0 start|stop DIR}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [[ -z "$bin" ]]; then
  echo "test-postgres.sh: no PostgreSQL server under /usr/lib/postgresql; install the postgresql package (scripts/install-deps.sh --test)" >&2
  exit 1
fi
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  as_owner=(runuser -u postgres --)
fi

case "$command" in
  start)
    mkdir -p "$dir"
    [[ ${#as_owner[@]} -eq 0 ]] || chown postgres: "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U weir --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # A free port: ask the kernel for one, then hand it to the server.
    port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null || {
      cat "$dir/server.log" >&2
      exit 1
    }
    echo "host=127.0.0.1 port=$port user=weir dbname=postgres"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
