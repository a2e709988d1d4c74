#!/usr/bin/env bash
# gpu_bundle.sh [DIR] — what bench/gpu.sh needs on a GPU machine that is not Debian 12 and
# cannot download anything: the image decoders' headers and libraries (libjpeg-turbo with its
# TurboJPEG API, libspng, libwebp), libinih and pkg-config, taken from Debian 12's packages
# (apt-get download, unpacked with dpkg -x, nothing installed here) into DIR (default
# build-gpu-bundle, ignored by git), about 5 MB. Their .pc files are rewritten to find the
# headers relative to themselves (${pcfiledir}), so DIR may be copied anywhere; DIR/env.sh,
# sourced, points PKG_CONFIG_PATH, LD_LIBRARY_PATH and (after the machine's own) PATH at it.
# bench/gpu.sh sources it when it sits at the default place. Run it on a Debian 12 machine
# with network access to Debian's mirrors.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$here/build-gpu-bundle}
pkgs=(libturbojpeg0 libturbojpeg0-dev libjpeg62-turbo libjpeg62-turbo-dev libspng0 libspng-dev
  zlib1g zlib1g-dev libwebp7 libwebpdemux2 libwebpmux3 libwebp-dev libinih1 libinireader0 libinih-dev
  pkgconf pkgconf-bin libpkgconf3)
command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
  { echo "gpu_bundle.sh: needs apt-get and dpkg (a Debian machine)" >&2; exit 2; }
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root"
# apt-get download writes into the current directory; as root it warns that the _apt user
# cannot write there, which changes nothing
(cd "$dir/debs" && apt-get download "${pkgs[@]}" 2>&1 | grep -v "unsandboxed as root" || true)
n=$(ls "$dir/debs"/*.deb 2>/dev/null | wc -l)
[ "$n" -eq "${#pkgs[@]}" ] ||
  { echo "gpu_bundle.sh: downloaded $n of ${#pkgs[@]} packages (${pkgs[*]}); is apt's list up to date?" >&2; exit 1; }
for f in "$dir/debs"/*.deb; do dpkg -x "$f" "$dir/root"; done
rm -rf "$dir/debs" "$dir/root/usr/share/doc" "$dir/root/usr/share/man" "$dir/root/usr/share/lintian"
find "$dir/root" -name '*.a' -delete # static archives: nothing links them
# .pc files: /usr → the bundle's usr, relative to the file's own directory
find "$dir/root" -name '*.pc' | while read -r pc; do
  rel=$(realpath --relative-to="$(dirname "$pc")" "$dir/root")
  sed -i "s|=/usr|=\${pcfiledir}/$rel/usr|g" "$pc"
done
ma=x86_64-linux-gnu
cat >"$dir/env.sh" <<EOF
# sourced by bench/gpu.sh: the bundle made by bench/gpu_bundle.sh, wherever it now lies
_accel_bundle=\$(cd "\$(dirname "\${BASH_SOURCE[0]}")" && pwd)/root
export PKG_CONFIG_PATH=\$_accel_bundle/usr/lib/$ma/pkgconfig:\$_accel_bundle/usr/share/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}
export LD_LIBRARY_PATH=\$_accel_bundle/usr/lib/$ma:\$_accel_bundle/lib/$ma\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export PATH=\$PATH:\$_accel_bundle/usr/bin
EOF
(
  # shellcheck disable=SC1091
  . "$dir/env.sh"
  for m in libturbojpeg libjpeg spng libwebp inih; do
    printf '%s %s: %s\n' "$m" "$(pkg-config --modversion "$m")" "$(pkg-config --cflags "$m")"
  done
)
echo "gpu_bundle.sh: $dir ($(du -sh "$dir" | cut -f1)); carry it to the GPU machine with the tree"
