#!/usr/bin/env bash
# Installs every n8n (and Node.js) the end-to-end suite runs in, as pinned in test/e2e/targets.json, into the cache
# folder, the installs side by side. `npm test` (scripts/test.sh) starts this in the background, so the downloads
# overlap with the type check, the unit tests and each other; the suite waits for them.
#   scripts/install-e2e.sh [target ...]      e.g. node20; default: every target
set -euo pipefail
cd "$(dirname "$0")/.."
pids=()
while read -r name n8n_version node_version; do
  if [ -z "$node_version" ]; then
    scripts/install-n8n.sh "$n8n_version" >/dev/null &
  else
    ( scripts/install-n8n.sh "$n8n_version" "$(scripts/install-node.sh "$node_version")" >/dev/null ) &
  fi
  pids+=($!)
  echo "[install-e2e] $name: n8n $n8n_version on Node ${node_version:-$(node --version)}" >&2
done < <(node -e '
  const targets = require(require("path").resolve("test/e2e/targets.json"));
  const wanted = process.argv.slice(1).filter((name) => name in targets);
  for (const [name, { n8n, node }] of Object.entries(targets)) {
    if (wanted.length === 0 || wanted.includes(name)) console.log(`${name} ${n8n} ${node ?? ""}`);
  }
' "$@")
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
