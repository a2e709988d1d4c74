/* The selection policy on a made-up machine: two NVIDIA GPUs of different generations, an
 * unusable AMD GPU, a PoCL-like OpenCL device sharing host memory, and the CPU. Settings
 * (ACCEL_BACKEND, ACCEL_DEVICE in every bus id spelling, ACCEL_ALL_GPU, ACCEL_<OP>_GPU,
 * ACCEL_STRICT) move, exclude or refuse, and --explain says which rule decided. */
#include "config_test.h"
#include "core/select.h"

#define GiB (1024ll * 1024 * 1024)

static void add(accel__devlist *l, accel_device_kind kind, const char *name, const char *bus,
                const char *arch, int cc_major, int cc_minor, int64_t free_bytes, int usable,
                int unified)
{
    accel__device *d = accel__devlist_add(l);
    d->info.kind = kind;
    d->info.routes = kind == ACCEL_KIND_CUDA   ? ACCEL_ROUTE_CUDA
                     : kind == ACCEL_KIND_ROCM ? ACCEL_ROUTE_HIP
                     : kind == ACCEL_KIND_CPU  ? ACCEL_ROUTE_CPU
                                               : ACCEL_ROUTE_OPENCL;
    accel__strlcpy(d->info.name, name, sizeof d->info.name);
    accel__strlcpy(d->info.pci_bus_id, bus, sizeof d->info.pci_bus_id);
    accel__strlcpy(d->info.arch, arch, sizeof d->info.arch);
    d->info.cc_major = cc_major;
    d->info.cc_minor = cc_minor;
    d->info.mem_free = free_bytes;
    d->info.mem_total = free_bytes + GiB;
    d->info.usable = usable;
    d->info.unified_memory = unified;
    accel__strlcpy(d->info.verdict, usable ? "usable" : "unusable: hipInit failed: no ROCm runtime",
                   sizeof d->info.verdict);
}

/* A context with the made-up devices, in discovery order (not policy order), CPU last. With
 * `gpus` 0 the machine has only PoCL (an OpenCL device on the host CPU) and the CPU. */
static accel_ctx *machine_of(const accel_option *opts, size_t n, int gpus)
{
    accel_ctx *ctx;
    if (make_ctx(&ctx, opts, n) != ACCEL_OK) return NULL;
    accel__devlist l = {0};
    add(&l, ACCEL_KIND_OPENCL, "pthread-Intel Xeon", "", "OpenCL 3.0 PoCL", -1, -1, 20 * GiB, 1, 1);
    if (!gpus) l.v[0].info.host_cpu = 1;
    if (gpus) {
        add(&l, ACCEL_KIND_CUDA, "NVIDIA A100-SXM4-80GB", "0000:41:00.0", "sm_80", 8, 0, 70 * GiB, 1, 0);
        add(&l, ACCEL_KIND_ROCM, "AMD Instinct MI210", "0000:c3:00.0", "gfx90a", -1, -1, 60 * GiB, 0, 0);
        add(&l, ACCEL_KIND_CUDA, "NVIDIA H100 80GB HBM3", "0000:01:00.0", "sm_90", 9, 0, 40 * GiB, 1, 0);
        add(&l, ACCEL_KIND_CUDA, "NVIDIA H100 PCIe", "0000:02:00.0", "sm_90", 9, 0, 75 * GiB, 1, 0);
    }
    /* replace the context's own CPU-only list */
    accel__device cpu = ctx->devs[ctx->n_devs - 1];
    pthread_mutex_destroy(&ctx->devs[ctx->n_devs - 1].lock);
    if (cpu.opened && cpu.ops && cpu.ops->close) cpu.ops->close(&ctx->devs[ctx->n_devs - 1]);
    free(ctx->devs);
    accel__device *c = accel__devlist_add(&l);
    *c = cpu;
    c->opened = 0;
    for (size_t i = 0; i < l.n; i++) {
        l.v[i].info.index = (int)i;
        l.v[i].ctx = ctx;
        pthread_mutex_init(&l.v[i].lock, NULL);
    }
    ctx->devs = l.v;
    ctx->n_devs = l.n;
    return ctx;
}

static accel_ctx *machine(const accel_option *opts, size_t n) { return machine_of(opts, n, 1); }

/* A request for a kind the machine lacks runs where auto runs: on a machine with PoCL and the
 * CPU, ACCEL_BACKEND=cuda gives the CPU (auto excludes PoCL, so the request must not bring it
 * back), with one warning per context; naming PoCL still selects it; strict refuses. */
