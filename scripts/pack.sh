#!/usr/bin/env bash
# Builds this package (`npm run build`: n8n-node build) and packs it as the Release workflow publishes it, into the
# given folder, and prints the tarball's path. The build is its own step, so that its output goes to stderr and the
# tarball's name alone to stdout; `npm pack --ignore-scripts` then skips prepack, which would build a second time.
# A run that builds once and shares the tarball among its suites and start checks (scripts/test.sh, .ci/run) exports
# it as COGVIDEOX_TARBALL: then this prints that one and builds nothing.
#   scripts/pack.sh <folder> [package folder]   the package folder defaults to this checkout; another one (a
#                                               benchmark's baseline, bench/baseline.ts) is always built
set -euo pipefail
package="${2:-}"
if [ -z "$package" ] && [ -n "${COGVIDEOX_TARBALL:-}" ]; then
  [ -f "$COGVIDEOX_TARBALL" ] || { echo "[pack] COGVIDEOX_TARBALL=$COGVIDEOX_TARBALL is not a file" >&2; exit 1; }
  echo "$COGVIDEOX_TARBALL"
  exit 0
fi
folder="${1:?usage: scripts/pack.sh <folder for the tarball>}"
mkdir -p "$folder"
folder=$(cd "$folder" && pwd)
cd "${package:-$(dirname "$0")/..}"
npm run build --silent >&2
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$folder" | tail -n 1)
echo "$folder/$tarball"
