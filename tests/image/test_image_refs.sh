#!/usr/bin/env bash
# test_image_refs.sh GROUP SCRIPT CHECKER OUT [DEVICE-KIND] — makes the inputs and OpenCV /
# insightface / scikit-image references of one group of image tests (make_image_refs.py, at
# test time: the photographs come from scikit-image, nothing large is committed), then checks
# the library against them (test_image_refs), on a device of DEVICE-KIND when given. Skips
# (77) without /usr/bin/python3 and its OpenCV, scikit-image and Pillow, or without such a
# device. The generated files are removed when the check passes.
set -u
group=$1 script=$2 checker=$3 out=$4 kind=${5:-}
/usr/bin/python3 -c "import cv2, numpy, skimage, PIL" 2>/dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks OpenCV, numpy, scikit-image or Pillow (Debian: python3-opencv python3-skimage python3-pil)"; exit 77; }
rm -rf "$out"
/usr/bin/python3 "$script" --group "$group" --out "$out"
rc=$?
[ $rc -eq 0 ] || exit $rc
"$checker" "$group" "$out" $kind
rc=$?
[ $rc -eq 0 ] && rm -rf "$out"
exit $rc
