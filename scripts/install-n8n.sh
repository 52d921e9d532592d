#!/usr/bin/env bash
# Installs a given n8n release from npm into a cache folder outside the repo and prints that folder.
# A second call with the same arguments reuses the install.
#   scripts/install-n8n.sh [version] [node binary]
#     version       default: $N8N_VERSION or 2.8.4 (the newest that runs on Node 20)
#     node binary   the Node.js that will run this n8n (default: $N8N_NODE or the `node` on PATH). n8n's native
#                   modules (sqlite3, isolated-vm) are built for it, so the cache folder is keyed by its major version
#                   too when it is not the default node, e.g. n8n-2.41.3-node24.
set -euo pipefail
version="${1:-${N8N_VERSION:-2.8.4}}"
node_bin="${2:-${N8N_NODE:-}}"
cache="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-cogvideox}"
dir="$cache/n8n-$version"
if [ -n "$node_bin" ]; then
  node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
  dir="$cache/n8n-$version-node$node_major"
fi
if [ -f "$dir/.installed" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then
  echo "$dir"
  exit 0
fi
# One install at a time per folder: a second caller (e.g. the e2e suite while .ci/run prefetches) waits for it.
mkdir -p "$cache"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.installed" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then
  echo "$dir"
  exit 0
fi
rm -rf "$dir" # whatever a failed or interrupted install left
mkdir -p "$dir"
# n8n's own xlsx dependency points at a host outside the npm registry; the registry's 0.18.5 replaces it.
cat > "$dir/package.json" <<JSON
{
  "name": "n8n-runtime-$version",
  "private": true,
  "dependencies": { "n8n": "$version" },
  "overrides": { "xlsx": "0.18.5" }
}
JSON
started=$(date +%s)
if [ -z "$node_bin" ]; then
  echo "Installing n8n $version into $dir (the first time takes several minutes)..." >&2
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error 1>&2)
else
  # npm runs install scripts with the node on PATH, which may not be the one n8n will run on (and newer n8n
  # releases refuse older nodes in their scripts): install without scripts, then build the native modules with the
  # target node first on PATH.
  echo "Installing n8n $version for Node $("$node_bin" --version) into $dir (the first time takes several minutes)..." >&2
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error 1>&2)
  node_dir=$(dirname "$node_bin")
  (cd "$dir" && PATH="$node_dir:$PATH" npm_config_nodedir="$(dirname "$node_dir")" "$node_bin" "$(command -v npm | xargs readlink -f | xargs dirname)/npm-cli.js" rebuild sqlite3 isolated-vm --no-audit --no-fund --loglevel=error 1>&2)
fi
echo "n8n $version installed in $(( $(date +%s) - started )) s" >&2
touch "$dir/.installed"
echo "$dir"
