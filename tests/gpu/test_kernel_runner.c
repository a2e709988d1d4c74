/* The kernel runner (tests/gpu/fake_gpu) on its own: every AK_KERNEL of the .kern files in
 * src/kernels is in its table with a consistent argument list; barriers hold the items of a group together;
 * AK_LOCAL_ARRAY memory is shared by a group, private to it and poisoned before it; geometry
 * and indices in three dimensions; divergent barriers, too much shared memory, wrong argument
 * counts and bad pointers are errors; threads run launches side by side. Built twice: with
 * the default switch between items and with ucontext (AKR_FIBER_UCONTEXT). */
#include "test.h"
#include "gpu/kernel_names.h"
#include "kernel_runner.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>

#include "dialect.h"

/* ---- kernels of this test -------------------------------------------------------------- */

#define WG 64

/* y = x reversed within each group of WG: only right when the barrier holds every item. */
AK_KERNEL void t_reverse(AK_GLOBAL float *y, AK_GLOBAL const float *x)
{
    AK_LOCAL_ARRAY(float, s, WG);
    int t = AK_LOCAL_ID(0), g = AK_GROUP_ID(0);
    s[t] = x[g * WG + t];
    AK_BARRIER();
    y[g * WG + t] = s[WG - 1 - t];
}

/* A tree sum in shared memory with a barrier per level, written by item 0. */
AK_KERNEL void t_tree_sum(AK_GLOBAL double *out, AK_GLOBAL const double *x, int n)
{
    AK_LOCAL_ARRAY(double, s, 1024);
    int t = AK_LOCAL_ID(0), nt = AK_LOCAL_SIZE(0);
    double a = 0.0;
    for (int i = t; i < n; i += nt) a += x[i];
    s[t] = a;
    AK_BARRIER();
    for (int w = nt / 2; w > 0; w >>= 1) {
        if (t < w) s[t] += s[t + w];
        AK_BARRIER();
    }
    if (t == 0) out[AK_GROUP_ID(0)] = s[0];
}

/* What shared memory holds before a group writes it (a GPU leaves it undefined). */
AK_KERNEL void t_peek(AK_GLOBAL unsigned *seen)
{
    AK_LOCAL_ARRAY(unsigned, s, WG);
    int t = AK_LOCAL_ID(0), g = AK_GROUP_ID(0);
    seen[g * WG + t] = s[t];
    AK_BARRIER();
    s[t] = 1000u + (unsigned)t; /* what the next group would see without the poison */
}

AK_KERNEL void t_ids(AK_GLOBAL int *out, int nx, int ny)
{
    int x = AK_GLOBAL_ID(0), y = AK_GLOBAL_ID(1), z = AK_GLOBAL_ID(2);
    int *o = out + 15 * ((z * ny + y) * nx + x);
    for (int d = 0; d < 3; d++) {
        o[d] = AK_GLOBAL_ID(d);
        o[3 + d] = AK_LOCAL_ID(d);
        o[6 + d] = AK_GROUP_ID(d);
        o[9 + d] = AK_LOCAL_SIZE(d);
        o[12 + d] = AK_NUM_GROUPS(d);
    }
}

/* Item 0 returns while the others wait: a divergent barrier. */
AK_KERNEL void t_early_return(AK_GLOBAL int *y)
{
    if (AK_LOCAL_ID(0) == 0) return;
    AK_BARRIER();
    y[AK_LOCAL_ID(0)] = 1;
}

/* Odd and even items wait at different barriers. */
AK_KERNEL void t_two_barriers(AK_GLOBAL int *y)
{
    if (AK_LOCAL_ID(0) % 2)
        AK_BARRIER();
    else
        AK_BARRIER();
    y[AK_LOCAL_ID(0)] = 1;
}

/* 40 KiB of shared memory. */
AK_KERNEL void t_big_shared(AK_GLOBAL float *y)
{
    AK_LOCAL_ARRAY(float, s, 10240);
    s[AK_LOCAL_ID(0)] = 1.0f;
    AK_BARRIER();
    y[AK_LOCAL_ID(0)] = s[0];
}

/* Order in which items run between barriers. */
static int order_log[2 * WG], order_n;
AK_KERNEL void t_order(void)
{
    order_log[order_n++] = AK_LOCAL_ID(0);
    AK_BARRIER();
    order_log[order_n++] = AK_LOCAL_ID(0);
}

/* ---- adapters: one work item of each ----------------------------------------------------- */

typedef struct {
    void *y, *x;
    int n, m;
} kargs;

