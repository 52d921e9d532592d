#!/usr/bin/env bash
# The services n8n's queue mode needs, private to one folder: a Postgres cluster and a Redis server, each on a free
# port of 127.0.0.1 (nothing listens elsewhere), for `npm run start:queue` and the queue-mode tests
# (test/e2e/queue.ts). Nothing is shared with a system-wide Postgres or Redis: a machine may run several of these.
#
#   scripts/queue-services.sh start DIR [--watch-pid PID]
#       Creates DIR if needed. A Postgres cluster in DIR/postgres (initdb the first time; a second start reuses it,
#       so `npm run start:queue` keeps its workflows and executions), its unix socket in DIR/run; a Redis server with
#       no persistence (no RDB, no AOF: the queue is empty after a restart). Ports are chosen free every start.
#       Prints the environment an n8n process needs, one KEY=value a line (also written to DIR/services.env):
#         DB_TYPE, DB_POSTGRESDB_HOST/PORT/DATABASE/USER/PASSWORD, QUEUE_BULL_REDIS_HOST/PORT,
#         QUEUE_SERVICES_POSTGRES_PID, QUEUE_SERVICES_REDIS_PID
#       --watch-pid PID: stop both services by themselves once process PID is gone (a test runner that crashed).
#   scripts/queue-services.sh stop DIR [--delete]
#       Stops both (fast shutdown, then SIGKILL after 15 s); --delete removes DIR too.
#
# Debian's `postgresql` and `redis-server` packages are installed with apt-get when missing (as root; otherwise the
# script says which `sudo apt-get install` to run). As root, Postgres runs as the `postgres` OS user (it refuses to
# run as root): DIR/postgres and DIR/run are chowned to it. If DIR's parents do not let that user through (a folder
# under /root), Postgres's files go to ~postgres/n8n-queue-<hash of DIR> instead; stop --delete removes them too.
# PG_BINDIR overrides where initdb/postgres are found (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
say() { echo "[queue-services] $*" >&2; }
die() { say "$*"; exit 1; }

usage='usage: scripts/queue-services.sh start DIR [--watch-pid PID] | stop DIR [--delete]'
command="${1:-}"
dir="${2:-}"
[ -n "$command" ] && [ -n "$dir" ] || die "$usage"
shift 2
[ "$command" = start ] && mkdir -p "$dir"
[ -d "$dir" ] && dir=$(cd "$dir" && pwd) # stop: the folder may be gone (the watcher still knows the pids)

is_root() { [ "$(id -u)" = 0 ]; }
# Postgres's files: in DIR, unless Postgres runs as the postgres OS user (as root) and that user cannot get through
# DIR's parents (e.g. a repository under /root): then in that user's home, in a folder named after DIR.
# Decided once the postgres user exists: after the install, when the packages were missing.
choose_pg_root() {
  pg_root="$dir"
  if is_root && id postgres >/dev/null 2>&1; then
    local pg_home
    pg_home="$(getent passwd postgres | cut -d: -f6)/n8n-queue-$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
    if [ -d "$pg_home" ]; then
      pg_root="$pg_home"
    elif [ "$command" = start ] && ! runuser -u postgres -- test -x "$dir"; then
      pg_root="$pg_home"
    fi
  fi
  pg_data="$pg_root/postgres"
  pg_run="$pg_root/run" # the unix socket
  pg_log="$pg_root/postgres.log"
}
choose_pg_root
redis_dir="$dir/redis"
redis_pidfile="$redis_dir/redis.pid"
env_file="$dir/services.env"

