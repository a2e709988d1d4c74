#!/usr/bin/env bash
# test_make_steps.sh SOURCE_DIR — what the set-up commands print and do, without running them:
#   - a step prints one line ("make: WHAT… done (N s)"), keeps the command's output in the log,
#     and shows all of it when the command fails (with its exit status); V=1 shows it live;
#   - `make demo` installs only the build packages and builds only the library and the tool
#     (no test suite, no test-only packages such as torch); `make check` installs the test
#     packages; `make install` / `make uninstall` use the manifest.
set -uo pipefail
src=$1
step=$src/scripts/step.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$step" 0 "$tmp/make.log" "compiling things" sh -c 'for i in 1 2 3; do echo "noise $i"; done')
[ $? -eq 0 ] || fail "a successful step failed"
case "$out" in "make: compiling things… done ("*" s)") ;; *) fail "success printed: $out" ;; esac
grep -q "noise 3" "$tmp/make.log" || fail "the log lacks the command's output"

out=$("$step" 0 "$tmp/make.log" "linking" sh -c 'echo "first line"; echo "ld: cannot find -lfoo" >&2; exit 3')
rc=$?
[ $rc -eq 3 ] || fail "a failing step exited $rc, want 3"
for want in "make: linking… failed (exit 3):" "first line" "ld: cannot find -lfoo" "$tmp/make.log"; do
  case "$out" in *"$want"*) ;; *) fail "failure output lacks '$want': $out" ;; esac
done

out=$("$step" 1 "$tmp/make.log" "verbose" echo "shown as it runs")
[ "$out" = "make: verbose
shown as it runs" ] || fail "V=1 printed: $out"

# the recipes (make -n prints them without running anything)
cd "$src" || exit 1
demo=$(make -n demo BUILD="$tmp/b" JOBS=3) || fail "make -n demo failed"
case "$demo" in *"deps.sh build"*) ;; *) fail "make demo does not install the build packages" ;; esac
case "$demo" in *"deps.sh test"*|*"deps.sh build test"*) fail "make demo installs the test packages" ;; esac
case "$demo" in *"--target accel accel_static accel_cli"*) ;; *) fail "make demo builds more than the library and the tool: $demo" ;; esac
case "$demo" in *"-j 3"*) ;; *) fail "JOBS=3 is not passed to the build" ;; esac
check=$(make -n check BUILD="$tmp/b") || fail "make -n check failed"
case "$check" in *"deps.sh test"*) ;; *) fail "make check does not install the test packages" ;; esac
case "$check" in *ctest*) ;; *) fail "make check runs no ctest" ;; esac
inst=$(make -n install uninstall BUILD="$tmp/b" PREFIX=/opt/x) || fail "make -n install failed"
case "$inst" in *"--prefix /opt/x"*) ;; *) fail "make install ignores PREFIX" ;; esac
case "$inst" in *"uninstall.sh $tmp/b/install_manifest.txt"*) ;; *) fail "make uninstall does not read the manifest" ;; esac
# deps.sh: torch is a test package, not a build one
grep -q '^build=.*python3-torch' scripts/deps.sh && fail "torch is in the build set"
echo "make: steps print one line, failures show their output, demo builds no tests"
