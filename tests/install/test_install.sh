#!/usr/bin/env bash
# test_install.sh SOURCE_DIR BUILD_DIR [SANITIZERS] — installs into a temporary prefix (as
# `make install PREFIX=…` does), then:
#   - the pkg-config files have clean absolute paths and the right private requirements;
#   - a program built with `pkg-config accel` (shared), `pkg-config accel-static` and through
#     find_package(accel) (shared and static) runs WITHOUT LD_LIBRARY_PATH, as does the
#     installed CLI;
#   - uninstalling (scripts/uninstall.sh, what `make uninstall` runs) leaves nothing behind.
# SANITIZERS is the build's ACCEL_SANITIZE ("address,undefined"): a sanitized libaccel needs
# consumers built with the same -fsanitize (the ASan runtime must come first).
set -euo pipefail
src=$1 build=$2 san=${3:-}
sanflag=${san:+-fsanitize=$san}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAIL: $*"; exit 1; }
# (a command's output is matched as a here-string, never `cmd | grep -q`: grep -q leaves at the
# first match, the command then dies of SIGPIPE when it writes on, and pipefail fails the test)
unset LD_LIBRARY_PATH

# The component install writes its own manifest (install_manifest_Unspecified.txt), so the
# build's install_manifest.txt from a real `make install` is left alone.
cmake --install "$build" --prefix "$prefix" --component Unspecified >/dev/null
manifest=$build/install_manifest_Unspecified.txt
[ -f "$manifest" ] || fail "no install manifest $manifest"
for f in include/accel.h bin/accel; do
  [ -e "$prefix/$f" ] || fail "$f not installed"
done
libdir=$(ls -d "$prefix"/lib*/ | head -n 1)
libdir=${libdir%/}
for f in libaccel.so libaccel.a pkgconfig/accel.pc pkgconfig/accel-static.pc \
         cmake/accel/accelConfig.cmake; do
  [ -e "$libdir/$f" ] || fail "$libdir/$f not installed"
done

# pkg-config: clean absolute paths, private requirements
export PKG_CONFIG_PATH=$libdir/pkgconfig
cflags=$(pkg-config --cflags accel | xargs) libs=$(pkg-config --libs accel | xargs)
echo "pkg-config accel: $cflags $libs"
case "$cflags $libs" in *..*|*//*) fail "unclean paths in accel.pc: $cflags $libs" ;; esac
[ "$cflags" = "-I$prefix/include" ] || fail "Cflags: '$cflags', want -I$prefix/include"
case "$libs" in *"-L$libdir"*"-laccel"*) ;; *) fail "Libs: '$libs'" ;; esac
case "$libs" in *"-Wl,-rpath,$libdir"*) ;; *) fail "Libs has no run path: '$libs'" ;; esac
case "$libs" in *-linih*) fail "Libs names a private dependency: '$libs'" ;; esac
if pkg-config --exists inih; then
  grep -qx "Requires.private: inih" "$libdir/pkgconfig/accel.pc" ||
    fail "accel.pc lacks Requires.private: inih"
  grep -q -- -linih <<<"$(pkg-config --static --libs accel)" ||
    fail "pkg-config --static --libs accel lacks -linih"
fi
grep -q '^Libs.private: -lpthread -ldl -lm$' "$libdir/pkgconfig/accel.pc" ||
  fail "accel.pc Libs.private: $(grep Libs.private "$libdir/pkgconfig/accel.pc")"
# the shared library needs no private dependency at link time
grep -q 'SONAME.*libaccel.so.0' <<<"$(readelf -d "$libdir/libaccel.so")" || fail "libaccel.so has no SONAME"

# consumers, each run without LD_LIBRARY_PATH
cc -std=c11 $sanflag $(pkg-config --cflags accel) "$src/tests/install/consumer.c" \
   -o "$tmp/pc_shared" $(pkg-config --libs accel)
grep -q "$libdir/libaccel.so" <<<"$(ldd "$tmp/pc_shared")" || fail "pc_shared does not load $libdir/libaccel.so"
"$tmp/pc_shared"
cc -std=c11 $sanflag "$src/tests/install/consumer.c" -o "$tmp/pc_static" \
   $(pkg-config --cflags --libs accel-static)
if grep -q libaccel <<<"$(ldd "$tmp/pc_static")"; then fail "pc_static loads libaccel.so"; fi
"$tmp/pc_static"
cmake -S "$src/tests/install" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS="$sanflag" >/dev/null
cmake --build "$tmp/cm" >/dev/null
"$tmp/cm/consumer_shared"
"$tmp/cm/consumer_static"
"$prefix/bin/accel" version

# uninstall: every installed file goes, and the directories it made
"$src/scripts/uninstall.sh" "$manifest" "$prefix"
rm -f "$manifest"
left=$(find "$prefix" -mindepth 1 | head -n 20)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "install: pkg-config (shared and static), CMake package and CLI run without LD_LIBRARY_PATH; uninstall leaves nothing"
