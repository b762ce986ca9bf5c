#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on 127.0.0.1.
#
#   scripts/with-postgres.sh cargo test --workspace
#
# Installs Debian's `postgresql` package when initdb/pg_ctl are missing,
# creates a cluster in a temporary directory owned by the `postgres` OS user
# (trust authentication, loopback only, its own socket directory), starts it
# on a free port, exports
#   LUOSHI_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
# runs the command, and stops and removes the cluster on exit, also when the
# command fails or is interrupted. The command's exit status is returned.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG]..." >&2
    exit 2
fi

say() { printf 'with-postgres: %s\n' "$*" >&2; }

find_bin() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    # Debian keeps the server binaries out of PATH.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return 0
        fi
    done
    return 1
}

if ! find_bin initdb >/dev/null || ! find_bin pg_ctl >/dev/null; then
    say "initdb/pg_ctl not found: installing Debian's postgresql package"
    if [ "$(id -u)" -ne 0 ]; then
        say "installing needs root; run as root or install postgresql first"
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi
initdb=$(find_bin initdb)
pg_ctl=$(find_bin pg_ctl)

# The server refuses to run as root: run it as the postgres OS user.
as_postgres() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        say "the postgres OS user does not exist (is the postgresql package installed?)"
        exit 1
    fi
    if command -v runuser >/dev/null 2>&1; then
        as_postgres() { runuser -u postgres -- "$@"; }
    else
        as_postgres() { su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; }
    fi
fi

free_port() {
    python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

tmp=$(mktemp -d /tmp/luoshi-pg.XXXXXX)
data="$tmp/data"
sock="$tmp/sock"
log="$tmp/server.log"
mkdir -p "$sock"
if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$tmp"
fi
chmod 700 "$tmp"

started=0
cleanup() {
    local status=$?
    if [ "$started" -eq 1 ]; then
        as_postgres "$pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_postgres "$initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1 || {
    cat "$tmp/initdb.log" >&2
    say "initdb failed"
    exit 1
}

port=""
for _ in 1 2 3 4 5; do
    port=$(free_port)
    # fsync off: the cluster is thrown away, and the tests run faster.
    if as_postgres "$pg_ctl" -D "$data" -l "$log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null; then
        started=1
        break
    fi
    say "could not start on port $port, trying another"
done
if [ "$started" -ne 1 ]; then
    cat "$log" >&2 || true
    say "PostgreSQL did not start"
    exit 1
fi

export LUOSHI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
say "PostgreSQL $("$pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port ($tmp)"

set +e
"$@"
status=$?
set -e
exit "$status"