static void test_absent_kind(void)
{
    accel_option cuda = {"ACCEL_BACKEND", "cuda"};
    accel_ctx *ctx = machine_of(&cuda, 1, 0);
    ASSERT_TRUE(ctx != NULL);
    if (!ctx) return;
    accel__selection sel;
    ASSERT_OK(accel__select_order(ctx, NULL, &sel));
    ASSERT_EQ_INT(sel.chosen, 1);
    ASSERT_CONTAINS(sel.warning, "ACCEL_BACKEND=cuda (api): requested device unavailable (no such "
                                 "device on this machine)");
    ASSERT_EQ_INT(sel.logged, 1);
    ASSERT_OK(accel__select_order(ctx, "convert", &sel)); /* the next operation: no second line */
    ASSERT_EQ_INT(sel.chosen, 1);
    ASSERT_EQ_INT(sel.logged, 0);
    ASSERT_OK(accel__select_order(ctx, NULL, &sel));
    ASSERT_EQ_INT(sel.logged, 0);
    accel_ctx_destroy(ctx);

    /* auto: the same CPU, and PoCL excluded "under auto" */
    ctx = machine_of(NULL, 0, 0);
    ASSERT_OK(accel__select_order(ctx, NULL, &sel));
    ASSERT_EQ_INT(sel.chosen, 1);
    ASSERT_CONTAINS(sel.c[0].rule, "excluded under auto: runs on the host CPU");
    accel_ctx_destroy(ctx);

    /* settings that name PoCL select it */
    accel_option ocl = {"ACCEL_BACKEND", "opencl"};
    ctx = machine_of(&ocl, 1, 0);
    ASSERT_OK(accel__select_order(ctx, NULL, &sel));
    ASSERT_EQ_INT(sel.chosen, 0);
    ASSERT_STR_EQ(sel.warning, "");
    accel_ctx_destroy(ctx);
    accel_option dev0 = {"ACCEL_DEVICE", "0"};
    ctx = machine_of(&dev0, 1, 0);
    ASSERT_OK(accel__select_order(ctx, NULL, &sel));
    ASSERT_EQ_INT(sel.chosen, 0);
    accel_ctx_destroy(ctx);

    /* strict: an error naming the request, nothing chosen */
    accel_option strict[] = {{"ACCEL_BACKEND", "cuda"}, {"ACCEL_STRICT", "1"}};
    ctx = machine_of(strict, 2, 0);
    ASSERT_STATUS(accel__select_order(ctx, NULL, &sel), ACCEL_ERR_STRICT);
    ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_BACKEND=cuda (api): requested device "
                                            "unavailable (no such device on this machine); "
                                            "ACCEL_STRICT=1 (api) forbids using another");
    accel_ctx_destroy(ctx);
}

/* Device indices in selection order, as "4 3 1 0 5 2". */
static void order(accel_ctx *ctx, const char *op, char *buf, size_t cap, accel_status *st)
{
    accel__selection sel;
    *st = accel__select_order(ctx, op, &sel);
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sel.n; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%d%s", i ? " " : "", sel.c[i].index,
                              sel.c[i].eligible ? "" : "x");
}

static void expect_choice(const accel_option *opts, size_t n, const char *op, int want,
                          const char *want_order, const char *rule)
{
    accel_ctx *ctx = machine(opts, n);
    ASSERT_TRUE(ctx != NULL);
    if (!ctx) return;
    char got[128];
    accel_status st;
    order(ctx, op, got, sizeof got, &st);
    ASSERT_OK(st);
    if (want_order) ASSERT_STR_EQ(got, want_order);
    accel__selection sel;
    accel__select_order(ctx, op, &sel);
    ASSERT_EQ_INT(sel.chosen, want);
    if (rule) ASSERT_CONTAINS(sel.c[0].rule, rule);
    accel_ctx_destroy(ctx);
}

/* accel_select_candidates() gives what accel__select_order() decided, element by element,
 * walked with the caller's struct_size; a failed selection still lists the candidates. */
