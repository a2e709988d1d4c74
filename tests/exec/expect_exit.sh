#!/bin/sh
# expect_exit.sh CODE PATTERN COMMAND [ARGS...] — runs COMMAND, fails unless it exits with CODE
# and its output (stdout and stderr together) contains PATTERN (a fixed string; "" for any).
want=$1 pattern=$2
shift 2
out=$("$@" 2>&1)
rc=$?
if [ "$rc" -ne "$want" ]; then
  printf 'FAIL: %s exited %d, expected %d; output:\n%s\n' "$*" "$rc" "$want" "$out"
  exit 1
fi
if [ -n "$pattern" ] && ! printf '%s' "$out" | grep -qF -- "$pattern"; then
  printf 'FAIL: output of %s lacks "%s"; output:\n%s\n' "$*" "$pattern" "$out"
  exit 1
fi
exit 0
