#!/usr/bin/env bash
# test_image_cli.sh ACCEL BADDIR OUT — `accel image`: every subcommand on files, its outputs
# checked against OpenCV / insightface restated (make_image_refs.py), bad files named while the
# others are written, exit statuses 0 / 1 / 2, JSON shapes (one object with "ok" and "error"
# whatever fails), atomic outputs (never an input, named by their ending, opened before the
# work, gone after SIGTERM, -o - on standard output), settings checked before the work, and
# a call refused under ACCEL_STRICT=1 failing every file. Skips (77) without /usr/bin/python3
# and its OpenCV, scikit-image and Pillow.
set -u
accel=$1 bad=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 -c "import cv2, numpy, skimage, PIL" 2>/dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks OpenCV, numpy, scikit-image or Pillow"; exit 77; }
rm -rf "$out" && mkdir -p "$out" && cd "$out" || exit 1
fail=0
check() { # check WANT_RC DESCRIPTION CMD...
  local want=$1 what=$2; shift 2
  "$@" >out.txt 2>err.txt
  local rc=$?
  if [ $rc -ne "$want" ]; then
    echo "FAIL: $what: exit $rc, want $want"; cat out.txt err.txt; fail=1
  else
    echo "ok: $what (exit $rc)"
  fi
}
/usr/bin/python3 - <<'PY'
import cv2, skimage.data as d
cv2.imwrite("astro.jpg", d.astronaut()[..., ::-1])
cv2.imwrite("coffee.png", d.coffee()[..., ::-1])
cv2.imwrite("small.webp", cv2.resize(d.chelsea()[..., ::-1], (200, 133)), [cv2.IMWRITE_WEBP_QUALITY, 101])
# three stray bytes before the first DHT marker: a libjpeg warning, which cv2.imread reads past
b = open("astro.jpg", "rb").read()
i = b.index(b"\xff\xc4")
open("stray.jpg", "wb").write(b[:i] + b"\0\0\0" + b[i:])
PY
cp "$bad/truncated.jpg" "$bad/text.jpg" .

check 0 "quality of three images" "$accel" image quality astro.jpg coffee.png small.webp --json -o q.json
check 0 "quality as CSV" "$accel" image quality astro.jpg coffee.png --format csv -o q.csv
check 1 "quality with a bad file among good ones" "$accel" image quality astro.jpg text.jpg coffee.png
grep -q "text.jpg': not a JPEG, PNG or WebP image" err.txt || { echo "FAIL: the bad file is not named"; fail=1; }
grep -q "^coffee.png" out.txt || { echo "FAIL: the good file after the bad one is not reported"; fail=1; }
check 0 "decode" "$accel" image decode astro.jpg -o dec.npy
check 0 "decode a JPEG with stray bytes before a marker" "$accel" image decode stray.jpg -o stray.npy
check 0 "resize area" "$accel" image resize astro.jpg --size 224x224 --interp area -o rs.npy
check 0 "resize linear" "$accel" image resize coffee.png --size 333x111 -o rl.npy
check 1 "blob with a truncated file among good ones" "$accel" image blob astro.jpg truncated.jpg coffee.png --model scrfd -o blob.npy --json
cp out.txt blob.json
check 0 "arcface blob" "$accel" image blob astro.jpg small.webp --model arcface -o ablob.npy
check 0 "align" "$accel" image align astro.jpg --landmarks 202,98,248,97,225,122,206,145,246,143 -o al.npy --json
cp out.txt align.json
check 0 "enhance" "$accel" image enhance small.webp -o enh.png
grep -q "^small.webp: scale 4.81203" out.txt || { echo "FAIL: enhance did not print the file and the scale"; cat out.txt; fail=1; }
# outputs are created as a plain fopen creates them (0666 less the umask), not private
for f in dec.npy rs.npy blob.npy al.npy enh.png q.json; do
  m=$(stat -c %a "$f"); [ "$m" = "$(printf '%o' $((0666 & ~0$(umask))))" ] ||
    { echo "FAIL: $f has mode $m under umask $(umask)"; fail=1; }
