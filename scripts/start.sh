#!/usr/bin/env bash
# A local n8n with this package installed the way n8n installs a community node, and the workflows in examples/
# imported (again on every start, so they are always the current ones).
#
#   npm start                  n8n on http://localhost:5678, user folder .n8n-local/ (N8N_PORT overrides the port)
#                              ZHIPU_API_KEY=id.secret [ZHIPU_REGION=china|international] also creates the credential
#                              the examples use, "Zhipu AI account", so they run against the real API at once.
#   npm run start:sandbox      the same n8n (user folder .n8n-sandbox/), with the API stand-in (test/standin/) as a
#                              background process on 127.0.0.1 and a credential pointing at it: no account needed.
#                              The owner account is preset (SANDBOX_OWNER_EMAIL / SANDBOX_OWNER_PASSWORD below).
#                              The examples' placeholder image URLs point at sample images the stand-in serves.
#                              SANDBOX_STANDIN_INFO=file: where the stand-in writes its addresses (test/standin/cli.ts).
#   npm run start:queue        the same n8n in queue mode (user folder .n8n-queue/): a private Postgres and Redis
#                              (scripts/queue-services.sh, their data in <user folder>/services, on free loopback ports),
#                              one main (`n8n start`: editor, webhooks) and QUEUE_WORKERS workers (default 2, each
#                              `n8n worker --concurrency=$QUEUE_WORKER_CONCURRENCY`, default 10) that run the executions,
#                              manual runs from the editor included (OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true).
#                              Each worker's output lines start with "[worker N]"; it answers /healthz on its own port.
#                              Binary data goes to Postgres (n8n's queue-mode default); N8N_DEFAULT_BINARY_DATA_MODE=
#                              filesystem keeps it in the shared user folder instead.
#   npm run start:queue:sandbox  queue mode with the API stand-in, like start:sandbox (user folder .n8n-queue-sandbox/).
#                              (Both are `scripts/start.sh --queue [--sandbox]`.)
#
# n8n is the newest release that runs on the Node.js on PATH (Node 20: 2.8.4, Node 22: 2.35.x, Node 24: the newest
# 2.x: the default target of test/e2e/targets.json, which `npm test` checks; scripts/lib/targets.cjs picks it),
# installed once into ~/.cache/n8n-nodes-cogvideox by scripts/install-n8n.sh. Where that Node.js is too old for it,
# the pinned Node.js comes from npm (scripts/install-node.sh). N8N_VERSION=x.y.z runs another n8n on the node on
# PATH, N8N_VERSION=x.y.z N8N_NODE_VERSION=24.21.0 on a Node from npm.
# "ready" is printed once the editor (and each worker) answers; N8N_READY_TIMEOUT (seconds, default 600) is how long
# a start may take before it gives up and says so.
# Ctrl+C lets the executions in flight finish first (N8N_GRACEFUL_SHUTDOWN_TIMEOUT, default here 960 s: above the
# node's Timeout); a second Ctrl+C stops at once.
# Without --queue n8n keeps its defaults: SQLite and binary data on the filesystem, both inside the user folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

sandbox=false queue=false
for arg in "$@"; do
  case "$arg" in
    --sandbox) sandbox=true ;;
    --queue) queue=true ;;
    *) echo "usage: scripts/start.sh [--sandbox] [--queue]" >&2; exit 2 ;;
  esac
done
QUEUE_WORKERS="${QUEUE_WORKERS:-2}"
QUEUE_WORKER_CONCURRENCY="${QUEUE_WORKER_CONCURRENCY:-10}"

SANDBOX_OWNER_EMAIL="${SANDBOX_OWNER_EMAIL:-sandbox@example.com}"
SANDBOX_OWNER_PASSWORD="${SANDBOX_OWNER_PASSWORD:-Sandbox-n8n-1}"
CREDENTIAL_ID=ZhipuAiExample01 # the id examples/*.json refer to

say() { echo "[start] $*" >&2; }

# --- n8n (and its node) ---
read -r _ n8n_version node_version < <(node scripts/lib/targets.cjs show "$(node scripts/lib/targets.cjs default)")
[ -n "${N8N_VERSION:-}" ] && n8n_version=$N8N_VERSION node_version=-
node_version="${N8N_NODE_VERSION:-$node_version}"
node_bin=$(command -v node)
if [ "$node_version" != - ]; then
  node_bin=$(scripts/install-node.sh "$node_version")
  n8n_dir=$(scripts/install-n8n.sh "$n8n_version" "$node_bin")
