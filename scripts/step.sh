#!/usr/bin/env bash
# step.sh V LOG WHAT COMMAND... — one step of `make`: prints "make: WHAT…" and runs COMMAND
# with its output appended to LOG; on success prints how long it took, on failure the step's
# whole output, and exits with the command's status. V=1 runs COMMAND with its output shown.
set -u
v=$1 log=$2 what=$3
shift 3
if [ "$v" = 1 ]; then
  echo "make: $what"
  exec "$@"
fi
mkdir -p "$(dirname "$log")"
start=$(date +%s)
printf 'make: %s… ' "$what"
out=$(mktemp)
"$@" >"$out" 2>&1
rc=$?
{ echo "== $what: $*"; cat "$out"; } >>"$log"
if [ $rc -ne 0 ]; then
  echo "failed (exit $rc):"
  cat "$out"
  echo "make: (this output is also in $log; V=1 shows every step's output as it runs)"
  rm -f "$out"
  exit $rc
fi
rm -f "$out"
echo "done ($(( $(date +%s) - start )) s)"
