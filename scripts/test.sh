#!/usr/bin/env bash
# `npm test`: the type check, the unit and integration tests, then the end-to-end suite in a real n8n, in one target
# of test/e2e/targets.json: by default the one `npm start` uses on this Node.js (scripts/lib/targets.cjs: Node 20
# gets n8n 2.8.4, Node 22 n8n 2.35.x, Node 24 the newest 2.x), its install checks, and its queue mode where it has
# one (2.8.4 and the newest 2.x: the oldest and newest 2.x lines).
# `npm run test:compat`: the end-to-end suite in every other target (no type check or unit tests).
# The n8n installs a run needs (several minutes each, the first time) start at once in the background, side by side,
# so they overlap with the type check, the unit tests and each other; the suite waits for them (scripts/install-n8n.sh
# holds a lock per install folder).
#   npm test                        the type check, unit tests, and the default target
#   npm test -- node24 n8n1         the same with those targets instead (names from targets.json)
#   npm run test:compat             every target but the default one
#   npm run test:compat -- n8n1     those targets only
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
compat=false
if [ "${1:-}" = --compat ]; then
  compat=true
  shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  if $compat; then mapfile -t targets < <(node scripts/lib/targets.cjs compat); else targets=("$(node scripts/lib/targets.cjs default)"); fi
fi
node scripts/lib/targets.cjs show "${targets[@]}" >/dev/null # an unknown name stops here, with the known ones
log=.tmp/install-e2e.log
$compat && log=.tmp/install-e2e-compat.log
# The installs run under npm_config_ignore_scripts=true, as they would for a user whose ~/.npmrc turns install
# scripts off: they must build n8n's native modules whatever npm configuration their caller exports.
set -m # the installs get their own process group, so a failed check stops all of them
npm_config_ignore_scripts=true scripts/install-e2e.sh "${targets[@]}" > "$log" 2>&1 &
installs=$!
set +m
trap 'kill -- "-$installs" 2>/dev/null || true' EXIT
echo "[test] installing n8n for ${targets[*]} in the background (log: $log)"

if ! $compat; then
  npm run typecheck
  npm run test:unit
fi

# While n8n installs: one build of the package for every suite, made here (scripts/pack.sh), or the one the caller
# made for its whole run (.ci/run exports COGVIDEOX_TARBALL).
if [ -z "${COGVIDEOX_TARBALL:-}" ]; then
  COGVIDEOX_TARBALL=$(scripts/pack.sh .tmp/pack)
  export COGVIDEOX_TARBALL
fi
if ! wait "$installs"; then
  echo "[test] an n8n install failed:" >&2
  grep -E '^\[install-n8n\]|ERR|error' "$log" | tail -20 >&2
  exit 1
fi
trap - EXIT
grep -E '^\[install-n8n\] .*(installed and checked|failed its check|crashed)' "$log" || true
# Each target's files are <target>.e2e.test.ts (the examples) and <target>.queue.e2e.test.ts (queue mode, where it
# has one); install.e2e.test.ts checks the installs of the targets named in N8N_E2E_TARGETS.
patterns=('/install\.e2e\.')
for target in "${targets[@]}"; do patterns+=("/$target\\."); done
# E2E_WORKERS=N runs N test files side by side (default 2: their n8n runs wait on the stand-in much of the time, so
# two at a time finish sooner on two cores; 1 runs them one after the other).
N8N_E2E_TARGETS="$(IFS=,; echo "${targets[*]}")" npm run test:e2e -- --maxWorkers="${E2E_WORKERS:-2}" "${patterns[@]}"
