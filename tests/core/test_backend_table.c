/* The backend table (src/core/backends.c): names and aliases, kinds and routes, the values
 * ACCEL_BACKEND allows, and the API version check — a backend whose descriptor or ops table
 * was built against another backend API is refused by context creation with a message naming
 * both versions, and its devices are not listed. */
#include "test.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

/* ---- a backend built elsewhere: one device, ops table of a given version ---------------- */

static int discovered;

static accel_status fake_discover(accel_ctx *ctx, accel__devlist *out, bool no_cache)
{
    (void)ctx;
    (void)no_cache;
    discovered++;
    accel__device *d = accel__devlist_add(out);
    if (!d) return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    d->info.kind = ACCEL_KIND_OPENCL;
    d->info.usable = 1;
    snprintf(d->info.name, sizeof d->info.name, "an elsewhere device");
    d = accel__devlist_add(out); /* and one the discoverer judged unusable */
    if (!d) return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    d->info.kind = ACCEL_KIND_OPENCL;
    snprintf(d->info.verdict, sizeof d->info.verdict, "unusable: no driver");
    return ACCEL_OK;
}

static accel__backend_ops ops_v_current = {.api_version = ACCEL__BACKEND_API, .name = "elsewhere"};
static accel__backend_ops ops_v_old = {.api_version = ACCEL__BACKEND_API - 1, .name = "elsewhere"};

