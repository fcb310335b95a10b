#!/usr/bin/env bash
# Start deploy/compose.yaml for real, check what an operations team would check, and take
# it down again: PostgreSQL, the one-shot migrate step with the database roles, two app
# instances, two workers, Redis and nginx with TLS. Without Docker Hub or a daemon:
# podman and podman-compose, the Hemma image from scripts/build_image_offline.sh and
# PostgreSQL, Redis and nginx from Debian's packages (deploy/compose.debian.yaml).
# docs/operations.md ("A compose drill") has what it showed.
#
#     sudo scripts/compose_drill.sh      # needs root, ports 80 and 443 free,
#                                        # apt-get install podman buildah runc debootstrap,
#                                        # pip install podman-compose (PODMAN_COMPOSE=path)
#
# KEEP=1 leaves the project running (then: podman-compose -p hemma down -v).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
compose_cli=${PODMAN_COMPOSE:-podman-compose}
host=hemma.drill.test
work=$(mktemp -d)
started=$(date +%s)
step() { echo "--- [$(($(date +%s) - started)) s] $*"; }
fail() {
  echo "DRILL FAILED: $*" >&2
  exit 1
}

# podman as scripts/build_image_offline.sh and tests/deploy use it (vfs, runc, cgroupfs,
# limits within this host's hard limits), through configuration files so that the
# podman that podman-compose calls uses them too.
cat >"$work/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_STORAGE_CONF=$work/storage.conf CONTAINERS_CONF=$work/containers.conf
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot

step "images"
if [[ ${REBUILD:-0} == 1 ]] || ! podman image exists localhost/hemma:local; then
  TAG=hemma:local scripts/build_image_offline.sh >/dev/null
fi
for name in postgres:15 redis:7 nginx:1.22; do
  if [[ ${REBUILD:-0} == 1 ]] || ! podman image exists "localhost/hemma-$name"; then
    buildah --storage-driver vfs bud --isolation chroot --format docker --layers=false \
      --build-arg BASE_IMAGE=localhost/hemma-base:bookworm \
      -f "deploy/debian/${name%%:*}.Containerfile" -t "localhost/hemma-$name" . >/dev/null
  fi
done
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep hemma

# The site's configuration, as docs/operations.md has it: an env file, the passwords and
# a certificate (self-signed here; the region's own in production).
step "configuration in $work"
cp -r deploy "$work/deploy"
cd "$work/deploy"
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$secret|" \
  -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=$host|" \
  -e "s|^CSRF_TRUSTED_ORIGINS=.*|CSRF_TRUSTED_ORIGINS=https://$host|" \
  hemma.env.example >hemma.env
export POSTGRES_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export HEMMA_APP_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
mkdir tls
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host" -keyout tls/server.key -out tls/server.crt 2>/dev/null
compose=("$compose_cli" -p hemma -f compose.yaml -f compose.debian.yaml)

