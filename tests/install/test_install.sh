#!/usr/bin/env bash
# test_install.sh SOURCE_DIR BUILD_DIR [SANITIZERS] — `cmake --install` into a temporary prefix,
# then build and run a consumer through pkg-config and through find_package(accel), shared and
# static. SANITIZERS is the build's ACCEL_SANITIZE ("address,undefined"): a sanitized libaccel
# needs consumers built with the same -fsanitize (the ASan runtime must come first).
set -euo pipefail
src=$1 build=$2 san=${3:-}
sanflag=${san:+-fsanitize=$san}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/accel.h bin/accel; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
libdir=$(ls -d "$prefix"/lib*/ | head -n 1)
for f in libaccel.so libaccel.a pkgconfig/accel.pc cmake/accel/accelConfig.cmake; do
  [ -e "$libdir/$f" ] || { echo "FAIL: $libdir$f not installed"; exit 1; }
done
# pkg-config, shared
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c11 $sanflag $(pkg-config --cflags accel) "$src/tests/install/consumer.c" \
   -o "$tmp/pc_shared" $(pkg-config --libs accel)
LD_LIBRARY_PATH=$libdir "$tmp/pc_shared"
# pkg-config, static
cc -std=c11 $sanflag -DACCEL_STATIC_DEFINE $(pkg-config --cflags accel) \
   "$src/tests/install/consumer.c" -o "$tmp/pc_static" "$libdir/libaccel.a" \
   $(pkg-config --libs-only-l --static accel | sed 's/-laccel//')
"$tmp/pc_static"
# CMake package
cmake -S "$src/tests/install" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS="$sanflag" >/dev/null
cmake --build "$tmp/cm" >/dev/null
LD_LIBRARY_PATH=$libdir "$tmp/cm/consumer_shared"
"$tmp/cm/consumer_static"
# the installed CLI runs
LD_LIBRARY_PATH=$libdir "$prefix/bin/accel" version
echo "install: header, libraries, pkg-config file, CMake package and CLI work"