static void names(void)
{
    static const struct {
        const char *name, *canonical;
        accel_device_kind kind;
    } want[] = {
        {"cuda", "cuda", ACCEL_KIND_CUDA},   {"CUDA", "cuda", ACCEL_KIND_CUDA},
        {"rocm", "rocm", ACCEL_KIND_ROCM},   {"hip", "rocm", ACCEL_KIND_ROCM},
        {"HIP", "rocm", ACCEL_KIND_ROCM},    {"opencl", "opencl", ACCEL_KIND_OPENCL},
        {"metal", "metal", ACCEL_KIND_METAL}, {"mps", "metal", ACCEL_KIND_METAL},
        {"cpu", "cpu", ACCEL_KIND_CPU},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const accel__backend_desc *d = accel__backend_find(want[i].name);
        ASSERT_TRUE(d != NULL);
        if (!d) continue;
        ASSERT_STR_EQ(d->name, want[i].canonical);
        ASSERT_EQ_INT(d->kind, want[i].kind);
        ASSERT_STR_EQ(accel_device_kind_name(want[i].kind), want[i].canonical);
        ASSERT_TRUE(accel__backend_of_kind(want[i].kind) == d);
    }
    ASSERT_TRUE(accel__backend_find("gpux") == NULL);
    ASSERT_TRUE(accel__backend_find(NULL) == NULL);
    ASSERT_STR_EQ(accel_device_kind_name((accel_device_kind)99), "unknown");
    ASSERT_STR_EQ(accel__backend_of_route(ACCEL_ROUTE_HIP)->name, "rocm");
    ASSERT_STR_EQ(accel__backend_of_route(ACCEL_ROUTE_CUDA)->name, "cuda");
    ASSERT_TRUE(accel__backend_of_route(0) == NULL);
    /* a device's backend index is its runtime's ordinal (accel_device_ordinal) for the native
     * GPU APIs only; OpenCL packs a platform/device pair there */
    ASSERT_EQ_INT(accel__backend_find("cuda")->ordinals, 1);
    ASSERT_EQ_INT(accel__backend_find("rocm")->ordinals, 1);
    ASSERT_EQ_INT(accel__backend_find("opencl")->ordinals, 0);
    ASSERT_EQ_INT(accel__backend_find("cpu")->ordinals, 0);
    /* the caller-memory slots come all three or none (core/device_mem.c relies on it): the GPU
     * backends have them, the CPU and OpenCL do not */
    for (size_t i = 0; i < accel__backend_count(); i++) {
        const accel__backend_ops *o = accel__backend_at(i)->ops;
        if (!o) continue;
        int n = !!o->mem_alloc + !!o->mem_free + !!o->buffer_wrap;
        int gpu = strcmp(o->name, "cuda") == 0 || strcmp(o->name, "rocm") == 0;
        if (n != (gpu ? 3 : 0))
            TEST_FAIL_("backend %s fills %d of the 3 caller-memory slots, not %d", o->name, n,
                       gpu ? 3 : 0);
    }

    char buf[200];
    accel__backend_names(buf, sizeof buf, "|", 1);
    ASSERT_STR_EQ(buf, "cuda|rocm|opencl|metal|cpu (hip = rocm, mps = metal)");
    accel__backend_names(buf, sizeof buf, ", ", 0);
    ASSERT_STR_EQ(buf, "cuda, rocm, opencl, metal, cpu");
    accel__backend_names(buf, 8, "|", 1); /* cut, still terminated */
    ASSERT_STR_EQ(buf, "cuda|ro");

    /* the CPU is last and the host; every built entry's ops table has the table's name */
    size_t n = accel__backend_count();
    ASSERT_TRUE(n >= 2);
    ASSERT_EQ_INT(accel__backend_at(n - 1)->host, 1);
    ASSERT_TRUE(accel__backend_at(n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const accel__backend_desc *d = accel__backend_at(i);
        accel_status st = accel__backend_check(d);
        printf("backend %-6s %s\n", d->name, st == ACCEL_OK ? "built in" : accel_last_error(NULL));
        if (d->ops) {
            ASSERT_OK(st);
            ASSERT_STR_EQ(d->ops->name, d->name);
            ASSERT_EQ_INT(d->ops->api_version, ACCEL__BACKEND_API);
        } else {
            ASSERT_STATUS(st, ACCEL_ERR_NOT_BUILT_IN);
            ASSERT_CONTAINS(accel_last_error(NULL), d->name);
        }
    }
}

/* One word of --device, as every verb, bench's list and Python's device= read it. */
static void device_words(void)
{
    static const struct {
        const char *word;
        int several;
        accel__device_word_what what;
        long index;
        const char *kind, *refused; /* refused: NULL when read */
    } want[] = {
        {NULL, 0, ACCEL__DEVICE_AUTO, -1, NULL, NULL},
        {"Auto", 0, ACCEL__DEVICE_AUTO, -1, NULL, NULL},
        {"HIP", 0, ACCEL__DEVICE_KIND, -1, "rocm", NULL},
        {"mps", 0, ACCEL__DEVICE_KIND, -1, "metal", NULL},
        {"0", 0, ACCEL__DEVICE_INDEX, 0, NULL, NULL},
        {"012", 0, ACCEL__DEVICE_INDEX, 12, NULL, NULL},
        {"0000:01:00.0", 0, ACCEL__DEVICE_BUS, -1, NULL, NULL},
        {"00000000:0A:1f.7", 0, ACCEL__DEVICE_BUS, -1, NULL, NULL},
        {"01:00.0", 1, ACCEL__DEVICE_BUS, -1, NULL, NULL},
        {"all", 1, ACCEL__DEVICE_ALL, -1, NULL, NULL},
        {"GPU", 1, ACCEL__DEVICE_GPU, -1, NULL, NULL},
        {"all", 0, 0, -1, NULL, "names several devices, as only `accel bench` takes"},
        {"gpu", 0, 0, -1, NULL, "names several devices, as only `accel bench` takes"},
        {"", 1, 0, -1, NULL, "an empty device name"},
        {"-1", 0, 0, -1, NULL, "a device index is 0 or more"},
        {"+1", 1, 0, -1, NULL, "a device index is digits only"},
        {" 1", 0, 0, -1, NULL, "unknown device"},
        {"99999999999999999999", 0, 0, -1, NULL, "no device has an index this large"},
        {"01:00", 0, 0, -1, NULL, "not a PCI bus id ([DOMAIN:]BUS:DEVICE.FUNCTION, hexadecimal)"},
        {"0:100:00.0", 1, 0, -1, NULL, "not a PCI bus id ([DOMAIN:]BUS:DEVICE.FUNCTION, hexadecimal)"},
        {"tpu", 1, 0, -1, NULL, "unknown device"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        accel__device_word w;
        const char *why = accel__device_word_read(want[i].word, want[i].several, &w);
        if (want[i].refused) {
            ASSERT_STR_EQ(why ? why : "(read)", want[i].refused);
            continue;
        }
        ASSERT_STR_EQ(why ? why : "(read)", "(read)");
        ASSERT_EQ_INT(w.what, want[i].what);
        ASSERT_EQ_INT(w.index, want[i].index);
        ASSERT_STR_EQ(w.kind ? w.kind->name : "(none)", want[i].kind ? want[i].kind : "(none)");
    }
}

static void versions(void)
{
    accel__backend_desc d = {.api_version = ACCEL__BACKEND_API, .name = "elsewhere",
                             .label = "Elsewhere", .kind = ACCEL_KIND_OPENCL,
                             .discover = fake_discover, .ops = &ops_v_current};
    ASSERT_OK(accel__backend_check(&d));

    char want[160];
    d.api_version = ACCEL__BACKEND_API + 1;
    ASSERT_STATUS(accel__backend_check(&d), ACCEL_ERR_INTERNAL);
    snprintf(want, sizeof want, "backend 'elsewhere' was built against backend API %d, this "
             "library speaks %d: refused", ACCEL__BACKEND_API + 1, ACCEL__BACKEND_API);
    ASSERT_CONTAINS(accel_last_error(NULL), want);

    d.api_version = ACCEL__BACKEND_API;
    d.ops = &ops_v_old;
    ASSERT_STATUS(accel__backend_check(&d), ACCEL_ERR_INTERNAL);
    snprintf(want, sizeof want, "its ops table was built against backend API %d, this library "
             "speaks %d", ACCEL__BACKEND_API - 1, ACCEL__BACKEND_API);
    ASSERT_CONTAINS(accel_last_error(NULL), want);
    ASSERT_STATUS(accel__backend_check(NULL), ACCEL_ERR_INVALID_ARG);
}

/* What context creation does with each entry of the table. */
static void discovery(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) return;
    accel__backend_desc d = {.api_version = ACCEL__BACKEND_API, .name = "elsewhere",
                             .label = "Elsewhere", .kind = ACCEL_KIND_OPENCL,
                             .discover = fake_discover, .ops = &ops_v_current};
    accel__devlist l = {0};
    size_t host = 0;

    /* the current version: its devices are listed, the usable one gets the ops table */
    discovered = 0;
    ASSERT_OK(accel__discover_backend(ctx, &d, &l, true, &host));
    ASSERT_EQ_INT(discovered, 1);
    ASSERT_EQ_INT(l.n, 2);
    if (l.n == 2) {
        ASSERT_TRUE(l.v[0].backend == &d && l.v[1].backend == &d);
        ASSERT_TRUE(l.v[0].ops == &ops_v_current);
        ASSERT_TRUE(l.v[1].ops == NULL);
    }
    ASSERT_EQ_INT(host, 0);
    accel__devlist_free(&l);

    /* another version: refused before its discoverer runs, the others go on (ACCEL_OK) */
    d.ops = &ops_v_old;
    discovered = 0;
    accel__clear_error();
    ASSERT_OK(accel__discover_backend(ctx, &d, &l, true, &host));
    ASSERT_EQ_INT(discovered, 0);
    ASSERT_EQ_INT(l.n, 0);
    ASSERT_CONTAINS(accel_last_error(NULL), "backend 'elsewhere': its ops table was built "
                                            "against backend API");
    /* as the host backend, a refusal is the context's failure */
    d.host = 1;
    ASSERT_STATUS(accel__discover_backend(ctx, &d, &l, true, &host), ACCEL_ERR_INTERNAL);
    accel__devlist_free(&l);

    /* not built: skipped, no message needed, nothing listed */
    accel__backend_desc metal = *accel__backend_find("metal");
    ASSERT_OK(accel__discover_backend(ctx, &metal, &l, true, &host));
    ASSERT_EQ_INT(l.n, 0);
    accel__devlist_free(&l);
    accel_ctx_destroy(ctx);

    /* the devices of a real context carry their backend; ACCEL_BACKEND=hip is rocm */
    accel_option opt = {"ACCEL_BACKEND", "HIP"};
    ASSERT_OK(accel_ctx_create(&ctx, &opt, 1, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) return;
    const char *value = NULL, *source = NULL;
    ASSERT_OK(accel_config_get(ctx, "ACCEL_BACKEND", &value, &source));
    ASSERT_STR_EQ(value, "rocm");
    ASSERT_STR_EQ(source, "api");
    for (size_t i = 0; i < ctx->n_devs; i++) {
        ASSERT_TRUE(ctx->devs[i].backend != NULL);
        if (ctx->devs[i].backend)
            ASSERT_STR_EQ(ctx->devs[i].backend->name, accel_device_kind_name(ctx->devs[i].info.kind));
    }
    accel_ctx_destroy(ctx);
}

int main(void)
{
    names();
    device_words();
    versions();
    discovery();
    TEST_DONE();
}