done
(umask 002 && "$accel" image decode astro.jpg -o dec2.npy && "$accel" image enhance small.webp -o enh2.png >/dev/null)
for f in dec2.npy enh2.png; do
  m=$(stat -c %a "$f"); [ "$m" = 664 ] || { echo "FAIL: $f has mode $m under umask 002, want 664"; fail=1; }
done

check 2 "resize without --size" "$accel" image resize astro.jpg -o x.npy
check 2 "align with 3 numbers" "$accel" image align astro.jpg --landmarks 1,2,3 -o x.npy
check 2 "align with a landmark beyond a float" "$accel" image align astro.jpg --landmarks 1e300,98,248,97,225,122,206,145,246,143 -o x.npy
check 2 "align with 11 numbers" "$accel" image align astro.jpg --landmarks 202,98,248,97,225,122,206,145,246,143,1 -o x.npy
check 2 "resize to a size with a sign" "$accel" image resize astro.jpg --size +224x-3 -o x.npy
check 2 "resize past 65536" "$accel" image resize astro.jpg --size 99999999999999999999x2 -o x.npy
# settings are checked before the file is read, exit 2, with the values allowed
check 2 "resize above ACCEL_IMAGE_MAX_PIXELS" "$accel" image resize astro.jpg --size 65536x65536 -o x.npy
grep -q "4294967296 pixels, above ACCEL_IMAGE_MAX_PIXELS=1073741824" err.txt || { echo "FAIL: $(cat err.txt)"; fail=1; }
ACCEL_IMAGE_MAX_PIXELS=100 check 2 "resize above a lowered ACCEL_IMAGE_MAX_PIXELS" "$accel" image resize astro.jpg --size 11x10 -o x.npy
check 2 "align --size 200" "$accel" image align astro.jpg --landmarks 202,98,248,97,225,122,206,145,246,143 --size 200 -o x.npy
grep -q -- "--size 200: allowed: a multiple of 112 or of 128" err.txt || { echo "FAIL: $(cat err.txt)"; fail=1; }
# below 112 too: the error says what is allowed, not only the range
check 2 "align --size 100" "$accel" image align astro.jpg --landmarks 202,98,248,97,225,122,206,145,246,143 --size 100 -o x.npy
grep -q -- "--size 100: allowed: a multiple of 112 or of 128" err.txt || { echo "FAIL: $(cat err.txt)"; fail=1; }
check 2 "enhance --tiles 1000x1000" "$accel" image enhance small.webp --tiles 1000x1000 -o x.png
grep -q "whole numbers 1..256 each" err.txt || { echo "FAIL: $(cat err.txt)"; fail=1; }
check 2 "enhance --tiles 0x0" "$accel" image enhance small.webp --tiles 0x0 -o x.png
grep -q "whole numbers 1..256 each" err.txt || { echo "FAIL: $(cat err.txt)"; fail=1; }
# the settings' errors come before the file is looked at
check 2 "align --size 200 of a missing file" "$accel" image align nosuch.jpg --landmarks 1,2,3,4,5,6,7,8,9,10 --size 200 -o x.npy
check 2 "unknown subcommand" "$accel" image frob
check 2 "help with a word past the subcommand" "$accel" help image blob extra
grep -q "unexpected 'extra'" err.txt || { echo "FAIL: help image blob extra: $(cat err.txt)"; fail=1; }
# the verb's usage is the subcommands' own synopses: every -o form and --json
check 0 "image --help" "$accel" image --help
for want in "decode FILE -o OUT.npy|OUT.png|- \[--json\]" "align FILE --landmarks x1,y1,…,x5,y5 \[--size S\]" \
            "\[--clip C\] \[--tiles XxY\] \[--json\]"; do
  grep -q -- "$want" out.txt || { echo "FAIL: image --help lacks '$want'"; cat out.txt; fail=1; }
