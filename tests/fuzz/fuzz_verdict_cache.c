/* fuzz_verdict_cache — a verdict cache file (src/discover/verdict_cache.c) and the records
 * stored in one: the CUDA probe outcome (cuda_outcome.c), the OpenCL records
 * (opencl_records.c) and the ROCm probe reply (rocm_probe.c). The cache directory belongs to
 * the user, so every byte of it is untrusted.
 *
 * The bytes are tried three ways: as a whole file (for a fixed key, and for the key the file
 * itself carries, so the checksum and key checks are reached); and as the data of a valid
 * file (checksum made right here), so the record parsers see what a forged entry would give
 * them. */
#include "fuzz.h"
#include "discover/cuda_outcome.h"
#include "discover/opencl_discover.h"
#include "discover/rocm.h"
#include "discover/verdict_cache.h"

#include <inttypes.h>

static void file(const char *buf, size_t n, const char *what, const char *key)
{
    const char *data = NULL;
    size_t dn = 0;
    char why[512];
    if (accel__verdict_parse(buf, n, what, key, &data, &dn, why, sizeof why) == 0) {
        /* an accepted entry lies within the file */
        FUZZ_CHECK(data >= buf && dn <= n && (size_t)(data - buf) <= n - dn);
    } else {
        FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL);
    }
}

static void records(const char *data, size_t n)
{
    char *text = malloc(n + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, n);
    text[n] = '\0';
    accel__cuda_outcome o;
    accel__cuda_outcome_parse(text, &o); /* fills o even when it fails part-way */
    accel__cuda_outcome_free(&o);
    accel__ocl_reclist l;
    memset(&l, 0, sizeof l);
    accel__ocl_parse_records(text, n, &l);
    free(l.v);
    accel__hip_probe hp;
    memset(&hp, 0, sizeof hp);
    char libid[700];
    accel__rocm_cache_parse(text, &hp, libid, sizeof libid);
    FUZZ_CHECK(memchr(hp.verdict, '\0', sizeof hp.verdict) != NULL);
    free(hp.devs);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    file(buf, size, "cuda", "key=1\n");
    /* the key the file names: "key N" bytes after the blank line */
    const char *blank = size ? memmem(buf, size, "\n\n", 2) : NULL;
    if (blank) {
        size_t off = (size_t)(blank + 2 - buf), kn = size - off < 64 ? size - off : 64;
        char key[65], what[64] = "cuda";
        memcpy(key, blank + 2, kn);
        key[kn] = '\0';
        const char *w = memmem(buf, (size_t)(blank - buf), "\nwhat ", 6);
        if (w) snprintf(what, sizeof what, "%.*s", (int)strcspn(w + 6, "\n"), w + 6);
        for (size_t k = 0; k <= strlen(key); k++) {
            char sub[65];
            memcpy(sub, key, k);
            sub[k] = '\0';
            file(buf, size, what, sub);
        }
    }
    records(buf, size);
    /* the same bytes as the data of an entry with a right checksum */
    const char *key = "k=v\n";
    uint64_t h = accel__hash64(key, strlen(key), 0);
    h = accel__hash64(data, size, h);
    char head[160];
    int hl = snprintf(head, sizeof head, "accel-verdict %d\nwhat rocm\nkey %zu\ndata %zu\nsum %016" PRIx64 "\n\n",
                      ACCEL__VERDICT_VERSION, strlen(key), size, h);
    size_t total = (size_t)hl + strlen(key) + size;
    char *whole = malloc(total);
    FUZZ_CHECK(whole != NULL);
    memcpy(whole, head, (size_t)hl);
    memcpy(whole + hl, key, strlen(key));
    if (size) memcpy(whole + hl + strlen(key), data, size);
    const char *got = NULL;
    size_t gn = 0;
    char why[512];
    FUZZ_CHECK(accel__verdict_parse(whole, total, "rocm", key, &got, &gn, why, sizeof why) == 0);
    FUZZ_CHECK(gn == size && (size == 0 || memcmp(got, data, size) == 0));
    free(whole);
    return 0;
}
