# Sourced by scripts/test: PostgreSQL and Redis on 127.0.0.1, started (and installed) if they are not running.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
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

if ! pg_up; then
  echo "==> starting PostgreSQL"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql || true; fi
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  wait_for PostgreSQL pg_up
fi

if ! redis_up; then
  echo "==> starting Redis"
  if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server || true; fi
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_for Redis redis_up
fi