static void b_reverse(void *p) { t_reverse(((kargs *)p)->y, ((kargs *)p)->x); }
static void b_tree_sum(void *p) { t_tree_sum(((kargs *)p)->y, ((kargs *)p)->x, ((kargs *)p)->n); }
static void b_peek(void *p) { t_peek(((kargs *)p)->y); }
static void b_ids(void *p) { t_ids(((kargs *)p)->y, ((kargs *)p)->n, ((kargs *)p)->m); }
static void b_early(void *p) { t_early_return(((kargs *)p)->y); }
static void b_two(void *p) { t_two_barriers(((kargs *)p)->y); }
static void b_big(void *p) { t_big_shared(((kargs *)p)->y); }
static void b_order(void *p) { (void)p; t_order(); }

static akr_launch geom(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                       unsigned bz)
{
    akr_launch l = {{gx, gy, gz}, {bx, by, bz}, 0, 49152, NULL, NULL, NULL};
    return l;
}

static char why[512];

/* ---- the table against the sources -------------------------------------------------------- */

static void table_matches_sources(void)
{
    DIR *d = opendir(ACCEL_TEST_KERNEL_DIR);
    ASSERT_TRUE(d != NULL);
    if (!d) return;
    size_t found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t k = strlen(e->d_name);
        if (k < 6 || strcmp(e->d_name + k - 5, ".kern") != 0) continue;
        char path[1024], names[8192];
        snprintf(path, sizeof path, "%s/%s", ACCEL_TEST_KERNEL_DIR, e->d_name);
        FILE *f = fopen(path, "rb");
        ASSERT_TRUE(f != NULL);
        if (!f) continue;
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        kernel_names(text, names, sizeof names);
        char *save = NULL;
        for (char *w = strtok_r(names, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            found++;
            if (akr_kernel_find(w) < 0)
                TEST_FAIL_("%s defines kernel %s, which the kernel runner's table (AKR_KERNELS) "
                           "lacks",
                           e->d_name, w);
        }
    }
    closedir(d);
    printf("%zu kernels in the sources, %zu in the runner's table\n", found, akr_kernel_count());
    ASSERT_EQ_INT(found, akr_kernel_count());
    for (size_t i = 0; i < akr_kernel_count(); i++)
        if (akr_kernel_arity(i) < 1)
            TEST_FAIL_("%s: its argument list does not number the arguments 0, 1, 2, …",
                       akr_kernel_name(i));
    ASSERT_EQ_INT(akr_kernel_arity((size_t)akr_kernel_find("ak_fill_f32")), 3);
    ASSERT_EQ_INT(akr_kernel_arity((size_t)akr_kernel_find("ak_audio_fbank_d")), 27);
}

/* ---- semantics ---------------------------------------------------------------------------- */

static void barrier_and_sharing(void)
{
    enum { G = 37 };
    float x[G * WG], y[G * WG];
    for (int i = 0; i < G * WG; i++) x[i] = (float)i, y[i] = -1.0f;
    kargs a = {y, x, 0, 0};
    akr_launch l = geom(G, 1, 1, WG, 1, 1);
    ASSERT_EQ_INT(akr_run_grid(b_reverse, &a, (void *)b_reverse, "t_reverse", &l, why, sizeof why),
                  AKR_OK);
    int wrong = 0;
    for (int g = 0; g < G; g++)
        for (int t = 0; t < WG; t++) wrong += y[g * WG + t] != x[g * WG + WG - 1 - t];
    ASSERT_EQ_INT(wrong, 0);

    /* 1024 items, 10 levels of barriers */
    enum { N = 100003 };
    static double xs[N];
    double out[3] = {0, 0, 0}, want = 0.0;
    for (int i = 0; i < N; i++) xs[i] = (double)(i % 1000) - 499.5, want += xs[i];
    kargs s = {out, xs, N, 0};
    l = geom(3, 1, 1, 1024, 1, 1);
    ASSERT_EQ_INT(akr_run_grid(b_tree_sum, &s, (void *)b_tree_sum, "t_tree_sum", &l, why,
                               sizeof why),
                  AKR_OK);
    for (int g = 0; g < 3; g++) ASSERT_NEAR(out[g], want, 1e-6 * N);
}

static void shared_is_poisoned(void)
{
    enum { G = 3 };
    unsigned seen[G * WG];
    kargs a = {seen, NULL, 0, 0};
    akr_launch l = geom(G, 1, 1, WG, 1, 1);
    ASSERT_EQ_INT(akr_run_grid(b_peek, &a, (void *)b_peek, "t_peek", &l, why, sizeof why), AKR_OK);
    int unpoisoned = 0;
    for (int i = 0; i < G * WG; i++) unpoisoned += seen[i] != 0xFFFFFFFFu;
    ASSERT_EQ_INT(unpoisoned, 0);
    /* and again in a second launch of the same kernel */
    ASSERT_EQ_INT(akr_run_grid(b_peek, &a, (void *)b_peek, "t_peek", &l, why, sizeof why), AKR_OK);
    for (int i = 0; i < G * WG; i++) unpoisoned += seen[i] != 0xFFFFFFFFu;
    ASSERT_EQ_INT(unpoisoned, 0);
}

