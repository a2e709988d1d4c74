#!/usr/bin/env python3
"""make_image_refs.py --group GROUP --out DIR

Makes the inputs and the reference outputs of one group of image tests, at test time, from
scikit-image's photographs and from random images, with OpenCV 4.6 (Debian python3-opencv),
numpy restatements of insightface's code, and scikit-image. Writes DIR/manifest.txt, one case
per line, which tests/image/test_image_refs.c reads:

  decode    FILE EXPECTED.npy DENOM IGNORE_ORIENTATION     cv2.imread(FILE, IMREAD_COLOR or
                                                           IMREAD_REDUCED_COLOR_DENOM)
  gray      IN.npy EXPECTED.npy                            cv2.cvtColor(BGR2GRAY)
  resize    IN.npy linear|area W H EXPECTED.npy            cv2.resize
  blob      IN.npy W H SCALE M0 M1 M2 SWAP EXPECTED.npy    cv2.dnn.blobFromImage
  scrfd_in  IN.npy IW IH EXPECTED.npy DET_SCALE            SCRFD.detect() before the model
  scrfd_out PREFIX N_STRIDES DET_SCALE W H MAX_NUM EXPECTED_DET.npy EXPECTED_KPS.npy
                                                           SCRFD.detect() after the model
  warp      IN.npy SIZE M0..M5 EXPECTED.npy                cv2.warpAffine, the matrix given
  align     IN.npy SIZE L0..L9 EXPECTED.npy EXPECTED_BLOB.npy photo|noise
                                                           face_align.norm_crop + ArcFace blob
  quality   IN.npy LAPVAR MEAN STD TENENGRAD               cv2.Laplacian / Sobel on the gray
  prepare   FILE IW IH EXPECTED.npy DET_SCALE LAPVAR MEAN STD TENENGRAD
                                                           cv2.imread, then scrfd_in and quality
  clahe     IN.npy CLIP TX TY EXPECTED.npy                 cv2.createCLAHE(...).apply
  enhance   IN.npy MIN_SIDE CLIP TX TY SCALE EXPECTED.npy  upscale + CLAHE on the luma

Images are H×W×C uint8 (BGR) or H×W .npy files. Exits 77 when OpenCV, scikit-image or
Pillow is missing (the test then reports a skip).
"""
import argparse
import io
import math
import os
import struct
import sys
import zlib

try:
    import cv2
    import numpy as np
    import skimage.data
    from skimage import transform as sktrans
    from PIL import Image
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: {e} (Debian: python3-opencv python3-skimage python3-pil)")
    sys.exit(77)

if not cv2.__version__.startswith("4.6."):
    print(f"note: OpenCV {cv2.__version__}; the references are meant for 4.6", file=sys.stderr)

RNG = np.random.default_rng(20240611)


def photos():
    """scikit-image's photographs, as OpenCV holds them (BGR)."""
    out = {}
    for name in ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field",
                 "immunohistochemistry"):
        out[name] = np.ascontiguousarray(getattr(skimage.data, name)()[..., ::-1])
    out["camera"] = skimage.data.camera()
    return out


class Out:
    def __init__(self, d):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.lines = []
        self.k = 0

    def npy(self, arr, stem="a"):
        self.k += 1
        name = f"{stem}_{self.k}.npy"
        np.save(os.path.join(self.d, name), np.ascontiguousarray(arr))
        return name

    def file(self, data, name):
        with open(os.path.join(self.d, name), "wb") as f:
            f.write(data)
        return name

    def case(self, *fields):
        self.lines.append(" ".join(str(f) for f in fields))

    def close(self):
        with open(os.path.join(self.d, "manifest.txt"), "w") as f:
            f.write("\n".join(self.lines) + "\n")


def r17(x):
    return repr(float(x))


# ---- files ---------------------------------------------------------------------------------

