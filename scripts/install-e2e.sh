#!/usr/bin/env bash
# Installs the n8n (and Node.js) of end-to-end targets, as pinned in test/e2e/targets.json, into the cache folder,
# the installs side by side. `npm test` and `npm run test:compat` (scripts/test.sh) start this in the background, so
# the downloads overlap with the type check, the unit tests and each other; the suite waits for them.
#   scripts/install-e2e.sh [target ...]      e.g. node24 n8n1; default: the default target for this Node.js
#   scripts/install-e2e.sh --all             every target
# Which Node.js runs which target: scripts/lib/targets.cjs.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [ "${1:-}" = --all ]; then
  targets=("$(node scripts/lib/targets.cjs default)")
  mapfile -t -O 1 targets < <(node scripts/lib/targets.cjs compat)
elif [ ${#targets[@]} -eq 0 ]; then
  targets=("$(node scripts/lib/targets.cjs default)")
fi
pids=()
while read -r name n8n_version node_version; do
  if [ "$node_version" = - ]; then
    scripts/install-n8n.sh "$n8n_version" >/dev/null &
  else
    ( scripts/install-n8n.sh "$n8n_version" "$(scripts/install-node.sh "$node_version")" >/dev/null ) &
  fi
  pids+=($!)
  echo "[install-e2e] $name: n8n $n8n_version on Node $([ "$node_version" = - ] && node --version || echo "v$node_version (from npm)")" >&2
done < <(node scripts/lib/targets.cjs show "${targets[@]}")
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