done
check 2 "unknown model" "$accel" image blob astro.jpg --model yolo -o x.npy
check 1 "collinear landmarks" "$accel" image align astro.jpg --landmarks 10,10,20,20,30,30,40,40,50,50 -o x.npy
grep -q "collinear" err.txt || { echo "FAIL: collinear landmarks not named"; fail=1; }
check 1 "decode a missing file" "$accel" image decode nosuch.jpg -o x.npy
[ -e x.npy ] && { echo "FAIL: a failed run left x.npy"; fail=1; }
check 1 "decode a truncated file" "$accel" image decode truncated.jpg -o x.npy
grep -q "truncated" err.txt || { echo "FAIL: truncated file not named"; fail=1; }

# -o: never an input, only .npy (and .png for images) or - for standard output, checked and
# opened before the work (a missing directory is refused at once, named as given, exit 2)
cp astro.jpg in.jpg && cp coffee.png in.png
for args in "quality in.jpg -o in.jpg" "decode in.png -o in.png" "resize in.png --size 9x9 -o in.png" \
            "blob in.jpg --model scrfd -o in.jpg" "align in.png --landmarks 202,98,248,97,225,122,206,145,246,143 -o in.png" \
            "enhance in.png -o in.png"; do
  check 2 "-o naming the input: $args" "$accel" image $args
  grep -q "names the input file" err.txt || { echo "FAIL: $args: $(cat err.txt)"; fail=1; }
done
cmp -s in.jpg astro.jpg && cmp -s in.png coffee.png || { echo "FAIL: an input was overwritten"; fail=1; }
check 2 "enhance -o .jpg" "$accel" image enhance small.webp -o e.jpg
grep -q "unsupported output type '.jpg' (allowed: .npy, .png, or - for a .npy on standard output)" err.txt ||
  { echo "FAIL: enhance -o e.jpg: $(cat err.txt)"; fail=1; }
[ -e e.jpg ] && { echo "FAIL: enhance -o e.jpg wrote e.jpg"; fail=1; }
check 2 "decode -o without an extension" "$accel" image decode astro.jpg -o noext
check 2 "blob -o .png" "$accel" image blob astro.jpg --model arcface -o b.png
grep -q "(allowed: .npy, or - for standard output)" err.txt || { echo "FAIL: blob -o b.png: $(cat err.txt)"; fail=1; }
check 2 "resize into a missing directory" "$accel" image resize astro.jpg --size 9x9 -o nodir/r.npy
grep -q "cannot write nodir/r.npy: No such file or directory" err.txt && ! grep -q "tmp" err.txt ||
  { echo "FAIL: the missing directory: $(cat err.txt)"; fail=1; }
# a directory is named as one (not "a name without an extension"), before any file is read
mkdir -p outdir outdir.npy
for o in outdir outdir.npy newdir/; do
  check 2 "decode -o the directory $o" "$accel" image decode nosuch.jpg -o $o
  grep -q "cannot write $o: it \(is\|names\) a directory (name the file: .npy, .png" err.txt ||
    { echo "FAIL: decode -o $o: $(cat err.txt)"; fail=1; }
done
[ -e newdir ] && { echo "FAIL: decode -o newdir/ made newdir"; fail=1; }
check 2 "standard input as an image" "$accel" image decode - -o x.npy
grep -q "standard input is not supported for images" err.txt || { echo "FAIL: '-': $(cat err.txt)"; fail=1; }
check 2 "-o - with --json" "$accel" image decode astro.jpg -o - --json
"$accel" image decode astro.jpg -o - >stdout.npy 2>err.txt || { echo "FAIL: decode -o -: $(cat err.txt)"; fail=1; }
"$accel" image blob astro.jpg coffee.png --model arcface -o - >stdout_blob.npy 2>err.txt ||
  { echo "FAIL: blob -o -: $(cat err.txt)"; fail=1; }
