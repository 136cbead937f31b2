#!/usr/bin/env bash
# Tessera tests: set-up (with PostgreSQL), a running local PostgreSQL with role+database tessera_test, then the
# whole pytest suite (extra arguments go to pytest). The exit code is pytest's; "no tests collected" fails too.
# Usage: bash scripts/test.sh [pytest args…]
#   TESSERA_TEST_PG_URL already set → that server is used and no local PostgreSQL is touched.
#   TESSERA_TEST_NO_PG=1            → skip PostgreSQL entirely (its tests then skip).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[test] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  # Run from / so psql does not warn about an unreadable working directory.
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then (cd / && runuser -u postgres -- "$@")
    else (cd / && su -s /bin/sh postgres -c "$(printf '%q ' "$@")"); fi
  else (cd / && sudo -u postgres "$@"); fi
}

PG_PORT=5432

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }

start_postgres() {
  local ver="" name="" line i
  if command -v pg_lsclusters >/dev/null 2>&1; then
    # Prefer the cluster on 5432; otherwise the first one (its port goes into the URL).
    line=$(pg_lsclusters -h | awk '$3 == 5432' | head -n 1)
    [ -n "$line" ] || line=$(pg_lsclusters -h | head -n 1)
    read -r ver name PG_PORT _ <<<"$line" || true
    PG_PORT=${PG_PORT:-5432}
    pg_ready && return 0
    if [ -z "$ver" ]; then
      ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1); name=main
      say "creating PostgreSQL cluster $ver/$name"
      as_root pg_createcluster "$ver" "$name" >/dev/null
      PG_PORT=$(pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1 == v && $2 == n {print $3}')
    fi
    say "starting PostgreSQL $ver/$name on port $PG_PORT"
    as_root pg_ctlcluster "$ver" "$name" start || true
  else
    pg_ready && return 0
    say "starting PostgreSQL (service)"
    as_root service postgresql start || true
  fi
  for i in $(seq 1 60); do pg_ready && return 0; sleep 0.5; done
  say "PostgreSQL did not come up on 127.0.0.1:$PG_PORT (set TESSERA_TEST_NO_PG=1 to run without it)"
  exit 1
}

create_test_database() {
  as_postgres psql -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tessera') THEN
    CREATE ROLE tessera LOGIN PASSWORD 'tessera' CREATEDB;
  END IF;
END $$;
SELECT 'CREATE DATABASE tessera_test OWNER tessera'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tessera_test')\gexec
SQL
}

bash scripts/setup.sh --with-postgres

if [ -z "${TESSERA_TEST_PG_URL:-}" ] && [ "${TESSERA_TEST_NO_PG:-0}" != 1 ]; then
  start_postgres
  create_test_database
  export TESSERA_TEST_PG_URL="postgresql://tessera:tessera@127.0.0.1:$PG_PORT/tessera_test"
fi

set +e
QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest "$@"
rc=$?
set -e
[ "$rc" -eq 5 ] && say "pytest collected no tests: that is a failure"
exit "$rc"
