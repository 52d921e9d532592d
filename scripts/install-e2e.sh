#!/usr/bin/env bash
# Installs every n8n (and Node.js) the end-to-end suite runs in, as pinned in test/e2e/targets.json, into the cache
# folder, the installs side by side. The suite installs them itself when they are missing; .ci/run starts this in
# the background first, so the downloads overlap with `npm ci`, the unit tests and each other.
#   scripts/install-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
targets=test/e2e/targets.json
pids=()
while read -r n8n_version node_version; do
  if [ -z "$node_version" ]; then
    scripts/install-n8n.sh "$n8n_version" >/dev/null &
  else
    ( scripts/install-n8n.sh "$n8n_version" "$(scripts/install-node.sh "$node_version")" >/dev/null ) &
  fi
  pids+=($!)
done < <(node -e '
  const targets = require(require("path").resolve(process.argv[1]));
  for (const { n8n, node } of Object.values(targets)) console.log(`${n8n} ${node ?? ""}`);
' "$targets")
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
