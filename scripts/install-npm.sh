#!/usr/bin/env bash
# Installs an npm release from the registry into a cache folder outside the repo and prints the path of its `npm`
# command, so that a check can run the npm a Node.js line comes with (Node 20: npm 10.8.2, Node 22: npm 10.9) rather
# than the machine's: put its folder first on PATH. It runs on the first `node` on PATH. A second call reuses it.
#   scripts/install-npm.sh <version>      e.g. 10.8.2
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/npm-env.sh"
source "$here/lib/cache.sh"
version="${1:?usage: scripts/install-npm.sh <npm version, e.g. 10.8.2>}"
cache_package "npm-$version" npm "$version" node_modules/.bin/npm