static void test_candidates(void)
{
    accel_ctx *ctx = machine(NULL, 0);
    accel__selection sel;
    ASSERT_OK(accel__select_order(ctx, "whisper", &sel));
    accel_candidate c[8];
    for (int i = 0; i < 8; i++) c[i].struct_size = sizeof c[i];
    size_t n = 0;
    char warning[64] = "x";
    ASSERT_OK(accel_select_candidates(ctx, "whisper-80", c, 8, &n, warning, sizeof warning));
    ASSERT_EQ_INT(n, sel.n);
    ASSERT_STR_EQ(warning, "");
    int chosen = 0;
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ_INT(c[i].index, sel.c[i].index);
        ASSERT_TRUE(c[i].score == sel.c[i].score);
        ASSERT_EQ_INT(c[i].eligible, sel.c[i].eligible);
        ASSERT_STR_EQ(c[i].rule, sel.c[i].rule);
        ASSERT_EQ_INT(c[i].chosen, sel.c[i].index == sel.chosen);
        chosen += c[i].chosen;
        if (!c[i].eligible) ASSERT_CONTAINS(c[i].rule, "excluded");
    }
    ASSERT_EQ_INT(chosen, 1);
    ASSERT_EQ_INT(c[0].chosen, 1);
    /* fewer slots than devices: the first ones, and the count of all */
    n = 0;
    ASSERT_OK(accel_select_candidates(ctx, NULL, c, 2, &n, NULL, 0));
    ASSERT_EQ_INT(n, sel.n);
    /* a larger element (a program built against a later header) is walked by its size */
    struct later {
        accel_candidate c;
        double extra;
    } big[8];
    for (int i = 0; i < 8; i++) big[i].c.struct_size = sizeof big[i], big[i].extra = -7;
    ASSERT_OK(accel_select_candidates(ctx, "whisper", &big[0].c, 8, &n, NULL, 0));
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ_INT(big[i].c.index, sel.c[i].index);
        ASSERT_TRUE(big[i].extra == -7);
    }
    /* bad arguments and names */
    ASSERT_STATUS(accel_select_candidates(ctx, NULL, NULL, 1, &n, NULL, 0), ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(accel_select_candidates(ctx, NULL, c, 1, NULL, NULL, 0), ACCEL_ERR_INVALID_ARG);
    c[0].struct_size = 8;
    ASSERT_STATUS(accel_select_candidates(ctx, NULL, c, 1, &n, NULL, 0), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "struct_size 8");
    c[0].struct_size = sizeof c[0];
    ASSERT_STATUS(accel_select_candidates(ctx, "whisper80", c, 8, &n, NULL, 0), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "did you mean 'whisper-80'");
    ASSERT_OK(accel_select_candidates(ctx, NULL, NULL, 0, &n, NULL, 0)); /* the count alone */
    ASSERT_EQ_INT(n, sel.n);
    accel_ctx_destroy(ctx);
    /* strict refusal: the candidates and the warning say why, none is chosen */
    accel_option o[2] = {{"ACCEL_BACKEND", "rocm"}, {"ACCEL_STRICT", "1"}};
    ctx = machine(o, 2);
    ASSERT_STATUS(accel_select_candidates(ctx, NULL, c, 8, &n, warning, sizeof warning),
                  ACCEL_ERR_STRICT);
    ASSERT_EQ_INT(n, 6);
    ASSERT_CONTAINS(warning, "ACCEL_BACKEND=rocm (api): requested device"); /* cut to its cap */
    ASSERT_EQ_INT(strlen(warning), sizeof warning - 1);
    for (size_t i = 0; i < n; i++) ASSERT_EQ_INT(c[i].chosen, 0);
    ASSERT_CONTAINS(accel_last_error(NULL), "forbids using another");
    accel_ctx_destroy(ctx);
}

