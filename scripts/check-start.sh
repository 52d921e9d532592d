#!/usr/bin/env bash
# Checks the README's start commands as a newcomer runs them: `npm start` (or `npm run start:sandbox`) in a fresh
# user folder, until it says it is ready; then, through the editor's own HTTP API, that n8n serves the editor, knows
# the CogVideoX node and the Zhipu AI API credential type, and holds every workflow in examples/. Prints the wall
# time from the command to a ready editor, and stops n8n again.
#   scripts/check-start.sh start            npm start (no API key: the real API is not reachable from CI)
#   scripts/check-start.sh start:sandbox    npm run start:sandbox (also: the sandbox credential exists)
#   scripts/check-start.sh start:queue      npm run start:queue (also: every worker answers /healthz, and the
#                                           main runs in queue mode on Postgres)
#   scripts/check-start.sh start:queue:sandbox   both of the above
set -euo pipefail
cd "$(dirname "$0")/.."
script="${1:?usage: scripts/check-start.sh start|start:sandbox|start:queue|start:queue:sandbox}"
sandbox=false queue=false
[[ "$script" == *sandbox* ]] && sandbox=true
[[ "$script" == start:queue* ]] && queue=true
say() { echo "[check-start] $*" >&2; }
fail() { say "FAILED ($script): $*"; exit 1; }

source scripts/lib/free-port.sh
port=$(free_port)
work=$(mktemp -d)
log="$work/start.log"
cookies="$work/cookies"
# A fresh user folder: nothing from an earlier start may make the check pass.
export N8N_LOCAL_FOLDER="$work/local" N8N_SANDBOX_FOLDER="$work/sandbox"
export N8N_QUEUE_FOLDER="$work/queue" N8N_QUEUE_SANDBOX_FOLDER="$work/queue-sandbox"
chmod 755 "$work" # queue mode: Postgres runs as the postgres OS user when this runs as root, and must get through
export N8N_PORT="$port" N8N_RUNNERS_BROKER_PORT="$(free_port)"
unset ZHIPU_API_KEY

started=$(date +%s)
set -m # npm, start.sh, n8n and the stand-in in one process group, stopped together
npm run "$script" > "$log" 2>&1 &
group=$!
set +m
stop() {
  kill -INT -- "-$group" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 -- "-$group" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$group" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

url=""
for _ in $(seq 1 1800); do # up to 15 minutes: the first start installs n8n
  url=$(sed -n 's/.*\[start\] ready: \(http:[^ ]*\).*/\1/p' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 "$group" 2>/dev/null || { tail -30 "$log" >&2; fail "npm run $script exited before it was ready"; }
  sleep 0.5
done
[ -n "$url" ] || { tail -30 "$log" >&2; fail "not ready after 15 minutes"; }
ready=$(( $(date +%s) - started ))

get() { curl -sf -b "$cookies" -c "$cookies" "$url$1"; }
post() { curl -sf -b "$cookies" -c "$cookies" -H 'Content-Type: application/json' -d "$2" "$url$1"; }
# Reads a JSON document from stdin and prints what the given function of it returns, one value per line.
json() { node -e 'let t="";process.stdin.on("data",(c)=>(t+=c)).on("end",()=>{const r=('"$1"')(JSON.parse(t));for(const v of [].concat(r))console.log(v)})'; }

# Every check reads a whole answer before matching it (grep -q on a pipe would cut curl off mid-answer).
page=$(get / || echo "curl failed: $?") && [[ "$page" == *"<title>n8n"* ]] || fail "no editor page at $url: ${page:0:200}"

email="${SANDBOX_OWNER_EMAIL:-sandbox@example.com}" password="${SANDBOX_OWNER_PASSWORD:-Sandbox-n8n-1}"
if ! $sandbox; then
  # What a newcomer does first in the editor: set up the owner account.
  email=owner@example.com password=Check-start-1
  post /rest/owner/setup "{\"email\":\"$email\",\"firstName\":\"New\",\"lastName\":\"User\",\"password\":\"$password\"}" >/dev/null \
    || fail "could not set up the owner account"
fi
post /rest/login "{\"emailOrLdapLoginId\":\"$email\",\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null || fail "could not sign in as $email"

node_types=$(get /types/nodes.json | json '(types) => types.map((t) => t.name)')
grep -qx 'n8n-nodes-cogvideox.cogVideoX' <<<"$node_types" || fail "the editor does not list the CogVideoX node (n8n-nodes-cogvideox.cogVideoX)"
credential_types=$(get /types/credentials.json | json '(types) => types.map((t) => t.name)')
grep -qx 'zhipuAiApi' <<<"$credential_types" || fail "the editor does not list the Zhipu AI API credential type"

workflows=$(get /rest/workflows | json '(body) => body.data.map((w) => w.name)')
missing=$(node -e '
  const fs = require("fs"), have = new Set(process.argv[1].split("\n"));
  const names = fs.readdirSync("examples").filter((f) => f.endsWith(".json")).map((f) => JSON.parse(fs.readFileSync("examples/" + f, "utf8")).name);
  console.log(names.filter((name) => !have.has(name)).join("; "));
' "$workflows")
[ -z "$missing" ] || fail "example workflows missing in the editor: $missing"
count=$(printf '%s\n' "$workflows" | grep -c .)

if $sandbox; then
  credentials=$(get /rest/credentials | json '(body) => body.data.map((c) => c.type + " " + c.name)')
  grep -q '^zhipuAiApi .*sandbox' <<<"$credentials" || fail "the sandbox's Zhipu AI credential is missing"
fi
extra=""
if $queue; then
  # start.sh names each worker's health URL once all of them answered; they must still answer now.
  health=$(sed -n 's/.*\[start\] queue mode: .*health: \([^)]*\)).*/\1/p' "$log" | head -1)
  workers=0
  for worker_url in $health; do
    answer=$(curl -sf "$worker_url" || echo "curl failed: $?")
    [[ "$answer" == *'"status":"ok"'* ]] || fail "worker health check $worker_url answered: $answer"
    workers=$((workers + 1))
  done
  [ "$workers" -eq "${QUEUE_WORKERS:-2}" ] || fail "expected ${QUEUE_WORKERS:-2} workers answering /healthz, found $workers ($health)"
  for i in $(seq 1 "$workers"); do
    grep -q "^\[worker $i\] n8n worker is now ready" "$log" || fail "worker $i never said it was ready"
  done
  mode=$(get /rest/settings | json '(body) => body.data.executionMode')
  [ "$mode" = queue ] || fail "the editor's settings say the execution mode is \"$mode\", not queue"
  extra=", $workers workers answering /healthz"
fi
say "npm run $script: the editor was ready at $url after ${ready} s, with the CogVideoX node, the Zhipu AI API credential type and $count workflows (every example)$extra"
