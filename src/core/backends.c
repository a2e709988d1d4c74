/* backends.c — the backend table: every backend accel knows, in discovery order.
 *
 * Everything that names a backend reads it: the values ACCEL_BACKEND allows and their
 * aliases (config.c), what ACCEL_BACKEND selects (select.c), the kinds `accel bench --device`
 * takes (bench.c), the discoverers a context runs and the ops table its devices get
 * (context.c), accel_device_kind_name(), and the CLI's names for kinds and routes. Adding a
 * backend is one entry here plus its folders: src/backends/<name>/ (the ops table) and a
 * discoverer in src/discover/.
 *
 * Order: native GPU APIs first (CUDA, then ROCm), then the generic OpenCL, whose entry for a
 * card that a native API also reaches is folded into the native one; Metal, named but not
 * built (ACCEL_BACKEND=metal is a valid request that finds no device); the CPU last.
 *
 * One name per backend: the AMD backend is "rocm" (ACCEL_KIND_ROCM, ACCEL_BACKEND=rocm,
 * GPU_BACKEND=rocm), reached through the HIP API (ACCEL_ROUTE_HIP); "hip" is accepted as an
 * alias wherever a backend is named, and shown nowhere. Likewise "mps" for metal. */
#include "core/backend.h"
#include "core/opnames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const accel__backend_desc table[] = {
    {
        .api_version = ACCEL__BACKEND_API,
        .name = "cuda",
        .label = "CUDA",
        .kind = ACCEL_KIND_CUDA,
        .route = ACCEL_ROUTE_CUDA,
        .discover = accel__discover_cuda,
        .ops = &accel__backend_cuda,
        .ordinals = 1,
        .sample = accel__sample_nvml,
    },
    {
        .api_version = ACCEL__BACKEND_API,
        .name = "rocm",
        .aliases = {"hip"},
        .label = "ROCm",
        .kind = ACCEL_KIND_ROCM,
        .route = ACCEL_ROUTE_HIP,
        .discover = accel__discover_rocm,
        .ops = &accel__backend_hip,
        .ordinals = 1,
        .sample = accel__sample_drm,
    },
    {
        .api_version = ACCEL__BACKEND_API,
        .name = "opencl",
        .label = "OpenCL",
        .kind = ACCEL_KIND_OPENCL,
        .route = ACCEL_ROUTE_OPENCL,
        .discover = accel__discover_opencl,
        .ops = &accel__backend_opencl,
        .generic = 1,
        .sample = accel__sample_drm, /* a GPU that only OpenCL reaches (Intel, AMD without HIP) */
    },
    {
        .api_version = ACCEL__BACKEND_API,
        .name = "metal",
        .aliases = {"mps"},
        .label = "Metal",
        .kind = ACCEL_KIND_METAL,
        .not_built = "Apple Metal needs macOS; this library has no Metal backend",
    },
    {
        .api_version = ACCEL__BACKEND_API,
        .name = "cpu",
        .label = "CPU",
        .kind = ACCEL_KIND_CPU,
        .route = ACCEL_ROUTE_CPU,
        .discover = accel__discover_cpu,
        .ops = &accel__backend_cpu,
        .host = 1,
        .sample = accel__sample_cpu,
    },
};

#define N_BACKENDS (sizeof table / sizeof *table)

size_t accel__backend_count(void) { return N_BACKENDS; }

const accel__backend_desc *accel__backend_at(size_t i) { return i < N_BACKENDS ? &table[i] : NULL; }

const accel__backend_desc *accel__backend_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < N_BACKENDS; i++) {
        if (strcasecmp(table[i].name, name) == 0) return &table[i];
        for (const char *const *a = table[i].aliases; *a; a++)
            if (strcasecmp(*a, name) == 0) return &table[i];
    }
    return NULL;
}

const accel__backend_desc *accel__backend_of_kind(accel_device_kind kind)
{
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (table[i].kind == kind) return &table[i];
    return NULL;
}

const accel__backend_desc *accel__backend_of_route(unsigned route)
{
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (route && table[i].route == route) return &table[i];
    return NULL;
}

