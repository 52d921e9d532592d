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
#
# n8n is 2.8.4 on the node on PATH by default, installed once into ~/.cache/n8n-nodes-cogvideox by
# scripts/install-n8n.sh. N8N_VERSION=x.y.z N8N_NODE_VERSION=24.21.0 runs another n8n on a Node from npm instead.
# n8n keeps its defaults: SQLite and binary data on the filesystem, both inside the user folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

sandbox=false
[ "${1:-}" = "--sandbox" ] && sandbox=true

SANDBOX_OWNER_EMAIL="${SANDBOX_OWNER_EMAIL:-sandbox@example.com}"
SANDBOX_OWNER_PASSWORD="${SANDBOX_OWNER_PASSWORD:-Sandbox-n8n-1}"
CREDENTIAL_ID=ZhipuAiExample01 # the id examples/*.json refer to

say() { echo "[start] $*" >&2; }

# --- n8n (and its node) ---
node_bin=$(command -v node)
if [ -n "${N8N_NODE_VERSION:-}" ]; then
  node_bin=$(scripts/install-node.sh "$N8N_NODE_VERSION")
  n8n_dir=$(scripts/install-n8n.sh "${N8N_VERSION:-2.8.4}" "$node_bin")
else
  n8n_dir=$(scripts/install-n8n.sh "${N8N_VERSION:-2.8.4}")
fi
n8n() { "$node_bin" "$n8n_dir/node_modules/n8n/bin/n8n" "$@"; }

# --- this package, packed and installed into the user folder ---
if $sandbox; then
  user_folder="${N8N_SANDBOX_FOLDER:-$repo/.n8n-sandbox}"
else
  user_folder="${N8N_LOCAL_FOLDER:-$repo/.n8n-local}"
fi
nodes_dir="$user_folder/.n8n/nodes"
say "building and installing n8n-nodes-cogvideox into $nodes_dir"
npm run build --silent
work=$(mktemp -d)
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)
mkdir -p "$nodes_dir"
[ -f "$nodes_dir/package.json" ] || echo '{"name":"installed-nodes","private":true}' > "$nodes_dir/package.json"
(cd "$nodes_dir" && npm install "$work/$tarball" --legacy-peer-deps --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

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
cleanup() {
  [ -n "$n8n_pid" ] && kill "$n8n_pid" 2>/dev/null && wait "$n8n_pid" 2>/dev/null
  [ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null && wait "$standin_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
"$node_bin" "$n8n_dir/node_modules/n8n/bin/n8n" start & # not through n8n(): $! must be n8n's own pid
n8n_pid=$!
url="http://localhost:$N8N_PORT"
for _ in $(seq 1 300); do
  kill -0 "$n8n_pid" 2>/dev/null || { wait "$n8n_pid"; exit $?; }
  curl -sf "$url/rest/settings" >/dev/null 2>&1 && break
  sleep 0.5
done
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
wait "$n8n_pid"