int main(void)
{
    cli_isolate_env();
    /* Policy: generation first (H100s sm_90 before the A100 sm_80), then free memory (the
     * H100 PCIe with 75 GiB before the SXM with 40), then the device sharing host memory;
     * the unusable MI210 is listed but excluded; the CPU always last. */
    expect_choice(NULL, 0, NULL, 4, "4 3 1 0 2x 5", "policy: generation 9.0 (sm_90), 75.0 GiB free");

    accel_option cpu = {"ACCEL_BACKEND", "cpu"};
    expect_choice(&cpu, 1, NULL, 5, NULL, "chosen by ACCEL_BACKEND=cpu (api)");
    accel_option ocl = {"ACCEL_BACKEND", "opencl"};
    expect_choice(&ocl, 1, NULL, 0, NULL, "chosen by ACCEL_BACKEND=opencl (api)");
    /* ACCEL_DEVICE as index, sysfs bus id, CUDA's 8-digit domain, no domain */
    accel_option by_index = {"ACCEL_DEVICE", "1"};
    expect_choice(&by_index, 1, NULL, 1, NULL, "chosen by ACCEL_DEVICE=1 (api)");
    const char *spellings[] = {"0000:41:00.0", "00000000:41:00.0", "41:00.0", "0000:41:00.0"};
    for (size_t i = 0; i < 4; i++) {
        accel_option o = {"ACCEL_DEVICE", spellings[i]};
        expect_choice(&o, 1, NULL, 1, NULL, "chosen by ACCEL_DEVICE=");
    }
    /* ACCEL_DEVICE wins over ACCEL_BACKEND */
    accel_option both[] = {{"ACCEL_BACKEND", "cpu"}, {"ACCEL_DEVICE", "3"}};
    expect_choice(both, 2, NULL, 3, NULL, "chosen by ACCEL_DEVICE=3");
    /* GPUs off: the CPU, every GPU excluded with the setting named */
    accel_option no_gpu = {"ACCEL_ALL_GPU", "0"};
    expect_choice(&no_gpu, 1, NULL, 5, "4x 3x 1x 0x 2x 5", "excluded: ACCEL_ALL_GPU=0 (api)");
    accel_option op_off = {"ACCEL_CONVERT_GPU", "false"};
    expect_choice(&op_off, 1, "convert", 5, "4x 3x 1x 0x 2x 5", "excluded: ACCEL_CONVERT_GPU=false (api)");
    expect_choice(&op_off, 1, "reduce", 4, NULL, NULL); /* only convert is switched off */

    /* requested but unusable or absent: a warning and the next device; refused when strict */
    const char *asks[][2] = {{"ACCEL_BACKEND", "rocm"}, {"ACCEL_DEVICE", "0000:c3:00.0"},
                             {"ACCEL_DEVICE", "17"}, {"ACCEL_BACKEND", "metal"}};
    for (size_t i = 0; i < 4; i++) {
        accel_option o[2] = {{asks[i][0], asks[i][1]}, {"ACCEL_STRICT", "1"}};
        accel_ctx *ctx = machine(o, 1);
        accel__selection sel;
        ASSERT_OK(accel__select_order(ctx, NULL, &sel));
        ASSERT_EQ_INT(sel.chosen, 4);
        ASSERT_CONTAINS(sel.warning, asks[i][1]);
        ASSERT_CONTAINS(sel.warning, "requested device unavailable");
        accel_ctx_destroy(ctx);
        ctx = machine(o, 2);
        ASSERT_STATUS(accel__select_order(ctx, NULL, &sel), ACCEL_ERR_STRICT);
        ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_STRICT=1 (api) forbids using another");
        size_t idx = 99;
        char *text = NULL;
        ASSERT_STATUS(accel_select(ctx, NULL, &idx, &text), ACCEL_ERR_STRICT);
        ASSERT_EQ_INT(idx, 99);
        ASSERT_CONTAINS(text, "chosen: none");
        ASSERT_CONTAINS(accel_last_error(NULL), "forbids using another");
        free(text);
        accel_ctx_destroy(ctx);
    }
    /* the unusable device's verdict is its rule */
    accel_option rocm = {"ACCEL_BACKEND", "rocm"};
    accel_ctx *ctx = machine(&rocm, 1);
    size_t idx;
    char *text = NULL;
    ASSERT_OK(accel_select(ctx, NULL, &idx, &text));
    ASSERT_EQ_INT(idx, 4);
    ASSERT_CONTAINS(text, "ACCEL_BACKEND    rocm         api");
    ASSERT_CONTAINS(text, "excluded: unusable: hipInit failed: no ROCm runtime");
    ASSERT_CONTAINS(text, "warning: ACCEL_BACKEND=rocm (api): requested device unavailable");
    ASSERT_CONTAINS(text, "* 4  cuda   NVIDIA H100 PCIe");
    ASSERT_CONTAINS(text, "score  1900.752");
    ASSERT_CONTAINS(text, "chosen: device 4 (NVIDIA H100 PCIe)");
    free(text);
    /* an operation whose switch is longer than the other keys: the settings stay one table
     * (docs/cli.md), every value in the same column */
    ASSERT_OK(accel_select(ctx, "image_quality", &idx, &text));
    ASSERT_CONTAINS(text, "  ACCEL_BACKEND           rocm         api\n");
    ASSERT_CONTAINS(text, "  ACCEL_IMAGE_QUALITY_GPU (unset)      default\n");
    free(text);
    ASSERT_STATUS(accel_select(ctx, "no_such_op", &idx, NULL), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "unknown operation 'no_such_op'");
    accel_ctx_destroy(ctx);
    test_absent_kind();
    test_candidates();
    TEST_DONE();
}
