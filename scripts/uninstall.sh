#!/usr/bin/env bash
# uninstall.sh MANIFEST PREFIX — removes what `cmake --install` installed: every file MANIFEST
# (install_manifest.txt) lists, then the directories below PREFIX that this left empty
# (lib/cmake/accel, and lib/pkgconfig or include when nothing else is in them). PREFIX itself
# and anything outside it are never removed. `make uninstall` runs it.
set -euo pipefail
manifest=${1:?usage: uninstall.sh MANIFEST PREFIX}
prefix=${2:?usage: uninstall.sh MANIFEST PREFIX}
if [ ! -f "$manifest" ]; then
  echo "uninstall: $manifest not found: nothing was installed from this build" >&2
  exit 1
fi
prefix=$(cd "$prefix" 2>/dev/null && pwd -P) || { echo "uninstall: no directory $2" >&2; exit 1; }
removed=0
dirs=()
while IFS= read -r f || [ -n "$f" ]; do  # the manifest has no final newline
  [ -n "$f" ] || continue
  if [ -e "$f" ] || [ -L "$f" ]; then
    rm -f -- "$f"
    removed=$((removed + 1))
  fi
  dirs+=("$(dirname -- "$f")")
done <"$manifest"
# empty directories left behind, deepest first, strictly below the prefix
while IFS= read -r d; do
  d=$(cd "$d" 2>/dev/null && pwd -P) || continue
  while [ "$d" != "$prefix" ] && [ "${d#"$prefix"/}" != "$d" ]; do
    rmdir -- "$d" 2>/dev/null || break
    d=$(dirname -- "$d")
  done
done < <(printf '%s\n' "${dirs[@]}" | sort -u -r)
echo "uninstall: removed $removed file(s) listed in $manifest"
