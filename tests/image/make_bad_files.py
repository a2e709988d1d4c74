#!/usr/bin/env python3
"""make_bad_files.py OUT — the small crafted files of tests/data/image/bad (committed; this
script says how they were made). Needs OpenCV and Pillow."""
import io
import os
import struct
import sys
import zlib

import cv2
import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


y, x = np.mgrid[0:32, 0:48]
img = np.stack([x * 5, y * 7, (x + y) * 3], -1).astype(np.uint8)
jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
png = cv2.imencode(".png", img)[1].tobytes()
webp = cv2.imencode(".webp", img, [cv2.IMWRITE_WEBP_QUALITY, 80])[1].tobytes()

put("empty.jpg", b"")
put("text.jpg", b"this is a text file, not an image\n")
put("gif.png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
put("good.jpg", jpg)
put("truncated.jpg", jpg[: len(jpg) * 6 // 10])       # inside the header
put("truncated_scan.jpg", jpg[: len(jpg) * 9 // 10])  # inside the image data
put("good.png", png)
put("truncated.png", png[: len(png) // 2])
put("truncated.webp", webp[: len(webp) // 2])

# a PNG whose header claims 100000 × 100000 pixels (its data are one empty row)
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
chunk = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
put("huge_100000x100000.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
    chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))

# a JPEG whose frame header claims 65500 × 65500 pixels
sof = jpg.index(b"\xff\xc0")
big = bytearray(jpg)
big[sof + 5:sof + 9] = struct.pack(">HH", 65500, 65500)
put("huge_65500x65500.jpg", bytes(big))


def png_adam7(rgb):
    """An interlaced (Adam7) 8-bit RGB PNG of an h × w × 3 array."""
    h, w, _ = rgb.shape
    raw = b""
    for y0, sy, x0, sx in ((0, 8, 0, 8), (0, 8, 4, 8), (4, 8, 0, 4), (0, 4, 2, 4), (2, 4, 0, 2),
                           (0, 2, 1, 2), (1, 2, 0, 1)):
        sub = rgb[y0::sy, x0::sx]
        for row in sub if sub.size else ():
            raw += b"\x00" + row.tobytes()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# an interlaced PNG: no row is final before the last pass, so a reader gets it whole
put("interlaced.png", png_adam7(img[..., ::-1]))

# a PNG with a damaged image chunk (its CRC no longer matches)
idat = png.index(b"IDAT")
bad = bytearray(png)
bad[idat + 10] ^= 0xFF
put("bad_crc.png", bytes(bad))

# a JPEG with garbage in its entropy-coded data: libjpeg warns and decodes the rest
sos = jpg.index(b"\xff\xda")
cor = bytearray(jpg)
for k in range(sos + 40, sos + 80, 3):
    cor[k] = 0x5A
put("corrupt_scan.jpg", bytes(cor))

# a second frame header after the image data: libjpeg stops with an error only after the last
# row (while reading on to the end of the file), and cv2.imread keeps the image
seg = jpg[sof:sof + 2 + struct.unpack(">H", jpg[sof + 2:sof + 4])[0]]
put("error_after_last_row.jpg", jpg[:-2] + seg + jpg[-2:])

# a progressive JPEG whose second scan has impossible parameters, after extraneous bytes (a
# warning): libjpeg stops before the first row and cv2.imread returns nothing (TurboJPEG,
# having warned first, would call the error a warning)
prog = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
second = prog.index(b"\xff\xda", prog.index(b"\xff\xda") + 2)
n_comp = prog[second + 4]
ss = second + 5 + 2 * n_comp  # Ss, Se, Ah/Al of that scan
bad_scan = bytearray(prog)
bad_scan[ss:ss + 3] = bytes([0, 63, 0])
put("error_after_warning.jpg", bytes(bad_scan[:second]) + b"\x00\x01\x02" + bytes(bad_scan[second:]))

# an animated WebP (two frames)
b = io.BytesIO()
frames = [Image.fromarray(img[..., ::-1]), Image.fromarray(255 - img[..., ::-1])]
frames[0].save(b, format="WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
put("animated.webp", b.getvalue())

# a WebP one byte short: its RIFF container and image chunk end past the file. The one-call
# decoder cv2.imread uses refuses it before decoding; libwebp's incremental decoder, not told
# where the file ends, would decode the image from what is there
put("last_byte_cut.webp", webp[:-1])

# a WebP of 24 bytes: OpenCV reads a WebP header from the first 32 and refuses shorter files
put("short.webp", webp[:24])

# a tall lossy WebP (96 × 1280, about 13 KB: several pieces for the incremental decoder), for
# images decoded by rows and cut short after most of them (tests/image/test_image_api.c)
rng = np.random.default_rng(7)
ty, tx = np.mgrid[0:1280, 0:96]
tall = np.stack([(tx * 5 + ty) % 256, (ty * 3) % 256, ((tx + ty) * 3) % 256], -1).astype(np.float64)
tall = np.clip(tall + rng.normal(0, 3, tall.shape), 0, 255).astype(np.uint8)
put("tall.webp", cv2.imencode(".webp", tall, [cv2.IMWRITE_WEBP_QUALITY, 60])[1].tobytes())
print("bad files in", out)
