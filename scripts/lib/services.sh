# Sourced by scripts/test: PostgreSQL and Redis on 127.0.0.1, started (and installed) if they are not running.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p "${PG_PORT:-5432}" 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

wait_for() {  # wait_for NAME CHECK
  for _ in $(seq 1 60); do
    if "$2"; then return 0; fi
    sleep 0.5
  done
  echo "FATAL: $1 is not reachable on 127.0.0.1 and could not be started; the database and coordination tests need it." >&2
  exit 1
}

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then return 1; fi
  echo "==> installing $* with apt-get"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The tests' server: TATIANA_TEST_POSTGRES_URL, by default the role postgres on 127.0.0.1:5432, database test.
PG_PORT="${PG_PORT:-5432}"
PG_TEST_URL="${TATIANA_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/test}"
pg_test_db_up() { psql -w "$PG_TEST_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; }

as_postgres() {  # run a command as the server's system user (a fresh Debian server trusts it on its socket)
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

pg_provision() {  # a fresh server: create the test database, and let its role in over TCP from this machine only
  echo "==> preparing PostgreSQL for the tests (database test, role postgres from 127.0.0.1)"
  if [ -z "$(as_postgres psql -p "$PG_PORT" -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'")" ]; then
    as_postgres createdb -p "$PG_PORT" test
  fi
  if ! pg_test_db_up; then
    # Debian asks for a password over TCP and the test role has none: trust it from the loopback addresses (the
    # tests create and drop databases of their own). Only on a server this script prepares, for the default URL.
    local hba
    hba="$(as_postgres psql -p "$PG_PORT" -Atqc 'SHOW hba_file')"
    { printf 'host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust\n'; cat "$hba"; } > "$hba.new"
    chown --reference="$hba" "$hba.new" && chmod --reference="$hba" "$hba.new" && mv "$hba.new" "$hba"
    as_postgres psql -p "$PG_PORT" -Atqc 'SELECT pg_reload_conf()' >/dev/null
  fi
}

if ! pg_up; then
  echo "==> starting PostgreSQL"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql || true; fi
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  wait_for PostgreSQL pg_up
fi
if ! pg_test_db_up && [ -z "${TATIANA_TEST_POSTGRES_URL:-}" ]; then
  pg_provision || true
fi
wait_for "PostgreSQL's test database (TATIANA_TEST_POSTGRES_URL)" pg_test_db_up

if ! redis_up; then
  echo "==> starting Redis"
  if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server || true; fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_for Redis redis_up
fi
