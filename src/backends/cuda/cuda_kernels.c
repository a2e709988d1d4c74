/* cuda_kernels.c — where CUDA kernel images come from: the fatbin embedded at build time, or
 * NVRTC at run time with a disk cache.
 *
 * Why a cache: NVRTC takes tens to hundreds of milliseconds per family, paid at every context
 * creation otherwise. Why the key holds the driver version: PTX is compiled further by the
 * driver, and a newer NVRTC can emit PTX an older driver rejects, so an entry made under one
 * driver must not be reused under another. Entries carry their full key and a checksum in a
 * small text header, so a truncated or foreign file is detected and rebuilt. */
#include "backends/cuda/cuda_kernels.h"

#include "core/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef ACCEL_HAVE_CUDA_FATBIN
/* Defined in the file cmake/part_cuda.cmake generates from nvcc's output. */
extern const unsigned char accel__cuda_fatbin_data[];
extern const size_t accel__cuda_fatbin_size;
extern const char accel__cuda_fatbin_archs[];
#endif

int accel__cuda_fatbin(const unsigned char **data, size_t *size, const char **archs)
{
#ifdef ACCEL_HAVE_CUDA_FATBIN
    *data = accel__cuda_fatbin_data;
    *size = accel__cuda_fatbin_size;
    *archs = accel__cuda_fatbin_archs;
    return 1;
#else
    *data = NULL;
    *size = 0;
    *archs = "";
    return 0;
#endif
}

void accel__cuda_target_name(accel__cuda_target t, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s_%d", t.cubin ? "sm" : "compute", t.arch);
}