# standard output under another name (a link named .npy) is -o -: refused beside --json, and
# the data alone, no summary line after the .npy
ln -sf /dev/stdout so.npy
check 2 "-o a link to standard output with --json" "$accel" image decode astro.jpg -o so.npy --json
grep -q -- "-o so.npy puts the .npy on standard output, where --json would go too" err.txt ||
  { echo "FAIL: -o so.npy --json: $(cat err.txt)"; fail=1; }
check 2 "blob -o a link to standard output with --json" "$accel" image blob astro.jpg --model arcface -o so.npy --json
"$accel" image decode astro.jpg -o so.npy >linked.npy 2>err.txt || { echo "FAIL: decode -o so.npy: $(cat err.txt)"; fail=1; }
"$accel" image blob astro.jpg --model arcface -o so.npy >linked_blob.npy 2>err.txt ||
  { echo "FAIL: blob -o so.npy: $(cat err.txt)"; fail=1; }
[ "$(stat -c %s linked.npy)" = $((128 + 512 * 512 * 3)) ] && [ "$(stat -c %s linked_blob.npy)" = $((128 + 3 * 112 * 112 * 4)) ] ||
  { echo "FAIL: -o so.npy: $(stat -c '%n %s' linked.npy linked_blob.npy), want the .npy alone"; fail=1; }
if command -v script >/dev/null; then
  script -qec "'$accel' image decode astro.jpg -o so.npy" /dev/null >tty.txt 2>&1
  grep -q "it is standard output, a terminal" tty.txt || { echo "FAIL: -o so.npy on a terminal: $(head -c 300 tty.txt | od -c | head -3)"; fail=1; }
