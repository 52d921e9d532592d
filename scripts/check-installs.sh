#!/usr/bin/env bash
# The install check under load: runs scripts/verify-n8n.cjs --smoke (n8n opens a new database and runs a workflow
# with an expression, as every install must before it counts) N times for each end-to-end target, the targets side
# by side, while the unit tests run over and over in the background, and prints the pass count per target. A run
# passes at the first try, or after one crash of n8n itself that the check ran again (said in its own column).
#   scripts/check-installs.sh [-n N] [--no-load] [target ...]     default: 20 runs, every target in targets.json
# The targets are installed first if they are not yet (scripts/install-n8n.sh, into the n8n cache folder).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=20 load=true targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs="$2"; shift ;;
    --no-load) load=false ;;
    *) targets+=("$1") ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(node scripts/lib/targets.cjs default; node scripts/lib/targets.cjs compat)
work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Each target's n8n folder and the node that runs it.
while read -r name n8n_version node_version; do
  node_bin=$(command -v node)
  [ "$node_version" != - ] && node_bin=$(scripts/install-node.sh "$node_version")
  dir=$(scripts/install-n8n.sh "$n8n_version" "$([ "$node_version" != - ] && echo "$node_bin")")
  echo "$name $n8n_version $node_bin $dir" >> "$work/targets"
done < <(node scripts/lib/targets.cjs show "${targets[@]}")

if $load; then
  set -m # the unit tests over and over, in their own process group, stopped at the end
  ( while :; do npx jest --silent >/dev/null 2>&1 || true; done ) &
  pids+=($!)
  set +m
  echo "[check-installs] the unit tests run over and over in the background meanwhile (npx jest)"
fi
( while :; do cut -d' ' -f1 /proc/loadavg >> "$work/load"; sleep 5; done ) &
pids+=($!)

started=$(date +%s)
checkers=()
while read -r name n8n_version node_bin dir; do
  (
    for i in $(seq 1 "$runs"); do
      if output=$("$node_bin" scripts/verify-n8n.cjs "$dir" --smoke 2>&1); then
        if grep -q '^n8n itself crashed' <<<"$output"; then result=retried; else result=passed; fi
      else
        result=failed
      fi
      echo "$result" >> "$work/$name.results"
      [ "$result" = passed ] || echo "[check-installs] $name run $i $result: $(tr '\n' ' ' <<<"$output")" >&2
    done
  ) &
  checkers+=($!)
done < "$work/targets"
for pid in "${checkers[@]}"; do wait "$pid"; done
elapsed=$(( $(date +%s) - started ))

status=0
echo "[check-installs] $runs install checks per target, the targets side by side$($load && echo ', the unit tests running meanwhile'): $elapsed s, load average $(sort -n "$work/load" | head -1) to $(sort -n "$work/load" | tail -1) (1 min, $(nproc) cores)"
printf '%-8s %-10s %-9s %-22s %s\n' target n8n Node passed 'of them after a crash of n8n itself'
while read -r name n8n_version node_bin dir; do
  passed=$(grep -c -E '^(passed|retried)$' "$work/$name.results" || true)
  retried=$(grep -c '^retried$' "$work/$name.results" || true)
  printf '%-8s %-10s %-9s %-22s %s\n' "$name" "$n8n_version" "$("$node_bin" --version)" "$passed/$runs" "$retried"
  [ "$passed" -eq "$runs" ] || status=1
done < "$work/targets"
exit $status
