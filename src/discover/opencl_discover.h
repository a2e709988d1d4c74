/* opencl_discover.h — the parts of OpenCL discovery (src/discover/opencl*.c).
 *
 *   opencl.c          the discoverer: cache, records to devices
 *   opencl_probe.c    the crash-isolated probe child and its driver
 *   opencl_records.c  the text records the child sends and the cache stores
 *   opencl_key.c      the verdict cache's key
 *
 * Records are lines of tab-separated key=value fields (tab, newline and backslash escaped):
 *   D  a device and its properties (plat, dev, name, …)
 *   N  the enumeration finished
 *   V  a device's verdict (plat, dev, ok, verdict)
 *   F  the enumeration itself failed (message)
 *   L  no ICD loader (message)
 * Unknown keys are ignored, so the format can grow. */
#ifndef ACCEL_OPENCL_DISCOVER_H
#define ACCEL_OPENCL_DISCOVER_H

#include "core/backend.h"
#include "core/text.h"

#include "vendor/cl_util.h"

#define ACCEL__OCL_CACHE_FORMAT "accel-opencl-discovery 1"
/* The kernel the self-test builds and runs. */
#define ACCEL__OCL_TEST_KERNEL "ak_fill_f32"

/* "\tkey=value" with the value escaped. */
void accel__ocl_field(accel__text *t, const char *key, const char *value);
void accel__ocl_field_ll(accel__text *t, const char *key, long long v);

typedef struct accel__ocl_rec {
    int plat, dev;
    accel__cl_props p;
    int tested, ok;
    char verdict[256];
} accel__ocl_rec;

typedef struct accel__ocl_reclist {
    accel__ocl_rec *v;
    size_t n, cap;
    int complete;      /* the enumeration finished ('N' record) */
    char fatal[512];   /* 'F': enumeration itself failed */
    char missing[512]; /* 'L': no ICD loader */
} accel__ocl_reclist;

void accel__ocl_write_device(accel__text *t, int plat, int dev, const accel__cl_props *p);
void accel__ocl_write_verdict(accel__text *t, int plat, int dev, int ok, const char *verdict);
accel__ocl_rec *accel__ocl_find_rec(accel__ocl_reclist *l, int plat, int dev);
/* Parses a whole record text into l (l->v malloc'd, caller frees). -1 when any line is
 * malformed. */
int accel__ocl_parse_records(const char *body, size_t len, accel__ocl_reclist *l);

/* Probes in forked children until every device has a verdict and writes the records (or one
 * F or L record) to out. Fails only when a child cannot be started or memory runs out. */
accel_status accel__ocl_probe_all(accel_ctx *ctx, accel__text *out);

/* The text whose hash keys the verdict cache: every input that can change the answer. */
void accel__ocl_key_text(accel__text *t);

#endif