# podman 4.3 (Debian bookworm) runs health checks from systemd timers; without systemd
# nothing runs them, so this loop does what the timers would.
(while true; do
  for id in $(podman ps -q 2>/dev/null); do podman healthcheck run "$id" >/dev/null 2>&1 || true; done
  sleep 3
done) &
health_loop=$!
cleanup() {
  kill "$health_loop" 2>/dev/null || true
  if [[ ${KEEP:-0} != 1 ]]; then
    (cd "$work/deploy" && "${compose[@]}" down -v -t 90 >/dev/null 2>&1) || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

wait_for() { # seconds, description, command...
  local until=$(($(date +%s) + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < until)) || fail "$what not within the time"
    sleep 2
  done
}

# The order compose.yaml asks for, one step at a time: podman-compose with podman older
# than 4.6 (Debian bookworm has 4.3) ignores `condition: service_healthy` (it says so), and
# podman 4.3 cannot start a container whose --requires chain is two deep ("not found in
# input list"), so each step is started with --no-deps after the one before is done.
# docker compose, or podman 4.6 and newer, keep this order themselves.
up() {
  "${compose[@]}" up -d --no-deps "$@" >>"$work/up.log" 2>&1 || {
    tail -20 "$work/up.log"
    fail "compose up $*"
  }
}
step "up: db and cache"
up db cache
wait_for 120 "a healthy database" sh -c \
  '[ "$(podman inspect --format "{{.State.Health.Status}}" hemma_db_1)" = healthy ]'
step "up: migrate (one-shot)"
up migrate
wait_for 600 "migrate to finish" sh -c \
  '[ "$(podman inspect --format "{{.State.Status}}" hemma_migrate_1)" = exited ]'
step "up: 2 web, 2 worker, proxy"
up web worker proxy
curl_https() { curl -sS --cacert "$work/deploy/tls/server.crt" --resolve "$host:443:127.0.0.1" "$@"; }
wait_for 240 "/healthz through the proxy" curl_https -f "https://$host/healthz"
step "up and answering through nginx with TLS"

# What ran and how.
migrate_exit=$(podman inspect --format '{{.State.ExitCode}}' hemma_migrate_1)
[[ $migrate_exit == 0 ]] || fail "migrate exited $migrate_exit: $(podman logs hemma_migrate_1 | tail -5)"
echo "migrate: exited 0"
for service in web worker; do
  running=$(podman ps --filter "label=com.docker.compose.service=$service" -q | wc -l)
  [[ $running == 2 ]] || fail "$running $service containers running, not 2"
  echo "$service: 2 running"
done
for n in 1 2; do
  podman exec "hemma_web_$n" python deploy/healthcheck.py /readyz >/dev/null ||
    fail "hemma_web_$n not ready"
  [[ $(podman exec "hemma_web_$n" id -u) == 10001 ]] || fail "hemma_web_$n not uid 10001"
done
echo "web 1 and 2: /readyz 200 from inside, uid 10001"
wait_for 60 "both web containers healthy" sh -c \
  '[ "$(podman inspect --format "{{.State.Health.Status}}" hemma_web_1 hemma_web_2 | sort -u)" = healthy ]'
echo "web 1 and 2: healthy (compose's health check on /readyz)"
psql() { podman exec hemma_db_1 psql -U postgres -d hemma -Atc "$1"; }
app_logins=$(psql "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
  WHERE datname = 'hemma' AND backend_type = 'client backend' AND usename <> 'postgres'")
[[ $app_logins == hemma_app ]] || fail "the app logs in as '$app_logins', not hemma_app"
foreign_tables=$(psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
  AND tableowner <> 'hemma_owner'")
[[ $foreign_tables == 0 ]] || fail "$foreign_tables tables not owned by hemma_owner"
echo "database: the app logs in as hemma_app; every table is hemma_owner's ($(psql \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") tables)"

# Through the proxy: TLS, the redirect, the login page, /readyz and /metrics closed.
[[ $(curl -s -o /dev/null -w '%{http_code}' --resolve "$host:80:127.0.0.1" "http://$host/") == 301 ]] ||
  fail "http:// is not redirected"
login=$(curl_https -o /dev/null -w '%{http_code} %{ssl_verify_result}' "https://$host/login/")
[[ $login == "200 0" ]] || fail "login page: $login"
for closed in readyz metrics; do
  code=$(curl_https -o /dev/null -w '%{http_code}' "https://$host/$closed")
  [[ $code == 403 || $code == 404 ]] || fail "/$closed from outside: $code"
done
echo "proxy: http 301 to https, /login/ 200 over a verified TLS connection, /readyz and /metrics closed"

# Both app instances answer through the proxy: nginx spreads requests over every address
# of `web`; each request's X-Request-ID is in the log of the instance that served it.
for i in $(seq 1 20); do curl_https -o /dev/null "https://$host/login/?drill=$i"; done
sleep 1
for n in 1 2; do
  served=$(podman logs "hemma_web_$n" 2>&1 | grep -c '/login/' || true)
  ((served > 0)) || fail "hemma_web_$n served none of 20 requests"
  echo "web $n: served $served of the login requests"
done

# A worker that restarts in a loop is not running: after 30 s each must still be up once.
sleep 30
for n in 1 2; do
  restarts=$(podman inspect --format '{{.RestartCount}} {{.State.Status}}' "hemma_worker_$n")
  [[ $restarts == "0 running" ]] || fail "hemma_worker_$n: $restarts"
done
echo "worker 1 and 2: running, no restarts after 30 s"

step "stop (graceful) and start again: the data stays"
migrated_at=$(psql "SELECT max(applied) FROM django_migrations")
stop_started=$(date +%s)
"${compose[@]}" stop -t 90 >/dev/null 2>&1
echo "stop: every container stopped in $(($(date +%s) - stop_started)) s"
up db cache
wait_for 120 "a healthy database after the restart" sh -c \
  '[ "$(podman inspect --format "{{.State.Health.Status}}" hemma_db_1)" = healthy ]'
up migrate
wait_for 600 "migrate to finish again" sh -c \
  '[ "$(podman inspect --format "{{.State.Status}}" hemma_migrate_1)" = exited ]'
up web worker proxy
wait_for 240 "/healthz after the restart" curl_https -f "https://$host/healthz"
[[ $(podman inspect --format '{{.State.ExitCode}}' hemma_migrate_1) == 0 ]] ||
  fail "migrate on an existing database"
[[ $(psql "SELECT max(applied) FROM django_migrations") == "$migrated_at" ]] ||
  fail "the database was made anew: the volume did not keep it"
echo "restart: the same database (volume kept), migrate ran again with nothing to do (exit 0), the app answers"
step "drill passed"
