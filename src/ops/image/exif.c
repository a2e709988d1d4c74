/* exif.c — the EXIF orientation as OpenCV 4.6 reads it (imgcodecs/src/exif.cpp, ExifReader),
 * and the JPEG marker walk that finds the segment it reads.
 *
 * OpenCV's reader, restated: the data start with a TIFF header whose first byte says the byte
 * order ('I' little-endian; anything else, 'M' included, big-endian — the two bytes are not
 * otherwise checked); the 16-bit value at 2 must be 42; IFD0 starts at the 32-bit offset at 4;
 * its entries (12 bytes: tag, type, count, value) are read in order. Entries with the tags
 * OpenCV knows read their value, and a value that lies outside the data stops the walk (an
 * exception in OpenCV); entries read until then are kept, and the first Orientation entry
 * (0x0112, a 16-bit value at entry + 8, whatever its type) wins. No other validation is made,
 * so any orientation value comes back; the caller applies 2 … 8 only.
 *
 * This parser reads input accel does not control. It never reads outside [b, b + n): every
 * access goes through get16/get32, which check the bounds first. */
#include "image_internal.h"

#include <string.h>

typedef struct rd {
    const uint8_t *b;
    size_t n;
    int le;
    int bad; /* an access fell outside: OpenCV's ExifParsingError */
} rd;

static unsigned get16(rd *r, size_t off)
{
    if (r->bad || off >= r->n || r->n - off < 2) {
        r->bad = 1;
        return 0;
    }
    const uint8_t *p = r->b + off;
    return r->le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | (unsigned)p[1];
}

static uint32_t get32(rd *r, size_t off)
{
    if (r->bad || off >= r->n || r->n - off < 4) {
        r->bad = 1;
        return 0;
    }
    const uint8_t *p = r->b + off;
    if (r->le) return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads `count` unsigned rationals at the offset stored in the entry (OpenCV reads them all). */
static void rationals(rd *r, size_t entry, int count)
{
    size_t off = get32(r, entry + 8);
    for (int i = 0; i < count && !r->bad; i++, off += 8) {
        get32(r, off);
        get32(r, off + 4);
    }
}

/* A string value: OpenCV takes its bytes at offset 8 of the data when it fits in 4 bytes (sic)
 * and at the stored offset otherwise, and fails when they lie outside. */
static void string_value(rd *r, size_t entry)
{
    size_t size = get32(r, entry + 4);
    size_t at = 8;
    if (size > 4) at = get32(r, entry + 8);
    if (r->bad) return;
    if (at > r->n || size > r->n - at) r->bad = 1;
}

int accel__exif_orientation(const uint8_t *b, size_t n)
{
    if (!b || n == 0) return 0;
    rd r = {b, n, 0, 0};
    /* ExifReader::getFormat: "II" little-endian, "MM" big-endian, anything else "none", which
     * reads big-endian */
    r.le = n > 1 && b[0] == b[1] && b[0] == 'I';
    if (n == 1) r.le = b[0] == 'I';
    if (get16(&r, 2) != 42 || r.bad) return 0;
    size_t off = get32(&r, 4);
    if (r.bad) return 0;
    unsigned count = get16(&r, off);
    if (r.bad) return 0;
    off += 2;
    int orientation = 0;
    for (unsigned e = 0; e < count; e++, off += 12) {
        unsigned tag = get16(&r, off);
        if (r.bad) break;
        switch (tag) {
        case 0x0112: { /* Orientation */
            unsigned v = get16(&r, off + 8);
            if (!r.bad && orientation == 0) orientation = v ? (int)v : -1;
            break;
        }
        case 0x010E: case 0x010F: case 0x0110: case 0x0131: case 0x0132: case 0x8298:
            string_value(&r, off);
            break;
        case 0x011A: case 0x011B: rationals(&r, off, 1); break;  /* X/YResolution */
        case 0x013E: rationals(&r, off, 2); break;                 /* WhitePoint */
        case 0x013F: rationals(&r, off, 6); break;                 /* PrimaryChromaticities */
        case 0x0211: rationals(&r, off, 3); break;                 /* YCbCrCoefficients */
        case 0x0214: rationals(&r, off, 6); break;                 /* ReferenceBlackWhite */
        case 0x0128: case 0x0213: get16(&r, off + 8); break;      /* ResolutionUnit, YCbCrPositioning */
        default: break;
        }
        if (r.bad) break;
    }
    /* an Orientation entry holding 0 is kept by OpenCV and means "no change" like any value
     * outside 1 … 8 */
    return orientation < 0 ? 0 : orientation;
}

const uint8_t *accel__jpeg_first_app1(const uint8_t *b, size_t n, size_t *len)
{
    *len = 0;
    if (n < 4 || b[0] != 0xFF || b[1] != 0xD8) return NULL;
    size_t i = 2;
    while (i + 4 <= n) {
        if (b[i] != 0xFF) return NULL; /* not at a marker: libjpeg would resynchronise; stop */
        while (i < n && b[i] == 0xFF) i++; /* fill bytes */
        if (i >= n) return NULL;
        uint8_t m = b[i++];
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue; /* no length */
        if (m == 0xD9 || m == 0xDA) return NULL; /* EOI, SOS: the header is over */
        if (i + 2 > n) return NULL;
        size_t seg = (size_t)b[i] << 8 | b[i + 1];
        if (seg < 2) return NULL;
        if (m == 0xE1) {
            size_t avail = n - (i + 2);
            *len = seg - 2 < avail ? seg - 2 : avail;
            return b + i + 2;
        }
        if (seg > n - i) return NULL;
        i += seg;
    }
    return NULL;
}