else
  n8n_dir=$(scripts/install-n8n.sh "$n8n_version")
fi
say "n8n $n8n_version on Node $("$node_bin" --version)"
n8n() { "$node_bin" "$n8n_dir/node_modules/n8n/bin/n8n" "$@"; }

# --- this package, packed and installed into the user folder ---
if $queue && $sandbox; then
  user_folder="${N8N_QUEUE_SANDBOX_FOLDER:-$repo/.n8n-queue-sandbox}"
elif $queue; then
  user_folder="${N8N_QUEUE_FOLDER:-$repo/.n8n-queue}"
elif $sandbox; then
  user_folder="${N8N_SANDBOX_FOLDER:-$repo/.n8n-sandbox}"
else
  user_folder="${N8N_LOCAL_FOLDER:-$repo/.n8n-local}"
fi
nodes_dir="$user_folder/.n8n/nodes"
say "building and installing n8n-nodes-cogvideox into $nodes_dir"
work=$(mktemp -d)
tarball=$(scripts/pack.sh "$work") # the tarball CI built for the whole run, if it exported one (COGVIDEOX_TARBALL)
mkdir -p "$nodes_dir"
[ -f "$nodes_dir/package.json" ] || echo '{"name":"installed-nodes","private":true}' > "$nodes_dir/package.json"
(cd "$nodes_dir" && npm install "$tarball" --legacy-peer-deps --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

export N8N_USER_FOLDER="$user_folder"
export N8N_PORT="${N8N_PORT:-5678}"
export N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_PERSONALIZATION_ENABLED=false
export N8N_HIRING_BANNER_ENABLED=false N8N_DYNAMIC_BANNERS_ENABLED=false N8N_TEMPLATES_ENABLED=false
export N8N_SECURE_COOKIE=false N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true NODE_ENV=production
export N8N_COMMUNITY_PACKAGES_ENABLED=true N8N_REINSTALL_MISSING_PACKAGES=false
# Two n8n processes on one machine (e.g. npm start and the sandbox) must not share the task-runner broker port.
export N8N_RUNNERS_BROKER_PORT="${N8N_RUNNERS_BROKER_PORT:-$((N8N_PORT + 1))}"
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}"
if $sandbox; then
  export N8N_LISTEN_ADDRESS="${N8N_LISTEN_ADDRESS:-127.0.0.1}" # its owner password is in this file
fi

