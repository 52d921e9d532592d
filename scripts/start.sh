#!/usr/bin/env bash
# Starts a local n8n (2.8.4 by default, installed once into a cache folder outside the repo) with this package
# built, packed and installed the way n8n installs a community node, in a user folder inside the repo (.n8n-local/).
#   npm start                      the editor on http://localhost:5678 (N8N_PORT overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
n8n_dir=$(scripts/install-n8n.sh)
user_folder="${N8N_LOCAL_FOLDER:-$repo/.n8n-local}"
nodes_dir="$user_folder/.n8n/nodes"

npm run build --silent
pack_dir=$(mktemp -d)
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$pack_dir" | tail -n 1)
mkdir -p "$nodes_dir"
[ -f "$nodes_dir/package.json" ] || echo '{"name":"installed-nodes","private":true}' > "$nodes_dir/package.json"
(cd "$nodes_dir" && npm install "$pack_dir/$tarball" --legacy-peer-deps --ignore-scripts --no-audit --no-fund --loglevel=error)
rm -rf "$pack_dir"

export N8N_USER_FOLDER="$user_folder"
export N8N_PORT="${N8N_PORT:-5678}"
export N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_PERSONALIZATION_ENABLED=false
export N8N_SECURE_COOKIE=false NODE_ENV=production
echo "n8n with n8n-nodes-cogvideox: http://localhost:$N8N_PORT (user folder $user_folder)"
exec node "$n8n_dir/node_modules/n8n/bin/n8n" start
