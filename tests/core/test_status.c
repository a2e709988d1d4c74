/* Status list, strerror, version, the thread's last error, JSON escaping. */
#include "test.h"
#include "core/internal.h"

/* The detailed message belongs to the thread, whatever context (or none) a call used, as
 * accel.h says: a context-free call's failure is read with accel_last_error(NULL), and the
 * same text comes back through any context; another thread does not see it. */
static void *other_thread(void *arg)
{
    const char **seen = arg;
    *seen = accel_last_error(NULL);
    return NULL;
}

static void test_last_error_per_thread(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    accel_audio_params p;
    ASSERT_OK(accel_audio_params_preset("whisper-80", &p));
    p.sample_rate = 8000; /* whisper requires 16000 */
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "sample_rate");
    ASSERT_STR_EQ(accel_last_error(ctx), accel_last_error(NULL));
    const char *seen = "unset";
    pthread_t t;
    ASSERT_EQ_INT(pthread_create(&t, NULL, other_thread, &seen), 0);
    pthread_join(t, NULL);
    ASSERT_STR_EQ(seen, "");
    accel_ctx_destroy(ctx);
}

int main(void)
{
    ASSERT_STR_EQ(accel_strerror(ACCEL_OK), "success");
    ASSERT_STR_EQ(accel_strerror(ACCEL_ERR_DEVICE_OOM), "out of device memory");
    ASSERT_STR_EQ(accel_status_name(ACCEL_ERR_STRICT), "ERR_STRICT");
    ASSERT_STR_EQ(accel_strerror((accel_status)9999), "unknown status");
    /* codes are never renumbered */
    ASSERT_EQ_INT(ACCEL_ERR_CONFIG, 3);
    ASSERT_EQ_INT(ACCEL_ERR_INTERNAL, 17);
    ASSERT_EQ_INT(accel_version_number(), ACCEL_VERSION_NUMBER);
    ASSERT_STR_EQ(accel_version_string(), "0.1.0");

    accel_status s = ACCEL_ERROR(ACCEL_ERR_IO, "cannot open %s", "x.wav");
    ASSERT_EQ_INT(s, ACCEL_ERR_IO);
    ASSERT_STR_EQ(accel_last_error(NULL), "cannot open x.wav");
    accel__clear_error();
    ASSERT_STR_EQ(accel_last_error(NULL), "");

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    accel__json j;
    accel__json_init(&j, f, 0);
    accel__json_begin_object(&j, NULL);
    accel__json_str(&j, "a", "q\"\\\n\x01");
    accel__json_num(&j, "n", NAN);
    accel__json_begin_array(&j, "v");
    accel__json_int(&j, NULL, 1);
    accel__json_int(&j, NULL, 2);
    accel__json_end_array(&j);
    accel__json_end_object(&j);
    fclose(f);
    ASSERT_STR_EQ(buf, "{\"a\":\"q\\\"\\\\\\n\\u0001\",\"n\":null,\"v\":[1,2]}");
    free(buf);

    /* text that is not UTF-8 (a file name can be any bytes): each stray byte as Python's
     * surrogateescape reads it; well-formed sequences (2, 3 and 4 bytes) as they are */
    f = open_memstream(&buf, &len);
    accel__json_init(&j, f, 0);
    accel__json_str(&j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5 \xff\xfe "
                              "\xc3 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82");
    fclose(f);
    ASSERT_STR_EQ(buf, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5 \\udcff\\udcfe "
                       "\\udcc3 \\udcc0\\udcaf \\udced\\udca0\\udc80 "
                       "\\udcf4\\udc90\\udc80\\udc80 \\udce2\\udc82\"");
    free(buf);
    test_last_error_per_thread();
    TEST_DONE();
}