static void ids_in_three_dimensions(void)
{
    enum { GX = 3, GY = 2, GZ = 2, BX = 4, BY = 3, BZ = 2 };
    enum { NX = GX * BX, NY = GY * BY, NZ = GZ * BZ };
    static int out[NX * NY * NZ * 15];
    memset(out, 0xFF, sizeof out);
    kargs a = {out, NULL, NX, NY};
    akr_launch l = geom(GX, GY, GZ, BX, BY, BZ);
    ASSERT_EQ_INT(akr_run_grid(b_ids, &a, (void *)b_ids, "t_ids", &l, why, sizeof why), AKR_OK);
    int wrong = 0;
    const int b[3] = {BX, BY, BZ}, g[3] = {GX, GY, GZ};
    for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++) {
                const int *o = out + 15 * ((z * NY + y) * NX + x), id[3] = {x, y, z};
                for (int d = 0; d < 3; d++)
                    wrong += o[d] != id[d] || o[3 + d] != id[d] % b[d] ||
                             o[6 + d] != id[d] / b[d] || o[9 + d] != b[d] || o[12 + d] != g[d];
            }
    ASSERT_EQ_INT(wrong, 0);
}

static void order_alternates(void)
{
    order_n = 0;
    akr_launch l = geom(1, 1, 1, WG, 1, 1);
    ASSERT_EQ_INT(akr_run_grid(b_order, NULL, (void *)b_order, "t_order", &l, why, sizeof why),
                  AKR_OK);
    ASSERT_EQ_INT(order_n, 2 * WG);
    int wrong = 0;
    for (int i = 0; i < WG; i++) wrong += order_log[i] != i || order_log[WG + i] != WG - 1 - i;
    ASSERT_EQ_INT(wrong, 0);
}

static void errors(void)
{
    int y[WG] = {0};
    kargs a = {y, NULL, 0, 0};
    akr_launch l = geom(2, 1, 1, WG, 1, 1);
    ASSERT_EQ_INT(akr_run_grid(b_early, &a, (void *)b_early, "t_early_return", &l, why, sizeof why),
                  AKR_DIVERGENT);
    printf("divergent: %s\n", why);
    ASSERT_CONTAINS(why, "t_early_return: divergent barrier in group (0, 0, 0)");
    ASSERT_CONTAINS(why, "63 of 64 items wait");
    ASSERT_EQ_INT(akr_run_grid(b_two, &a, (void *)b_two, "t_two_barriers", &l, why, sizeof why),
                  AKR_DIVERGENT);
    printf("divergent: %s\n", why);
    ASSERT_CONTAINS(why, "barriers on lines");
    /* the runner is usable after an abandoned launch */
    barrier_and_sharing();

    float f[WG];
    kargs b = {f, NULL, 0, 0};
    l = geom(1, 1, 1, WG, 1, 1);
    l.shared_limit = 65536;
    ASSERT_EQ_INT(akr_run_grid(b_big, &b, (void *)b_big, "t_big_shared", &l, why, sizeof why),
                  AKR_OK);
    ASSERT_TRUE(f[5] == 1.0f);
    l.shared_limit = 49152;
    l.dynamic_shared = 16384; /* 40 KiB static + 16 KiB: over 48 KiB */
    ASSERT_EQ_INT(akr_run_grid(b_big, &b, (void *)b_big, "t_big_shared", &l, why, sizeof why),
                  AKR_SHARED_LIMIT);
    printf("shared: %s\n", why);
    ASSERT_CONTAINS(why, "40960 static + 16384 dynamic");

    l = geom(1, 1, 1, 2048, 1, 1);
    ASSERT_EQ_INT(akr_run_grid(b_big, &b, (void *)b_big, "t_big_shared", &l, why, sizeof why),
                  AKR_BAD_ARGS);
}

static int in_buffer(const void *p, size_t bytes, void *user)
{
    const float *buf = user;
    const char *q = p;
    return q >= (const char *)buf && q + bytes <= (const char *)(buf + 100);
}