accel_status accel__cuda_nvrtc_target(const accel__nvrtc_api *nv, int cc_major, int cc_minor,
                                      accel__cuda_target *out)
{
    RETURN_ERROR_IF(cc_major < 1 || cc_minor < 0 || cc_minor > 9, ACCEL_ERR_INVALID_ARG,
                    "compute capability %d.%d is not valid", cc_major, cc_minor);
    int cc = cc_major * 10 + cc_minor;
    int can_cubin = nv->nvrtcGetCUBIN && nv->nvrtcGetCUBINSize;
    if (!nv->nvrtcGetNumSupportedArchs || !nv->nvrtcGetSupportedArchs) {
        /* NVRTC before 11.2 cannot list its architectures: ask for the GPU's own. */
        out->arch = cc;
        out->cubin = can_cubin;
        return ACCEL_OK;
    }
    int n = 0;
    FORWARD_IF_ERROR(ACCEL_NVRTC(nv, nvrtcGetNumSupportedArchs(&n), "nvrtcGetNumSupportedArchs"));
    RETURN_ERROR_IF(n <= 0 || n > 256, ACCEL_ERR_VENDOR,
                    "nvrtcGetNumSupportedArchs reported %d architectures", n);
    int archs[256];
    FORWARD_IF_ERROR(ACCEL_NVRTC(nv, nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs"));
    int best = -1, exact = 0, lo = archs[0], hi = archs[0];
    for (int i = 0; i < n; i++) {
        if (archs[i] == cc) exact = 1;
        if (archs[i] <= cc && archs[i] > best) best = archs[i];
        if (archs[i] < lo) lo = archs[i];
        if (archs[i] > hi) hi = archs[i];
    }
    if (exact && can_cubin) {
        out->arch = cc;
        out->cubin = 1;
    } else if (best >= 0) {
        out->arch = best;
        out->cubin = 0;
    } else {
        return ACCEL_ERROR(ACCEL_ERR_UNSUPPORTED,
                           "NVRTC %d.%d compiles for sm_%d to sm_%d only; this GPU is sm_%d "
                           "(install an NVRTC from a CUDA toolkit that still supports it)",
                           nv->major, nv->minor, lo, hi, cc);
    }
    return ACCEL_OK;
}

/* The compiler options; part of the cache key. -default-device makes helpers without
 * qualifiers device functions; C++11 is all the dialect needs and every NVRTC accepts it. */
static int build_options(accel__cuda_target t, char arch_opt[64], const char *opts[4])
{
    char name[32];
    accel__cuda_target_name(t, name, sizeof name);
    snprintf(arch_opt, 64, "--gpu-architecture=%s", name);
    opts[0] = arch_opt;
    opts[1] = "-default-device";
    opts[2] = "-std=c++11";
    return 3;
}

static accel_status compile(const accel__nvrtc_api *nv, const accel__kernel_source *src,
                            accel__cuda_target t, const char *const *opts, int n_opts,
                            accel__cuda_image *out)
{
    char prog_name[96], tname[32];
    snprintf(prog_name, sizeof prog_name, "%s.kern", src->family);
    accel__cuda_target_name(t, tname, sizeof tname);
    nvrtcProgram prog = NULL;
    FORWARD_IF_ERROR(ACCEL_NVRTC(nv, nvrtcCreateProgram(&prog, src->text, prog_name, 0, NULL, NULL),
                                 "nvrtcCreateProgram"));
    nvrtcResult r = nv->nvrtcCompileProgram(prog, n_opts, opts);
    if (r != ACCEL_NVRTC_SUCCESS) {
        size_t log_n = 0;
        char *log = NULL;
        if (nv->nvrtcGetProgramLogSize(prog, &log_n) == ACCEL_NVRTC_SUCCESS && log_n > 0 &&
            (log = malloc(log_n + 1)) != NULL) {
            if (nv->nvrtcGetProgramLog(prog, log) != ACCEL_NVRTC_SUCCESS) log[0] = '\0';
            log[log_n] = '\0';
        }
        const char *why = nv->nvrtcGetErrorString(r);
        accel_status st = accel__set_error(
            r == ACCEL_NVRTC_ERROR_COMPILATION ? ACCEL_ERR_KERNEL : ACCEL_ERR_VENDOR, __FILE__,
            __LINE__, "NVRTC %d.%d could not compile kernel family '%s' for %s: %s%s%s",
            nv->major, nv->minor, src->family, tname, why ? why : "error", log ? ": " : "",
            log ? log : "");
        free(log);
        nv->nvrtcDestroyProgram(&prog);
        return st;
    }
    size_t n = 0;
    accel_status st = t.cubin ? ACCEL_NVRTC(nv, nvrtcGetCUBINSize(prog, &n), "nvrtcGetCUBINSize")
                              : ACCEL_NVRTC(nv, nvrtcGetPTXSize(prog, &n), "nvrtcGetPTXSize");
    unsigned char *data = NULL;
    if (st == ACCEL_OK) {
        data = malloc(n + 1);
        if (!data) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for a %zu-byte kernel image", n);
    }
    if (st == ACCEL_OK)
        st = t.cubin ? ACCEL_NVRTC(nv, nvrtcGetCUBIN(prog, (char *)data), "nvrtcGetCUBIN")
                     : ACCEL_NVRTC(nv, nvrtcGetPTX(prog, (char *)data), "nvrtcGetPTX");
    nv->nvrtcDestroyProgram(&prog);
    if (st != ACCEL_OK) {
        free(data);
        return st;
    }
    data[n] = '\0';
    out->data = data;
    out->size = n;
    return ACCEL_OK;
}

#define CACHE_MAGIC "ACCELKC1\n"

/* 16 lower-case hex digits, as cache_write prints the checksum; 0 on success. */
static int parse_hash(const char *s, const char *end, uint64_t *out)
{
    if (end - s != 16) return -1;
    uint64_t v = 0;
    for (; s < end; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int accel__cuda_cache_parse(const char *buf, size_t n, const char *key, const char **payload,
                            size_t *size, char *why, size_t why_cap)
{
    size_t magic_n = strlen(CACHE_MAGIC), key_n = strlen(key);
    const char *p = buf, *end = buf + n;
    if (n < magic_n || memcmp(p, CACHE_MAGIC, magic_n) != 0) {
        snprintf(why, why_cap, "bad header");
        return -1;
    }
    p += magic_n;
    if ((size_t)(end - p) < key_n + 5 || memcmp(p, "key ", 4) != 0 ||
        memcmp(p + 4, key, key_n) != 0 || p[4 + key_n] != '\n') {
        snprintf(why, why_cap, "key differs");
        return -1;
    }
    p += 4 + key_n + 1;
    /* "size <decimal> hash <16 hex>\n", every field strict (sscanf's %llu is undefined past
     * the type's range) */
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    char line[128];
    uint64_t sz = 0, hash = 0;
    const char *q = line, *sp;
    if (!nl || (size_t)(nl - p) >= sizeof line || memchr(p, '\0', (size_t)(nl - p))) {
        snprintf(why, why_cap, "bad size line");
        return -1;
    }
    memcpy(line, p, (size_t)(nl - p));
    line[nl - p] = '\0';
    if (strncmp(q, "size ", 5) != 0 || accel__parse_u64_prefix(q + 5, &sz, &sp) != 0 ||
        strncmp(sp, " hash ", 6) != 0 || parse_hash(sp + 6, line + strlen(line), &hash) != 0) {
        snprintf(why, why_cap, "bad size line");
        return -1;
    }
    p = nl + 1;
    if ((uint64_t)(end - p) != sz) {
        snprintf(why, why_cap, "%zu payload bytes, header says %llu", (size_t)(end - p),
                 (unsigned long long)sz);
        return -1;
    }
    if (accel__hash64(p, (size_t)sz, 0) != hash) {
        snprintf(why, why_cap, "checksum mismatch");
        return -1;
    }
    *payload = p;
    *size = (size_t)sz;
    return 0;
}

/* Returns 1 and fills out->data/size when `path` holds a valid entry for `key`; 0 otherwise,
 * with the reason in why (empty when the file simply does not exist). */
static int cache_read(const char *path, const char *key, accel__cuda_image *out, char *why,
                      size_t why_cap)
{
    why[0] = '\0';
    if (access(path, F_OK) != 0) return 0;
    char *buf = NULL;
    size_t n = 0;
    if (accel__read_file(path, &buf, &n) != ACCEL_OK) {
        snprintf(why, why_cap, "unreadable: %s", accel__last_error_text());
        return 0;
    }
    int ok = 0;
    const char *payload = NULL;
    size_t size = 0;
    if (accel__cuda_cache_parse(buf, n, key, &payload, &size, why, why_cap) != 0) goto done;
    out->data = malloc(size + 1);
    if (!out->data) {
        snprintf(why, why_cap, "out of memory");
        goto done;
    }
    memcpy(out->data, payload, size);
    out->data[size] = '\0';
    out->size = size;
    ok = 1;
done:
    free(buf);
    return ok;
}

static accel_status cache_write(const char *path, const char *key, const accel__cuda_image *img)
{
    char head[2048];
    int h = snprintf(head, sizeof head, CACHE_MAGIC "key %s\nsize %zu hash %016llx\n", key,
                     img->size, (unsigned long long)accel__hash64(img->data, img->size, 0));
    RETURN_ERROR_IF(h < 0 || (size_t)h >= sizeof head, ACCEL_ERR_INTERNAL, "cache key too long");
    unsigned char *buf = malloc((size_t)h + img->size);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory writing %s", path);
    memcpy(buf, head, (size_t)h);
    memcpy(buf + h, img->data, img->size);
    accel_status st = accel__write_file_atomic(path, buf, (size_t)h + img->size, 0600);
    free(buf);
    return st;
}

accel_status accel__cuda_nvrtc_image(const accel_ctx *ctx, const accel__nvrtc_api *nv,
                                     const accel__kernel_source *src, accel__cuda_target target,
                                     int driver_version, accel__cuda_image *out)
{
    memset(out, 0, sizeof *out);
    out->target = target;
    RETURN_ERROR_IF(target.cubin && (!nv->nvrtcGetCUBIN || !nv->nvrtcGetCUBINSize),
                    ACCEL_ERR_UNSUPPORTED, "NVRTC %d.%d cannot produce cubins (11.1 or newer can)",
                    nv->major, nv->minor);
    char arch_opt[64];
    const char *opts[4];
    int n_opts = build_options(target, arch_opt, opts);

    char key[1024], tname[32];
    accel__cuda_target_name(target, tname, sizeof tname);
    int k = snprintf(key, sizeof key, "family=%s source=%016llx target=%s driver=%d nvrtc=%d.%d options=",
                     src->family, (unsigned long long)accel__hash64(src->text, src->len, 0), tname,
                     driver_version, nv->major, nv->minor);
    for (int i = 0; i < n_opts && k > 0 && (size_t)k < sizeof key; i++)
        k += snprintf(key + k, sizeof key - (size_t)k, "%s%s", i ? "," : "", opts[i]);
    RETURN_ERROR_IF(k < 0 || (size_t)k >= sizeof key, ACCEL_ERR_INTERNAL, "cache key too long");

    char dir[900];
    int cache_ok = accel__cache_path(ctx, "kernels/cuda", dir, sizeof dir) == ACCEL_OK;
    if (!cache_ok)
        ACCEL_LOG_DEBUG("CUDA kernel cache unavailable (%s); compiling without it",
                        accel__last_error_text());
    if (cache_ok) {
        snprintf(out->cache_file, sizeof out->cache_file, "%s/%s-%016llx.%s", dir, src->family,
                 (unsigned long long)accel__hash64(key, strlen(key), 0),
                 target.cubin ? "cubin" : "ptx");
        char why[256];
        if (cache_read(out->cache_file, key, out, why, sizeof why)) {
            out->from_cache = 1;
            ACCEL_LOG_DEBUG("CUDA kernels '%s' for %s from cache %s", src->family, tname,
                            out->cache_file);
            return ACCEL_OK;
        }
        if (why[0])
            ACCEL_LOG_WARN("kernel cache entry %s is not valid (%s); rebuilding it",
                           out->cache_file, why);
    }
    ACCEL_LOG_INFO("compiling CUDA kernels '%s' for %s with NVRTC %d.%d", src->family, tname,
                   nv->major, nv->minor);
    double t0 = accel__now_ms();
    FORWARD_IF_ERROR(compile(nv, src, target, opts, n_opts, out));
    ACCEL_LOG_DEBUG("NVRTC compiled '%s' for %s in %.1f ms (%zu bytes)", src->family, tname,
                    accel__now_ms() - t0, out->size);
    if (cache_ok && cache_write(out->cache_file, key, out) != ACCEL_OK) {
        ACCEL_LOG_DEBUG("cannot write kernel cache entry: %s", accel__last_error_text());
        out->cache_file[0] = '\0';
    }
    return ACCEL_OK;
}

void accel__cuda_image_free(accel__cuda_image *img)
{
    if (!img) return;
    free(img->data);
    img->data = NULL;
    img->size = 0;
}
