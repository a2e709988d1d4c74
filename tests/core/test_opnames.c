/* One vocabulary of operation names (core/opnames.h): a preset ("whisper-80") and a family
 * ("whisper") resolve to the same operation for accel_select, accel_plan_batch and the
 * benchmark engine, which prints the name it was given; an unknown name is refused with a
 * suggestion and the names allowed; --image-size values parse or are refused, and a case with
 * make_image receives the size. Now that the planner knows "whisper", the audio streams' chunk
 * length takes its plan as a ceiling only: 60 s on a roomy host, shorter where memory is
 * short, ACCEL_CHUNK_SECONDS when set. */
#include "test.h"
#include "core/opnames.h"
#include "ops/audio/audio_internal.h"

static void test_resolve(void)
{
    accel__op_ref r;
    ASSERT_OK(accel__op_resolve("whisper", &r));
    ASSERT_STR_EQ(r.op->name, "whisper");
    ASSERT_STR_EQ(r.pre->op, "whisper-80"); /* the family's default preset */
    ASSERT_STR_EQ(r.name, "whisper");
    ASSERT_OK(accel__op_resolve("whisper-128", &r));
    ASSERT_STR_EQ(r.op->name, "whisper");
    ASSERT_STR_EQ(r.pre->op, "whisper-128");
    /* "fbank" is the 23-band preset of accel_audio_params_preset, not fbank-80 */
    ASSERT_OK(accel__op_resolve("fbank", &r));
    ASSERT_STR_EQ(r.op->name, "fbank");
    ASSERT_STR_EQ(r.pre->op, "fbank");
    ASSERT_OK(accel__op_resolve("convert-f16", &r));
    ASSERT_STR_EQ(r.op->name, "convert");
    ASSERT_OK(accel__op_resolve("empty", &r));
    ASSERT_STR_EQ(r.op->name, "empty");

    ASSERT_STATUS(accel__op_resolve("whisper80", &r), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "unknown operation 'whisper80'; did you mean 'whisper-80'?");
    /* grouped by operation, registry order; cases outside the registry ("empty") last */
    ASSERT_CONTAINS(accel_last_error(NULL), "allowed: convert (convert-f16), reduce, noop, "
                                            "whisper (whisper-80, whisper-128), vggish, fbank "
                                            "(fbank-80)");
    ASSERT_CONTAINS(accel_last_error(NULL), ", empty");
    ASSERT_STATUS(accel__op_resolve("zzzzzz", &r), ACCEL_ERR_NOT_FOUND);
    ASSERT_TRUE(strstr(accel_last_error(NULL), "did you mean") == NULL);
    ASSERT_STATUS(accel__op_resolve("", &r), ACCEL_ERR_NOT_FOUND);
}

static void test_nearest(void)
{
    const char *verbs[] = {"audio", "bench", "cache", "config", "devices", "doctor", "plan",
                           "select", "stats", "version"};
    size_t n = sizeof verbs / sizeof *verbs;
    ASSERT_STR_EQ(accel__nearest_name("docter", verbs, n), "doctor");
    ASSERT_STR_EQ(accel__nearest_name("devcies", verbs, n), "devices"); /* a transposition */
    ASSERT_STR_EQ(accel__nearest_name("stat", verbs, n), "stats");
    ASSERT_STR_EQ(accel__nearest_name("Bench", verbs, n), "bench");
    ASSERT_STR_EQ(accel__nearest_name("vers", verbs, n), "version"); /* a unique prefix */
    ASSERT_TRUE(accel__nearest_name("xyzzy", verbs, n) == NULL);
    ASSERT_TRUE(accel__nearest_name("", verbs, n) == NULL);
    const char *opts[] = {"--iterations", "--item-size", "--image-size", "--op"};
    ASSERT_STR_EQ(accel__nearest_name("--iteration", opts, 4), "--iterations");
    ASSERT_STR_EQ(accel__nearest_name("--iter", opts, 4), "--iterations");
    ASSERT_TRUE(accel__nearest_name("--i", opts, 4) == NULL); /* too short to be a prefix */
}

static void test_library_calls(void)
{
    accel_option cpu = {"ACCEL_BACKEND", "cpu"};
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, &cpu, 1, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP));
    if (!ctx) return;
    size_t a = 99, b = 98;
    char *text = NULL;
    ASSERT_OK(accel_select(ctx, "whisper-80", &a, &text));
    ASSERT_CONTAINS(text, "operation: whisper-80");
    ASSERT_CONTAINS(text, "ACCEL_WHISPER_GPU"); /* settings are per operation */
    free(text);
    ASSERT_OK(accel_select(ctx, "whisper", &b, NULL));
    ASSERT_EQ_INT(a, b);
    ASSERT_STATUS(accel_select(ctx, "whisper-81", &a, NULL), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "did you mean 'whisper-80'");

    accel_plan p1 = {.struct_size = sizeof p1}, p2 = {.struct_size = sizeof p2};
    ASSERT_OK(accel_plan_batch(ctx, "whisper", 0, -1, 0, &p1));
    ASSERT_OK(accel_plan_batch(ctx, "whisper-80", 0, -1, 0, &p2));
    ASSERT_EQ_INT(p1.bytes_per_item, p2.bytes_per_item);
    ASSERT_EQ_INT(p1.bytes_fixed, p2.bytes_fixed);
    ASSERT_STATUS(accel_plan_batch(ctx, "nosuch", 0, -1, 0, &p1), ACCEL_ERR_NOT_FOUND);

    /* the engine prints the names it was given */
    const char *ops[] = {"whisper", "convert-f16"};
    accel__bench_opts o = {.ops = ops, .n_ops = 2, .size = "1", .iterations = 1, .warmup = 0,
                           .devices = "cpu", .bandwidth_bytes = 1 << 16};
    accel__bench_report *r = NULL;
    ASSERT_OK(accel__bench_run(ctx, &o, &r));
    if (r) {
        ASSERT_EQ_INT(r->n_results, 2);
        ASSERT_STR_EQ(r->results[0].op, "whisper");
        ASSERT_STR_EQ(r->results[1].op, "convert-f16");
        accel__bench_report_free(r);
    }
    accel_ctx_destroy(ctx);
}