standin_pid=""
n8n_pid=""
worker_pids=()
services_dir=""
stop_now() {
  say "stopping at once: videos still being made are paid for; their task IDs are in the lines above (\"CogVideoX task ... created\"), for Get Result"
  for pid in "${worker_pids[@]}" $n8n_pid; do kill -KILL "$pid" 2>/dev/null || true; done
}
cleanup() {
  # n8n first (main and workers at once: each finishes its running executions, up to N8N_GRACEFUL_SHUTDOWN_TIMEOUT,
  # so no video in flight is lost), then what they use. A second Ctrl+C stops them at once.
  local pid
  trap stop_now INT
  for pid in "${worker_pids[@]}" $n8n_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in "${worker_pids[@]}" $n8n_pid; do wait "$pid" 2>/dev/null || true; done
  [ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null && wait "$standin_pid" 2>/dev/null
  [ -n "$services_dir" ] && "$repo/scripts/queue-services.sh" stop "$services_dir" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A stop (Ctrl+C, a deploy's SIGTERM) lets the executions in flight finish and hand on their videos: n8n waits for
# them up to N8N_GRACEFUL_SHUTDOWN_TIMEOUT, here above the node's default Timeout of 900 s (docs/scaling.md).
export N8N_GRACEFUL_SHUTDOWN_TIMEOUT="${N8N_GRACEFUL_SHUTDOWN_TIMEOUT:-960}"

# --- queue mode: Postgres and Redis, and what every n8n process shares ---
if $queue; then
  services_dir="$user_folder/services"
  # They stop with this script, or by themselves if it is killed (--watch-pid).
  services_env=$("$repo/scripts/queue-services.sh" start "$services_dir" --watch-pid $$)
  while IFS= read -r line; do [[ "$line" == *=* ]] && export "${line?}"; done <<<"$services_env"
  export EXECUTIONS_MODE=queue OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS="${OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS:-true}"
  # Every process must encrypt credentials with the same key: the one in the user folder's config, else a new one.
  if [ -z "${N8N_ENCRYPTION_KEY:-}" ]; then
    N8N_ENCRYPTION_KEY=$("$node_bin" -e '
      const f = process.argv[1]; let key = "";
      try { key = JSON.parse(require("fs").readFileSync(f, "utf8")).encryptionKey || ""; } catch {}
      console.log(key || require("crypto").randomBytes(24).toString("base64url"));
    ' "$user_folder/.n8n/config")
    export N8N_ENCRYPTION_KEY
  fi
fi

# --- the API stand-in (sandbox only): the examples' sample images are on its file host ---
if $sandbox; then
  say "starting the API stand-in (test/standin/cli.ts) on 127.0.0.1"
  standin_info="${SANDBOX_STANDIN_INFO:-$work/standin.json}"
  rm -f "$standin_info"
  "$repo/node_modules/.bin/tsx" test/standin/cli.ts --info "$standin_info" --watch-pid $$ &
  standin_pid=$!
  for _ in $(seq 1 100); do [ -s "$standin_info" ] && break; sleep 0.2; done
  [ -s "$standin_info" ] || { say "the stand-in did not start"; exit 1; }
  standin() { "$node_bin" -p "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')).$1" "$standin_info"; }
fi

# --- the example workflows, each with a fixed id, so a new import replaces the old one ---
# In the sandbox their placeholder image URLs point at the stand-in's sample images, so every example runs as is.
if $sandbox; then
  "$repo/node_modules/.bin/tsx" scripts/examples.ts "$work/workflows.json" --samples-origin "$(standin filesOrigin)"
else
  "$repo/node_modules/.bin/tsx" scripts/examples.ts "$work/workflows.json"
fi
n8n import:workflow --input="$work/workflows.json" >/dev/null

# --- the credential the examples use ---
write_credential() { # id type name region-or-url [baseUrl]; the key comes in $CREDENTIAL_API_KEY (not on a command line)
  "$node_bin" -e '
    const [file, id, type, name, third, baseUrl] = process.argv.slice(1);
    const apiKey = process.env.CREDENTIAL_API_KEY;
    const data = type === "openAiApi" ? { apiKey, url: third } : { apiKey, region: third, ...(baseUrl ? { baseUrl } : {}) };
    require("fs").writeFileSync(file, JSON.stringify([{ id, name, type, data }]), { mode: 0o600 });
  ' "$work/credentials.json" "$@"
  n8n import:credentials --input="$work/credentials.json" >/dev/null
  rm -f "$work/credentials.json"
}
CHAT_CREDENTIAL_ID=ZhipuAiOpenAiCompat # the OpenAI credential of the AI Agent example's chat model
if $sandbox; then
  api_url=$(standin apiUrl)
  CREDENTIAL_API_KEY="$(standin apiKey)" write_credential "$CREDENTIAL_ID" zhipuAiApi "Zhipu AI account (sandbox: stand-in API)" custom "$api_url"
  chat_url=$(standin chatBaseUrl)
  CREDENTIAL_API_KEY=sandbox write_credential "$CHAT_CREDENTIAL_ID" openAiApi "Zhipu AI (OpenAI-compatible) (sandbox: scripted chat model)" "$chat_url"
  say "credential \"Zhipu AI account (sandbox: stand-in API)\" points at $api_url; the AI Agent example's chat model is a scripted one"
elif [ -n "${ZHIPU_API_KEY:-}" ]; then
  region="${ZHIPU_REGION:-china}"
  case "$region" in china|international) ;; *) say "ZHIPU_REGION must be china or international, not \"$region\""; exit 1 ;; esac
  CREDENTIAL_API_KEY="$ZHIPU_API_KEY" write_credential "$CREDENTIAL_ID" zhipuAiApi "Zhipu AI account" "$region"
  # Zhipu's chat API speaks OpenAI's protocol: the AI Agent example's chat model uses the same key.
  chat_url=https://open.bigmodel.cn/api/paas/v4
  [ "$region" = international ] && chat_url=https://api.z.ai/api/paas/v4
  CREDENTIAL_API_KEY="$ZHIPU_API_KEY" write_credential "$CHAT_CREDENTIAL_ID" openAiApi "Zhipu AI (OpenAI-compatible)" "$chat_url"
  say "credentials \"Zhipu AI account\" (video) and \"Zhipu AI (OpenAI-compatible)\" (chat) created from ZHIPU_API_KEY (region $region)"
else
  say "no ZHIPU_API_KEY: the examples use the credential \"Zhipu AI account\" if you made one. To add it:"
  say "  - restart with your key:  ZHIPU_API_KEY=<id.secret> [ZHIPU_REGION=international] npm start"
  say "  - or in the editor: Credentials > Add credential > Zhipu AI API, then select it in each CogVideoX node"
  say "  - or try everything without an account:  npm run start:sandbox"
fi

# --- n8n itself ---
source scripts/lib/free-port.sh
worker_urls=()
if $queue; then
  # Workers: each its own task-runner broker port and health port; their lines are prefixed with "[worker N]"
  # (by a sed that ignores Ctrl+C, so a worker still has somewhere to write while it shuts down).
  for i in $(seq 1 "$QUEUE_WORKERS"); do
    health_port=$(free_port)
    N8N_RUNNERS_BROKER_PORT=$(free_port) QUEUE_HEALTH_CHECK_ACTIVE=true QUEUE_HEALTH_CHECK_PORT="$health_port" \
      N8N_WORKER_SERVER_ADDRESS=127.0.0.1 \
      "$node_bin" "$n8n_dir/node_modules/n8n/bin/n8n" worker --concurrency="$QUEUE_WORKER_CONCURRENCY" \
      > >(trap '' INT TERM; exec sed -u "s/^/[worker $i] /") 2>&1 &
    worker_pids+=($!)
    worker_urls+=("http://127.0.0.1:$health_port/healthz")
  done
fi
"$node_bin" "$n8n_dir/node_modules/n8n/bin/n8n" start & # not through n8n(): $! must be n8n's own pid
n8n_pid=$!
url="http://localhost:$N8N_PORT"
up() { # every n8n process still running, and the editor (and each worker's health check) answering
  local pid worker_url page
  for pid in $n8n_pid "${worker_pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { say "an n8n process ($pid) exited before it was ready"; exit 1; }
  done
  # The editor's page, not an API route: n8n answers its REST API (and, while it migrates, "n8n is starting up"
  # with 200) seconds before it registers the page last of all, and a loaded machine stretches that gap.
  page=$(curl -sf "$url/" 2>/dev/null) || return 1
  [[ "$page" == *"<title>n8n"* ]] || return 1
  for worker_url in "${worker_urls[@]}"; do curl -sf "$worker_url/readiness" >/dev/null 2>&1 || return 1; done
}
# A first start migrates a new database (in queue mode, Postgres's, beside the workers' own starts): on a busy
# machine that can take minutes. "ready" is said only once it is true; a start that never gets there says so.
ready_within=${N8N_READY_TIMEOUT:-600}
give_up_at=$(( SECONDS + ready_within ))
until up; do
  [ "$SECONDS" -lt "$give_up_at" ] || { say "n8n did not serve its editor at $url within ${ready_within} s (N8N_READY_TIMEOUT)"; exit 1; }
  sleep 0.5
done
if $queue; then
  say "queue mode: ${#worker_pids[@]} workers (concurrency $QUEUE_WORKER_CONCURRENCY each, health: ${worker_urls[*]}), Postgres on 127.0.0.1:$DB_POSTGRESDB_PORT, Redis on 127.0.0.1:$QUEUE_BULL_REDIS_PORT, binary data in ${N8N_DEFAULT_BINARY_DATA_MODE:-database}"
fi
if $sandbox; then
  if curl -sf "$url/rest/settings" | grep -q '"showSetupOnFirstLoad":true'; then
    curl -sf -X POST "$url/rest/owner/setup" -H 'Content-Type: application/json' \
      -d "{\"email\":\"$SANDBOX_OWNER_EMAIL\",\"firstName\":\"Sandbox\",\"lastName\":\"Owner\",\"password\":\"$SANDBOX_OWNER_PASSWORD\"}" >/dev/null \
      || say "could not preset the owner account; create one in the editor"
  fi
  say "ready: $url  (sign in as $SANDBOX_OWNER_EMAIL / $SANDBOX_OWNER_PASSWORD; every video is the same 4-second sample clip)"
else
  say "ready: $url  (the first time, n8n asks you to create its owner account: it stays in $user_folder)"
fi
say "the examples are under Overview > Workflows; they are imported again on every start, so edit a duplicate"
# Until n8n or a worker exits (or Ctrl+C): the rest is stopped with it.
wait -n "$n8n_pid" "${worker_pids[@]}"