# --- stop ---
pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() { # pid signal: send it, wait up to 15 s, then SIGKILL
  local pid="$1" signal="$2"
  pid_alive "$pid" || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do pid_alive "$pid" || return 0; sleep 0.1; done
  say "process $pid did not stop in 15 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}
same_process() { # pid name: prints pid if that process runs a command whose name starts with `name`
  local comm
  comm=$(cat "/proc/$1/comm" 2>/dev/null || true)
  [[ -n "$1" && "$comm" == "$2"* ]] && echo "$1" || true
}
stop_services() {
  local watcher postmaster redis
  watcher=$(cat "$dir/watcher.pid" 2>/dev/null || true)
  # The watcher is the one calling stop when its process is gone: it must not kill itself.
  if [ -n "$watcher" ] && [ "$watcher" != "${QUEUE_SERVICES_WATCHER:-}" ]; then kill "$watcher" 2>/dev/null || true; fi
  rm -f "$dir/watcher.pid"
  postmaster=$(head -1 "$pg_data/postmaster.pid" 2>/dev/null || true)
  redis=$(cat "$redis_pidfile" 2>/dev/null || true)
  # The watcher knows both pids from the start: the folder may be gone by the time it acts (a caller that was killed
  # and whose temp folder was removed). A pid is used only while it is still that service's process.
  if [ -n "${QUEUE_SERVICES_WATCHER:-}" ]; then
    [ -n "$postmaster" ] || postmaster=$(same_process "$QUEUE_SERVICES_POSTGRES_PID" postgres)
    [ -n "$redis" ] || redis=$(same_process "$QUEUE_SERVICES_REDIS_PID" redis-server)
  fi
  # SIGINT is Postgres's "fast" shutdown: running sessions are ended, and the cluster is clean for a next start.
  stop_pid "$postmaster" INT &
  stop_pid "$redis" TERM &
  wait
  rm -f "$env_file"
}

if [ "$command" = stop ]; then
  stop_services
  if [ "${1:-}" = --delete ]; then
    rm -rf "$dir"
    [ "$pg_root" = "$dir" ] || rm -rf "$pg_root"
    say "stopped Postgres and Redis, removed $dir"
  else
    say "stopped Postgres and Redis ($dir kept)"
  fi
  exit 0
fi
[ "$command" = start ] || die "$usage"
watch_pid=""
if [ "${1:-}" = --watch-pid ]; then watch_pid="${2:?--watch-pid needs a PID}"; fi

# --- the packages ---
pg_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}
missing=()
pg_bindir >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if ! is_root; then
    die "queue mode needs Debian's ${missing[*]}: run  sudo apt-get install -y ${missing[*]}"
  fi
  say "installing ${missing[*]} with apt-get (queue mode needs them)"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -q --no-install-recommends "${missing[@]}" >"$dir/apt.log" 2>&1; }
  if ! apt_install; then
    say "apt-get install failed; updating the package lists and trying again"
    apt-get update -q >"$dir/apt.log" 2>&1 || true
    apt_install || { tail -20 "$dir/apt.log" >&2; die "could not install ${missing[*]} (log: $dir/apt.log)"; }
  fi
  pg_bindir >/dev/null || die "postgresql is installed, but no /usr/lib/postgresql/*/bin/initdb was found"
  command -v redis-server >/dev/null || die "redis-server is installed, but not on PATH"
fi
bindir=$(pg_bindir)
choose_pg_root

# --- a clean slate: whatever an earlier start left running in this folder is stopped first ---
if [ -f "$pg_data/postmaster.pid" ] || [ -f "$redis_pidfile" ] || [ -f "$dir/watcher.pid" ]; then
  stop_services
fi

source "$(dirname "$self")/lib/free-port.sh"
pg_port=$(free_port)
redis_port=$(free_port)
while [ "$redis_port" = "$pg_port" ]; do redis_port=$(free_port); done