/* an image case: the engine hands it the --image-size */
static int seen_w, seen_h;

typedef struct {
    size_t n;
} img_call;

static size_t img_items(const void *call) { return ((const img_call *)call)->n; }
static accel_status img_run(accel__device *d, void *call, size_t b, size_t e)
{
    (void)d, (void)call, (void)b, (void)e;
    return ACCEL_OK;
}
static accel_status img_run_device(accel__devq *q, void *call, size_t b, size_t e)
{
    (void)q, (void)call, (void)b, (void)e;
    return ACCEL_OK;
}
static const accel__op img_op = {.name = "image_test", .n_items = img_items, .run_cpu = img_run,
                                 .run_device = img_run_device};
static const accel__op *img_get(void) { return &img_op; }
static accel_status img_make(size_t items, size_t item_size, void **call, size_t *in, size_t *out)
{
    (void)item_size;
    img_call *c = malloc(sizeof *c);
    c->n = items;
    *call = c;
    *in = *out = 0;
    return ACCEL_OK;
}
static accel_status img_make_image(size_t items, int w, int h, void **call, size_t *in,
                                   size_t *out)
{
    seen_w = w;
    seen_h = h;
    return img_make(items, 0, call, in, out);
}
static const accel__bench_case img_case = {.op = "image_test",
                                           .about = "test image case",
                                           .sizes = {1, 2, 3},
                                           .get_op = img_get,
                                           .make = img_make,
                                           .destroy = free,
                                           .make_image = img_make_image};

static void test_image_size(void)
{
    int w = 0, h = 0;
    /* the named sizes are issue 9's: 640×480, 1920×1080, 3840×2160 */
    ASSERT_EQ_INT(accel__bench_parse_image_size("small", &w, &h), 0);
    ASSERT_EQ_INT(w, 640);
    ASSERT_EQ_INT(h, 480);
    ASSERT_EQ_INT(accel__bench_parse_image_size("medium", &w, &h), 0);
    ASSERT_EQ_INT(w, 1920);
    ASSERT_EQ_INT(h, 1080);
    ASSERT_EQ_INT(accel__bench_parse_image_size("large", &w, &h), 0);
    ASSERT_EQ_INT(w, 3840);
    ASSERT_EQ_INT(h, 2160);
    ASSERT_EQ_INT(accel__bench_parse_image_size("1920x1080", &w, &h), 0);
    ASSERT_EQ_INT(w, 1920);
    ASSERT_EQ_INT(h, 1080);
    const char *bad[] = {"huge", "0x10", "10x0", "x10", "10x", "10x10x10", "-5x5", "5 x5",
                         "16385x1", "99999999999999999999x1", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (accel__bench_parse_image_size(bad[i], &w, &h) != -1)
            TEST_FAIL_("--image-size '%s' was accepted as %dx%d", bad[i], w, h);
    }
    ASSERT_TRUE(!accel__bench_takes_image_size(accel__bench_case_find("convert")));
    ASSERT_OK(accel__bench_case_add(&img_case));
    ASSERT_TRUE(accel__bench_takes_image_size(accel__bench_case_find("image_test")));

    accel_option cpu = {"ACCEL_BACKEND", "cpu"};
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, &cpu, 1, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP));
    if (!ctx) return;
    const char *ops[] = {"image_test"};
    accel__bench_opts o = {.ops = ops, .n_ops = 1, .size = "small", .iterations = 1,
                           .devices = "cpu", .image_width = 640, .image_height = 480,
                           .bandwidth_bytes = 1 << 16};
    accel__bench_report *r = NULL;
    ASSERT_OK(accel__bench_run(ctx, &o, &r));
    ASSERT_EQ_INT(seen_w, 640);
    ASSERT_EQ_INT(seen_h, 480);
    accel__bench_report_free(r);
    accel_ctx_destroy(ctx);
}

static double chunk_with(const char *key, const char *value, const char *op, accel_status want)
{
    accel_option o = {key, value};
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, &o, key ? 1 : 0, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP));
    if (!ctx) return -1;
    double s = -1;
    ASSERT_STATUS(accel__audio_chunk_seconds(ctx, op, 1200, 16000, 60.0, &s), want);
    accel_ctx_destroy(ctx);
    return s;
}

static void test_chunk_ceiling(void)
{
    ASSERT_NEAR(chunk_with(NULL, NULL, "whisper", ACCEL_OK), 60.0, 1e-9); /* the default */
    ASSERT_NEAR(chunk_with("ACCEL_CHUNK_SECONDS", "120", "whisper", ACCEL_OK), 120.0, 1e-9);
    /* about 2.3 MB: whisper needs 1.1 MB + 97 kB per second, so a chunk of ~10 s fits */
    double s = chunk_with("ACCEL_MEMORY_LIMIT_GB", "0.0023", "whisper", ACCEL_OK);
    ASSERT_TRUE(s > 1 && s < 30);
    /* an operation no one has is the caller's mistake, not a plan for the default length */
    chunk_with(NULL, NULL, "whisperr", ACCEL_ERR_NOT_FOUND);
}

int main(void)
{
    test_resolve();
    test_nearest();
    test_library_calls();
    test_image_size();
    test_chunk_ceiling();
    TEST_DONE();
}