void accel__backend_names(char *buf, size_t cap, const char *sep, int aliases)
{
    size_t k = 0;
    if (!cap) return;
    buf[0] = '\0';
#define PUT(...)                                                                            \
    do {                                                                                    \
        if (k < cap) k += (size_t)snprintf(buf + k, cap - k, __VA_ARGS__);                  \
    } while (0)
    for (size_t i = 0; i < N_BACKENDS; i++) PUT("%s%s", i ? sep : "", table[i].name);
    if (!aliases) return;
    int any = 0;
    for (size_t i = 0; i < N_BACKENDS; i++)
        for (const char *const *a = table[i].aliases; *a; a++)
            PUT("%s%s = %s", any++ ? ", " : " (", *a, table[i].name);
    if (any) PUT(")");
#undef PUT
}

const char *accel__device_nearest(const char *word, int several)
{
    const char *words[3 + N_BACKENDS];
    size_t n = 0;
    words[n++] = "auto";
    if (several) {
        words[n++] = "all";
        words[n++] = "gpu";
    }
    for (size_t i = 0; i < N_BACKENDS; i++) words[n++] = table[i].name;
    return word && *word ? accel__nearest_name(word, words, n) : NULL;
}

const char *accel__device_word_read(const char *word, int several, accel__device_word *w)
{
    *w = (accel__device_word){ACCEL__DEVICE_AUTO, NULL, -1};
    if (!word || strcasecmp(word, "auto") == 0) return NULL;
    if (!*word) return "an empty device name";
    const char *p = word + (*word == '-' || *word == '+');
    size_t digits = strspn(p, "0123456789");
    if (digits && !p[digits]) {
        /* digits only: "-1", "+1" and " 1" are no index `accel devices` prints */
        if (*word == '-') return "a device index is 0 or more";
        if (*word == '+') return "a device index is digits only";
        errno = 0;
        long v = strtol(word, NULL, 10);
        /* past 2^63 - 1 ACCEL_DEVICE refuses it: refused here in --device's words */
        if (errno == ERANGE) return "no device has an index this large";
        *w = (accel__device_word){ACCEL__DEVICE_INDEX, NULL, v};
        return NULL;
    }
    int all = strcasecmp(word, "all") == 0, gpu = strcasecmp(word, "gpu") == 0;
    if (all || gpu) {
        if (!several) return "names several devices, as only `accel bench` takes";
        w->what = all ? ACCEL__DEVICE_ALL : ACCEL__DEVICE_GPU;
        return NULL;
    }
    const accel__backend_desc *kind = accel__backend_find(word); /* a name or alias */
    if (kind) {
        *w = (accel__device_word){ACCEL__DEVICE_KIND, kind, -1};
        return NULL;
    }
    uint64_t bus;
    if (accel__pci_bus_id_parse(word, &bus) == 0) {
        w->what = ACCEL__DEVICE_BUS;
        return NULL;
    }
    if (strchr(word, ':')) return "not a PCI bus id ([DOMAIN:]BUS:DEVICE.FUNCTION, hexadecimal)";
    return "unknown device";
}

accel_status accel__backend_check(const accel__backend_desc *d)
{
    RETURN_ERROR_IF(!d, ACCEL_ERR_INVALID_ARG, "backend descriptor is NULL");
    RETURN_ERROR_IF(d->api_version != ACCEL__BACKEND_API, ACCEL_ERR_INTERNAL,
                    "backend '%s' was built against backend API %d, this library speaks %d: "
                    "refused (rebuild the backend with this library)",
                    d->name, d->api_version, ACCEL__BACKEND_API);
    RETURN_ERROR_IF(!d->discover || !d->ops, ACCEL_ERR_NOT_BUILT_IN, "backend '%s': %s", d->name,
                    d->not_built ? d->not_built : "not built into this library");
    RETURN_ERROR_IF(d->ops->api_version != ACCEL__BACKEND_API, ACCEL_ERR_INTERNAL,
                    "backend '%s': its ops table was built against backend API %d, this library "
                    "speaks %d: refused (rebuild the backend with this library)",
                    d->name, d->ops->api_version, ACCEL__BACKEND_API);
    return ACCEL_OK;
}

const char *accel_device_kind_name(accel_device_kind kind)
{
    const accel__backend_desc *d = accel__backend_of_kind(kind);
    return d ? d->name : "unknown";
}
