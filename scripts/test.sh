#!/usr/bin/env bash
# `npm test`: the type check, the unit and integration tests, then the end-to-end suite in a real n8n for every
# target in test/e2e/targets.json. The n8n installs the suite needs (several minutes each, the first time) start at
# once in the background, side by side, so they overlap with the type check, the unit tests and each other; the
# suite waits for them (scripts/install-n8n.sh holds a lock per install folder).
#   npm test                     everything
#   npm test -- node20           the end-to-end suite for one target only (a jest path filter)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
log=.tmp/install-e2e.log
# The installs run under npm_config_ignore_scripts=true, as they would for a user whose ~/.npmrc turns install
# scripts off: they must build n8n's native modules whatever npm configuration their caller exports.
set -m # the installs get their own process group, so a failed check stops all of them
npm_config_ignore_scripts=true scripts/install-e2e.sh "$@" > "$log" 2>&1 &
installs=$!
set +m
trap 'kill -- "-$installs" 2>/dev/null || true' EXIT
echo "[test] installing the end-to-end targets' n8n in the background (log: $log)"

npm run typecheck
npm run test:unit

if ! wait "$installs"; then
  echo "[test] an n8n install failed:" >&2
  grep -E '^\[install-n8n\]|ERR|error' "$log" | tail -20 >&2
  exit 1
fi
trap - EXIT
grep -E '^\[install-n8n\] .*(installed and checked|failed its check)' "$log" || true
npm run test:e2e -- "$@"