fi
# SIGTERM during a long blob: the output's temporary file goes with the process
/usr/bin/python3 -c "
import cv2, skimage.data as d
cv2.imwrite('big.jpg', cv2.resize(d.astronaut()[..., ::-1], (2400, 2400)))"
mkdir -p many && for i in $(seq 1 60); do ln -f big.jpg many/$i.jpg; done
"$accel" image blob many/*.jpg --model scrfd --size 64 -o killed.npy >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 200); do ls -a | grep -q '^\.killed\.npy\.tmp' && break; sleep 0.02; done
kill -TERM $pid; wait $pid 2>/dev/null
left=$(ls -a | grep 'killed')
[ -z "$left" ] || { echo "FAIL: SIGTERM left $left"; fail=1; }
echo "ok: SIGTERM during blob -o killed.npy left nothing"

# --json: always one object, "ok": false with the error when the file fails (decoding, the
# operation, or the write), and a decoder's warning on standard error and in the object
: >empty.jpg
check 1 "decode --json of an empty file" "$accel" image decode empty.jpg -o x.npy --json
cp out.txt json_empty.json
check 1 "align --json with collinear landmarks" "$accel" image align astro.jpg --landmarks 10,10,20,20,30,30,40,40,50,50 -o x.npy --json
cp out.txt json_align.json
check 1 "resize --json, the write cut by a file size limit" \
  bash -c 'ulimit -f 50 && exec "$@"' limit "$accel" image resize astro.jpg --size 400x400 -o fsz.npy --json
cp out.txt json_fsz.json
ls -a | grep -q '^\.\?fsz\.npy' && { echo "FAIL: the cut write left $(ls -a | grep fsz)"; fail=1; }
check 0 "decode --json of a JPEG with stray bytes" "$accel" image decode stray.jpg -o stray.npy --json
cp out.txt json_stray.json
grep -q "accel image decode: warning: 'stray.jpg': libjpeg warning: Corrupt JPEG data: 3 extraneous bytes" err.txt ||
  { echo "FAIL: the decoder's warning is not shown: $(cat err.txt)"; fail=1; }
# the same warning in a corpus run (-o DIR): on standard error, in --json, in DIR/<name>.json
# and in the log line, not dropped
check 0 "quality -o DIR of a JPEG with stray bytes" "$accel" image quality stray.jpg astro.jpg -o qdir/ --json --log q.log
grep -q "accel image quality: warning: 'stray.jpg': libjpeg warning: Corrupt JPEG data: 3 extraneous bytes" err.txt ||
  { echo "FAIL: the corpus run hides the decoder's warning: $(cat err.txt)"; fail=1; }
[ "$(grep -c 'extraneous bytes' out.txt)" = 1 ] && grep -q '"warning":"libjpeg warning' qdir/stray.json &&
  [ "$(grep -c '"warning":"libjpeg warning' q.log)" = 1 ] ||
  { echo "FAIL: the warning is not in --json, stray.json and the log"; cat out.txt qdir/stray.json q.log; fail=1; }
check 0 "blob -o DIR of a JPEG with stray bytes" "$accel" image blob stray.jpg --model arcface -o bdir/
grep -q "accel image blob: warning: 'stray.jpg': libjpeg warning" err.txt ||
  { echo "FAIL: blob -o DIR hides the decoder's warning: $(cat err.txt)"; fail=1; }
check 1 "blob --json with an empty file" "$accel" image blob astro.jpg empty.jpg --model arcface -o jb.npy --json
cp out.txt json_blob.json
check 1 "quality --json with an empty file" "$accel" image quality astro.jpg empty.jpg --json
cp out.txt json_quality.json
/usr/bin/python3 - <<'PY' || fail=1
import json
def want(name, ok, has):
    j = json.load(open(name))
    good = j.get("ok") is ok and all(k in j for k in has)
    print(("ok: " if good else "FAIL: ") + name, j)
    return good
r = [want("json_empty.json", False, ["file", "output", "error"]),
     want("json_align.json", False, ["error"]),
     want("json_fsz.json", False, ["error"]),
     want("json_stray.json", True, ["warning", "width", "height"]),
     want("json_blob.json", False, ["images"]),
     want("json_quality.json", False, ["images"]), want("q.json", True, ["images"])]
r.append("cannot write fsz.npy: File too large" in json.load(open("json_fsz.json"))["error"])
r.append("empty file" in json.load(open("json_blob.json"))["images"][1]["error"])
raise SystemExit(0 if all(r) else 1)
PY

# a call that fails as a whole (decode has no device code; ACCEL_STRICT=1 forbids the CPU) fails
# every file with that reason: no empty array written as if decoded, exit 1
if "$accel" devices 2>/dev/null | grep -q opencl; then
  ACCEL_STRICT=1 check 1 "decode under ACCEL_STRICT=1 on OpenCL" "$accel" image decode astro.jpg -o strict.npy --device opencl --json
  grep -q '"ok": false' out.txt && grep -q "ACCEL_STRICT=1" out.txt err.txt ||
    { echo "FAIL: the strict decode's failure is not reported"; cat out.txt err.txt; fail=1; }
  [ -e strict.npy ] && { echo "FAIL: the strict decode wrote strict.npy"; fail=1; }
  ACCEL_STRICT=1 check 1 "quality under ACCEL_STRICT=1 on OpenCL" "$accel" image quality astro.jpg coffee.png --device opencl
  [ "$(grep -c "ACCEL_STRICT=1" err.txt)" = 2 ] || { echo "FAIL: not every file names the strict failure"; cat err.txt; fail=1; }
  grep -q "invalid argument" err.txt && { echo "FAIL: a bare status for the strict failure"; cat err.txt; fail=1; }
  ACCEL_STRICT=1 check 1 "resize under ACCEL_STRICT=1 on OpenCL" "$accel" image resize astro.jpg --size 10x10 -o strict.npy --device opencl
  grep -q "size 0×0" err.txt && { echo "FAIL: resize of an image never decoded"; cat err.txt; fail=1; }
else
  echo "skip: no OpenCL device for the ACCEL_STRICT=1 checks"
fi

/usr/bin/python3 - "$here" <<'PY' || fail=1
import json, sys
import cv2, numpy as np
sys.path.insert(0, sys.argv[1])
import make_image_refs as m
bad = 0
def same(what, a, b):
    global bad
    ok = a.shape == b.shape and np.array_equal(a, b)
    print(("ok: " if ok else "FAIL: ") + what)
    bad += not ok
astro, coffee, small = cv2.imread("astro.jpg"), cv2.imread("coffee.png"), cv2.imread("small.webp")
same("decode = cv2.imread", np.load("dec.npy"), astro)
same("stray bytes before a marker: decode = cv2.imread", np.load("stray.npy"), cv2.imread("stray.jpg"))
same("decode -o - = cv2.imread", np.load("stdout.npy"), astro)
same("blob -o - = the arcface blob", np.load("stdout_blob.npy"),
     cv2.dnn.blobFromImages([astro, cv2.imread("coffee.png")], 1 / 127.5, (112, 112), (127.5,) * 3, swapRB=True))
same("resize area = cv2.resize", np.load("rs.npy"), cv2.resize(astro, (224, 224), interpolation=cv2.INTER_AREA))
same("resize linear = cv2.resize", np.load("rl.npy"), cv2.resize(coffee, (333, 111)))
b = np.load("blob.npy")
r0, d0 = m.scrfd_prepare(astro)
r1, d1 = m.scrfd_prepare(coffee)
same("scrfd blob rows of the good files", b, np.concatenate([r0, r1]))
j = json.load(open("blob.json"))
rows = [(x["file"], x.get("row"), x.get("det_scale")) for x in j["images"]]
ok = rows[0] == ("astro.jpg", 0, d0) and rows[2] == ("coffee.png", 1, d1) and "error" in j["images"][1]
print(("ok: " if ok else "FAIL: ") + "blob JSON rows and det_scale", rows); bad += not ok
a = np.load("ablob.npy")
same("arcface blob", a, cv2.dnn.blobFromImages([astro, small], 1 / 127.5, (112, 112), (127.5,) * 3, swapRB=True))
al = np.load("al.npy")
lm = np.array([[202, 98], [248, 97], [225, 122], [206, 145], [246, 143]], np.float32)
ref = cv2.warpAffine(astro, m.estimate_norm(lm, 112), (112, 112), borderValue=0.0)
diff = np.abs(al.astype(int) - ref).max()
print(("ok: " if diff <= 8 else "FAIL: ") + "align within 8 levels of norm_crop (max %d, %.4f%% identical)" % (diff, 100 * (al == ref).mean()))
bad += diff > 8
e, sc = m.enhance_ref(small, 640, 2.0, (8, 8))
same("enhance = upscale + CLAHE", cv2.imread("enh.png"), e)
q = json.load(open("q.json"))["images"]
g = cv2.cvtColor(astro, cv2.COLOR_BGR2GRAY)
lap = cv2.Laplacian(g, cv2.CV_64F).var()
ok = [x["file"] for x in q] == ["astro.jpg", "coffee.png", "small.webp"] and abs(q[0]["blur_laplacian_var"] - lap) <= 1e-9 * lap
print(("ok: " if ok else "FAIL: ") + "quality JSON, in input order, Laplacian variance as OpenCV's"); bad += not ok
# CSV, which programs read, carries the measures as exactly as the JSON (not six digits)
import csv
rows = list(csv.DictReader(open("q.csv", newline="")))
keys = ["blur_laplacian_var", "brightness", "contrast", "sharpness_tenengrad", "overall"]
ok = [float(rows[i][k]) for i in range(2) for k in keys] == [q[i][k] for i in range(2) for k in keys]
print(("ok: " if ok else "FAIL: ") + "quality CSV = the JSON's numbers"); bad += not ok
sys.exit(1 if bad else 0)
PY
exit $fail
