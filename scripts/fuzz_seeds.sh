#!/usr/bin/env bash
# fuzz_seeds.sh OUT [BUILD] — the seed corpus of every fuzz target (tests/fuzz/fuzz_*.c), made
# from real files: the test data in tests/data (audio, captured procfs and sysfs trees), the
# examples in the documentation, this machine's own /proc, /etc/ld.so.cache and shared
# libraries, and the caches a test run of BUILD (default: build) left behind. OUT/<target>/
# gets one file per seed. The committed regression inputs (tests/fuzz/regress/<target>/) are
# passed to the targets separately by scripts/fuzz.sh.
#
# Adding a target: its file in tests/fuzz/, and one line in the table at the end.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$1
build=${2:-$src/build}
data=$src/tests/data
mkdir -p "$out"

n=0
# files TARGET PATH... — each readable regular file (up to 1 MiB) is a seed
files() {
  local t=$1; shift
  mkdir -p "$out/$t"
  for f in "$@"; do
    [ -f "$f" ] && [ -r "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 1048576 ] || continue
    local name=${f#"$src"/}
    name=${name#"$build"/}
    cp "$f" "$out/$t/$(echo "$name" | sed 's|^/||' | tr '/ ' '__' | tail -c 120)"
    n=$((n + 1))
  done
}
# text TARGET NAME — the seed is standard input
text() {
  mkdir -p "$out/$1"
  cat >"$out/$1/$2"
  n=$((n + 1))
}
# tree TARGET NAME PROCFS SYSFS — a procfs and a sysfs tree as fuzz_sysfs_tree reads them:
# "proc/<path>\0<contents>\0", "sys/<path>\0<contents>\0"
tree() {
  local t=$1 name=$2 procfs=$3 sysfs=$4
  mkdir -p "$out/$t"
  {
    for pair in "proc:$procfs" "sys:$sysfs"; do
      local top=${pair%%:*} dir=${pair#*:}
      [ -d "$dir" ] || continue
      # cpuinfo has its own target (fuzz_cpuinfo): here it would only slow every run down
      (cd "$dir" && find . -type f ! -name '.keep' ! -name cpuinfo | sort) | while read -r rel; do
        printf '%s/%s\0' "$top" "${rel#./}"
        head -c 4096 "$dir/$rel"
        printf '\0'
      done
    done
  } >"$out/$t/$name"
  n=$((n + 1))
}

# ---- generated seeds ---------------------------------------------------------------------
config_files() {
  # the example of docs/configuration.md, and small variations of it
  sed -n '/^```ini$/,/^```$/p' "$src/docs/configuration.md" | sed '1d;$d' | text fuzz_config_file docs-example.ini
  printf '[accel]\nACCEL_BACKEND = cuda\nACCEL_MEMORY_FRACTION = 0.8\n' | text fuzz_config_file section.ini
  printf 'accel_batch_size: 16\n; comment\n# comment\nACCEL_DEVICE = "0000:01:00.0"\n' | text fuzz_config_file colon.ini
  printf '[gpu]\nACCEL_BACKEND = cpu\n' | text fuzz_config_file foreign.ini
}
config_values() {
  printf 'ACCEL_BACKEND=cuda\nACCEL_DEVICE=0000:01:00.0\nACCEL_MEMORY_LIMIT_GB=7.5\nACCEL_MEMORY_FRACTION=0.8\n' |
    text fuzz_config_values basic
  printf 'ACCEL_BATCH_SIZE=32\nACCEL_NUM_THREADS=4\nACCEL_CHUNK_SECONDS=30\nACCEL_PROBE_TIMEOUT_MS=15000\n' |
    text fuzz_config_values sizes
  printf 'ACCEL_ALL_GPU=0\nACCEL_STRICT=yes\nACCEL_LOG_LEVEL=debug\nACCEL_PRECISION=fp16\nACCEL_WHISPER_GPU=off\nGPU_BACKEND=mps\n' |
    text fuzz_config_values switches
  printf 'ACCEL_FAULT=oom@alloc:3,lost@copy:2+,launch@op:convert\nACCEL_CACHE_DIR=/tmp/x\n' |
    text fuzz_config_values fault
  printf 'CUDA_VISIBLE_DEVICES=GPU-00000000-0000-0000-0000-000000000002,0\nROCR_VISIBLE_DEVICES=1,GPU-0000000000000001\nHIP_VISIBLE_DEVICES=0\n' |
    text fuzz_config_values visible
  printf 'CUDA_VISIBLE_DEVICES=MIG-GPU-1/2/3,1,1\nCUDA_VISIBLE_DEVICES=\nACCEL_DEVICE=-1\n' |
    text fuzz_config_values odd
  printf 'SHARD=3/8\nSHARD=8/8\nSHARD=0/0\nSHARD= 1/2\nSHARD=1/4294967296\nSLURM_ARRAY_TASK_ID=5\nSLURM_ARRAY_TASK_MIN=1\nSLURM_ARRAY_TASK_STEP=2\nSLURM_ARRAY_TASK_COUNT=4\nSHARD=auto\n' |
    text fuzz_config_values shard
}
fault_specs() {
  # every example of docs/fault-injection.md
  grep -o '`[a-z]*@[^`]*`' "$src/docs/fault-injection.md" | tr -d '`' | sort -u | while read -r spec; do
    printf '%s' "$spec" | text fuzz_fault "doc-$(echo "$spec" | tr -c 'a-z0-9' '_')"
  done
}
sysfs_trees() {
  tree fuzz_sysfs_tree x86-cgroup2 "$data/procfs-x86-avx512" "$data/sysfs-cgroup2"
  tree fuzz_sysfs_tree arm-cgroup1 "$data/procfs-arm-sve" "$data/sysfs-cgroup1"
  tree fuzz_sysfs_tree arm-cgroup1-ns "$data/procfs-arm-sve" "$data/sysfs-cgroup1-ns"
  tree fuzz_sysfs_tree nvidia-pci "$data/procfs-nvidia" "$data/sysfs-pci"
  tree fuzz_sysfs_tree amd "$data/procfs-x86-avx512" "$data/sysfs-amd"
}
ld_caches() {
  files fuzz_ldcache /etc/ld.so.cache
  # the same format cut to its first 12 entries of this ABI, small enough for -max_len
  /usr/bin/python3 - /etc/ld.so.cache "$out/fuzz_ldcache/small.cache" <<'PY' && n=$((n + 1)) || true
import struct, sys
b = open(sys.argv[1], "rb").read()
new = b"glibc-ld.so.cache1.1"
base = b.find(new)
if base < 0:
    sys.exit(1)
nlibs = struct.unpack_from("<I", b, base + 20)[0]
ents, strings = [], b""
def s(off):
    return b[base + off:b.index(b"\0", base + off)]
for i in range(min(nlibs, 12)):
    e = base + 48 + 24 * i
    flags, k, v, osv, hw = struct.unpack_from("<iIIIQ", b, e)
    ents.append((flags, s(k), s(v), osv, hw))
head = 48 + 24 * len(ents)
out, pool = [], b""
for flags, k, v, osv, hw in ents:
    ko = head + len(pool); pool += k + b"\0"
    vo = head + len(pool); pool += v + b"\0"
    out.append(struct.pack("<iIIIQ", flags, ko, vo, osv, hw))
hdr = bytearray(b[base:base + 48])
struct.pack_into("<II", hdr, 20, len(ents), len(pool))
open(sys.argv[2], "wb").write(bytes(hdr) + b"".join(out) + pool)
PY
}
elf_files() {
  local libs
  libs=$(find "$build" -name 'lib*.so*' -type f -size -17k 2>/dev/null | head -12)
  # shellcheck disable=SC2086
  files fuzz_elf $libs $(find /lib/x86_64-linux-gnu /lib/aarch64-linux-gnu -maxdepth 1 \
    -name 'lib*.so.*' -type f -size -16k 2>/dev/null | sort | head -8)
}
verdict_files() {
  # what discovery stored during a test run of BUILD: real verdicts of this machine
  files fuzz_verdict_cache $(find "$build/test-cache" -path '*/verdicts/*' -type f 2>/dev/null | head -20)
}
kernel_cache_files() {
  # program binaries are megabytes: their first 4 KiB hold the header the checks read
  local f k=0
  for f in $(find "$build/test-cache" -path '*/kernels/*' -type f 2>/dev/null | sort | head -4); do
    mkdir -p "$out/fuzz_kernel_cache"
    head -c 4096 "$f" >"$out/fuzz_kernel_cache/test-run-$k-$(basename "$f")"
    k=$((k + 1))
    n=$((n + 1))
  done
}

serve_requests() {
  # the lines fuzz_serve_request reads: method, target, Authorization, Accept,
  # Content-Length (then, for some, Transfer-Encoding, version, Host); one per endpoint of
  # docs/serve.md and the parameters each takes
  local t=fuzz_serve_request
  printf 'GET\n/status\n\n\n' | text $t status
  printf 'HEAD\n/metrics?x=1\nBearer fuzz-token-0123456789\n\n' | text $t metrics-head
  printf 'GET\n/healthz\n\n\n' | text $t healthz
  printf 'GET\n/\n\ntext/html\n' | text $t dashboard
  printf 'POST\n/v1/audio/features?preset=whisper-80&padding=none\nBearer fuzz-token-0123456789\napplication/json;q=0.5, */*\n1000' |
    text $t audio-whisper
  printf 'POST\n/v1/audio/features?preset=whisper-128&windows=1\n\napplication/x-npy\n64000' | text $t audio-windows
  printf 'POST\n/v1/audio/features?preset=fbank&padding=openai\n\n\n12' | text $t audio-bad-padding
  printf 'POST\n/v1/audio/features?preset=vggish&preset=vggish\n\n\n12' | text $t audio-repeated
  printf 'POST\n/v1/image/quality\nbearer   fuzz-token-0123456789  \napplication/json\n5000' | text $t image-quality
  printf 'POST\n/v1/image/blob?model=scrfd&size=640\n\napplication/x-npy, application/json;q=0.1\n200000' |
    text $t image-blob
  printf 'POST\n/v1/image/blob?model=arcface\n\n*/*\n99999999999999999999' | text $t image-blob-huge
  printf 'POST\n/v1/image/scrfd-input\n\n\n' | text $t image-scrfd
  printf 'DELETE\n/st%%61tus\n\n\n' | text $t method
  printf 'GET\n/v1/audio/features?preset=%%zz\nBasic x\n\n' | text $t escape
  # with the head's last three lines: Transfer-Encoding, the version, Host
  printf 'POST\n/v1/image/quality\n\n\n\nchunked\nHTTP/1.1\nlocalhost:8765' | text $t head-chunked
  printf 'POST\n/v1/image/quality\n\n\n5, 30\n\nHTTP/1.1\nx' | text $t head-two-lengths
  printf 'POST\n/v1/image/quality\n\n\n5\ngzip, chunked\nHTTP/1.1\nx' | text $t head-te-and-length
  printf 'GET\nhttp://x:1/healthz?a=1\n\n\n\n\nHTTP/1.1\n' | text $t head-absolute-no-host
  printf 'GET\n/status\n\n\n\n\nHTTP/1.0\n' | text $t head-http10
}
prom_texts() {
  # a /metrics document with every series of docs/serve.md, bare and as an HTTP response
  # (plain and chunked): what `accel top --url` reads
  local t=fuzz_prom_text body
  body=$(sed -n '/^## `GET \/metrics`/,/^### /p' "$src/docs/serve.md" | grep -o '^| `accel_[a-z_]*`' |
    tr -d '|` ' | while read -r name; do
      printf '# HELP %s from docs/serve.md\n# TYPE %s gauge\n' "$name" "$name"
      printf '%s{device="0",kind="cpu",name="CPU \\"x86\\""} 1.5e3\n%s 42 1700000000000\n' "$name" "$name"
    done)
  printf '%s\n' "$body" | text $t metrics.txt
  printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %d\r\n\r\n%s\n' \
    $(( ${#body} + 1 )) "$body" | text $t metrics-response
  printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
    "${#body}" "$body" | text $t metrics-chunked
  printf 'accel_inf +Inf\naccel_nan NaN\naccel_x{a="q\\"u\\\\b\\nl",} -1e-3\n\nbad line\n' | text $t edge-values
  printf 'http://127.0.0.1:8765/metrics' | text $t url
}
jpeg_files() {
  # every JPEG of tests/data/image (a good one, truncated ones, a corrupt scan, a huge header),
  # and small ones of every kind the decoder meets: baseline 4:2:0 and 4:4:4, progressive,
  # gray, restart markers, CMYK, DCT-scalable sizes; EXIF orientations 2 to 8 on some of them
  files fuzz_jpeg_rows "$data"/image/bad/*.jpg
  /usr/bin/python3 - "$out/fuzz_jpeg_rows" <<'PY' && n=$((n + 14)) || true
import io, os, sys
import numpy as np, cv2
from PIL import Image
out = sys.argv[1]
y, x = np.mgrid[0:120, 0:160]
img = np.stack([(x * 1.5) % 256, (y * 2) % 256, ((x + y) * 3) % 256], -1).astype(np.uint8)
def put(name, data):
    open(os.path.join(out, name), "wb").write(data)
put("baseline.jpg", cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
put("odd-size.jpg", cv2.imencode(".jpg", img[:97, :131], [cv2.IMWRITE_JPEG_QUALITY, 75])[1].tobytes())
put("progressive.jpg", cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes())
put("gray.jpg", cv2.imencode(".jpg", img[..., 1])[1].tobytes())
put("restart.jpg", cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_RST_INTERVAL, 2])[1].tobytes())
for name, kw, mode in (("444.jpg", {"subsampling": 0}, "RGB"), ("422.jpg", {"subsampling": 1}, "RGB"),
                       ("cmyk.jpg", {}, "CMYK")):
    b = io.BytesIO()
    Image.fromarray(img[..., ::-1]).convert(mode).save(b, format="JPEG", quality=90, **kw)
    put(name, b.getvalue())
# EXIF-turned: the decoder's rows go straight to their turned places
for name, base, orient in (("exif6.jpg", "baseline.jpg", 6), ("exif3-odd.jpg", "odd-size.jpg", 3),
                           ("exif8-progressive.jpg", "progressive.jpg", 8), ("exif5-cmyk.jpg", "cmyk.jpg", 5),
                           ("exif2-gray.jpg", "gray.jpg", 2), ("exif7-444.jpg", "444.jpg", 7)):
    tiff = b"II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00" + bytes([orient]) + b"\x00" * 7
    app1 = b"\xff\xe1" + (len(tiff) + 8).to_bytes(2, "big") + b"Exif\x00\x00" + tiff
    data = open(os.path.join(out, base), "rb").read()
    put(name, data[:2] + app1 + data[2:])
PY
}
png_webp_files() {
  # the PNG and WebP files of tests/data/image (good, truncated, a bad CRC, a huge header, an
  # animation, an interlaced PNG, a tall WebP), and small ones of every kind the decoders
  # meet: PNG gray, gray+alpha, palette, RGB and RGBA at 8 and 16 bits, 1-bit gray, with an
  # eXIf orientation; WebP lossy, lossless and with alpha
  files fuzz_png_webp_rows "$data"/image/bad/*.png "$data"/image/bad/*.webp
  /usr/bin/python3 - "$out/fuzz_png_webp_rows" <<'PY' && n=$((n + 14)) || true
import io, os, sys
import numpy as np, cv2
from PIL import Image
out = sys.argv[1]
y, x = np.mgrid[0:40, 0:56]
img = np.stack([(x * 4.5) % 256, (y * 6) % 256, ((x + y) * 3) % 256], -1).astype(np.uint8)
alpha = ((x * 7 + y) % 256).astype(np.uint8)
def put(name, data):
    open(os.path.join(out, name), "wb").write(data)
put("rgb8.png", cv2.imencode(".png", img)[1].tobytes())
put("rgba8.png", cv2.imencode(".png", np.dstack([img, alpha]))[1].tobytes())
put("rgb16.png", cv2.imencode(".png", img.astype(np.uint16) * 257)[1].tobytes())
put("gray8.png", cv2.imencode(".png", img[..., 1])[1].tobytes())
for name, im in (("palette.png", Image.fromarray(img[..., ::-1]).quantize(16)),
                 ("gray-alpha.png", Image.fromarray(np.dstack([img[..., 1], alpha]), "LA")),
                 ("gray1.png", Image.fromarray(img[..., 1] > 128))):
    b = io.BytesIO()
    im.save(b, format="PNG")
    put(name, b.getvalue())
put("lossy.webp", cv2.imencode(".webp", img, [cv2.IMWRITE_WEBP_QUALITY, 80])[1].tobytes())
put("lossless.webp", cv2.imencode(".webp", img, [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes())
put("alpha.webp", cv2.imencode(".webp", np.dstack([img, alpha]), [cv2.IMWRITE_WEBP_QUALITY, 80])[1].tobytes())
put("alpha-lossless.webp", cv2.imencode(".webp", np.dstack([img, alpha]), [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes())
put("odd-size.webp", cv2.imencode(".webp", img[:17, :23], [cv2.IMWRITE_WEBP_QUALITY, 60])[1].tobytes())
for orient in (6, 7):  # an eXIf chunk: turned as the rows come
    ex = Image.Exif()
    ex[0x0112] = orient
    b = io.BytesIO()
    Image.fromarray(img[:37, :53, ::-1]).save(b, format="PNG", exif=ex.tobytes())
    put(f"exif{orient}.png", b.getvalue())
PY
}
exif_files() {
  # the JPEG files of tests/data/image, and the cases of tests/image/make_image_refs.py made on
  # the small good.jpg: EXIF orientations 1 to 8 in both byte orders, an XMP segment first, an
  # entry pointing outside the data, another entry first, values 0, 9 and 65535; each also as
  # the TIFF data alone, which is what a PNG's eXIf chunk holds
  files fuzz_exif "$data"/image/bad/*.jpg
  /usr/bin/python3 - "$data/image/bad/good.jpg" "$out/fuzz_exif" <<'PY' && n=$((n + 44)) || true
import os, struct, sys
jpeg, out = open(sys.argv[1], "rb").read(), sys.argv[2]
def tiff(orientation, be=False, before=()):
    e = ">" if be else "<"
    entries = list(before) + [(0x0112, 3, 1, struct.pack(e + "HH", orientation, 0))]
    ifd = struct.pack(e + "H", len(entries))
    for tag, typ, count, val in entries:
        ifd += struct.pack(e + "HHI", tag, typ, count) + val
    return (b"MM" if be else b"II") + struct.pack(e + "HI", 42, 8) + ifd + struct.pack(e + "I", 0)
def app1(payload):
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
def case(name, t, first=b""):
    open(os.path.join(out, name + ".jpg"), "wb").write(jpeg[:2] + first + app1(b"Exif\0\0" + t) + jpeg[2:])
    open(os.path.join(out, name + ".tiff"), "wb").write(t)
for o in range(1, 9):
    case("exif-%d-ii" % o, tiff(o))
    case("exif-%d-mm" % o, tiff(o, True))
case("exif-after-xmp", tiff(6), app1(b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"))
case("exif-bad-entry", tiff(6, False, [(0x011A, 5, 1, struct.pack("<I", 0x7FFFFFF0))]))
case("exif-second-entry", tiff(8, False, [(0x0128, 3, 1, struct.pack("<HH", 2, 0))]))
for v in (0, 9, 65535):
    case("exif-value-%d" % v, tiff(v))
PY
}
cli_lines() {
  # command lines of docs/cli.md and the verbs' help, as fuzz_cli_opts reads them: a byte
  # choosing the verb (1: it takes operands, 0: options only), then the arguments, each ended
  # by a NUL byte
  cli() {
    local name=$1 verb=$2
    shift 2
    { printf "\\$verb"; printf '%s\0' "$@"; } | text fuzz_cli_opts "$name"
  }
  cli bench 0 --op whisper-80 --iterations 20 --json
  cli format 0 --operation=fbank --format csv -o out.csv --no-gpu
  cli operands 1 a.wav b.wav --demo --padding none --chunks
  cli dash-dash 1 --demo .5 --size 640 -- --not-an-option -
  cli misspelt 0 --iteratoins 3 --gpu=1
  cli bad-choice 0 --format xlsx --json --help
  cli ranges 0 --chunks 60 --demo=0 --size -3 --iterations 1000001
  cli image-values 1 photo.jpg --size 224x224 --tiles 8X8 --landmarks 202,98,248,97,225,122,206,145,246,143
  cli image-bad-values 1 photo.jpg --size 0x65537 --landmarks 1e39,-1.5e-3,0x1p3,nan,inf,1,2,3,4,5,6
}
cli_devices() {
  # --device's values (docs/cli.md, "Devices"): auto, the backend table's names and aliases in
  # any case, indices, ACCEL_DEVICE's bus id spellings (docs/configuration.md), and the
  # refused neighbours of each (a sign, bench's words, a bus id cut short or past its range)
  local v k=0
  for v in auto AUTO cuda ROCm hip opencl Metal mps cpu 0 1 17 -1 +1 '' gpu all tpu \
    0000:01:00.0 00000000:01:00.0 01:00.0 0000:C3:1f.7 10000:01:00.0 01:00 zz:00.0 01:00.0x \
    ' 01:00.0' 0:100:00.0 01:20.0; do
    printf '%s' "$v" | text fuzz_cli_device "$k-$(printf '%s' "$v" | tr -c 'A-Za-z0-9' '_')"
    k=$((k + 1))
  done
}

manifests() {
  # lists and CSV manifests of corpus runs (docs/cli.md, "Corpus runs"): comments, blank lines,
  # CRLF, a byte order mark, quoted fields with commas, doubled quotes and line breaks
  local t=fuzz_manifest
  printf '# clips\nclips/a.wav\n\nclips/b c.wav\n  # indented\nclips/c.flac\n' | text $t list
  printf 'clips/a.wav\r\nclips/b.wav\r\n' | text $t list-crlf
  printf '\357\273\277path\nx.wav\n' | text $t bom-csv
  printf 'id,path,label\n1,a.wav,speech\n2,"b, c.wav",music\n3,"multi\nline ""q"".wav",x\n' | text $t csv
  printf 'path;other\n"unterminated\n' | text $t csv-bad
  printf 'file,path\r\n1,\r\n' | text $t csv-empty-field
}
npy_headers() {
  # .npy headers as numpy and accel write them: versions 1.0 and 2.0, 0 to 4 dimensions,
  # Fortran order, a cut file
  /usr/bin/python3 - "$out/fuzz_npy" <<'PY' && n=$((n + 7)) || true
import os, struct, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
def npy(name, descr, shape, fortran=False, version=1, data=True):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, repr(tuple(shape)))
    pre = 10 if version == 1 else 12
    total = (pre + len(d) + 1 + 63) // 64 * 64
    h = d + " " * (total - pre - len(d) - 1) + "\n"
    head = b"\x93NUMPY" + bytes([version, 0]) + (struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h)))
    size = int(descr[-1]) if descr[-1].isdigit() else 1
    for s in shape:
        size *= s
    body = bytes(size if data else size // 2)
    open(os.path.join(out, name), "wb").write(head + h.encode() + body)
npy("f4-2d.npy", "<f4", (2, 3))
npy("u1-3d.npy", "|u1", (2, 2, 3))
npy("f4-blob.npy", "<f4", (1, 3, 4, 4))
npy("scalar.npy", "<f8", ())
npy("vector.npy", "<i2", (5,), fortran=True)
npy("v2.npy", "<f4", (3, 1), version=2)
npy("cut.npy", "<f4", (8, 8), data=False)
PY
}
wav_tails() {
  # WAVs whose data size says "unknown" (0xFFFFFFFF, 0 with the RIFF size 0, SoX's 0x7ffff000,
  # RF64 with its ds64 sizes at 0) followed by chunks a writer appends after the samples
  # (LIST/INFO; an odd chunk and its pad; 8-bit mono with an odd count), small enough for the
  # target's 4096 bytes: the search for where such data end, from a file and held back from a pipe
  /usr/bin/python3 - "$out/fuzz_wav" <<'PY' && n=$((n + 10)) || true
import os, struct, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
lst = b"LIST" + struct.pack("<I", 26) + b"INFOISFT" + struct.pack("<I", 14) + b"Lavf60.16.100\0"
id3 = b"id3 " + struct.pack("<I", 5) + b"ID3\4\0"
def wav(name, data_size, riff_size, bits, ch, samples, tail, rf64=False):
    block = ch * bits // 8
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, ch, 16000, 16000 * block, block, bits)
    ds64 = b"ds64" + struct.pack("<IQQQI", 28, 0, 0, 0, 0) if rf64 else b""
    body = samples + (b"\0" if len(samples) % 2 and tail else b"")
    head = (b"RF64" if rf64 else b"RIFF") + struct.pack("<I", riff_size) + b"WAVE" + ds64 + fmt
    open(os.path.join(out, name), "wb").write(head + b"data" + struct.pack("<I", data_size) + body + tail)
s16 = b"".join(struct.pack("<h", (i * 2654435761 % 65536) - 32768) for i in range(600))
u8 = bytes((i * 37 + 128) % 256 for i in range(601))
wav("stream-list.wav", 0xFFFFFFFF, 0xFFFFFFFF, 16, 1, s16, lst)
wav("stream-list-id3.wav", 0xFFFFFFFF, 0xFFFFFFFF, 16, 1, s16, lst + id3 + b"\0")
wav("stream-zero-list.wav", 0, 0, 16, 1, s16, lst)
wav("stream-sox-list.wav", 0x7FFFF000, 0x7FFFF024, 16, 1, s16, lst)
wav("stream-sox-id3-nopad.wav", 0x7FFFF000, 0x7FFFF024, 16, 1, s16, id3)
wav("stream-stereo-list.wav", 0xFFFFFFFF, 0xFFFFFFFF, 16, 2, s16, lst)
wav("stream-24-list.wav", 0xFFFFFFFF, 0xFFFFFFFF, 24, 1, s16[:999], lst)
wav("stream-u8-odd-list.wav", 0xFFFFFFFF, 0xFFFFFFFF, 8, 1, u8, lst)
wav("stream-u8-odd-id3.wav", 0xFFFFFFFF, 0xFFFFFFFF, 8, 1, u8, id3 + b"\0")
wav("rf64-stream-list.wav", 0xFFFFFFFF, 0xFFFFFFFF, 16, 1, s16, lst, rf64=True)
PY
}

# ---- the table: one line per target ------------------------------------------------------
files fuzz_wav "$data"/audio/*.wav "$data"/audio/variants/*.wav "$data"/audio/bad/*.wav
files fuzz_mpg123 "$data"/audio/variants/*.mp3 "$data"/audio/bad/*.mp3 "$data"/audio/bad/*mp3*.wav
files fuzz_ogg_end "$data"/audio/variants/*.ogg "$data"/audio/variants/*.opus
files fuzz_ogg_chain "$data"/audio/variants/*.ogg "$data"/audio/variants/*.opus "$data"/audio/bad/*.ogg
files fuzz_sndfile "$data"/audio/variants/*.flac "$data"/audio/variants/*.ogg "$data"/audio/variants/*.opus \
  "$data"/audio/variants/speech_c_s24.wav "$data"/audio/bad/*.flac
files fuzz_ffmpeg "$data"/audio/variants/*.m4a "$data"/audio/variants/*.mp3 "$data"/audio/variants/*.opus \
  "$data"/audio/variants/*.ogg "$data"/audio/variants/*.flac "$data"/audio/bad/*.mp3 "$data"/audio/bad/*.flac
config_files
config_values
fault_specs
files fuzz_cpuinfo "$data"/procfs-*/cpuinfo "$data"/procfs-*/meminfo /proc/cpuinfo /proc/meminfo
sysfs_trees
verdict_files
kernel_cache_files
elf_files
ld_caches
serve_requests
prom_texts
exif_files
jpeg_files
png_webp_files
cli_lines
cli_devices
manifests
npy_headers
wav_tails

echo "fuzz seeds: $n files in $out"
