/* fuzz_cli_opts — the command line's option parser every verb shares
 * (tools/accel/cli_opts.c: cli_parse, and the suggestions of an unknown option), on a verb
 * table with every kind of option. The input is the arguments, separated by NUL bytes; its
 * first byte picks a verb that takes operands or one that takes none. Whatever the
 * arguments, a parse that succeeds holds only values the table allows: whole numbers and
 * numbers in their ranges, a choice among its choices, operands taken from the arguments.
 * Each argument is also read as the values some options hold beyond one number
 * (cli_parse_wxh: "224x224"; cli_parse_floats: ten landmarks): a value read is in its range,
 * finite and within a float's; a text refused leaves the outputs untouched.
 * The parser's messages go to standard error, which the run discards:
 * fuzz.sh flags: -close_fd_mask=3 -max_len=2048
 *
 * Seeds: command lines from docs/cli.md and the verbs' help (scripts/fuzz_seeds.sh). */
#include "fuzz.h"

/* the parser is part of the accel program, not of the library: compiled in here */
#include "../../tools/accel/cli_opts.c"

#include <float.h>
#include <math.h>

enum { O_OP, O_JSON, O_FORMAT, O_OUTPUT, O_ITER, O_SIZE, O_DEMO, O_GPU, O_CHUNKS, O_ANY, O_N };
static const cli_opt opts[] = {
    [O_OP] = CLI_OPT_OP("the operation"),
    [O_JSON] = CLI_OPT_JSON,
    [O_FORMAT] = CLI_OPT_FORMAT,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
    [O_ITER] = {"--iterations", "--iters|-n", CLI_INT, "N", "runs", 1, 1000000, NULL, 0},
    [O_SIZE] = {"--size", NULL, CLI_INT, "N", "no upper bound", 1, 0, NULL, 0},
    [O_DEMO] = {"--demo", NULL, CLI_NUM, "SECONDS", "optional value", 0, 3600, NULL,
                CLI_OPTIONAL_VALUE | CLI_MIN_EXCLUSIVE},
    [O_GPU] = {"--gpu", NULL, CLI_SWITCH, NULL, "a switch", 0, 0, NULL, 0},
    [O_CHUNKS] = {"--chunks", NULL, CLI_NUM, "S", "unbounded, optional", 0, -1, NULL,
                  CLI_OPTIONAL_VALUE | CLI_MIN_EXCLUSIVE},
    [O_ANY] = {"--padding", NULL, CLI_CHOICE, "M", "a choice", 0, 0, "openai|faster-whisper|none", 0},
};
static const cli_verb with_operands = {
    .name = "fuzz", .synopsis = "FILE... [options]", .opts = opts, .n_opts = O_N,
    .operands = "FILE...",
};
static const cli_verb options_only = {
    .name = "fuzz", .synopsis = "[options]", .opts = opts, .n_opts = O_N,
};

static int is_choice(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = choices; p;) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const cli_verb *v = data[0] & 1 ? &with_operands : &options_only;
    char *text = fuzz_cstr(data + 1, size - 1);
    char *argv[MAX_ARGS + 1] = {"fuzz"};
    int argc = 1;
    for (char *p = text; argc < MAX_ARGS && p <= text + (size - 1);) {
        argv[argc++] = p;
        p += strlen(p) + 1;
    }
    argv[argc] = NULL;
    for (int i = 1; i < argc; i++) {
        int w = -1, h = -1;
        if (cli_parse_wxh(argv[i], 1, 65536, &w, &h) == 0)
            FUZZ_CHECK(w >= 1 && w <= 65536 && h >= 1 && h <= 65536);
        else
            FUZZ_CHECK(w == -1 && h == -1);
        float f[10] = {-0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f};
        if (cli_parse_floats(argv[i], f, 10) == 0)
            for (int k = 0; k < 10; k++) FUZZ_CHECK(isfinite(f[k]) && fabsf(f[k]) <= FLT_MAX);
        else
            for (int k = 0; k < 10; k++) FUZZ_CHECK(f[k] == 0.0f && signbit(f[k]));
    }
    cli_args a;
    int rc = cli_parse(v, argc, argv, &a);
    FUZZ_CHECK(rc == CLI_OK || rc == CLI_HELP || rc == CLI_USAGE);
    if (rc == CLI_OK) {
        FUZZ_CHECK(a.n_operands <= (size_t)argc - 1);
        if (!v->operands) FUZZ_CHECK(a.n_operands == 0);
        for (size_t k = 0; k < a.n_operands; k++) {
            int found = 0;
            for (int i = 1; i < argc; i++) found |= a.operands[k] == argv[i];
            FUZZ_CHECK(found);
        }
        for (int k = 0; k < O_N; k++) {
            const cli_opt *o = &opts[k];
            const cli_value *val = &a.v[k];
            if (!val->set) continue;
            FUZZ_CHECK(val->as == o->name);
            if (o->type == CLI_FLAG || o->type == CLI_SWITCH) {
                FUZZ_CHECK(val->s == NULL && (val->on == 0 || val->on == 1));
                continue;
            }
            if (!val->s) { /* an optional value left out */
                FUZZ_CHECK(o->flags & CLI_OPTIONAL_VALUE);
                continue;
            }
            if (o->type == CLI_INT)
                FUZZ_CHECK(val->i >= o->min && (o->max < o->min || val->i <= o->max));
            if (o->type == CLI_NUM) {
                FUZZ_CHECK(isfinite(val->d));
                FUZZ_CHECK((o->flags & CLI_MIN_EXCLUSIVE) ? val->d > o->min : val->d >= o->min);
                FUZZ_CHECK(o->max < o->min || val->d <= o->max);
            }
            if (o->type == CLI_CHOICE) FUZZ_CHECK(is_choice(o->choices, val->s));
        }
    }
    cli_args_free(&a);
    free(text);
    return 0;
}
