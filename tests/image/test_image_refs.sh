#!/usr/bin/env bash
# test_image_refs.sh GROUP SCRIPT CHECKER OUT [DEVICE-KIND] — makes the inputs and OpenCV /
# insightface / scikit-image references of one group of image tests (make_image_refs.py, at
# test time: the photographs come from scikit-image, nothing large is committed), then checks
# the library against them (test_image_refs), on a device of DEVICE-KIND when given. Skips
# (77) without /usr/bin/python3 and its OpenCV, scikit-image and Pillow, or without such a
# device. The generated files are removed when the check passes. ACCEL_REF_PYTHON names another
# Python than Debian's /usr/bin/python3 (whose OpenCV is the 4.6 the references are defined by),
# for a machine without it (bench/gpu.sh on a GPU machine); its OpenCV version is printed.
set -u
group=$1 script=$2 checker=$3 out=$4 kind=${5:-}
py=${ACCEL_REF_PYTHON:-/usr/bin/python3}
"$py" -c "import cv2, numpy, skimage, PIL" 2>/dev/null ||
  { echo "SKIP: $py lacks OpenCV, numpy, scikit-image or Pillow (Debian: python3-opencv python3-skimage python3-pil)"; exit 77; }
[ -n "${ACCEL_REF_PYTHON:-}" ] && echo "references from $py, OpenCV $("$py" -c 'import cv2; print(cv2.__version__)')"
# numpy on the reference BLAS and LAPACK (Debian's libblas3, liblapack3), whatever
# update-alternatives selected: scikit-image fits the ArcFace matrix with LAPACK's SVD, and
# with OpenBLAS its last bits depend on the CPU OpenBLAS picks kernels for (on one AMD EPYC
# 238 of 3000 matrices came out as the reference LAPACK gives them, and 0.007 % of norm_crop's
# pixels moved by a level or two); accel restates the reference arithmetic (docs/image.md)
ma=$("$py" -c "import sysconfig; print(sysconfig.get_config_var('MULTIARCH') or '')")
ref=
for d in "/usr/lib/$ma/blas" "/usr/lib/$ma/lapack"; do
  [ -n "$ma" ] && [ -e "$d/lib${d##*/}.so.3" ] && ref=$ref${ref:+:}$d
done
rm -rf "$out"
LD_LIBRARY_PATH=$ref${ref:+${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-} \
  "$py" "$script" --group "$group" --out "$out"
rc=$?
[ $rc -eq 0 ] || exit $rc
"$checker" "$group" "$out" $kind
rc=$?
[ $rc -eq 0 ] && rm -rf "$out"
exit $rc
