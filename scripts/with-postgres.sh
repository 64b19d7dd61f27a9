#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster (issue 17): installs Debian's `postgresql` when it is missing,
# creates a cluster in a temporary folder (as the `postgres` user when run as root: the server refuses root), starts it
# on a Unix socket only (no TCP port), exports KEFU_TEST_POSTGRES=postgres://…, runs the command, and stops the cluster
# and removes its folder however the command ends.
#
#   bash scripts/with-postgres.sh swift test --filter Postgres
#   bash scripts/with-postgres.sh --tcp 55432 .build/release/kefu serve --db "$KEFU_TEST_POSTGRES"   (TCP on loopback)
set -euo pipefail

tcp_port=""
if [ "${1:-}" = "--tcp" ]; then tcp_port="$2"; shift 2; fi

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

if ! bin=$(find_bin); then
    echo "== installing PostgreSQL from Debian (postgresql)"
    SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    bin=$(find_bin)
fi

folder=$(mktemp -d /tmp/kefu-pg.XXXXXX)
chmod 755 "$folder"
as_server=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$folder"
    as_server=(runuser -u postgres --)
fi
user=$("${as_server[@]}" id -un 2>/dev/null || id -un)

cleanup() {
    "${as_server[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$folder"
}
trap cleanup EXIT

"${as_server[@]}" "$bin/initdb" -D "$folder/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
listen="''"
if [ -n "$tcp_port" ]; then listen="127.0.0.1"; fi
port=${tcp_port:-55433}
"${as_server[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -s \
    -o "-c listen_addresses=$listen -p $port -k $folder -c max_connections=400 -c fsync=on" start
"${as_server[@]}" "$bin/createdb" -h "$folder" -p "$port" -U "$user" kefu

if [ -n "$tcp_port" ]; then
    export KEFU_TEST_POSTGRES="postgres://$user@127.0.0.1:$port/kefu?sslmode=disable"
else
    export KEFU_TEST_POSTGRES="postgres://$user@/kefu?host=$folder&port=$port"
fi
export KEFU_TEST_POSTGRES_LOG="$folder/server.log"
echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $KEFU_TEST_POSTGRES"
"$@"