static void launch_by_name(void)
{
    float buf[101];
    for (int i = 0; i < 101; i++) buf[i] = -1.0f;
    uint64_t ptr = (uint64_t)(uintptr_t)buf;
    int n = 100;
    float v = 2.5f;
    void *params[4] = {&ptr, &n, &v, NULL};
    akr_launch l = geom(2, 1, 1, 64, 1, 1);
    l.params = params;
    l.device_memory = in_buffer;
    l.user = buf;
    ASSERT_EQ_INT(akr_launch_kernel("ak_fill_f32", &l, why, sizeof why), AKR_OK);
    int wrong = 0;
    for (int i = 0; i < 100; i++) wrong += buf[i] != 2.5f;
    ASSERT_EQ_INT(wrong, 0);
    ASSERT_TRUE(buf[100] == -1.0f);

    ASSERT_EQ_INT(akr_launch_kernel("ak_no_such", &l, why, sizeof why), AKR_NOT_FOUND);
    ASSERT_CONTAINS(why, "ak_no_such: no C build");
    void *two[3] = {&ptr, &n, NULL};
    l.params = two;
    ASSERT_EQ_INT(akr_launch_kernel("ak_fill_f32", &l, why, sizeof why), AKR_BAD_ARGS);
    ASSERT_CONTAINS(why, "launched with 2 arguments; it takes 3");
    void *four[5] = {&ptr, &n, &v, &n, NULL};
    l.params = four;
    ASSERT_EQ_INT(akr_launch_kernel("ak_fill_f32", &l, why, sizeof why), AKR_BAD_ARGS);
    ASSERT_CONTAINS(why, "more than 3 arguments");
    l.params = params;
    uint64_t outside = (uint64_t)(uintptr_t)&n;
    params[0] = &outside;
    ASSERT_EQ_INT(akr_launch_kernel("ak_fill_f32", &l, why, sizeof why), AKR_BAD_POINTER);
    ASSERT_CONTAINS(why, "ak_fill_f32: argument 0");
    uint64_t odd = ptr + 2;
    params[0] = &odd;
    ASSERT_EQ_INT(akr_launch_kernel("ak_fill_f32", &l, why, sizeof why), AKR_MISALIGNED);

    /* a real kernel with barriers: ak_reduce_ff's sum of one segment */
    enum { LEN = 5000 };
    static float x[LEN];
    float part[6] = {0};
    double want = 0.0;
    for (int i = 0; i < LEN; i++) x[i] = (float)((i * 7919) % 2001 - 1000) / 64.0f, want += x[i];
    uint64_t pp = (uint64_t)(uintptr_t)part, px = (uint64_t)(uintptr_t)x;
    long long x_base = 0, len = LEN, seg = 65536, segs = 1, first = 0, n_items = 1;
    int op = 0;
    void *rp[10] = {&pp, &px, &x_base, &len, &seg, &segs, &first, &n_items, &op, NULL};
    akr_launch rl = geom(1, 1, 1, 256, 1, 1);
    rl.params = rp;
    ASSERT_EQ_INT(akr_launch_kernel("ak_reduce_ff", &rl, why, sizeof why), AKR_OK);
    ASSERT_NEAR((double)part[1] + (double)part[2], want, 1e-9);
}

/* ---- threads ------------------------------------------------------------------------------ */

static void *thread_main(void *arg)
{
    enum { G = 200 };
    float *x = malloc(G * WG * sizeof *x), *y = malloc(G * WG * sizeof *y);
    long bad = -1;
    if (x && y) {
        for (int i = 0; i < G * WG; i++) x[i] = (float)i + (float)(uintptr_t)arg * 0.5f;
        kargs a = {y, x, 0, 0};
        akr_launch l = geom(G, 1, 1, WG, 1, 1);
        char w[256];
        bad = 0;
        for (int rep = 0; rep < 20; rep++) {
            if (akr_run_grid(b_reverse, &a, (void *)b_reverse, "t_reverse", &l, w, sizeof w))
                bad++;
            for (int g = 0; g < G; g++)
                for (int t = 0; t < WG; t++) bad += y[g * WG + t] != x[g * WG + WG - 1 - t];
        }
    }
    free(x);
    free(y);
    return (void *)bad;
}

static void threads_side_by_side(void)
{
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        ASSERT_EQ_INT(pthread_create(&th[i], NULL, thread_main, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(th[i], &r);
        ASSERT_EQ_INT((long)(intptr_t)r, 0);
    }
}

int main(void)
{
    printf("switch between items: %s\n", akr_switch_kind());
    table_matches_sources();
    barrier_and_sharing();
    shared_is_poisoned();
    ids_in_three_dimensions();
    order_alternates();
    errors();
    launch_by_name();
    threads_side_by_side();
    TEST_DONE();
}
