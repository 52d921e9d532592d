#!/usr/bin/env bash
# Installs a given n8n release from npm into a cache folder outside the repo and prints that folder.
# A second call with the same version reuses the install.
#   scripts/install-n8n.sh [version]      (default: $N8N_VERSION or 2.8.4, the newest that runs on Node 20)
set -euo pipefail
version="${1:-${N8N_VERSION:-2.8.4}}"
cache="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-cogvideox}"
dir="$cache/n8n-$version"
if [ -f "$dir/.installed" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then
  echo "$dir"
  exit 0
fi
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
echo "Installing n8n $version into $dir (the first time takes several minutes)..." >&2
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error 1>&2)
touch "$dir/.installed"
echo "$dir"