# --- Postgres ---
mkdir -p "$pg_root" "$pg_run" "$redis_dir"
as_pg=() # how initdb, postgres and psql are run
if is_root; then
  id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (Debian's postgresql package creates it)"
  as_pg=(runuser -u postgres --)
  mkdir -p "$pg_data"
  touch "$pg_log"
  chown postgres: "$pg_root" "$pg_data" "$pg_run" "$pg_log"
  chmod 700 "$pg_data"
  "${as_pg[@]}" test -w "$pg_data" || die "the postgres OS user cannot write to $pg_data"
  [ "$pg_root" = "$dir" ] || say "the postgres OS user cannot get through to $dir, so Postgres keeps its files in $pg_root"
fi
db_name=n8n db_user=n8n
if [ ! -f "$pg_data/PG_VERSION" ]; then
  db_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  # The superuser may sign in over the unix socket in DIR/run without a password; n8n signs in over TCP with one.
  "${as_pg[@]}" "$bindir/initdb" -D "$pg_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { tail -20 "$dir/initdb.log" >&2; die "initdb failed"; }
  (umask 077 && echo "$db_password" > "$dir/db-password")
  fresh=true
else
  db_password=$(cat "$dir/db-password")
  fresh=false
fi
# The settings on the command line win over postgresql.conf: a kept cluster gets this start's port.
"${as_pg[@]}" "$bindir/pg_ctl" -D "$pg_data" -l "$pg_log" -w -t 60 start -o \
  "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_run -c max_connections=200" >/dev/null ||
  { tail -20 "$pg_log" >&2; die "Postgres did not start (log: $pg_log)"; }
if $fresh; then
  "${as_pg[@]}" "$bindir/psql" -h "$pg_run" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE $db_user LOGIN PASSWORD '$db_password'" -c "CREATE DATABASE $db_name OWNER $db_user" >/dev/null ||
    die "could not create the n8n role and database"
fi
postgres_pid=$(head -1 "$pg_data/postmaster.pid")

# --- Redis: no persistence, so nothing is written but its log ---
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$redis_dir" \
  --daemonize yes --pidfile "$redis_pidfile" --logfile "$dir/redis.log" >/dev/null ||
  { stop_services; die "redis-server did not start (log: $dir/redis.log)"; }
for _ in $(seq 1 100); do [ -s "$redis_pidfile" ] && break; sleep 0.1; done
redis_pid=$(cat "$redis_pidfile" 2>/dev/null || true)
ready=false
for _ in $(seq 1 100); do
  # A PING over bash's /dev/tcp: redis-cli is not needed.
  if { exec 3<>"/dev/tcp/127.0.0.1/$redis_port"; } 2>/dev/null; then
    printf 'PING\r\n' >&3
    read -r -t 2 answer <&3 || answer=""
    exec 3>&-
    [[ "$answer" == +PONG* ]] && { ready=true; break; }
  fi
  sleep 0.1
done
$ready || { stop_services; die "redis-server did not answer PING on port $redis_port (log: $dir/redis.log)"; }

# --- what a caller needs ---
(umask 077 && cat > "$env_file" <<ENV
DB_TYPE=postgresdb
DB_POSTGRESDB_HOST=127.0.0.1
DB_POSTGRESDB_PORT=$pg_port
DB_POSTGRESDB_DATABASE=$db_name
DB_POSTGRESDB_USER=$db_user
DB_POSTGRESDB_PASSWORD=$db_password
QUEUE_BULL_REDIS_HOST=127.0.0.1
QUEUE_BULL_REDIS_PORT=$redis_port
QUEUE_SERVICES_POSTGRES_PID=$postgres_pid
QUEUE_SERVICES_REDIS_PID=$redis_pid
ENV
)

if [ -n "$watch_pid" ]; then
  # Its own session, so it outlives the caller's process group; stop_services ends it.
  QUEUE_SERVICES_WATCH="$watch_pid" QUEUE_SERVICES_POSTGRES_PID="$postgres_pid" QUEUE_SERVICES_REDIS_PID="$redis_pid" setsid bash -c '
    export QUEUE_SERVICES_WATCHER=$$
    echo $$ > "$1/watcher.pid"
    while kill -0 "$QUEUE_SERVICES_WATCH" 2>/dev/null; do sleep 1; done
    exec "$0" stop "$1" 2>/dev/null
  ' "$self" "$dir" </dev/null >>"$dir/watcher.log" 2>&1 &
  for _ in $(seq 1 50); do [ -s "$dir/watcher.pid" ] && break; sleep 0.1; done
fi
say "Postgres $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (data: $pg_data), Redis on 127.0.0.1:$redis_port"
cat "$env_file"
