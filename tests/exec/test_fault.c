/* ACCEL_FAULT: the syntax (good and bad values, with the message a bad one gets), when a rule
 * fires (Nth call, N+, every call), the status and text of each kind, that the CPU never
 * fails and is not counted, and exact counting under several threads. */
#include "test.h"
#include "fake.h"
#include "core/fault.h"

static accel_status make(const char *fault, accel_ctx **ctx)
{
    accel_option o = {"ACCEL_FAULT", fault};
    *ctx = NULL;
    return accel_ctx_create(ctx, &o, 1, ACCEL_CTX_NO_DISCOVERY);
}

static void test_syntax(void)
{
    static const char *const good[] = {
        "oom@alloc:3",          "launch@op:convert",  "lost@copy:2",
        "kernel@launch:2+",     "unavailable@open",   "oom@alloc, lost@copy:2",
        "kernel@op:fbank_80:1", "oom@op:a.b-c_d:10+", "",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        accel_ctx *ctx;
        accel_status st = make(good[i], &ctx);
        if (st != ACCEL_OK)
            TEST_FAIL_("ACCEL_FAULT=%s rejected: %s", good[i], accel_last_error(NULL));
        accel_ctx_destroy(ctx);
    }
    static const struct {
        const char *value, *why;
    } bad[] = {
        {"oom", "missing '@'"},
        {"oom@", "unknown site ''"},
        {"fire@alloc", "unknown kind 'fire'"},
        {"oom@gpu", "unknown site 'gpu'"},
        {"oom@alloc:0", "must be ≥ 1"},
        {"oom@alloc:x", "not a call number"},
        {"oom@alloc:3x", "not a call number"},
        {"oom@alloc:3:4", "not a call number"},
        {"oom@op:", "needs an operation name"},
        {"oom@op:conv!ert", "unexpected '!ert'"},
        {"oom@alloc,", "empty item after the last ','"},
        {",oom@alloc", "empty item"},
        {"oom@alloc,,lost@copy", "empty item"},
        {"OOM@alloc", "unknown kind 'OOM'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        accel_ctx *ctx;
        accel_status st = make(bad[i].value, &ctx);
        if (st != ACCEL_ERR_CONFIG) {
            TEST_FAIL_("ACCEL_FAULT=%s accepted", bad[i].value);
            accel_ctx_destroy(ctx);
            continue;
        }
        const char *msg = accel_last_error(NULL);
        char want[128];
        snprintf(want, sizeof want, "ACCEL_FAULT=%s (from api)", bad[i].value);
        ASSERT_CONTAINS(msg, want);
        ASSERT_CONTAINS(msg, bad[i].why);
        ASSERT_CONTAINS(msg, "allowed: KIND@SITE[:N]");
    }
    /* more rules than the table holds */
    char many[1024] = "";
    for (int i = 0; i < ACCEL__FAULT_MAX_RULES + 1; i++)
        strcat(many, i ? ",oom@alloc" : "oom@alloc");
    accel__fault_rule rules[ACCEL__FAULT_MAX_RULES];
    char why[256];
    ASSERT_EQ_INT(accel__fault_parse(many, rules, ACCEL__FAULT_MAX_RULES, why, sizeof why), -1);
    ASSERT_CONTAINS(why, "more than 16 items");
    ASSERT_EQ_INT(accel__fault_parse("kernel@op:convert:4+", rules, 4, why, sizeof why), 1);
    ASSERT_STR_EQ(rules[0].site, "op:convert");
    ASSERT_EQ_INT(rules[0].kind, ACCEL__FAULT_KERNEL);
    ASSERT_EQ_INT(rules[0].nth, 4);
    ASSERT_EQ_INT(rules[0].from_nth, 1);
}

/* Statuses of `calls` checks at `site` on a fake device under rule `fault`. */
static void sequence(const char *fault, const char *site, int calls, const accel_status *want)
{
    accel_ctx *ctx;
    ASSERT_OK(make(fault, &ctx));
    if (!ctx) return;
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    for (int i = 0; i < calls; i++) {
        /* the CPU is never failed and never counted */
        ASSERT_OK(accel__fault_check(ctx, accel__cpu_device(ctx), site));
        accel_status st = accel__fault_check(ctx, &ctx->devs[0], site);
        if (st != want[i])
            TEST_FAIL_("ACCEL_FAULT=%s, %s call %d: saw %s, want %s", fault, site, i + 1,
                       accel_status_name(st), accel_status_name(want[i]));
    }
    accel_ctx_destroy(ctx);
}

static void test_firing(void)
{
    const accel_status O = ACCEL_OK, M = ACCEL_ERR_DEVICE_OOM, K = ACCEL_ERR_KERNEL,
                       L = ACCEL_ERR_DEVICE_LOST, U = ACCEL_ERR_UNAVAILABLE;
    sequence("oom@alloc:3", "alloc", 5, (accel_status[]){O, O, M, O, O});
    sequence("oom@alloc:2+", "alloc", 4, (accel_status[]){O, M, M, M});
    sequence("oom@alloc", "alloc", 3, (accel_status[]){M, M, M});
    sequence("oom@alloc", "copy", 3, (accel_status[]){O, O, O});
    sequence("launch@launch:1", "launch", 2, (accel_status[]){K, O});
    sequence("kernel@op:convert", "op:convert", 2, (accel_status[]){K, K});
    sequence("kernel@op:convert", "op:reduce", 2, (accel_status[]){O, O});
    sequence("lost@copy:2", "copy", 3, (accel_status[]){O, L, O});
    sequence("unavailable@open", "open", 1, (accel_status[]){U});
    /* two rules on one site share its counter */
    sequence("oom@alloc:2,lost@alloc:4", "alloc", 5, (accel_status[]){O, M, O, L, O});

    /* the message reads like the real failure and names the setting */
    accel_ctx *ctx;
    ASSERT_OK(make("oom@alloc:1", &ctx));
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    ASSERT_STATUS(accel__fault_check(ctx, &ctx->devs[0], "alloc"), ACCEL_ERR_DEVICE_OOM);
    ASSERT_CONTAINS(accel_last_error(ctx), "out of memory (injected by ACCEL_FAULT=oom@alloc:1");
    accel_ctx_destroy(ctx);
    /* no ACCEL_FAULT: nothing fires */
    ASSERT_OK(make("", &ctx));
    fake_attach(ctx, &f, 1, 1);
    ASSERT_OK(accel__fault_check(ctx, &ctx->devs[0], "alloc"));
    accel_ctx_destroy(ctx);
}

typedef struct {
    accel_ctx *ctx;
    int fired;
} targ;

static void *checker(void *p)
{
    targ *a = p;
    for (int i = 0; i < 1000; i++)
        if (accel__fault_check(a->ctx, &a->ctx->devs[0], "alloc") != ACCEL_OK) a->fired++;
    return NULL;
}

static void test_threads(void)
{
    accel_ctx *ctx;
    ASSERT_OK(make("oom@alloc:2500,oom@alloc:4000+", &ctx));
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    pthread_t t[4];
    targ a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (targ){ctx, 0};
        pthread_create(&t[i], NULL, checker, &a[i]);
    }
    int fired = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        fired += a[i].fired;
    }
    ASSERT_EQ_INT(fired, 2); /* call 2500 and call 4000, exactly once each */
    accel_ctx_destroy(ctx);
}

int main(void)
{
    test_syntax();
    test_firing();
    test_threads();
    TEST_DONE();
}