def exif_app1(orientation, big_endian=False, before=()):
    """An APP1 segment holding a TIFF header and IFD0 with `before` entries then Orientation."""
    e = ">" if big_endian else "<"
    entries = list(before) + [(0x0112, 3, 1, struct.pack(e + "HH", orientation, 0))]
    ifd = struct.pack(e + "H", len(entries))
    for tag, typ, count, val in entries:
        ifd += struct.pack(e + "HHI", tag, typ, count) + val
    ifd += struct.pack(e + "I", 0)
    tiff = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8) + ifd
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def with_app1(jpeg, *segments):
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(rows, width, height, bit_depth, color_type, interlace=False, extra=b""):
    """A PNG of packed sample rows (rows(y0, step_y, x0, step_x) gives the raw scanlines)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    raw = b""
    passes = ([(0, 8, 0, 8), (0, 8, 4, 8), (4, 8, 0, 4), (0, 4, 2, 4), (2, 4, 0, 2), (0, 2, 1, 2),
               (1, 2, 0, 1)] if interlace else [(0, 1, 0, 1)])
    for y0, sy, x0, sx in passes:
        for line in rows(y0, sy, x0, sx):
            raw += b"\x00" + line
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra +
            png_chunk(b"IDAT", zlib.compress(raw, 6)) + png_chunk(b"IEND", b""))


def packed_gray(samples, bit_depth):
    """Rows getter for a gray image of `bit_depth` (1, 2, 4, 8 or 16) samples."""
    h, w = samples.shape

    def rows(y0, sy, x0, sx):
        out = []
        for y in range(y0, h, sy):
            v = samples[y, x0::sx]
            if len(v) == 0:
                continue
            if bit_depth == 16:
                out.append(v.astype(">u2").tobytes())
            elif bit_depth == 8:
                out.append(v.astype(np.uint8).tobytes())
            else:
                per = 8 // bit_depth
                bits = np.zeros(((len(v) + per - 1) // per) * per, np.uint8)
                bits[:len(v)] = v
                bits = bits.reshape(-1, per)
                byte = np.zeros(len(bits), np.uint16)
                for k in range(per):
                    byte = (byte << bit_depth) | bits[:, k]
                out.append(byte.astype(np.uint8).tobytes())
        return out
    return rows


def packed_color(samples, bit_depth):
    h, w, c = samples.shape

    def rows(y0, sy, x0, sx):
        out = []
        for y in range(y0, h, sy):
            v = samples[y, x0::sx]
            if len(v) == 0:
                continue
            out.append(v.astype(">u2" if bit_depth == 16 else np.uint8).tobytes())
        return out
    return rows


def decode_group(o):
    ph = photos()
    files = []  # (name, denoms)

    def jpg(img, name, q=90, extra=None):
        params = [cv2.IMWRITE_JPEG_QUALITY, q] + (extra or [])
        ok, buf = cv2.imencode(".jpg", img, params)
        assert ok
        o.file(buf.tobytes(), name)
        return buf.tobytes()

    for n in ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field"):
        jpg(ph[n], f"{n}.jpg")
        files.append((f"{n}.jpg", (1, 2, 4, 8)))
    for n, (w, h) in (("astronaut", (1920, 1080)), ("coffee", (3840, 2160))):
        big = cv2.resize(ph[n], (w, h), interpolation=cv2.INTER_LINEAR)
        jpg(big, f"{n}_{h}p.jpg")
        files.append((f"{n}_{h}p.jpg", (1, 2, 4, 8)))
    odd = cv2.resize(ph["chelsea"], (333, 517), interpolation=cv2.INTER_AREA)
    jpg(odd, "odd_333x517.jpg", q=75)
    files.append(("odd_333x517.jpg", (1, 2, 4, 8)))
    jpg(ph["rocket"], "rocket_progressive.jpg", extra=[cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    files.append(("rocket_progressive.jpg", (1, 2)))
    jpg(ph["camera"], "camera_gray.jpg")
    files.append(("camera_gray.jpg", (1, 2, 4)))
    # chroma subsampling 4:4:4 and 4:2:2 through Pillow
    rgb = ph["coffee"][..., ::-1]
    for sub, tag in ((0, "444"), (1, "422")):
        b = io.BytesIO()
        Image.fromarray(rgb).save(b, format="JPEG", quality=92, subsampling=sub)
        o.file(b.getvalue(), f"coffee_{tag}.jpg")
        files.append((f"coffee_{tag}.jpg", (1, 2)))
    # CMYK (Adobe, inverted) as Pillow writes it
    b = io.BytesIO()
    Image.fromarray(ph["chelsea"][..., ::-1]).convert("CMYK").save(b, format="JPEG", quality=90)
    o.file(b.getvalue(), "chelsea_cmyk.jpg")
    files.append(("chelsea_cmyk.jpg", (1, 2)))
    # a second frame header after the image data: libjpeg's error comes after the last row,
    # and cv2.imread keeps the image
    whole = jpg(ph["coffee"], "coffee_sof_after.jpg")
    sof = whole.index(b"\xff\xc0")
    seg = whole[sof:sof + 2 + struct.unpack(">H", whole[sof + 2:sof + 4])[0]]
    o.file(whole[:-2] + seg + whole[-2:], "coffee_sof_after.jpg")
    files.append(("coffee_sof_after.jpg", (1, 2)))
    # random pixels
    noise = RNG.integers(0, 256, (97, 131, 3), dtype=np.uint8)
    nbytes = jpg(noise, "noise.jpg", q=97)
    files.append(("noise.jpg", (1, 2, 4, 8)))

    # EXIF orientations 1 … 8, both byte orders, and OpenCV's quirks
    base = jpg(cv2.resize(ph["astronaut"], (160, 120)), "exif_base.jpg")
    files.append(("exif_base.jpg", (1,)))
    for orient in range(1, 9):
        for be in (False, True):
            name = f"exif_{orient}_{'mm' if be else 'ii'}.jpg"
            o.file(with_app1(base, exif_app1(orient, be)), name)
            files.append((name, (1, 2)))
    # an XMP segment first: OpenCV reads only the first APP1, so no turn
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"
    o.file(with_app1(base, b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp, exif_app1(6)),
           "exif_after_xmp.jpg")
    files.append(("exif_after_xmp.jpg", (1,)))
    # an XResolution entry pointing outside the data stops the walk before Orientation
    bad = (0x011A, 5, 1, struct.pack("<I", 0x7FFFFFF0))
    o.file(with_app1(base, exif_app1(6, False, [bad])), "exif_bad_entry.jpg")
    files.append(("exif_bad_entry.jpg", (1,)))
    ok = (0x0128, 3, 1, struct.pack("<HH", 2, 0))
    o.file(with_app1(base, exif_app1(8, False, [ok])), "exif_second_entry.jpg")
    files.append(("exif_second_entry.jpg", (1,)))
    # every turn on odd sizes (97 × 131; 49 × 66 at 1/2), which libjpeg's rows take as they come
    for orient in range(2, 9):
        o.file(with_app1(nbytes, exif_app1(orient)), f"noise_exif_{orient}.jpg")
        files.append((f"noise_exif_{orient}.jpg", (1, 2)))
    for v in (0, 9, 65535):
        o.file(with_app1(base, exif_app1(v)), f"exif_value_{v}.jpg")
        files.append((f"exif_value_{v}.jpg", (1,)))
    # IMREAD_IGNORE_ORIENTATION
    o.case("decode", "exif_6_ii.jpg",
           o.npy(cv2.imread(os.path.join(o.d, "exif_6_ii.jpg"),
                            cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION), "dec"), 1, 1)

    # PNG: every colour type and depth OpenCV turns into BGR
    def png_file(data, name):
        o.file(data, name)
        files.append((name, (1,)))

    ok, buf = cv2.imencode(".png", ph["astronaut"])
    png_file(buf.tobytes(), "astronaut.png")
    ok, buf = cv2.imencode(".png", ph["camera"])
    png_file(buf.tobytes(), "camera_gray8.png")
    g16 = (ph["camera"].astype(np.uint16) * 257 + RNG.integers(0, 257, ph["camera"].shape)).astype(np.uint16)
    ok, buf = cv2.imencode(".png", g16)
    png_file(buf.tobytes(), "camera_gray16.png")
    c16 = (ph["coffee"].astype(np.uint16) * 256 + RNG.integers(0, 256, ph["coffee"].shape)).astype(np.uint16)
    ok, buf = cv2.imencode(".png", c16)
    png_file(buf.tobytes(), "coffee_rgb16.png")
    logo = skimage.data.logo()  # RGBA
    bgra = np.ascontiguousarray(logo[..., [2, 1, 0, 3]])
    ok, buf = cv2.imencode(".png", bgra)
    png_file(buf.tobytes(), "logo_rgba8.png")
    bgra16 = bgra.astype(np.uint16) * 257
    ok, buf = cv2.imencode(".png", bgra16)
    png_file(buf.tobytes(), "logo_rgba16.png")
    for mode, name in (("LA", "logo_gray_alpha.png"), ("P", "chelsea_palette.png")):
        src = Image.fromarray(logo) if mode == "LA" else Image.fromarray(ph["chelsea"][..., ::-1])
        b = io.BytesIO()
        (src.convert("LA") if mode == "LA" else src.convert("P", palette=Image.ADAPTIVE, colors=200)).save(b, format="PNG")
        png_file(b.getvalue(), name)
    pal = Image.fromarray(ph["coffee"][..., ::-1]).convert("P", palette=Image.ADAPTIVE, colors=64)
    b = io.BytesIO()
    pal.save(b, format="PNG", transparency=3)
    png_file(b.getvalue(), "coffee_palette_trns.png")
    for bits in (1, 2, 4):
        v = RNG.integers(0, 1 << bits, (37, 53), dtype=np.uint8)
        png_file(png_bytes(packed_gray(v, bits), 53, 37, bits, 0), f"gray{bits}.png")
    png_file(png_bytes(packed_color(ph["chelsea"][..., ::-1], 8), 451, 300, 8, 2, interlace=True),
             "chelsea_interlaced.png")
    png_file(png_bytes(packed_gray(g16[:200, :300], 16), 300, 200, 16, 0, interlace=True),
             "camera_gray16_interlaced.png")
    trns = png_chunk(b"tRNS", struct.pack(">H", 128))
    png_file(png_bytes(packed_gray(ph["camera"][:64, :80], 8), 80, 64, 8, 0, extra=trns),
             "camera_gray_trns.png")
    small = cv2.resize(ph["astronaut"], (48, 40))
    for orient in (3, 6, 8):
        b = io.BytesIO()
        ex = Image.Exif()
        ex[0x0112] = orient
        Image.fromarray(small[..., ::-1]).save(b, format="PNG", exif=ex.tobytes())
        png_file(b.getvalue(), f"png_exif_{orient}.png")
    noise = RNG.integers(0, 256, (61, 89, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".png", noise)
    png_file(buf.tobytes(), "noise.png")

    # WebP: lossy, lossless, with alpha; OpenCV 4.6 reads no EXIF from WebP
    for img, name, q in ((ph["astronaut"], "astronaut_lossy.webp", 85),
                         (ph["coffee"], "coffee_lossless.webp", 101),
                         (bgra, "logo_alpha_lossy.webp", 80),
                         (bgra, "logo_alpha_lossless.webp", 101)):
        ok, buf = cv2.imencode(".webp", img, [cv2.IMWRITE_WEBP_QUALITY, q])
        assert ok
        o.file(buf.tobytes(), name)
        files.append((name, (1,)))
    b = io.BytesIO()
    ex = Image.Exif()
    ex[0x0112] = 6
    Image.fromarray(small[..., ::-1]).save(b, format="WEBP", lossless=True, exif=ex.tobytes())
    o.file(b.getvalue(), "webp_exif_6.webp")
    files.append(("webp_exif_6.webp", (1,)))

    flags = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
             8: cv2.IMREAD_REDUCED_COLOR_8}
    for name, denoms in files:
        for d in denoms:
            ref = cv2.imread(os.path.join(o.d, name), flags[d])
            assert ref is not None, name
            o.case("decode", name, o.npy(ref, "dec"), d, 0)


# ---- pixel operations ----------------------------------------------------------------------

def test_images(big=True):
    ph = photos()
    imgs = [ph["astronaut"], ph["coffee"], ph["chelsea"], ph["rocket"],
            cv2.cvtColor(ph["camera"], cv2.COLOR_GRAY2BGR)]
    if big:
        imgs.append(cv2.resize(ph["hubble_deep_field"], (1920, 1080)))
    for h, w in ((1, 1), (1, 17), (23, 1), (2, 2), (37, 61), (100, 3)):
        imgs.append(RNG.integers(0, 256, (h, w, 3), dtype=np.uint8))
    return imgs


def gray_group(o):
    v = np.arange(1 << 24, dtype=np.uint32)
    allc = np.stack([v & 255, (v >> 8) & 255, (v >> 16) & 255], -1).astype(np.uint8).reshape(4096, 4096, 3)
    o.case("gray", o.npy(allc, "in"), o.npy(cv2.cvtColor(allc, cv2.COLOR_BGR2GRAY), "ref"))
    for img in test_images():
        o.case("gray", o.npy(img, "in"), o.npy(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), "ref"))


def resize_group(o):
    ph = photos()
    cases = []
    for img in test_images():
        h, w = img.shape[:2]
        sizes = {(224, 224), (max(1, w // 2), max(1, h // 2)), (max(1, w * 17 // 10), max(1, h * 17 // 10)),
                 (max(1, w // 3), max(1, h // 3)), (640, 360), (1, 1), (w, max(1, h - 1)), (7, 300)}
        for s in sorted(sizes):
            cases.append((img, s))
    # exact 2× and 3× reductions (OpenCV's fast area paths), and an area enlargement
    a = ph["astronaut"]
    cases += [(a, (256, 256)), (a[:510, :510], (170, 170)), (a, (128, 64)), (a[:100, :100], (150, 90))]
    g = ph["camera"]
    for s in ((224, 224), (256, 256), (300, 171), (171, 300)):
        cases.append((g, s))
    bgra = np.ascontiguousarray(skimage.data.logo()[..., [2, 1, 0, 3]])
    for s in ((224, 224), (250, 250), (333, 111)):
        cases.append((bgra, s))
    for img, (w, h) in cases:
        ii = o.npy(img, "in")
        for interp, name in ((cv2.INTER_LINEAR, "linear"), (cv2.INTER_AREA, "area")):
            ref = cv2.resize(img, (w, h), interpolation=interp)
            o.case("resize", ii, name, w, h, o.npy(ref, "ref"))


def blob_group(o):
    ph = photos()
    for img in test_images(big=False):
        if img.shape[0] < 2:
            continue
        ii = o.npy(img, "in")
        for (w, h), scale, mean, swap in (((112, 112), 1 / 127.5, (127.5,) * 3, True),
                                         ((img.shape[1], img.shape[0]), 1 / 128, (127.5,) * 3, True),
                                         ((96, 80), 1 / 58.395, (123.675, 116.28, 103.53), False)):
            ref = cv2.dnn.blobFromImage(img, scale, (w, h), mean, swapRB=swap)
            o.case("blob", ii, w, h, r17(scale), *mean, int(swap), o.npy(ref, "ref"))


def scrfd_prepare(img, input_size=(640, 640)):
    """SCRFD.detect() up to the model, as insightface writes it."""
    im_ratio = float(img.shape[0]) / img.shape[1]
    model_ratio = float(input_size[1]) / input_size[0]
    if im_ratio > model_ratio:
        new_height = input_size[1]
        new_width = int(new_height / im_ratio)
    else:
        new_width = input_size[0]
        new_height = int(new_width * im_ratio)
    det_scale = float(new_height) / img.shape[0]
    resized_img = cv2.resize(img, (new_width, new_height))
    det_img = np.zeros((input_size[1], input_size[0], 3), dtype=np.uint8)
    det_img[:new_height, :new_width, :] = resized_img
    blob = cv2.dnn.blobFromImage(det_img, 1.0 / 128, tuple(det_img.shape[0:2][::-1]),
                                 (127.5, 127.5, 127.5), swapRB=True)
    return blob, det_scale


def scrfd_in_group(o):
    ph = photos()
    imgs = [ph["astronaut"], ph["coffee"], ph["rocket"], cv2.resize(ph["hubble_deep_field"], (1920, 1080)),
            cv2.resize(ph["coffee"], (3840, 2160)), cv2.resize(ph["astronaut"], (1280, 1280)),
            cv2.resize(ph["astronaut"], (640, 640)), cv2.resize(ph["chelsea"], (300, 900)),
            RNG.integers(0, 256, (17, 29, 3), dtype=np.uint8)]
    for img in imgs:
        for size in ((640, 640), (480, 320)):
            blob, ds = scrfd_prepare(img, size)
            o.case("scrfd_in", o.npy(img, "in"), size[0], size[1], o.npy(blob, "ref"), r17(ds))


def distance2bbox(points, distance):
    x1 = points[:, 0] - distance[:, 0]
    y1 = points[:, 1] - distance[:, 1]
    x2 = points[:, 0] + distance[:, 2]
    y2 = points[:, 1] + distance[:, 3]
    return np.stack([x1, y1, x2, y2], axis=-1)


def distance2kps(points, distance):
    preds = []
    for i in range(0, distance.shape[1], 2):
        px = points[:, i % 2] + distance[:, i]
        py = points[:, i % 2 + 1] + distance[:, i + 1]
        preds.append(px)
        preds.append(py)
    return np.stack(preds, axis=-1)


def scrfd_post(net_outs, det_scale, img_shape, threshold=0.5, nms_thresh=0.4, max_num=0,
               input_size=(640, 640), strides=(8, 16, 32), num_anchors=2, use_kps=True):
    """SCRFD.forward() after session.run, nms() and detect() after forward, restated."""
    scores_list, bboxes_list, kpss_list = [], [], []
    fmc = len(strides)
    input_height, input_width = input_size[1], input_size[0]
    for idx, stride in enumerate(strides):
        scores = net_outs[idx]
        bbox_preds = net_outs[idx + fmc] * stride
        if use_kps:
            kps_preds = net_outs[idx + fmc * 2] * stride
        height = input_height // stride
        width = input_width // stride
        anchor_centers = np.stack(np.mgrid[:height, :width][::-1], axis=-1).astype(np.float32)
        anchor_centers = (anchor_centers * stride).reshape((-1, 2))
        if num_anchors > 1:
            anchor_centers = np.stack([anchor_centers] * num_anchors, axis=1).reshape((-1, 2))
        pos_inds = np.where(scores >= threshold)[0]
        bboxes = distance2bbox(anchor_centers, bbox_preds)
        scores_list.append(scores[pos_inds])
        bboxes_list.append(bboxes[pos_inds])
        if use_kps:
            kpss = distance2kps(anchor_centers, kps_preds)
            kpss = kpss.reshape((kpss.shape[0], -1, 2))
            kpss_list.append(kpss[pos_inds])
    scores = np.vstack(scores_list)
    order = scores.ravel().argsort()[::-1]
    bboxes = np.vstack(bboxes_list) / det_scale
    kpss = np.vstack(kpss_list) / det_scale
    pre_det = np.hstack((bboxes, scores)).astype(np.float32, copy=False)
    pre_det = pre_det[order, :]
    # nms
    x1, y1, x2, y2, sc = (pre_det[:, k] for k in range(5))
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order2 = sc.argsort()[::-1]
    keep = []
    while order2.size > 0:
        i = order2[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order2[1:]])
        yy1 = np.maximum(y1[i], y1[order2[1:]])
        xx2 = np.minimum(x2[i], x2[order2[1:]])
        yy2 = np.minimum(y2[i], y2[order2[1:]])
        w = np.maximum(0.0, xx2 - xx1 + 1)
        h = np.maximum(0.0, yy2 - yy1 + 1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order2[1:]] - inter)
        inds = np.where(ovr <= nms_thresh)[0]
        order2 = order2[inds + 1]
    det = pre_det[keep, :]
    kpss = kpss[order, :, :][keep, :, :]
    if max_num > 0 and det.shape[0] > max_num:
        area = (det[:, 2] - det[:, 0]) * (det[:, 3] - det[:, 1])
        img_center = img_shape[0] // 2, img_shape[1] // 2
        offsets = np.vstack([(det[:, 0] + det[:, 2]) / 2 - img_center[1],
                             (det[:, 1] + det[:, 3]) / 2 - img_center[0]])
        offset_dist_squared = np.sum(np.power(offsets, 2.0), 0)
        values = area - offset_dist_squared * 2.0
        bindex = np.argsort(values)[::-1][0:max_num]
        det = det[bindex, :]
        kpss = kpss[bindex, :]
    return det, kpss


def scrfd_out_group(o):
    cases = [((1080, 1920), 0.01, 0), ((512, 512), 0.003, 0), ((2160, 3840), 0.02, 3),
             ((480, 640), 0.0, 0), ((1000, 300), 0.05, 5)]
    for ci, (shape, frac, max_num) in enumerate(cases):
        _, det_scale = scrfd_prepare(np.zeros(shape + (3,), np.uint8))
        outs = []
        scores, boxes, kps = [], [], []
        for stride in (8, 16, 32):
            k = (640 // stride) ** 2 * 2
            s = RNG.random((k, 1), dtype=np.float32) * 0.5
            hot = RNG.random(k) < frac
            s[hot, 0] = (0.5 + 0.5 * RNG.random(int(hot.sum()))).astype(np.float32)
            scores.append(s)
            boxes.append((RNG.random((k, 4), dtype=np.float32) * 6 + 0.5).astype(np.float32))
            kps.append((RNG.standard_normal((k, 10)).astype(np.float32) * 2).astype(np.float32))
        outs = scores + boxes + kps
        prefix = f"net{ci}"
        for j, arr in enumerate(outs):
            np.save(os.path.join(o.d, f"{prefix}_{j}.npy"), arr)
        det, kpss = scrfd_post(outs, det_scale, shape, max_num=max_num)
        o.case("scrfd_out", prefix, 3, r17(det_scale), shape[1], shape[0], max_num,
               o.npy(det.astype(np.float32), "det"), o.npy(kpss.reshape(-1, 10).astype(np.float32), "kps"))


ARCFACE_DST = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)


def estimate_norm(lmk, image_size=112):
    assert image_size % 112 == 0 or image_size % 128 == 0
    if image_size % 112 == 0:
        ratio = float(image_size) / 112.0
        diff_x = 0
    else:
        ratio = float(image_size) / 128.0
        diff_x = 8.0 * ratio
    dst = ARCFACE_DST * ratio
    dst[:, 0] += diff_x
    tform = sktrans.SimilarityTransform()
    tform.estimate(lmk, dst)
    return tform.params[0:2, :]


def landmark_sets(img, face):
    """Landmarks of a face near `face` (5 points), turned, moved and scaled a little."""
    out = [face.astype(np.float32)]
    c = face.mean(0)
    for _ in range(5):
        ang = RNG.uniform(-0.5, 0.5)
        sc = RNG.uniform(0.6, 1.6)
        R = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
        shift = RNG.uniform(-30, 30, 2)
        pts = (face - c) @ R.T * sc + c + shift + RNG.normal(0, 1.5, face.shape)
        out.append(pts.astype(np.float32))
    return out


def align_group(o):
    ph = photos()
    astro_face = np.array([[202, 98], [248, 97], [225, 122], [206, 145], [246, 143]], np.float64)
    jobs = []
    for lmk in landmark_sets(ph["astronaut"], astro_face):
        jobs.append((ph["astronaut"], lmk, "photo"))
    big = cv2.resize(ph["astronaut"], (1920, 1920))
    for lmk in landmark_sets(big, astro_face * 3.75):
        jobs.append((big, lmk, "photo"))
    noise = RNG.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    for _ in range(6):
        c = RNG.uniform(40, 360), RNG.uniform(40, 260)
        lmk = astro_face - astro_face.mean(0) + np.array(c)
        jobs.append((noise, landmark_sets(noise, lmk)[1], "noise"))
    # a face at the border: part of the crop lies outside the image
    jobs.append((ph["coffee"], (astro_face - astro_face.mean(0) + np.array([8.0, 390.0])).astype(np.float32),
                 "photo"))
    # the matrix alone, bit for bit: faces, mirrored faces, faces turned all the way round,
    # random points; every crop size kind
    for i in range(3000):
        kind = i % 4
        if kind == 0:
            pts = RNG.uniform(-50, 4000, (5, 2))
        elif kind == 1:
            pts = ARCFACE_DST.astype(np.float64) * RNG.uniform(0.2, 30) + RNG.uniform(-100, 3000, 2) \
                + RNG.normal(0, 2, (5, 2))
        elif kind == 2:
            pts = ARCFACE_DST.astype(np.float64) * [-1, 1] * RNG.uniform(0.5, 8) + RNG.uniform(0, 2000, 2) \
                + RNG.normal(0, 1, (5, 2))
        else:
            ang = RNG.uniform(-3.2, 3.2)
            R = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
            pts = (ARCFACE_DST.astype(np.float64) - ARCFACE_DST.mean(0)) @ R.T * RNG.uniform(0.3, 10) \
                + RNG.uniform(0, 1500, 2)
        pts = pts.astype(np.float32)
        size = (112, 224, 128, 256)[i % 4 if kind != 3 else (i // 4) % 4]
        M = estimate_norm(pts, size)
        o.case("matrix", size, *(r17(v) for v in pts.ravel()), *(r17(v) for v in M.ravel()))
    saved = {}
    for img, lmk, kind in jobs:
        if id(img) not in saved:
            saved[id(img)] = o.npy(img, "in")
        ii = saved[id(img)]
        for size in (112, 224, 128):
            M = estimate_norm(lmk, size)
            crop = cv2.warpAffine(img, M, (size, size), borderValue=0.0)
            blob = cv2.dnn.blobFromImages([crop], 1.0 / 127.5, (size, size), (127.5, 127.5, 127.5),
                                          swapRB=True)
            o.case("warp", ii, size, *(r17(v) for v in M.ravel()), o.npy(crop, "warp"))
            o.case("align", ii, size, *(r17(v) for v in lmk.ravel()), o.npy(crop, "crop"),
                   o.npy(blob, "blob"), kind)


def quality_group(o):
    imgs = test_images()
    imgs.append(cv2.resize(photos()["coffee"], (3840, 2160)))
    imgs.append(RNG.integers(0, 256, (1080, 1920, 3), dtype=np.uint8))
    imgs.append(photos()["camera"])
    for img in imgs:
        gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        lap = cv2.Laplacian(gray, cv2.CV_64F).var()
        gx = cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=3)
        gy = cv2.Sobel(gray, cv2.CV_64F, 0, 1, ksize=3)
        ten = np.mean(gx ** 2 + gy ** 2)
        o.case("quality", o.npy(img, "in"), r17(lap), r17(gray.mean()), r17(gray.std()), r17(ten))


def prepare_group(o):
    """accel_scrfd_prepare: image files → what cv2.imread, then SCRFD.detect() before the model
    and the quality measures, give. JPEGs of every kind the decoder meets (baseline at three
    sizes, progressive, gray, 4:4:4, CMYK, an EXIF turn), PNG (1080p, 16-bit, interlaced) and
    WebP (lossy at 1080p, lossless, with alpha), a tall image, noise."""
    ph = photos()
    files = []

    def put(name, img, ext=".jpg", params=(cv2.IMWRITE_JPEG_QUALITY, 90)):
        ok, buf = cv2.imencode(ext, img, list(params))
        assert ok
        o.file(buf.tobytes(), name)
        files.append(name)

    put("astronaut.jpg", ph["astronaut"])
    put("coffee_1080p.jpg", cv2.resize(ph["coffee"], (1920, 1080)))
    put("hubble_2160p.jpg", cv2.resize(ph["hubble_deep_field"], (3840, 2160)))
    put("chelsea_tall.jpg", cv2.resize(ph["chelsea"], (300, 900)), params=(cv2.IMWRITE_JPEG_QUALITY, 80))
    put("odd_333x517.jpg", cv2.resize(ph["rocket"], (333, 517)), params=(cv2.IMWRITE_JPEG_QUALITY, 75))
    put("rocket_progressive.jpg", ph["rocket"],
        params=(cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_PROGRESSIVE, 1))
    put("camera_gray.jpg", ph["camera"])
    put("noise.jpg", RNG.integers(0, 256, (97, 131, 3), dtype=np.uint8),
        params=(cv2.IMWRITE_JPEG_QUALITY, 97))
    b = io.BytesIO()
    Image.fromarray(ph["coffee"][..., ::-1]).save(b, format="JPEG", quality=92, subsampling=0)
    o.file(b.getvalue(), "coffee_444.jpg")
    files.append("coffee_444.jpg")
    b = io.BytesIO()
    Image.fromarray(ph["chelsea"][..., ::-1]).convert("CMYK").save(b, format="JPEG", quality=90)
    o.file(b.getvalue(), "chelsea_cmyk.jpg")
    files.append("chelsea_cmyk.jpg")
    ok, base = cv2.imencode(".jpg", cv2.resize(ph["astronaut"], (640, 480)), [cv2.IMWRITE_JPEG_QUALITY, 90])
    o.file(with_app1(base.tobytes(), exif_app1(6)), "astronaut_exif6.jpg")
    files.append("astronaut_exif6.jpg")
    put("coffee.png", ph["coffee"], ".png", ())
    put("chelsea.webp", ph["chelsea"], ".webp", (cv2.IMWRITE_WEBP_QUALITY, 90))
    # PNG and WebP are decoded by rows too: a 1080p PNG, 16 bits, interlaced (reported whole),
    # a 1080p lossy WebP, lossless, with alpha
    put("coffee_1080p.png", cv2.resize(ph["coffee"], (1920, 1080)), ".png", ())
    put("coffee_rgb16.png", ph["coffee"].astype(np.uint16) * 256 + 77, ".png", ())
    o.file(png_bytes(packed_color(ph["chelsea"][..., ::-1], 8), 451, 300, 8, 2, interlace=True),
           "chelsea_interlaced.png")
    files.append("chelsea_interlaced.png")
    put("astronaut_1080p.webp", cv2.resize(ph["astronaut"], (1920, 1080)), ".webp",
        (cv2.IMWRITE_WEBP_QUALITY, 85))
    put("rocket_lossless.webp", ph["rocket"], ".webp", (cv2.IMWRITE_WEBP_QUALITY, 101))
    alpha = np.dstack([ph["coffee"], (np.arange(ph["coffee"].shape[1]) % 256).astype(np.uint8)[None, :]
                       .repeat(ph["coffee"].shape[0], 0)])
    put("coffee_alpha.webp", alpha, ".webp", (cv2.IMWRITE_WEBP_QUALITY, 80))
    for size in ((640, 640), (480, 320)):
        for name in files if size == (640, 640) else files[:4]:
            img = cv2.imread(os.path.join(o.d, name), cv2.IMREAD_COLOR)
            blob, ds = scrfd_prepare(img, size)
            gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
            gx = cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=3)
            gy = cv2.Sobel(gray, cv2.CV_64F, 0, 1, ksize=3)
            o.case("prepare", name, size[0], size[1], o.npy(blob, "ref"), r17(ds),
                   r17(cv2.Laplacian(gray, cv2.CV_64F).var()), r17(gray.mean()), r17(gray.std()),
                   r17(np.mean(gx ** 2 + gy ** 2)))


def enhance_ref(img, min_side, clip, tiles):
    h, w = img.shape[:2]
    scale = 1.0
    if min_side > 0 and min(h, w) < min_side:
        scale = min_side / min(h, w)
        img = cv2.resize(img, (int(math.floor(w * scale + 0.5)), int(math.floor(h * scale + 0.5))),
                         interpolation=cv2.INTER_LINEAR)
    if clip > 0:
        clahe = cv2.createCLAHE(clipLimit=clip, tileGridSize=tiles)
        if img.ndim == 2:
            img = clahe.apply(img)
        else:
            ycc = cv2.cvtColor(img, cv2.COLOR_BGR2YCrCb)
            ycc[..., 0] = clahe.apply(np.ascontiguousarray(ycc[..., 0]))
            img = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR)
    return img, scale


def clahe_group(o):
    ph = photos()
    grays = [ph["camera"], cv2.cvtColor(ph["coffee"], cv2.COLOR_BGR2GRAY),
             cv2.cvtColor(ph["chelsea"], cv2.COLOR_BGR2GRAY),
             cv2.cvtColor(cv2.resize(ph["hubble_deep_field"], (1920, 1080)), cv2.COLOR_BGR2GRAY),
             RNG.integers(0, 256, (37, 53), dtype=np.uint8), RNG.integers(0, 256, (5, 3), dtype=np.uint8),
             RNG.integers(90, 110, (64, 64), dtype=np.uint8)]
    for g in grays:
        ii = o.npy(g, "in")
        for clip, tiles in ((2.0, (8, 8)), (40.0, (8, 8)), (1.0, (4, 6)), (0.0, (3, 3)), (3.0, (16, 9))):
            ref = cv2.createCLAHE(clipLimit=clip, tileGridSize=tiles).apply(g)
            o.case("clahe", ii, r17(clip), tiles[0], tiles[1], o.npy(ref, "ref"))
    for img in (ph["chelsea"], ph["astronaut"], cv2.resize(ph["coffee"], (200, 133)),
                RNG.integers(0, 256, (31, 45, 3), dtype=np.uint8), ph["camera"][:100, :150]):
        ii = o.npy(img, "in")
        for min_side, clip, tiles in ((640, 2.0, (8, 8)), (0, 2.0, (8, 8)), (480, 0.0, (8, 8)),
                                      (1000, 3.0, (4, 4))):
            ref, scale = enhance_ref(img, min_side, clip, tiles)
            o.case("enhance", ii, min_side, r17(clip), tiles[0], tiles[1], r17(scale),
                   o.npy(ref, "ref"))


GROUPS = {"decode": decode_group, "gray": gray_group, "resize": resize_group, "blob": blob_group,
          "scrfd_in": scrfd_in_group, "scrfd_out": scrfd_out_group, "align": align_group,
          "quality": quality_group, "clahe": clahe_group, "prepare": prepare_group}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--group", required=True, choices=sorted(GROUPS))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    o = Out(a.out)
    GROUPS[a.group](o)
    o.close()
    print(f"{a.group}: {len(o.lines)} cases in {a.out}")


if __name__ == "__main__":
    main()
